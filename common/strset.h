/* strset.h - a counted set of distinct byte strings: entries in insertion
 * order, their bytes in one arena, and an open-addressing index (linear
 * probing, load <= 1/2) of entry index + 1. Used for grapheme clusters,
 * symbol units and BPE training pieces. Hash: FNV-1a-64 (tb_fnv1a64). */
#ifndef TB_STRSET_H
#define TB_STRSET_H

#include <stddef.h>
#include <stdint.h>

#include "tb.h"

typedef struct strset_entry {
    size_t off;         /* start of the bytes in strset.bytes */
    uint32_t len;       /* length in bytes */
    uint32_t hash;      /* low 32 bits of FNV-1a-64 of the bytes */
    uint64_t count;     /* summed over the adds */
    uint32_t flags;     /* ORed over the adds (the caller's meaning) */
} strset_entry;

typedef struct strset {
    char *bytes;
    size_t n_bytes, cap_bytes;
    strset_entry *e;
    size_t n, cap;
    uint32_t *slot;     /* mask + 1 slots, a power of two; NULL until the first add */
    size_t mask;
    const char *what;   /* names the set in the "too large" error */
} strset;

/* An empty set (allocates nothing); what names it in errors ("unit"). */
void strset_init(strset *s, const char *what);
void strset_release(strset *s);
/* Index of the entry equal to b[0..len), or -1. */
long strset_find(const strset *s, const char *b, size_t len);
/* Adds count and ORs flags into the entry for b[0..len), creating it when
 * new (the empty string is a string like any other; callers that must not
 * hold it refuse it). TB_EINPUT when out of memory or past 2^31 entries. */
int strset_add(strset *s, const char *b, size_t len, uint64_t count, uint32_t flags,
               tb_error *err);

#endif
