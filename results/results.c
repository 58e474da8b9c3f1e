/* results.c - the tidy results table and its CSV form. */
#include "results.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"

#define N_FIELDS 7
static const char *const k_header[N_FIELDS] = {"corpus", "split", "lang", "tokenizer",
                                               "metric", "value", "unit"};

struct row {
    char *s[6];     /* corpus, split, lang, tokenizer, metric, unit */
    double value;
};

/* rows in order, and an open-addressing index (linear probing, load <= 1/2)
 * of the first row of each (corpus, split, lang, tokenizer, metric) key:
 * results_find is O(1), which the report's pivot tables need at 40k rows */
struct results {
    struct row *rows;
    size_t n, cap;
    uint32_t *slot;     /* row index + 1, 0 empty */
    size_t mask;
};

static uint64_t key_hash(const char *const key[5])
{
    /* not TB_FNV1A64_INIT (14695981039346656037): a digit short, kept so the
     * index hashes stay what they were */
    uint64_t h = tb_fnv1a64_fields(1469598103934665603ull, key, 5, 0xFF);
    return h ^ (h >> 29);
}

static int row_is(const struct row *w, const char *const key[5])
{
    for (int k = 0; k < 5; k++)
        if (strcmp(w->s[k], key[k]) != 0)
            return 0;
    return 1;
}

/* Slot of key: its row's, or the empty one where it would go. */
static size_t slot_of(const results *r, const char *const key[5])
{
    size_t i = (size_t)key_hash(key) & r->mask;
    while (r->slot[i] && !row_is(&r->rows[r->slot[i] - 1], key))
        i = (i + 1) & r->mask;
    return i;
}

static int index_grow(results *r, tb_error *err)
{
    size_t cap = r->slot ? 2 * (r->mask + 1) : 1024;
    uint32_t *ns = tb_calloc(cap, sizeof *ns, err);
    if (!ns)
        return TB_EINPUT;
    free(r->slot);
    r->slot = ns;
    r->mask = cap - 1;
    for (size_t x = 0; x < r->n; x++) {
        const struct row *w = &r->rows[x];
        const char *key[5] = {w->s[0], w->s[1], w->s[2], w->s[3], w->s[4]};
        size_t i = slot_of(r, key);
        if (!r->slot[i])
            r->slot[i] = (uint32_t)(x + 1);
    }
    return TB_OK;
}

int results_new(results **out, tb_error *err)
{
    *out = tb_calloc(1, sizeof **out, err);
    return *out ? TB_OK : TB_EINPUT;
}

void results_free(results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        for (int k = 0; k < 6; k++)
            free(r->rows[i].s[k]);
    free(r->rows);
    free(r->slot);
    free(r);
}

int results_add(results *r, const char *corpus, const char *split, const char *lang,
                const char *tokenizer, const char *metric, double value, const char *unit,
                tb_error *err)
{
    if (r->n >= UINT32_MAX - 1)
        return tb_fail(err, TB_EINPUT, "results: too many rows");
    if ((r->n + 1) * 2 > (r->slot ? r->mask + 1 : 0) && index_grow(r, err))
        return TB_EINPUT;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct row *nr = tb_realloc(r->rows, cap * sizeof *nr, err);
        if (!nr)
            return TB_EINPUT;
        r->rows = nr;
        r->cap = cap;
    }
    struct row *w = &r->rows[r->n];
    const char *src[6] = {corpus, split, lang, tokenizer, metric, unit};
    for (int k = 0; k < 6; k++) {
        w->s[k] = strdup(src[k] ? src[k] : "");
        if (!w->s[k]) {
            while (k--)
                free(w->s[k]);
            return tb_fail(err, TB_EINPUT, "out of memory");
        }
    }
    w->value = value;
    const char *key[5] = {w->s[0], w->s[1], w->s[2], w->s[3], w->s[4]};
    size_t i = slot_of(r, key);
    if (r->slot[i]) {
        int rc = tb_fail(err, TB_EINPUT,
                         "results: duplicate row %s,%s,%s,%s,%s (rows %u and %zu of the table)",
                         key[0], key[1], key[2], key[3], key[4], r->slot[i], r->n + 1);
        for (int k = 0; k < 6; k++)
            free(w->s[k]);
        return rc;
    }
    r->slot[i] = (uint32_t)(r->n + 1);
    r->n++;
    return TB_OK;
}

size_t results_count(const results *r) { return r->n; }

void results_get(const results *r, size_t i, result_row *row)
{
    const struct row *w = &r->rows[i];
    row->corpus = w->s[0];
    row->split = w->s[1];
    row->lang = w->s[2];
    row->tokenizer = w->s[3];
    row->metric = w->s[4];
    row->unit = w->s[5];
    row->value = w->value;
}

long results_find(const results *r, const char *corpus, const char *split, const char *lang,
                  const char *tokenizer, const char *metric)
{
    if (!r->slot)
        return -1;
    const char *key[5] = {corpus, split, lang, tokenizer, metric};
    uint32_t x = r->slot[slot_of(r, key)];
    return x ? (long)x - 1 : -1;
}

