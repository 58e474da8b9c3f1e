/* graphemes.c - the grapheme scheme: one token per extended grapheme cluster
 * (UAX #29 as implemented by utf8proc).
 *
 * Vocabulary: ids 0..255 are the byte fallback (id = byte value); id 256 + k
 * is the k-th distinct cluster of the TRAIN split of the context's corpus
 * and language (all languages when ctx->lang is -1, "joint"), clusters
 * ordered by descending count, ties by bytes (memcmp; a proper prefix sorts
 * first). A cluster that is not in the vocabulary is encoded as its UTF-8
 * bytes, and those ids (< 256) are fallback. Clustering restarts at the start
 * of every text, for training and for encoding alike.
 *
 * Cache: with ctx->cache_dir set the vocabulary is stored in
 * <cache_dir>/<manifest hash>/<lang or "joint">/graphemes.vocab and loaded
 * from there next time. The file is written atomically (afile) by
 * counted_vocab.h, the reader and writer it shares with symbol:, and has this
 * format (byte-exact; counts and lengths are decimal ASCII):
 *
 *     tokbench graphemes vocab 1\n
 *     clusters <n>\n
 *     <count> <len> <len bytes of the cluster>\n      (n lines, in id order)
 *
 * Line k (from 0) is id 256 + k. The cluster bytes are raw UTF-8 and may
 * themselves contain any character (a cluster is never "\n" alone in a
 * corpus, but the length prefix makes the format independent of that). A
 * file that does not parse exactly, or whose entries are not single valid
 * clusters in vocabulary order, is ignored and the vocabulary is rebuilt and
 * rewritten; a cache that cannot be written is skipped (the vocabulary is the
 * same either way), so the cache never changes results. */
#include "tokenizer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "../common/strset.h"
#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "counted_vocab.h"

#define GRAPHEMES_VOCAB_MAGIC "tokbench graphemes vocab 1\n"
/* Longest cluster accepted from a cache file, in bytes (a sanity bound:
 * real clusters are a few dozen bytes at most). */
#define GRAPHEMES_MAX_CLUSTER (1u << 20)

/* ---- the cluster set (common/strset.h; count = occurrences) ---------- */

#define CLUSTERS "graphemes: cluster"

/* Adds count to the entry for cluster b[0..len) (never empty). */
static int cset_add(strset *s, const char *b, size_t len, uint64_t count, tb_error *err)
{
    if (len == 0)
        return tb_fail(err, TB_EINPUT, CLUSTERS " set too large");
    return strset_add(s, b, len, count, 0, err);
}

/* ---- clusters ---------------------------------------------------------- */

/* End (exclusive byte offset) of the grapheme cluster that starts at byte i
 * of valid UTF-8 s[0..len), i < len. The utf8proc state is reset at each
 * cluster start, which its documentation allows after a break. */
static size_t cluster_end(const uint8_t *s, size_t len, size_t i)
{
    int32_t state = 0, prev, cp;
    utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &prev);
    if (l <= 0)
        return i + 1; /* invalid UTF-8: only reachable from a corrupt cache */
    i += (size_t)l;
    while (i < len) {
        l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (l <= 0 || utf8proc_grapheme_break_stateful(prev, cp, &state))
            break;
        prev = cp;
        i += (size_t)l;
    }
    return i;
}

/* Counts the clusters of the train split of language lang (-1: all). */
static int count_clusters(const corpus *c, int lang, strset *raw, tb_error *err)
{
    size_t l0 = lang < 0 ? 0 : (size_t)lang;
    size_t l1 = lang < 0 ? corpus_n_langs(c) : (size_t)lang + 1;
    size_t nseg = corpus_n_segments(c);
    for (size_t seg = 0; seg < nseg; seg++) {
        if (!corpus_in_split(c, seg, CORPUS_TRAIN))
            continue;
        for (size_t li = l0; li < l1; li++) {
            size_t len;
            const uint8_t *s = (const uint8_t *)corpus_segment(c, li, seg, &len);
            for (size_t i = 0; i < len;) {
                size_t e = cluster_end(s, len, i);
                if (cset_add(raw, (const char *)s + i, e - i, 1, err))
                    return TB_EINPUT;
                i = e;
            }
        }
    }
    return TB_OK;
}

/* ---- cache ------------------------------------------------------------- */

/* An entry of graphemes.vocab is exactly one cluster. */
static int cache_accept(const char *b, size_t len)
{
    return cluster_end((const uint8_t *)b, len, 0) == len;
}

