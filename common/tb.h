/* tb.h - shared error reporting and exit statuses for every tokbench module.
 *
 * Library code never prints or exits (STYLE.md rule 6): a failing function
 * fills a caller-owned tb_error and returns its status. bench/main.c turns the
 * status into the process exit code, so the codes are the CLI's exit codes. */
#ifndef TB_H
#define TB_H

#include <stddef.h>
#include <stdint.h>

enum tb_status {
    TB_OK = 0,          /* success */
    TB_EREGRESS = 1,    /* a check found a regression */
    TB_EUSAGE = 2,      /* bad command line or bad call */
    TB_EINPUT = 3,      /* bad input, missing file or missing resource */
};

typedef struct tb_error {
    int status;         /* enum tb_status; TB_OK when nothing failed */
    char msg[1024];     /* "what failed: 'subject': place: detail" */
} tb_error;

/* Sets err (if not NULL) and returns status, so callers can write
 * `return tb_fail(err, TB_EINPUT, "...", ...);`. */
int tb_fail(tb_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes an existing message with more context ("corpus 'x': " + msg). */
int tb_wrap(tb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void tb_error_clear(tb_error *err);

/* Allocation helpers that report out-of-memory through err. */
void *tb_malloc(size_t n, tb_error *err);
void *tb_calloc(size_t n, size_t size, tb_error *err);
void *tb_realloc(void *p, size_t n, tb_error *err);

/* Reads a whole file. *out is NUL-terminated (not counted in *len) and owned
 * by the caller. Errors name the file. */
int tb_read_file(const char *path, char **out, size_t *len, tb_error *err);

/* snprintf into out[cap] that fails (TB_EINPUT, "path too long: '<first 80
 * bytes>...'") instead of truncating. */
int tb_pathf(tb_error *err, char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies s into out[cap] (cap >= 1), cut at cap - 1 bytes. */
void tb_copy_str(char *out, size_t cap, const char *s);

/* ---- FNV-1a, 64 bits ------------------------------------------------- *
 * The hash behind the train/test split, segment and results indexes: its
 * values are part of every result and must never change. */

#define TB_FNV1A64_INIT 0xcbf29ce484222325ULL  /* offset basis */

/* FNV-1a-64 of p[0..n). */
uint64_t tb_fnv1a64(const void *p, size_t n);
/* Continues hash h (TB_FNV1A64_INIT to start) over p[0..n): hashing a then b
 * this way equals hashing their concatenation. */
uint64_t tb_fnv1a64_update(uint64_t h, const void *p, size_t n);
/* Continues hash h over the n NUL-terminated strings s[i], each followed
 * by the byte sep (a field separator, so ("ab","c") and ("a","bc") differ). */
uint64_t tb_fnv1a64_fields(uint64_t h, const char *const *s, size_t n, unsigned char sep);

#endif
