/* wordpiece.c - HuggingFace's WordPiece model (wordpiece.h). */
#include "wordpiece.h"

#include <stdlib.h>
#include <string.h>

#include "piece_trie.h"

struct wordpiece {
    piece_trie trie;        /* every entry -> its id */
    uint32_t prefix_node;   /* the trie node of continuing_subword_prefix; 0: absent */
    int has_prefix_node;    /* 0: no entry starts with the prefix */
    size_t prefix_len;
    int64_t unk_id;
    size_t max_chars;
};

int wordpiece_new(wordpiece **out, uint32_t n, const uint8_t *const *piece, const uint32_t *len,
                  const char *prefix, size_t prefix_len, int64_t unk_id, size_t max_chars,
                  tb_error *err)
{
    *out = NULL;
    wordpiece *w = tb_calloc(1, sizeof *w, err);
    if (!w)
        return TB_EINPUT;
    size_t total = 0;
    for (uint32_t k = 0; k < n; k++)
        total += len[k];
    if (piece_trie_init(&w->trie, total, err)) {
        free(w);
        return TB_EINPUT;
    }
    for (uint32_t k = 0; k < n; k++)
        if (len[k])
            piece_trie_add(&w->trie, piece[k], len[k], (int32_t)k);  /* tokens are distinct keys */
    uint32_t node = 0;
    w->has_prefix_node = 1;
    for (size_t i = 0; i < prefix_len && w->has_prefix_node; i++) {
        node = piece_trie_child(&w->trie, node, (unsigned char)prefix[i]);
        w->has_prefix_node = node != 0;
    }
    w->prefix_node = node;
    w->prefix_len = prefix_len;
    w->unk_id = unk_id;
    w->max_chars = max_chars;
    *out = w;
    return TB_OK;
}

void wordpiece_free(wordpiece *w)
{
    if (!w)
        return;
    piece_trie_release(&w->trie);
    free(w);
}

static int unk(const wordpiece *wp, wordpiece_emit emit, void *ctx, tb_error *err)
{
    if (wp->unk_id < 0)
        return tb_fail(err, TB_EINPUT, "a word needs unk_token, which is not in the vocab");
    emit(ctx, (uint32_t)wp->unk_id, 0);
    return TB_OK;
}

int wordpiece_encode(const wordpiece *wp, const uint8_t *w, size_t n, wordpiece_emit emit,
                     void *ctx, tb_error *err)
{
    size_t chars = 0;
    for (size_t i = 0; i < n && chars <= wp->max_chars; i++)
        chars += (w[i] & 0xC0) != 0x80;
    if (chars > wp->max_chars)
        return unk(wp, emit, ctx, err);
    /* first pass: is every start matched? (HF drops the pieces of a bad word) */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t start = 0; start < n;) {
            uint32_t node = 0;
            int ok = 1;
            if (start > 0) {
                ok = wp->has_prefix_node;
                node = wp->prefix_node;
            }
            size_t best_end = 0;
            int32_t best_id = -1;
            for (size_t i = start; ok && i < n;) {
                node = piece_trie_child(&wp->trie, node, w[i]);
                i++;
                if (!node)
                    break;
                int32_t id = piece_trie_id(&wp->trie, node);
                if (id >= 0 && (i == n || (w[i] & 0xC0) != 0x80)) {
                    best_end = i;
                    best_id = id;
                }
            }
            if (best_id < 0)
                return unk(wp, emit, ctx, err);
            if (pass)
                emit(ctx, (uint32_t)best_id, start);
            start = best_end;
        }
    }
    return TB_OK;
}
