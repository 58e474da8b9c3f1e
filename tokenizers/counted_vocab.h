/* counted_vocab.h - a counted vocabulary, as graphemes: and symbol: build
 * it: distinct strings with their counts (a strset, common/strset.h) in rank
 * order, and its cache file.
 *
 * Rank order: higher count first, then bytes (memcmp, a proper prefix
 * first). Distinct strings never compare equal, so the order is total and
 * sorting by it is deterministic.
 *
 * Cache file (graphemes.vocab, symbol.units), byte-exact, counts and lengths
 * decimal ASCII:
 *
 *     <magic line>                     the scheme's, e.g. "tokbench graphemes vocab 1"
 *     <noun> <n>                       e.g. "clusters 812"
 *     <count> [<flag> ]<len> <bytes>   n lines, in entry order
 *
 * count >= 1; <flag> (only in formats that have the column) is one
 * character saying whether the entry has the format's flag bit; len is
 * 1..max_len and exactly len bytes of valid UTF-8 follow before the '\n'
 * (the length prefix lets the bytes hold any character); entries distinct
 * and in rank order. What each scheme
 * puts in its file, and the extra rules an entry must meet, are in
 * graphemes.c and symbol.h. */
#ifndef COUNTED_VOCAB_H
#define COUNTED_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "../common/strset.h"
#include "../common/tb.h"

typedef struct counted_vocab_format {
    const char *magic;      /* the first line, with its '\n' */
    const char *noun;       /* the second line is "<noun> <n>" */
    const char *what;       /* names the loaded set (strset_init) */
    uint32_t flag;          /* 0: no flag column; else the strset_entry.flags bit
                               the column shows */
    char flag_set, flag_clear; /* the column's character with / without flag */
    size_t min_line;        /* bytes of the shortest possible entry line: a
                               larger n than the file can hold fails first */
    size_t max_len;         /* longest entry accepted, in bytes */
    /* The scheme's own rule for the bytes of an entry (one cluster, no
     * newline, ...): nonzero accepts. NULL accepts every entry. */
    int (*accept)(const char *b, size_t len);
} counted_vocab_format;

/* < 0 when (ca, a[0..la)) ranks before (cb, b[0..lb)), > 0 after, 0 equal. */
int counted_vocab_cmp(uint64_t ca, const char *a, size_t la, uint64_t cb, const char *b,
                      size_t lb);

/* *out (initialised here, named what) = the entries of raw with their
 * counts and flags, in rank order. On failure nothing is left allocated. */
int counted_vocab_rank(const strset *raw, const char *what, strset *out, tb_error *err);

/* Loads path into *out (initialised here, in file order). Any deviation from
 * the format gives -1 with nothing left allocated: the caller rebuilds the
 * vocabulary (a cache never changes results). 0 on success. */
int counted_vocab_load(const char *path, const counted_vocab_format *f, strset *out);

/* Writes s to path atomically (afile), after making the folder dir.
 * Errors name the path; callers of a cache may ignore them. */
int counted_vocab_save(const char *dir, const char *path, const counted_vocab_format *f,
                       const strset *s, tb_error *err);

#endif
