/* results.h - tidy result rows: corpus,split,lang,tokenizer,metric,value,unit.
 *
 * One row per number (DESIGN.md "Metrics"), so a new metric never breaks a
 * reader and a baseline check compares row by row. A results table owns the
 * strings of its rows. CSV is written and read with libcsv; writes are
 * atomic (temporary file, then rename). */
#ifndef RESULTS_H
#define RESULTS_H

#include <stddef.h>
#include <stdio.h>

#include "../common/tb.h"

typedef struct results results;

/* A read-only view of one row; the strings belong to the table. */
typedef struct result_row {
    const char *corpus;     /* "udhr" */
    const char *split;      /* "all", "test", "train" */
    const char *lang;       /* "en" */
    const char *tokenizer;  /* the spec, "graphemes" */
    const char *metric;     /* "tokens" */
    double value;
    const char *unit;       /* "tokens", "ratio", "MB/s", ... */
} result_row;

int results_new(results **out, tb_error *err);
void results_free(results *r);

/* Appends a row; a key (corpus, split, lang, tokenizer, metric) already in r
 * is refused (TB_EINPUT naming the key and both rows) and r is unchanged. */
int results_add(results *r, const char *corpus, const char *split, const char *lang,
                const char *tokenizer, const char *metric, double value, const char *unit,
                tb_error *err);
size_t results_count(const results *r);
void results_get(const results *r, size_t i, result_row *row);
/* Index of the first row matching all keys, or -1. */
long results_find(const results *r, const char *corpus, const char *split, const char *lang,
                  const char *tokenizer, const char *metric);
/* Index of the first row of r with key's corpus, split, lang, tokenizer and
 * metric (key's value and unit are ignored), or -1: matches a row of one
 * table to another. */
long results_find_row(const results *r, const result_row *key);

/* The value of the first row matching all keys: 1 and *value, or 0 (and
 * *value untouched) when there is none. */
int results_value(const results *r, const char *corpus, const char *split, const char *lang,
                  const char *tokenizer, const char *metric, double *value);

/* Distinct strings in order of first appearance (the corpora, languages or
 * tokenizers of a table). The strings are borrowed, not copied: they must
 * outlive the set. Zero-initialise, add, then results_names_release. A set
 * of more than a few names keeps a hash index of the strings themselves, so
 * adding and finding stay constant-time for hundreds of languages, and a
 * caller may reorder v (sort it) without breaking the index. */
typedef struct results_names {
    const char **v;         /* v[0..n) */
    size_t n, cap;
    const char **slot;      /* open-addressing index of the strings, or NULL */
    size_t n_slot;          /* a power of two, > 2 n; 0 without an index */
} results_names;
/* Adds s unless it is there: TB_OK, or TB_EINPUT when out of memory. */
int results_names_add(results_names *k, const char *s);
/* 1 when s is one of k's strings. */
int results_names_has(const results_names *k, const char *s);
void results_names_release(results_names *k);

/* 1 for units whose values are timings (ms, us, s, MB/s): never compared
 * exactly and left out of golden files. */
int results_unit_is_timing(const char *unit);

/* The canonical text of a value: integers without a fraction, others with
 * 10 significant digits; negative zero is "0". Deterministic for deterministic inputs. */
void results_format_value(double v, char *buf, size_t cap);

/* A count for people: the value rounded to an integer with thousands
 * separators ("144,118"); returns buf. */
const char *results_format_count(double v, char *buf, size_t cap);

/* Writes the header line and every row, in insertion order. */
int results_write_csv(const results *r, FILE *f, tb_error *err);
/* Atomic write to path. */
int results_save_csv(const results *r, const char *path, tb_error *err);
/* Reads a results CSV (header required, 7 fields a row, numeric value, each
 * key once); errors name the file and line (a duplicate key: both lines). */
int results_load_csv(const char *path, results **out, tb_error *err);

#endif