/* graphemes.vocab: "<count> <len> <bytes>" lines, the shortest "1 1 x\n". */
static const counted_vocab_format k_cache_format = {
    .magic = GRAPHEMES_VOCAB_MAGIC,
    .noun = "clusters",
    .what = CLUSTERS,
    .min_line = 6,
    .max_len = GRAPHEMES_MAX_CLUSTER,
    .accept = cache_accept,
};

/* ---- the scheme -------------------------------------------------------- */

static int graphemes_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                            uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    const strset *v = t->state;
    const uint8_t *s = (const uint8_t *)text;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t e = cluster_end(s, len, i);
        long k = strset_find(v, text + i, e - i);
        if (k >= 0) {
            if (n < cap) {
                ids[n] = 256 + (uint32_t)k;
                if (offs)
                    offs[n] = (uint32_t)i;
            }
            n++;
        } else {
            for (size_t b = i; b < e; b++, n++) {
                if (n < cap) {
                    ids[n] = s[b];
                    if (offs)
                        offs[n] = (uint32_t)b;
                }
            }
        }
        i = e;
    }
    *n_tokens = n;
    return TB_OK;
}

static int graphemes_piece(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *pos,
                           tb_error *err)
{
    const strset *v = t->state;
    if (id < 256) {
        char b = (char)(uint8_t)id;
        tokenizer_append(out, cap, pos, &b, 1);
        return TB_OK;
    }
    if (id - 256 >= v->n)
        return tb_fail(err, TB_EINPUT, "id %u out of range (vocabulary size %zu)", id, v->n + 256);
    const strset_entry *e = &v->e[id - 256];
    tokenizer_append(out, cap, pos, v->bytes + e->off, e->len);
    return TB_OK;
}

static int graphemes_is_fallback(const tokenizer *t, uint32_t id)
{
    return id < 256;
}

static void graphemes_free(tokenizer *t)
{
    strset *v = t->state;
    if (v) {
        strset_release(v);
        free(v);
    }
    t->state = NULL;
}

static const struct tokenizer_ops graphemes_ops = {
    .scheme = "graphemes",
    .encode = graphemes_encode,
    .piece = graphemes_piece,
    .is_fallback = graphemes_is_fallback,
    .free = graphemes_free,
};

int graphemes_tokenizer_new(tokenizer *t, const tokenizer_ctx *ctx, tb_error *err)
{
    const corpus *c = ctx ? ctx->corpus : NULL;
    if (!c)
        return tb_fail(err, TB_EINPUT,
                       "tokenizer 'graphemes' needs a corpus (-c CORPUS -l LANG)");
    if (ctx->lang < -1 || (ctx->lang >= 0 && (size_t)ctx->lang >= corpus_n_langs(c)))
        return tb_fail(err, TB_EINPUT,
                       "tokenizer 'graphemes': language index %d out of range (corpus '%s' has "
                       "%zu languages)",
                       ctx->lang, corpus_name(c), corpus_n_langs(c));
    strset *v = tb_calloc(1, sizeof *v, err);
    if (!v)
        return TB_EINPUT;

    char dir[4096] = "", path[4096] = "";
    if (tokenizer_cache_folder(ctx->cache_dir, c, ctx->lang, dir, sizeof dir) == 0) {
        int pl = snprintf(path, sizeof path, "%s/graphemes.vocab", dir);
        if (pl < 0 || (size_t)pl >= sizeof path)
            path[0] = '\0'; /* too long to cache: build every time */
    }
    if (path[0] && counted_vocab_load(path, &k_cache_format, v) == 0) {
        t->ops = &graphemes_ops;
        t->vocab_size = 256 + v->n;
        t->state = v;
        return TB_OK;
    }

    if (ctx->no_train) {
        free(v);
        char where[4200];
        snprintf(where, sizeof where, path[0] ? "no '%s'" : "no cache folder%s", path);
        tokenizer_fail_unprepared(err, where);
        return tb_wrap(err, "tokenizer 'graphemes': ");
    }
    strset raw;
    strset_init(&raw, CLUSTERS);
    int rc = count_clusters(c, ctx->lang, &raw, err);
    if (rc == TB_OK)
        rc = counted_vocab_rank(&raw, CLUSTERS, v, err);
    strset_release(&raw);
    if (rc != TB_OK) {
        free(v);
        return tb_wrap(err, "tokenizer 'graphemes': ");
    }
    if (path[0]) {
        tb_error ignore;
        (void)counted_vocab_save(dir, path, &k_cache_format, v, &ignore);
    }
    t->ops = &graphemes_ops;
    t->vocab_size = 256 + v->n;
    t->state = v;
    return TB_OK;
}
