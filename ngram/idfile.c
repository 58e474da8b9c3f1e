/* idfile.c - reading pre-tokenized id streams (idfile.h). */
#include "idfile.h"

#include <stdlib.h>
#include <string.h>

void ngram_ids_release(ngram_ids *x)
{
    free(x->ids);
    free(x->first);
    memset(x, 0, sizeof *x);
}

static int push_id(ngram_ids *x, size_t *cap, size_t n, uint32_t v, tb_error *err)
{
    if (n == *cap) {
        size_t c = *cap ? 2 * *cap : 1024;
        uint32_t *p = tb_realloc(x->ids, c * sizeof *p, err);
        if (!p)
            return err->status;
        x->ids = p;
        *cap = c;
    }
    x->ids[n] = v;
    return TB_OK;
}

static int push_seg(ngram_ids *x, size_t *cap, size_t off, tb_error *err)
{
    if (x->n_segments + 1 >= *cap) {
        size_t c = *cap ? 2 * *cap : 256;
        size_t *p = tb_realloc(x->first, c * sizeof *p, err);
        if (!p)
            return err->status;
        x->first = p;
        *cap = c;
    }
    x->first[++x->n_segments] = off;
    return TB_OK;
}

int ngram_ids_parse(const char *text, size_t len, const char *name, ngram_ids *out,
                    tb_error *err)
{
    memset(out, 0, sizeof *out);
    size_t idcap = 0, segcap = 0, n = 0, line = 1, col0 = 0, i = 0;
    if (push_seg(out, &segcap, 0, err))
        goto fail;
    out->first[0] = 0;
    out->n_segments = 0;
    while (i < len) {
        char ch = text[i];
        if (ch == '\n' || (ch == '\r' && i + 1 < len && text[i + 1] == '\n')) {
            if (push_seg(out, &segcap, n, err))
                goto fail;
            i += ch == '\r' ? 2 : 1;
            line++;
            col0 = i;
            continue;
        }
        if (ch == ' ' || ch == '\t') {
            i++;
            continue;
        }
        uint64_t v = 0;
        size_t start = i;
        while (i < len && text[i] >= '0' && text[i] <= '9' && v <= UINT32_MAX) {
            v = v * 10 + (uint64_t)(text[i] - '0');
            i++;
        }
        int sep_ok = i == len || text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                     (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n');
        if (i == start || v > UINT32_MAX || !sep_ok) {
            tb_fail(err, TB_EINPUT,
                    "id file '%s': line %zu, column %zu: expected a decimal token id below 2^32",
                    name, line, start - col0 + 1);
            goto fail;
        }
        if (push_id(out, &idcap, n++, (uint32_t)v, err))
            goto fail;
    }
    if (len > 0 && text[len - 1] != '\n' && push_seg(out, &segcap, n, err))
        goto fail;
    if (!out->ids && !(out->ids = tb_malloc(sizeof *out->ids, err)))
        goto fail;
    return TB_OK;
fail:
    ngram_ids_release(out);
    return err->status;
}

int ngram_ids_load(const char *path, ngram_ids *out, tb_error *err)
{
    char *text;
    size_t len;
    memset(out, 0, sizeof *out);
    if (tb_read_file(path, &text, &len, err))
        return err->status;
    int rc = ngram_ids_parse(text, len, path, out, err);
    free(text);
    return rc;
}
