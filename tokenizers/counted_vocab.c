/* counted_vocab.c - rank order, ranking and the cache file of a counted
 * vocabulary (counted_vocab.h). */
#include "counted_vocab.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"
#include "../common/utf8.h"

int counted_vocab_cmp(uint64_t ca, const char *a, size_t la, uint64_t cb, const char *b,
                      size_t lb)
{
    if (ca != cb)
        return ca > cb ? -1 : 1;
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb ? 1 : 0;
}

struct rank_item {
    uint64_t count;
    const char *b;
    size_t len;
    uint32_t flags;
};

static int rank_item_cmp(const void *pa, const void *pb)
{
    const struct rank_item *a = pa, *b = pb;
    return counted_vocab_cmp(a->count, a->b, a->len, b->count, b->b, b->len);
}

int counted_vocab_rank(const strset *raw, const char *what, strset *out, tb_error *err)
{
    struct rank_item *it = tb_malloc((raw->n ? raw->n : 1) * sizeof *it, err);
    if (!it)
        return TB_EINPUT;
    for (size_t k = 0; k < raw->n; k++)
        it[k] = (struct rank_item){raw->e[k].count, raw->bytes + raw->e[k].off, raw->e[k].len,
                                   raw->e[k].flags};
    qsort(it, raw->n, sizeof *it, rank_item_cmp);
    strset_init(out, what);
    int rc = TB_OK;
    for (size_t k = 0; k < raw->n && rc == TB_OK; k++)
        rc = strset_add(out, it[k].b, it[k].len, it[k].count, it[k].flags, err);
    free(it);
    if (rc)
        strset_release(out);
    return rc;
}

/* ---- the cache file ------------------------------------------------------ */

/* Parses an unsigned decimal ending at `stop`; advances *p past stop. */
static int parse_u64(const char **p, const char *end, char stop, uint64_t *v)
{
    const char *q = *p;
    uint64_t x = 0;
    if (q >= end || *q < '0' || *q > '9')
        return -1;
    while (q < end && *q >= '0' && *q <= '9') {
        if (x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*q - '0');
        q++;
    }
    if (q >= end || *q != stop)
        return -1;
    *p = q + 1;
    *v = x;
    return 0;
}

int counted_vocab_load(const char *path, const counted_vocab_format *f, strset *out)
{
    char *data;
    size_t len;
    tb_error ignore;
    if (tb_read_file(path, &data, &len, &ignore))
        return -1;
    const char *p = data, *end = data + len;
    size_t ml = strlen(f->magic), nl = strlen(f->noun);
    uint64_t n = 0;
    int ok = len >= ml && memcmp(p, f->magic, ml) == 0;
    if (ok) {
        p += ml;
        ok = (size_t)(end - p) > nl && memcmp(p, f->noun, nl) == 0 && p[nl] == ' ';
        p += ok ? nl + 1 : 0;
    }
    /* n is bounded by the bytes left before anything is allocated. */
    ok = ok && parse_u64(&p, end, '\n', &n) == 0 && n < UINT32_MAX - 512 &&
         n <= (uint64_t)(end - p) / f->min_line;
    strset_init(out, f->what);
    if (!ok) {
        free(data);
        return -1;
    }
    for (uint64_t k = 0; k < n && ok; k++) {
        uint64_t count, l;
        uint32_t flags = 0;
        ok = parse_u64(&p, end, ' ', &count) == 0 && count > 0;
        if (ok && f->flag) {
            ok = end - p >= 2 && (p[0] == f->flag_set || p[0] == f->flag_clear) && p[1] == ' ';
            flags = ok && p[0] == f->flag_set ? f->flag : 0;
            p += ok ? 2 : 0;
        }
        ok = ok && parse_u64(&p, end, ' ', &l) == 0 && l > 0 && l <= f->max_len &&
             l < (uint64_t)(end - p) && p[l] == '\n' && utf8_valid(p, l, NULL);
        ok = ok && (!f->accept || f->accept(p, l));
        /* After the previous entry in rank order (by count first, so a
         * repeat with a lower count would pass it), and no repeat (which
         * strset_add would merge: a file no save writes). */
        if (ok && out->n > 0) {
            const strset_entry *pe = &out->e[out->n - 1];
            ok = counted_vocab_cmp(pe->count, out->bytes + pe->off, pe->len, count, p, l) < 0;
        }
        ok = ok && strset_find(out, p, l) < 0 &&
             strset_add(out, p, l, count, flags, &ignore) == TB_OK;
        if (ok)
            p += l + 1;
    }
    ok = ok && p == end;
    free(data);
    if (!ok) {
        strset_release(out);
        return -1;
    }
    return 0;
}

int counted_vocab_save(const char *dir, const char *path, const counted_vocab_format *f,
                       const strset *s, tb_error *err)
{
    /* the half-written files of writers killed before their commit */
    char gone[8];
    size_t n_gone;
    if (tb_mkdirs(dir, err) || afolder_clean_stale(dir, NULL, gone, sizeof gone, &n_gone, err))
        return TB_EINPUT;
    afile af;
    if (afile_open(&af, path, err))
        return TB_EINPUT;
    fputs(f->magic, af.fp);
    fprintf(af.fp, "%s %zu\n", f->noun, s->n);
    for (size_t k = 0; k < s->n; k++) {
        const strset_entry *e = &s->e[k];
        fprintf(af.fp, "%" PRIu64 " ", e->count);
        if (f->flag)
            fprintf(af.fp, "%c ", e->flags & f->flag ? f->flag_set : f->flag_clear);
        fprintf(af.fp, "%" PRIu32 " ", e->len);
        fwrite(s->bytes + e->off, 1, e->len, af.fp);
        fputc('\n', af.fp);
    }
    return afile_commit(&af, err);
}
