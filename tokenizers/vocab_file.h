/* vocab_file.h - the counted-vocabulary cache file shared by graphemes:
 * (graphemes.vocab) and symbol: (symbol.units): a strset (common/strset.h)
 * of counted entries as text, byte-exact, counts and lengths decimal ASCII:
 *
 *     <magic line>                     the scheme's, e.g. "tokbench graphemes vocab 1"
 *     <noun> <n>                       e.g. "clusters 812"
 *     <count> [<flag> ]<len> <bytes>   n lines, in entry order
 *
 * count >= 1; <flag> (only in formats that have the column) is one
 * character saying whether the entry has the format's flag bit; len is
 * 1..max_len and exactly len bytes of valid UTF-8 follow before the '\n'
 * (the length prefix lets the bytes hold any character). What each scheme
 * puts in its file, and the extra rules an entry must meet, are in
 * graphemes.c and symbol.h. */
#ifndef VOCAB_FILE_H
#define VOCAB_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/strset.h"
#include "../common/tb.h"

typedef struct vocab_file_format {
    const char *magic;      /* the first line, with its '\n' */
    const char *noun;       /* the second line is "<noun> <n>" */
    const char *what;       /* names the loaded set (strset_init) */
    uint32_t flag;          /* 0: no flag column; else the strset_entry.flags bit
                               the column shows */
    char flag_set, flag_clear; /* the column's character with / without flag */
    size_t min_line;        /* bytes of the shortest possible entry line: a
                               larger n than the file can hold fails first */
    size_t max_len;         /* longest entry accepted, in bytes */
    /* The scheme's own rule for entry b[0..len) with count and flags, given
     * the entries loaded before it in s (its shape, its order after the
     * previous one): nonzero accepts. NULL accepts every entry. A repeat of
     * an entry of s is refused before this is asked. */
    int (*accept)(const strset *s, const char *b, size_t len, uint64_t count, uint32_t flags);
} vocab_file_format;

/* Loads path into *out (initialised here, in file order). Any deviation from
 * the format gives -1 with nothing left allocated: the caller rebuilds the
 * vocabulary (a cache never changes results). 0 on success. */
int vocab_file_load(const char *path, const vocab_file_format *f, strset *out);

/* Writes s to path atomically (afile), after making the folder dir.
 * Errors name the path; callers of a cache may ignore them. */
int vocab_file_save(const char *dir, const char *path, const vocab_file_format *f,
                    const strset *s, tb_error *err);

#endif
