/* unigram.c - HuggingFace's Unigram model (unigram.h). */
#include "unigram.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/utf8.h"
#include "piece_trie.h"

struct unigram {
    piece_trie trie;        /* every piece -> its id */
    double *score;          /* (n) */
    uint32_t n;
    double unk_score;       /* min_score - 10 */
    int64_t unk_id;         /* -1: none */
    int byte_fallback;
    int32_t byte_id[256];   /* <0xNN> ids, -1 when missing */
};

struct node {
    double score;           /* best total of a path ending here */
    int64_t start;          /* its last piece's start; -1: unreached */
    int64_t id;             /* its last piece (unk_id for the unknown) */
};

int unigram_new(unigram **out, uint32_t n, const uint8_t *const *piece, const uint32_t *len,
                const double *score, int64_t unk_id, int byte_fallback, tb_error *err)
{
    *out = NULL;
    if (n == 0)
        return tb_fail(err, TB_EINPUT, "model Unigram: the vocab is empty");
    if (unk_id >= (int64_t)n)
        return tb_fail(err, TB_EINPUT, "model Unigram: unk_id %lld is not in the vocab of %u",
                       (long long)unk_id, n);
    unigram *u = tb_calloc(1, sizeof *u, err);
    if (!u)
        return TB_EINPUT;
    size_t total = 0;
    for (uint32_t k = 0; k < n; k++)
        total += len[k];
    u->score = tb_malloc(n * sizeof *u->score, err);
    if (!u->score || piece_trie_init(&u->trie, total, err)) {
        unigram_free(u);
        return TB_EINPUT;
    }
    u->n = n;
    double min = INFINITY;
    for (uint32_t k = 0; k < n; k++) {
        if (len[k] == 0) {
            unigram_free(u);
            return tb_fail(err, TB_EINPUT, "model Unigram: vocab[%u] is an empty piece", k);
        }
        int32_t was = piece_trie_add(&u->trie, piece[k], len[k], (int32_t)k);
        if (was >= 0) {
            unigram_free(u);
            return tb_fail(err, TB_EINPUT, "model Unigram: vocab[%u] '%.*s' is already vocab[%d]",
                           k, (int)(len[k] > 60 ? 60 : len[k]), (const char *)piece[k], was);
        }
        u->score[k] = score[k];
        if (score[k] < min)
            min = score[k];
    }
    u->unk_score = min - 10.0;
    u->unk_id = unk_id < 0 ? -1 : unk_id;
    u->byte_fallback = byte_fallback;
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        u->byte_id[b] = piece_trie_find(&u->trie, name, 6);
    }
    *out = u;
    return TB_OK;
}

void unigram_free(unigram *u)
{
    if (!u)
        return;
    piece_trie_release(&u->trie);
    free(u->score);
    free(u);
}

int32_t unigram_id(const unigram *u, const void *p, size_t n)
{
    return piece_trie_find(&u->trie, p, n);
}

void unigram_scratch_release(unigram_scratch *s)
{
    free(s->best);
    free(s->ends);
    memset(s, 0, sizeof *s);
}

/* The string w[a, b) as HF's tokenize gives it: its id, or byte fallback,
 * or unk. */
static int emit_string(const unigram *u, const uint8_t *w, size_t a, size_t b, unigram_emit emit,
                       void *ctx, tb_error *err)
{
    int32_t id = piece_trie_find(&u->trie, w + a, b - a);
    if (id >= 0) {
        emit(ctx, (uint32_t)id, a);
        return TB_OK;
    }
    if (u->byte_fallback) {
        int all = 1;
        for (size_t i = a; i < b; i++)
            all &= u->byte_id[w[i]] >= 0;
        if (all) {
            for (size_t i = a; i < b; i++)
                emit(ctx, (uint32_t)u->byte_id[w[i]], a);
            return TB_OK;
        }
    }
    if (u->unk_id < 0) {
        int32_t cp = 0;
        utf8_decode(w + a, b - a, &cp);
        return tb_fail(err, TB_EINPUT, "U+%04X at byte %zu has no piece and the model has no "
                       "unk_id", (unsigned)cp, a + 1);
    }
    emit(ctx, (uint32_t)u->unk_id, a);
    return TB_OK;
}

int unigram_encode(const unigram *u, const uint8_t *w, size_t n, unigram_scratch *s,
                   unigram_emit emit, void *ctx, tb_error *err)
{
    if (n + 1 > s->cap) {
        size_t nc = s->cap ? s->cap : 256;
        while (nc < n + 1)
            nc *= 2;
        struct node *b = tb_realloc(s->best, nc * sizeof *b, err);
        if (!b)
            return TB_EINPUT;
        s->best = b;
        uint32_t *e = tb_realloc(s->ends, nc * sizeof *e, err);
        if (!e)
            return TB_EINPUT;
        s->ends = e;
        s->cap = nc;
    }
    if (n > UINT32_MAX - 1)
        return tb_fail(err, TB_EINPUT, "a word of %zu bytes is too long", n);
    struct node *best = s->best;
    for (size_t i = 0; i <= n; i++) {
        best[i].score = 0.0;
        best[i].start = -1;
        best[i].id = -1;
    }
    for (size_t start = 0; start < n;) {
        double till_here = best[start].score;
        int32_t cp;
        size_t mblen = (size_t)utf8_decode(w + start, n - start, &cp);
        if (mblen == 0)
            mblen = 1;
        int has_single = 0;
        uint32_t node = 0;
        for (size_t key = start; key < n;) {
            node = piece_trie_child(&u->trie, node, w[key]);
            key++;
            if (!node)
                break;
            int32_t id = piece_trie_id(&u->trie, node);
            if (id < 0)
                continue;
            double cand = u->score[id] + till_here;
            struct node *tn = &best[key];
            if (tn->start < 0 || cand > tn->score) {
                tn->score = cand;
                tn->start = (int64_t)start;
                tn->id = id;
            }
            if (key - start == mblen)
                has_single = 1;
        }
        if (!has_single) {
            if (u->unk_id < 0)
                return tb_fail(err, TB_EINPUT,
                               "U+%04X at byte %zu has no piece and the model has no unk_id",
                               (unsigned)cp, start + 1);
            struct node *tn = &best[start + mblen];
            double cand = u->unk_score + till_here;
            if (tn->start < 0 || cand > tn->score) {
                tn->score = cand;
                tn->start = (int64_t)start;
                tn->id = u->unk_id;
            }
        }
        start += mblen;
    }
    /* the path back; a run of unknowns is one string */
    size_t np = 0;
    for (size_t end = n; end > 0; end = (size_t)best[end].start)
        s->ends[np++] = (uint32_t)end;
    for (size_t j = np; j-- > 0;) {
        size_t end = s->ends[j], st = (size_t)best[end].start;
        if (best[end].id == u->unk_id) {
            while (j > 0 && best[s->ends[j - 1]].id == u->unk_id)
                end = s->ends[--j];
        }
        if (emit_string(u, w, st, end, emit, ctx, err))
            return TB_EINPUT;
    }
    return TB_OK;
}
