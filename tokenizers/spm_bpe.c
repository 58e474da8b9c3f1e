/* spm_bpe.c - the BPE model of a SentencePiece `.model` file, encoded as
 * SentencePiece 0.1.97 does (src/bpe_model.cc Model::SampleEncode without
 * dropout, then sentencepiece_processor.cc PopulateSentencePieceText):
 *   1. the normalized text is cut into symbols: the longest user-defined
 *      piece at a position is one frozen symbol (never merged), else one
 *      UTF-8 character (a stray byte is one);
 *   2. every adjacent pair whose concatenation is a NORMAL, USER_DEFINED or
 *      UNUSED piece goes on an agenda ordered by that piece's score, higher
 *      first, then by the left symbol's position, leftmost first; the top
 *      pair is merged into its left symbol and the pairs with its new
 *      neighbours are added (a binary heap: O(n log n) for n characters).
 *      A popped pair is stale when either symbol is gone or their lengths
 *      no longer add up to the pair's piece (bpe_model.cc's test);
 *   3. a final symbol that is an UNUSED piece is split again into the two
 *      symbols whose merge last put it on the agenda, recursively;
 *   4. a symbol that is no piece is the unknown piece: with byte_fallback
 *      its UTF-8 bytes as <0xNN> pieces, else a run of them is one unk id.
 * Each token's offset is the input byte its first normalized byte came
 * from (spm.c's normalizer gives the map). Scratch is per call. */
#include <stdlib.h>
#include <string.h>

#include "spm_impl.h"

typedef struct bpe_sym {
    uint32_t start, len;    /* bytes of the normalized text; len 0: merged away */
    int32_t prev, next;     /* neighbours, -1 at either end */
    uint8_t freeze;         /* a user-defined symbol */
} bpe_sym;

typedef struct bpe_pair {
    float score;            /* the merged piece's score */
    int32_t left, right;    /* symbol indexes */
    uint32_t size;          /* bytes of the merged piece */
} bpe_pair;

/* split[id] of bpe_model.cc's rev_merge: an UNUSED piece id and the length
 * of the left part of the pair that last made it; open addressing. */
typedef struct bpe_split {
    int32_t id;             /* -1: empty slot */
    uint32_t left_len;
} bpe_split;

typedef struct bpe_work {
    const spm_state *s;
    const char *nb;
    bpe_sym *sym;
    bpe_pair *heap;
    size_t n_heap, cap_heap;
    bpe_split *split;
    size_t n_split, split_mask;
    tb_error *err;
} bpe_work;

/* a comes off the agenda before b */
static int pair_before(const bpe_pair *a, const bpe_pair *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static int heap_push(bpe_work *w, bpe_pair p)
{
    if (w->n_heap == w->cap_heap) {
        size_t nc = w->cap_heap ? w->cap_heap * 2 : 64;
        bpe_pair *nh = tb_realloc(w->heap, nc * sizeof *nh, w->err);
        if (!nh)
            return TB_EINPUT;
        w->heap = nh;
        w->cap_heap = nc;
    }
    size_t i = w->n_heap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!pair_before(&p, &w->heap[up]))
            break;
        w->heap[i] = w->heap[up];
        i = up;
    }
    w->heap[i] = p;
    return TB_OK;
}

