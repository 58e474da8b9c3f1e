/* mo.h - reading GNU gettext binary catalogs (.mo files).
 *
 * Format (GNU gettext manual, "The Format of GNU MO Files"), 32-bit words in
 * the byte order the magic number gives (0x950412de read little- or
 * big-endian):
 *   0  magic            4  revision (major = revision >> 16: 0 or 1)
 *   8  N (strings)     12  O (offset of the table of originals)
 *  16  T (offset of the table of translations)  (20, 24: hash table, unused)
 * Each table holds N (length, offset) pairs; string i is `length` bytes at
 * `offset` followed by a NUL. An original is "msgctxt\x04msgid" (context
 * optional) and, for a plural entry, "msgid\0msgid_plural"; a translation of
 * a plural entry is its forms separated by NUL. The entry with an empty
 * msgid and no context is the catalog header.
 *
 * mo_parse validates every table and string against the file size before it
 * returns; errors name the catalog and the byte offset of the bad field:
 *   "<name>: byte 12: table of originals (N=40 pairs at 28) runs past the end
 *    of the file (200 bytes)". */
#ifndef MO_H
#define MO_H

#include <stddef.h>

#include "../common/tb.h"

typedef struct mo_catalog mo_catalog;

/* One entry; every pointer points into the data given to mo_parse, and
 * every string is NUL-terminated there. */
typedef struct mo_entry {
    const char *ctx;        /* msgctxt, or NULL when the entry has none */
    size_t ctx_len;
    const char *id;         /* msgid (the singular of a plural entry) */
    size_t id_len;
    const char *id_plural;  /* msgid_plural, or NULL */
    const char *str;        /* the translation; of a plural entry its first form */
    size_t str_len;
    size_t n_forms;         /* translation forms: 1, or the plural forms */
} mo_entry;

/* Parses the n bytes at data (borrowed: they must outlive the catalog).
 * name is the file name used in error messages. TB_EINPUT on any
 * inconsistency. */
int mo_parse(const char *name, const void *data, size_t n, mo_catalog **out, tb_error *err);
void mo_free(mo_catalog *m);

size_t mo_count(const mo_catalog *m);     /* N, the header entry included */
int mo_big_endian(const mo_catalog *m);   /* 1 when the file is big-endian */
/* Entry i (0 <= i < mo_count) in file order. */
void mo_get(const mo_catalog *m, size_t i, mo_entry *e);
/* 1 when e is the header (empty msgid, no context). */
int mo_is_header(const mo_entry *e);

#endif
