/* mo.c - the GNU .mo catalog reader of mo.h. The catalog keeps the header
 * words and reads the tables of the borrowed bytes on demand; mo_parse has
 * checked every pair, so mo_get cannot read outside them. */
#include "mo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MO_MAGIC 0x950412deu
#define MO_HEADER 28                 /* bytes up to the hash table offset */

struct mo_catalog {
    const uint8_t *d;                /* borrowed file bytes */
    size_t n;                        /* their count */
    int be;                          /* 1: big-endian words */
    uint32_t count, orig, trans;     /* N, O, T of the header */
};

static uint32_t word(const uint8_t *p, int be)
{
    if (be)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Checks table `what` at off holding count pairs, and every string it
 * names: inside the file and followed by a NUL. */
static int check_table(const char *name, const uint8_t *d, size_t n, int be, const char *what,
                       size_t field, uint32_t off, uint32_t count, tb_error *err)
{
    uint64_t end = (uint64_t)off + 8u * (uint64_t)count;
    if (end > n)
        return tb_fail(err, TB_EINPUT,
                       "%s: byte %zu: table of %s (N=%u pairs at %u) runs past the end of the "
                       "file (%zu bytes)",
                       name, field, what, count, off, n);
    for (uint32_t i = 0; i < count; i++) {
        size_t at = (size_t)off + 8u * (size_t)i;
        uint32_t len = word(d + at, be), so = word(d + at + 4, be);
        if ((uint64_t)so + len + 1 > n)
            return tb_fail(err, TB_EINPUT,
                           "%s: byte %zu: %s string %u (%u bytes at %u) runs past the end of "
                           "the file (%zu bytes)",
                           name, at, what, i, len, so, n);
        if (d[(size_t)so + len] != 0)
            return tb_fail(err, TB_EINPUT,
                           "%s: byte %zu: %s string %u (%u bytes at %u) is not NUL-terminated",
                           name, (size_t)so + len, what, i, len, so);
    }
    return TB_OK;
}

int mo_parse(const char *name, const void *data, size_t n, mo_catalog **out, tb_error *err)
{
    *out = NULL;
    const uint8_t *d = data;
    if (n < MO_HEADER)
        return tb_fail(err, TB_EINPUT,
                       "%s: byte %zu: truncated header (%zu bytes, a .mo header has %d)", name,
                       n, n, MO_HEADER);
    int be;
    if (word(d, 0) == MO_MAGIC)
        be = 0;
    else if (word(d, 1) == MO_MAGIC)
        be = 1;
    else
        return tb_fail(err, TB_EINPUT,
                       "%s: byte 0: not a GNU .mo catalog (magic %02x %02x %02x %02x, expected "
                       "0x950412de in either byte order)",
                       name, d[0], d[1], d[2], d[3]);
    uint32_t rev = word(d + 4, be);
    if (rev >> 16 > 1)
        return tb_fail(err, TB_EINPUT,
                       "%s: byte 4: unknown .mo revision %u.%u (major revisions 0 and 1 are read)",
                       name, rev >> 16, rev & 0xffffu);
    uint32_t count = word(d + 8, be), orig = word(d + 12, be), trans = word(d + 16, be);
    if (check_table(name, d, n, be, "originals", 12, orig, count, err) ||
        check_table(name, d, n, be, "translations", 16, trans, count, err))
        return TB_EINPUT;
    mo_catalog *m = tb_calloc(1, sizeof *m, err);
    if (!m)
        return TB_EINPUT;
    *m = (mo_catalog){d, n, be, count, orig, trans};
    *out = m;
    return TB_OK;
}

void mo_free(mo_catalog *m) { free(m); }
size_t mo_count(const mo_catalog *m) { return m->count; }
int mo_big_endian(const mo_catalog *m) { return m->be; }

void mo_get(const mo_catalog *m, size_t i, mo_entry *e)
{
    const uint8_t *po = m->d + m->orig + 8 * i, *pt = m->d + m->trans + 8 * i;
    const char *o = (const char *)m->d + word(po + 4, m->be);
    size_t olen = word(po, m->be);
    const char *t = (const char *)m->d + word(pt + 4, m->be);
    size_t tlen = word(pt, m->be);
    memset(e, 0, sizeof *e);
    /* the context ends at the first EOT of the singular */
    size_t sing = strnlen(o, olen);
    const char *eot = memchr(o, 0x04, sing);
    if (eot) {
        e->ctx = o;
        e->ctx_len = (size_t)(eot - o);
        e->id = eot + 1;
        e->id_len = sing - e->ctx_len - 1;
    } else {
        e->id = o;
        e->id_len = sing;
    }
    if (sing < olen)
        e->id_plural = o + sing + 1;
    e->str = t;
    e->str_len = strnlen(t, tlen);
    e->n_forms = 1;
    for (size_t k = e->str_len; k < tlen; k++)
        e->n_forms += t[k] == 0;
}

int mo_is_header(const mo_entry *e) { return !e->ctx && e->id_len == 0; }
