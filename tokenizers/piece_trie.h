/* piece_trie.h - a byte trie over the pieces of a vocabulary, walked one
 * byte at a time for a common-prefix search (every piece that starts a
 * text, shortest first) or an exact lookup. Shared by the Unigram encoders
 * of spm.c (SentencePiece `.model`) and unigram.c (tokenizer.json), the BPE
 * merges of spm_bpe.c and wordpiece.c.
 *
 * Nodes are numbered from 0 (the root); an edge is (node, byte) -> child in
 * an open-addressing hash. The struct belongs to the caller
 * (piece_trie_init / piece_trie_release); it is immutable once built, so
 * many threads may walk it. */
#ifndef PIECE_TRIE_H
#define PIECE_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

struct piece_trie_edge {
    uint64_t key;           /* node * 256 + byte + 1; 0: an empty slot */
    uint32_t child;
};

typedef struct piece_trie {
    struct piece_trie_edge *edges;  /* mask + 1 slots */
    size_t mask;
    int32_t *node_id;       /* (cap_nodes) the piece ending at the node, or -1 */
    size_t n_nodes, cap_nodes;
} piece_trie;

/* Room for pieces of total_bytes bytes in all (the trie has at most
 * total_bytes + 1 nodes). */
int piece_trie_init(piece_trie *t, size_t total_bytes, tb_error *err);

/* Adds p[0..n) (n >= 1) as piece id. Returns -1 when it is new, else the id
 * already stored for the same bytes (which is kept). The caller never adds
 * more bytes than piece_trie_init reserved. */
int32_t piece_trie_add(piece_trie *t, const void *p, size_t n, int32_t id);

/* The child of node by byte b, or 0 (the root is never a child). */
uint32_t piece_trie_child(const piece_trie *t, uint32_t node, unsigned char b);

/* The piece ending at node, or -1. */
static inline int32_t piece_trie_id(const piece_trie *t, uint32_t node)
{
    return t->node_id[node];
}

/* The piece p[0..n) exactly, or -1. */
int32_t piece_trie_find(const piece_trie *t, const void *p, size_t n);

void piece_trie_release(piece_trie *t);

#endif