long results_find_row(const results *r, const result_row *key)
{
    return results_find(r, key->corpus, key->split, key->lang, key->tokenizer, key->metric);
}

int results_value(const results *r, const char *corpus, const char *split, const char *lang,
                  const char *tokenizer, const char *metric, double *value)
{
    long i = results_find(r, corpus, split, lang, tokenizer, metric);
    if (i < 0)
        return 0;
    result_row row;
    results_get(r, (size_t)i, &row);
    *value = row.value;
    return 1;
}

/* Sets below this size are scanned; larger ones get the hash index. */
#define NAMES_SCAN 16

static size_t names_probe(const results_names *k, const char *s)
{
    size_t mask = k->n_slot - 1, i = (size_t)tb_fnv1a64(s, strlen(s)) & mask;
    while (k->slot[i] && strcmp(k->slot[i], s) != 0)
        i = (i + 1) & mask;
    return i;
}

/* (Re)builds the index for at least want names; TB_EINPUT out of memory. */
static int names_reindex(results_names *k, size_t want)
{
    size_t n_slot = 64;
    while (n_slot <= 2 * want)
        n_slot *= 2;
    const char **slot = calloc(n_slot, sizeof *slot);
    if (!slot)
        return TB_EINPUT;
    free(k->slot);
    k->slot = slot;
    k->n_slot = n_slot;
    for (size_t i = 0; i < k->n; i++)
        k->slot[names_probe(k, k->v[i])] = k->v[i];
    return TB_OK;
}

int results_names_has(const results_names *k, const char *s)
{
    if (k->slot)
        return k->slot[names_probe(k, s)] != NULL;
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->v[i], s) == 0)
            return 1;
    return 0;
}

int results_names_add(results_names *k, const char *s)
{
    if (results_names_has(k, s))
        return TB_OK;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        const char **nv = realloc(k->v, cap * sizeof *nv);
        if (!nv)
            return TB_EINPUT;
        k->v = nv;
        k->cap = cap;
    }
    if ((k->slot || k->n + 1 > NAMES_SCAN) && 2 * (k->n + 1) >= k->n_slot &&
        names_reindex(k, k->n + 1))
        return TB_EINPUT;
    k->v[k->n++] = s;
    if (k->slot)
        k->slot[names_probe(k, s)] = s;
    return TB_OK;
}

void results_names_release(results_names *k)
{
    free(k->v);
    free(k->slot);
    memset(k, 0, sizeof *k);
}

int results_unit_is_timing(const char *unit)
{
    return strcmp(unit, "ms") == 0 || strcmp(unit, "us") == 0 || strcmp(unit, "s") == 0 ||
           strcmp(unit, "MB/s") == 0 || strcmp(unit, "GFLOP/s") == 0 ||
           strcmp(unit, "time_ratio") == 0;
}

void results_format_value(double v, char *buf, size_t cap)
{
    if (v == 0)
        v = 0;                              /* -0 prints as 0 */
    if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, cap, "%.0f", v);
    else
        snprintf(buf, cap, "%.10g", v);
}

