/* corpus.c - reading the canonical aligned corpus folder and the split. */
#include "corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/sha256.h"
#include "../common/utf8.h"

struct lang_file {
    char code[32];       /* "en" */
    char *data;          /* whole file, owned */
    size_t len;
    size_t *line_off;    /* (n_segments + 1) start offsets; line i ends at line_off[i+1]-1 */
};

struct corpus {
    char *name;
    size_t n_langs;
    struct lang_file *langs; /* (n_langs allocated) in file name order */
    size_t n_segments;
    char *ids_data;      /* ids.txt contents with '\n' replaced by '\0', or generated */
    char **ids;          /* n_segments pointers into ids_data */
    char hash[65];
    int pivot;           /* index of the pivot language, or -1 (corpus_pivot) */
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t corpus_find_control(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = u[i];
        if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7F ||
            (b == 0xC2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F))
            return i;
    }
    return n;
}

unsigned corpus_control_code(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return u[0] == 0xC2 ? u[1] : u[0];
}

size_t corpus_count_controls(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = corpus_find_control(s, n); i < n; i = corpus_find_control(s, n))
        k++, s += i + 1, n -= i + 1;
    return k;
}

/* Splits data into lines; validates UTF-8, no empty line, no CR, no control
 * character (corpus_find_control), final newline optional. Fills *off (n+1 entries) and *n. */
static int index_lines(const char *cname, const char *fname, const char *data, size_t len,
                       size_t **off, size_t *n, int check_text, tb_error *err)
{
    size_t cap = 1024, cnt = 0;
    size_t *o = tb_malloc(cap * sizeof *o, err);
    if (!o)
        return TB_EINPUT;
    size_t pos = 0, line = 1;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        if (cnt + 2 > cap) {
            cap *= 2;
            size_t *no = tb_realloc(o, cap * sizeof *o, err);
            if (!no) {
                free(o);
                return TB_EINPUT;
            }
            o = no;
        }
        if (end == pos) {
            free(o);
            return tb_fail(err, TB_EINPUT, "corpus '%s': %s:%zu: empty line", cname, fname, line);
        }
        if (check_text) {
            size_t bad;
            if (!utf8_valid(data + pos, end - pos, &bad)) {
                free(o);
                return tb_fail(err, TB_EINPUT, "corpus '%s': %s:%zu: invalid UTF-8 at byte %zu",
                               cname, fname, line, bad + 1);
            }
            const char *cr = memchr(data + pos, '\r', end - pos);
            if (cr) {
                free(o);
                return tb_fail(err, TB_EINPUT,
                               "corpus '%s': %s:%zu: carriage return at byte %zu (expected LF line ends)",
                               cname, fname, line, (size_t)(cr - (data + pos)) + 1);
            }
            size_t ctl = corpus_find_control(data + pos, end - pos);
            if (ctl < end - pos) {
                free(o);
                return tb_fail(err, TB_EINPUT,
                               "corpus '%s': %s:%zu: control character U+%04X at byte %zu (a "
                               "corpus line holds no control characters but TAB)",
                               cname, fname, line, corpus_control_code(data + pos + ctl),
                               ctl + 1);
            }
        }
        o[cnt++] = pos;
        pos = nl ? end + 1 : end;
        line++;
    }
    o[cnt] = len + (len > 0 && data[len - 1] != '\n' ? 1 : 0);
    *off = o;
    *n = cnt;
    return TB_OK;
}

void corpus_free(corpus *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_langs; i++) {
        free(c->langs[i].data);
        free(c->langs[i].line_off);
    }
    free(c->langs);
    free(c->ids_data);
    free(c->ids);
    free(c->name);
    free(c);
}

