/* piece_trie.c - the byte trie of piece_trie.h. */
#include "piece_trie.h"

#include <stdlib.h>
#include <string.h>

static uint64_t edge_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

int piece_trie_init(piece_trie *t, size_t total_bytes, tb_error *err)
{
    memset(t, 0, sizeof *t);
    size_t total = total_bytes + 1, slots = 16;
    while (slots < 2 * total)
        slots *= 2;
    t->edges = tb_calloc(slots, sizeof *t->edges, err);
    t->node_id = tb_malloc(total * sizeof *t->node_id, err);
    if (!t->edges || !t->node_id) {
        piece_trie_release(t);
        return TB_EINPUT;
    }
    t->mask = slots - 1;
    t->cap_nodes = total;
    t->node_id[0] = -1;
    t->n_nodes = 1;
    return TB_OK;
}

uint32_t piece_trie_child(const piece_trie *t, uint32_t node, unsigned char b)
{
    uint64_t key = (uint64_t)node * 256 + b + 1;
    for (size_t i = edge_hash(key) & t->mask;; i = (i + 1) & t->mask) {
        if (t->edges[i].key == key)
            return t->edges[i].child;
        if (t->edges[i].key == 0)
            return 0;
    }
}

int32_t piece_trie_add(piece_trie *t, const void *p, size_t n, int32_t id)
{
    const unsigned char *s = p;
    uint32_t node = 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t c = piece_trie_child(t, node, s[j]);
        if (!c) {
            c = (uint32_t)t->n_nodes++;
            t->node_id[c] = -1;
            uint64_t key = (uint64_t)node * 256 + s[j] + 1;
            size_t k = edge_hash(key) & t->mask;
            while (t->edges[k].key)
                k = (k + 1) & t->mask;
            t->edges[k].key = key;
            t->edges[k].child = c;
        }
        node = c;
    }
    if (t->node_id[node] >= 0)
        return t->node_id[node];
    t->node_id[node] = id;
    return -1;
}

int32_t piece_trie_find(const piece_trie *t, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t node = 0;
    for (size_t j = 0; j < n; j++)
        if (!(node = piece_trie_child(t, node, s[j])))
            return -1;
    return n ? t->node_id[node] : -1;
}

void piece_trie_release(piece_trie *t)
{
    free(t->edges);
    free(t->node_id);
    memset(t, 0, sizeof *t);
}