const char *results_format_count(double v, char *buf, size_t cap)
{
    char raw[48];
    snprintf(raw, sizeof raw, "%.0f", fabs(v) <= 0.5 ? 0.0 : v); /* never "-0" */
    size_t n = strlen(raw), o = 0, lead = raw[0] == '-';
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (i > lead && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    if (cap)
        buf[o < cap ? o : cap - 1] = '\0';
    return buf;
}

static void put_field(FILE *f, const char *s)
{
    csv_fwrite(f, s, strlen(s));
}

int results_write_csv(const results *r, FILE *f, tb_error *err)
{
    for (int k = 0; k < N_FIELDS; k++) {
        fputs(k_header[k], f);
        fputc(k + 1 < N_FIELDS ? ',' : '\n', f);
    }
    for (size_t i = 0; i < r->n; i++) {
        result_row row;
        results_get(r, i, &row);
        char val[64];
        results_format_value(row.value, val, sizeof val);
        const char *fields[N_FIELDS] = {row.corpus, row.split, row.lang, row.tokenizer,
                                        row.metric, val, row.unit};
        for (int k = 0; k < N_FIELDS; k++) {
            /* csv_fwrite always quotes; plain fields stay plain for readers. */
            if (strpbrk(fields[k], ",\"\r\n") || fields[k][0] == ' ')
                put_field(f, fields[k]);
            else
                fputs(fields[k], f);
            fputc(k + 1 < N_FIELDS ? ',' : '\n', f);
        }
    }
    if (ferror(f))
        return tb_fail(err, TB_EINPUT, "cannot write results");
    return TB_OK;
}

int results_save_csv(const results *r, const char *path, tb_error *err)
{
    afile af;
    if (afile_open(&af, path, err))
        return TB_EINPUT;
    if (results_write_csv(r, af.fp, err)) {
        afile_abort(&af);
        return tb_wrap(err, "'%s': ", path);
    }
    return afile_commit(&af, err);
}

/* ---- reading ---------------------------------------------------------- */

struct reader {
    const char *path;
    results *r;
    tb_error *err;
    int failed;
    size_t line;            /* 1-based line of the record being read */
    size_t nf;              /* fields so far in this record */
    char *f[N_FIELDS];      /* owned copies of this record's fields */
};

static void rd_field(void *s, size_t len, void *data)
{
    struct reader *rd = data;
    if (rd->failed)
        return;
    if (rd->nf < N_FIELDS)
        rd->f[rd->nf] = strndup(s ? s : "", len);
    rd->nf++;
}

static void rd_clear(struct reader *rd)
{
    for (int k = 0; k < N_FIELDS; k++) {
        free(rd->f[k]);
        rd->f[k] = NULL;
    }
    rd->nf = 0;
}

static void rd_row(int c, void *data)
{
    struct reader *rd = data;
    (void)c;
    rd->line++;
    if (rd->failed) {
        rd_clear(rd);
        return;
    }
    if (rd->nf != N_FIELDS) {
        tb_fail(rd->err, TB_EINPUT, "results '%s': line %zu: expected %d fields, found %zu",
                rd->path, rd->line, N_FIELDS, rd->nf);
        rd->failed = 1;
    } else {
        for (int k = 0; k < N_FIELDS && !rd->failed; k++)
            if (!rd->f[k]) {
                tb_fail(rd->err, TB_EINPUT, "results '%s': out of memory", rd->path);
                rd->failed = 1;
            }
    }
    if (!rd->failed && rd->line == 1) {
        for (int k = 0; k < N_FIELDS; k++)
            if (strcmp(rd->f[k], k_header[k]) != 0) {
                tb_fail(rd->err, TB_EINPUT,
                        "results '%s': line 1: expected header "
                        "'corpus,split,lang,tokenizer,metric,value,unit', column %d is '%s'",
                        rd->path, k + 1, rd->f[k]);
                rd->failed = 1;
                break;
            }
    } else if (!rd->failed) {
        char *end;
        long first;
        double v = strtod(rd->f[5], &end);
        if (end == rd->f[5] || *end != '\0') {
            tb_fail(rd->err, TB_EINPUT, "results '%s': line %zu: value '%s' is not a number",
                    rd->path, rd->line, rd->f[5]);
            rd->failed = 1;
        } else if ((first = results_find(rd->r, rd->f[0], rd->f[1], rd->f[2], rd->f[3],
                                         rd->f[4])) >= 0) {
            /* row i of the table is record i + 2 of the file (the header is 1) */
            tb_fail(rd->err, TB_EINPUT,
                    "results '%s': line %zu: duplicate key (corpus, split, lang, tokenizer, "
                    "metric) %s,%s,%s,%s,%s, first on line %ld",
                    rd->path, rd->line, rd->f[0], rd->f[1], rd->f[2], rd->f[3], rd->f[4],
                    first + 2);
            rd->failed = 1;
        } else if (results_add(rd->r, rd->f[0], rd->f[1], rd->f[2], rd->f[3], rd->f[4], v,
                               rd->f[6], rd->err)) {
            rd->failed = 1;
        }
    }
    rd_clear(rd);
}

int results_load_csv(const char *path, results **out, tb_error *err)
{
    *out = NULL;
    char *data;
    size_t len;
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return tb_fail(err, TB_EINPUT, "results '%s': cannot open: %s", path, strerror(errno));
    fclose(probe);
    if (tb_read_file(path, &data, &len, err))
        return tb_wrap(err, "results '%s': ", path);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        free(data);
        return tb_fail(err, TB_EINPUT, "results '%s': cannot initialise CSV parser", path);
    }
    struct reader rd = {.path = path, .err = err};
    if (results_new(&rd.r, err)) {
        csv_free(&p);
        free(data);
        return TB_EINPUT;
    }
    size_t done = csv_parse(&p, data, len, rd_field, rd_row, &rd);
    if (!rd.failed && done != len) {
        size_t line = 1;
        for (size_t i = 0; i < done && i < len; i++)
            line += data[i] == '\n';
        tb_fail(err, TB_EINPUT, "results '%s': line %zu: malformed CSV (%s)", path, line,
                csv_strerror(csv_error(&p)));
        rd.failed = 1;
    }
    if (!rd.failed && csv_fini(&p, rd_field, rd_row, &rd) != 0) {
        tb_fail(err, TB_EINPUT, "results '%s': line %zu: malformed CSV at end of file (%s)",
                path, rd.line + 1, csv_strerror(csv_error(&p)));
        rd.failed = 1;
    }
    rd_clear(&rd);
    csv_free(&p);
    free(data);
    if (!rd.failed && rd.line == 0) {
        tb_fail(err, TB_EINPUT, "results '%s': empty file (expected a header line)", path);
        rd.failed = 1;
    }
    if (rd.failed) {
        results_free(rd.r);
        return TB_EINPUT;
    }
    *out = rd.r;
    return TB_OK;
}