static bpe_pair heap_pop(bpe_work *w)
{
    bpe_pair top = w->heap[0], last = w->heap[--w->n_heap];
    size_t i = 0, n = w->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && pair_before(&w->heap[c + 1], &w->heap[c]))
            c++;
        if (!pair_before(&w->heap[c], &last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (n)
        w->heap[i] = last;
    return top;
}

static bpe_split *split_slot(const bpe_work *w, int32_t id)
{
    /* Fibonacci hashing: the high half of id times 2^64 / phi */
    size_t h = (size_t)(((uint64_t)(uint32_t)id * 0x9E3779B97F4A7C15ULL) >> 32);
    for (size_t i = h & w->split_mask;; i = (i + 1) & w->split_mask)
        if (w->split[i].id == id || w->split[i].id == -1)
            return &w->split[i];
}

static int split_set(bpe_work *w, int32_t id, uint32_t left_len)
{
    if (2 * (w->n_split + 1) > w->split_mask + 1) {
        size_t old_slots = w->split ? w->split_mask + 1 : 0, slots = old_slots ? old_slots * 2 : 64;
        bpe_split *old = w->split, *ns = tb_malloc(slots * sizeof *ns, w->err);
        if (!ns)
            return TB_EINPUT;
        for (size_t i = 0; i < slots; i++)
            ns[i].id = -1;
        w->split = ns;
        w->split_mask = slots - 1;
        for (size_t i = 0; i < old_slots; i++)
            if (old[i].id >= 0)
                *split_slot(w, old[i].id) = old[i];
        free(old);
    }
    bpe_split *e = split_slot(w, id);
    if (e->id == -1)
        w->n_split++;
    e->id = id;
    e->left_len = left_len;
    return TB_OK;
}

/* MaybeAddNewSymbolPair */
static int add_pair(bpe_work *w, int32_t left, int32_t right)
{
    if (left < 0 || right < 0 || w->sym[left].freeze || w->sym[right].freeze)
        return TB_OK;
    const bpe_sym *l = &w->sym[left], *r = &w->sym[right];
    uint32_t size = l->len + r->len;
    int32_t id = piece_trie_find(&w->s->trie, w->nb + l->start, size);
    if (id < 0)
        return TB_OK;
    const spm_piece *p = &w->s->pieces[id];
    bpe_pair pr = {.score = p->score, .left = left, .right = right, .size = size};
    if (heap_push(w, pr))
        return TB_EINPUT;
    return p->type == SPM_UNUSED ? split_set(w, id, l->len) : TB_OK;
}

typedef struct bpe_out {
    uint32_t *ids, *offs;
    size_t cap, k;
    int prev_unk;
} bpe_out;

static void put_id(bpe_out *o, uint32_t id, uint32_t at)
{
    if (o->k < o->cap) {
        o->ids[o->k] = id;
        if (o->offs)
            o->offs[o->k] = at;
    }
    o->k++;
}

/* One piece of the output (id -1: no piece, the unknown one). */
static void emit(const spm_state *s, const char *nb, const uint32_t *orig, uint32_t start,
                 uint32_t len, int32_t id, bpe_out *o)
{
    int unk = id < 0 || id == s->unk_id;
    uint32_t at = orig[start];
    if (unk && s->byte_fallback) {
        for (uint32_t b = 0; b < len; b++)
            put_id(o, (uint32_t)s->byte_id[(unsigned char)nb[start + b]], at);
    } else if (!(unk && o->prev_unk)) {
        put_id(o, unk ? (uint32_t)s->unk_id : (uint32_t)id, at);
    }
    o->prev_unk = unk;
}

/* resegment: a final symbol, UNUSED pieces split back (an explicit stack,
 * left part on top). */
static int resegment(bpe_work *w, const uint32_t *orig, uint32_t start, uint32_t len,
                     uint32_t *stack, size_t stack_cap, bpe_out *o)
{
    size_t sp = 0;
    stack[sp++] = start;
    stack[sp++] = len;
    while (sp) {
        uint32_t ln = stack[--sp], st = stack[--sp];
        int32_t id = piece_trie_find(&w->s->trie, w->nb + st, ln);
        if (id >= 0 && w->s->pieces[id].type == SPM_UNUSED && w->split) {
            const bpe_split *e = split_slot(w, id);
            if (e->id == id && e->left_len > 0 && e->left_len < ln && sp + 4 <= stack_cap) {
                stack[sp++] = st + e->left_len;
                stack[sp++] = ln - e->left_len;
                stack[sp++] = st;
                stack[sp++] = e->left_len;
                continue;
            }
        }
        emit(w->s, w->nb, orig, st, ln, id, o);
    }
    return TB_OK;
}

int spm_bpe_encode(const spm_state *s, const char *nb, const uint32_t *orig, size_t size,
                   uint32_t *ids, uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    bpe_work w = {.s = s, .nb = nb, .err = err};
    bpe_out o = {.ids = ids, .offs = offs, .cap = cap};
    uint32_t *stack = NULL;
    int rc = TB_OK;
    *n_tokens = 0;
    if (size == 0)
        return TB_OK;
    if (size > INT32_MAX - 1)
        return tb_fail(err, TB_EINPUT, "normalized text of %zu bytes is too long", size);
    w.sym = tb_malloc(size * sizeof *w.sym, err);
    if (!w.sym)
        return TB_EINPUT;
    int32_t n_sym = 0;
    for (size_t at = 0; at < size;) {
        size_t k = spm_user_match(s, nb + at, size - at);
        bpe_sym *y = &w.sym[n_sym];
        y->freeze = k > 0;
        if (!k) {
            k = spm_one_char_len((unsigned char)nb[at]);
            if (k > size - at)
                k = size - at;
        }
        y->start = (uint32_t)at;
        y->len = (uint32_t)k;
        y->prev = n_sym - 1;
        at += k;
        y->next = at < size ? n_sym + 1 : -1;
        n_sym++;
    }
    for (int32_t i = 1; i < n_sym && !rc; i++)
        rc = add_pair(&w, i - 1, i);
    while (w.n_heap && !rc) {
        bpe_pair top = heap_pop(&w);
        bpe_sym *l = &w.sym[top.left], *r = &w.sym[top.right];
        if (l->len == 0 || r->len == 0 || l->len + r->len != top.size)
            continue;
        l->len += r->len;
        l->next = r->next;
        if (r->next >= 0)
            w.sym[r->next].prev = top.left;
        r->len = 0;
        rc = add_pair(&w, l->prev, top.left);
        if (!rc)
            rc = add_pair(&w, top.left, l->next);
    }
    /* a split halves a piece: at most 2 * len pending entries per symbol */
    size_t stack_cap = 4 * (size_t)size + 4;
    if (!rc && w.split && !(stack = tb_malloc(stack_cap * sizeof *stack, err)))
        rc = TB_EINPUT;
    for (int32_t i = 0; i != -1 && !rc; i = w.sym[i].next) {
        if (w.split)
            rc = resegment(&w, orig, w.sym[i].start, w.sym[i].len, stack, stack_cap, &o);
        else
            emit(s, nb, orig, w.sym[i].start, w.sym[i].len,
                 piece_trie_find(&s->trie, nb + w.sym[i].start, w.sym[i].len), &o);
    }
    if (!rc)
        *n_tokens = o.k;
    free(stack);
    free(w.sym);
    free(w.heap);
    free(w.split);
    return rc;
}