static int load_ids(corpus *c, const char *dir, tb_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ids.txt", dir);
    FILE *f = fopen(path, "rb");
    c->ids = tb_calloc(c->n_segments, sizeof *c->ids, err);
    if (!c->ids) {
        if (f)
            fclose(f);
        return TB_EINPUT;
    }
    if (!f) {
        /* No ids.txt: the 1-based line number is the id. */
        size_t digits = 21;
        c->ids_data = tb_malloc(c->n_segments * digits, err);
        if (!c->ids_data)
            return TB_EINPUT;
        for (size_t i = 0; i < c->n_segments; i++) {
            c->ids[i] = c->ids_data + i * digits;
            snprintf(c->ids[i], digits, "%zu", i + 1);
        }
        return TB_OK;
    }
    fclose(f);
    size_t len, *off = NULL, n;
    if (tb_read_file(path, &c->ids_data, &len, err))
        return TB_EINPUT;
    if (index_lines(c->name, "ids.txt", c->ids_data, len, &off, &n, 1, err))
        return TB_EINPUT;
    if (n != c->n_segments) {
        free(off);
        return tb_fail(err, TB_EINPUT, "corpus '%s': ids.txt has %zu lines, %s.txt has %zu",
                       c->name, n, c->langs[0].code, c->n_segments);
    }
    for (size_t i = 0; i < n; i++) {
        c->ids[i] = c->ids_data + off[i];
        c->ids_data[off[i + 1] - 1] = '\0';
    }
    if (len > 0 && c->ids_data[len - 1] != '\n')
        c->ids_data[len] = '\0';
    free(off);
    return TB_OK;
}

static void hash_files(corpus *c, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    char *m;
    size_t mlen;
    tb_error ignore;
    if (tb_read_file(path, &m, &mlen, &ignore) == TB_OK) {
        sha256_hex(m, mlen, c->hash);
        free(m);
        return;
    }
    sha256_ctx s;
    sha256_init(&s);
    for (size_t i = 0; i < c->n_langs; i++) {
        sha256_update(&s, c->langs[i].code, strlen(c->langs[i].code) + 1);
        sha256_update(&s, c->langs[i].data, c->langs[i].len);
    }
    uint8_t d[32];
    sha256_final(&s, d);
    for (int i = 0; i < 32; i++)
        snprintf(c->hash + 2 * i, 3, "%02x", d[i]);
}

int corpus_open(const char *dir, corpus **out, tb_error *err)
{
    *out = NULL;
    corpus *c = tb_calloc(1, sizeof *c, err);
    if (!c)
        return TB_EINPUT;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    const char *base = dir;
    for (size_t i = 0; i < dl; i++)
        if (dir[i] == '/')
            base = dir + i + 1;
    c->name = strndup(base, (size_t)(dir + dl - base));
    if (!c->name) {
        corpus_free(c);
        return tb_fail(err, TB_EINPUT, "out of memory");
    }
    DIR *d = opendir(dir);
    if (!d) {
        corpus_free(c);
        return tb_fail(err, TB_EINPUT, "corpus '%s': cannot open folder '%s' (fetch it with 'tokbench corpus fetch %s')",
                       base, dir, base);
    }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *e;
    int too_many = 0, oom = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0 || strcmp(e->d_name, "ids.txt") == 0)
            continue;
        if (l - 4 >= sizeof c->langs[0].code)
            continue;
        if (nn == CORPUS_MAX_LANGS) {
            too_many = 1;
            break;
        }
        if (nn == cap) {
            size_t nc = cap ? 2 * cap : 16;
            char **nb = realloc(names, nc * sizeof *names);
            if (!nb) {
                oom = 1;
                break;
            }
            names = nb;
            cap = nc;
        }
        if (!(names[nn] = strdup(e->d_name))) {
            oom = 1;
            break;
        }
        nn++;
    }
    closedir(d);
    if (!too_many && !oom && nn > 0 && !(c->langs = calloc(nn, sizeof *c->langs)))
        oom = 1;
    if (too_many || oom || nn == 0) {
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
        corpus_free(c);
        if (oom)
            return tb_fail(err, TB_EINPUT, "corpus '%s': out of memory listing '%s'", base, dir);
        if (too_many)
            return tb_fail(err, TB_EINPUT, "corpus '%s': more than %d language files in '%s'",
                           base, CORPUS_MAX_LANGS, dir);
        return tb_fail(err, TB_EINPUT, "corpus '%s': no <lang>.txt files in '%s'", base, dir);
    }
    qsort(names, nn, sizeof *names, cmp_str);
    int rc = TB_OK;
    for (size_t i = 0; i < nn; i++) {
        struct lang_file *lf = &c->langs[i];
        if (rc == TB_OK) {
            memcpy(lf->code, names[i], strlen(names[i]) - 4);
            char path[4096];
            snprintf(path, sizeof path, "%.*s/%s", (int)dl, dir, names[i]);
            size_t n = 0;
            rc = tb_read_file(path, &lf->data, &lf->len, err);
            if (rc == TB_OK)
                rc = index_lines(c->name, names[i], lf->data, lf->len, &lf->line_off, &n, 1, err);
            if (rc == TB_OK) {
                c->n_langs = i + 1;
                if (i == 0)
                    c->n_segments = n;
                else if (n != c->n_segments)
                    rc = tb_fail(err, TB_EINPUT,
                                 "corpus '%s': misaligned: %s has %zu lines, %s has %zu",
                                 c->name, names[i], n, names[0], c->n_segments);
            } else {
                c->n_langs = i + 1;
            }
        }
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    if (rc == TB_OK && c->n_segments == 0)
        rc = tb_fail(err, TB_EINPUT, "corpus '%s': empty (no segments in %s.txt)", c->name,
                     c->langs[0].code);
    if (rc == TB_OK)
        rc = load_ids(c, dir, err);
    if (rc != TB_OK) {
        corpus_free(c);
        return rc;
    }
    hash_files(c, dir);
    c->pivot = corpus_find_lang(c, CORPUS_PIVOT_DEFAULT);
    if (c->pivot < 0)
        c->pivot = corpus_find_lang(c, CORPUS_PIVOT_FALLBACK);
    *out = c;
    return TB_OK;
}

const char *corpus_name(const corpus *c) { return c->name; }
size_t corpus_n_langs(const corpus *c) { return c->n_langs; }
const char *corpus_lang(const corpus *c, size_t li) { return c->langs[li].code; }
size_t corpus_n_segments(const corpus *c) { return c->n_segments; }
const char *corpus_id(const corpus *c, size_t seg) { return c->ids[seg]; }
const char *corpus_manifest_hash(const corpus *c) { return c->hash; }

int corpus_find_lang(const corpus *c, const char *lang)
{
    for (size_t i = 0; i < c->n_langs; i++)
        if (strcmp(c->langs[i].code, lang) == 0)
            return (int)i;
    return -1;
}

int corpus_pivot(const corpus *c) { return c->pivot; }

int corpus_set_pivot(corpus *c, const char *lang, tb_error *err)
{
    int li = corpus_find_lang(c, lang);
    if (li < 0)
        return tb_fail(err, TB_EINPUT, "corpus '%s' has no language '%s' (the pivot)", c->name,
                       lang);
    c->pivot = li;
    return TB_OK;
}

const char *corpus_segment(const corpus *c, size_t li, size_t seg, size_t *len)
{
    const struct lang_file *lf = &c->langs[li];
    *len = lf->line_off[seg + 1] - 1 - lf->line_off[seg];
    return lf->data + lf->line_off[seg];
}

int corpus_id_is_test(const char *id)
{
    return tb_fnv1a64(id, strlen(id)) % 10 == 0;
}

int corpus_in_split(const corpus *c, size_t seg, enum corpus_split split)
{
    if (split == CORPUS_ALL)
        return 1;
    int test = corpus_id_is_test(c->ids[seg]);
    return split == CORPUS_TEST ? test : !test;
}

const char *corpus_split_name(enum corpus_split split)
{
    switch (split) {
    case CORPUS_TRAIN: return "train";
    case CORPUS_TEST: return "test";
    default: return "all";
    }
}
