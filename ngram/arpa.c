/* arpa.c - ARPA export and import of an ngram_model (arpa.h). */
#include "arpa.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"
#include "../common/dtoa.h"
#include "ngram_impl.h"

/* ---- writing ------------------------------------------------------------- */

/* Output goes through one heap buffer flushed with fwrite: no stdio call per
 * field. A line is at most ARPA_LINE_MAX bytes (two numbers, six words). */
#define ARPA_BUF (1u << 20)
#define ARPA_LINE_MAX (2 * DTOA_BUFSIZE + NGRAM_MAX_ORDER * 11 + 8)

typedef struct writer {
    char *buf;          /* ARPA_BUF bytes */
    size_t len;         /* bytes pending in buf */
    FILE *f;
    int failed;         /* an fwrite came up short */
} writer;

static void flush(writer *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->failed = 1;
    o->len = 0;
}

/* Room for one more line. */
static char *line_room(writer *o)
{
    if (ARPA_BUF - o->len < ARPA_LINE_MAX)
        flush(o);
    return o->buf + o->len;
}

static char *put_u32(char *p, uint32_t v)
{
    char t[10];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = t[--n];
    return p;
}

static char *put_word(const ngram_model *m, uint32_t w, char *p)
{
    if (w == NGRAM_UNK) {
        memcpy(p, "<unk>", 5);
        return p + 5;
    }
    if (w == NGRAM_BOS) {
        memcpy(p, "<s>", 3);
        return p + 3;
    }
    if (w == NGRAM_EOS) {
        memcpy(p, "</s>", 4);
        return p + 4;
    }
    return put_u32(p, m->tok[w]);
}

/* Words of node x of order k, left to right, space-separated. */
static char *put_words(const ngram_model *m, int k, uint32_t x, char *p)
{
    while (k > 1) {
        uint64_t key = m->tab[k].key[x];
        p = put_word(m, (uint32_t)key, p);
        *p++ = ' ';
        x = (uint32_t)(key >> 32);
        k--;
    }
    return put_word(m, x, p);
}

int ngram_arpa_write(const ngram_model *m, FILE *f, tb_error *err)
{
    int N = m->order;
    writer o = {.f = f};
    o.buf = tb_malloc(ARPA_BUF, err);
    if (!o.buf)
        return err->status;
    char *p = line_room(&o);
    memcpy(p, "\\data\\\n", 7);
    o.len += 7;
    for (int k = 1; k <= N; k++) {
        p = line_room(&o);
        o.len += (size_t)snprintf(p, ARPA_LINE_MAX, "ngram %d=%zu\n", k, ngram_count(m, k));
    }
    for (int k = 1; k <= N; k++) {
        p = line_room(&o);
        o.len += (size_t)snprintf(p, ARPA_LINE_MAX, "\n\\%d-grams:\n", k);
        size_t n = ngram_count(m, k);
        const double *lp = k == 1 ? m->lp1 : m->tab[k].lp;
        const double *lbo = k == N ? NULL : k == 1 ? m->lbo1 : m->tab[k].lbo;
        for (size_t x = 0; x < n; x++) {
            char *q = p = line_room(&o);
            q += dtoa_shortest(lp[x], q);
            *q++ = '\t';
            q = put_words(m, k, (uint32_t)x, q);
            if (lbo) {
                *q++ = '\t';
                q += dtoa_shortest(lbo[x], q);
            }
            *q++ = '\n';
            o.len += (size_t)(q - p);
        }
    }
    p = line_room(&o);
    memcpy(p, "\n\\end\\\n", 7);
    o.len += 7;
    flush(&o);
    free(o.buf);
    if (o.failed || ferror(f))
        return tb_fail(err, TB_EINPUT, "writing ARPA: %s", strerror(errno));
    return TB_OK;
}

int ngram_arpa_save(const ngram_model *m, const char *path, tb_error *err)
{
    afile af;
    if (afile_open(&af, path, err))
        return err->status;
    if (ngram_arpa_write(m, af.fp, err)) {
        afile_abort(&af);
        return tb_wrap(err, "'%s': ", path);
    }
    return afile_commit(&af, err);
}

/* ---- reading ------------------------------------------------------------- */

typedef struct reader {
    const char *p, *end;
    const char *name;
    size_t line;            /* 1-based number of the line last returned */
    size_t n_lines;         /* lines in the whole text (bounds the header's counts) */
    char *buf;              /* NUL-terminated copy of that line */
    size_t cap;
} reader;

/* Next line into r->buf (CR before LF stripped); 0 at end of text. */
static int next_line(reader *r, tb_error *err)
{
    if (r->p >= r->end)
        return 0;
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    const char *e = nl ? nl : r->end;
    size_t n = (size_t)(e - r->p);
    if (n > 0 && r->p[n - 1] == '\r')
        n--;
    if (n + 1 > r->cap) {
        char *b = tb_realloc(r->buf, n + 1, err);
        if (!b)
            return -1;
        r->buf = b;
        r->cap = n + 1;
    }
    memcpy(r->buf, r->p, n);
    r->buf[n] = '\0';
    if (memchr(r->buf, '\0', n))
        r->buf[0] = '\x01'; /* an embedded NUL makes the line malformed */
    r->p = nl ? nl + 1 : r->end;
    r->line++;
    return 1;
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return 0;
    return 1;
}

/* Next non-blank line; 0 at end. */
static int next_content(reader *r, tb_error *err)
{
    int rc;
    while ((rc = next_line(r, err)) == 1 && blank(r->buf)) {
    }
    return rc;
}

static int bad(reader *r, tb_error *err, const char *what)
{
    return tb_fail(err, TB_EINPUT, "ARPA '%s': line %zu: %s", r->name, r->line, what);
}

/* Splits r->buf at spaces and tabs into at most cap fields; returns the count
 * (cap + 1 when there are more). */
static int split_fields(char *s, char **f, int cap)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            return n;
        if (n == cap)
            return cap + 1;
        f[n++] = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (*s)
            *s++ = '\0';
    }
}

static int parse_double(const char *s, double *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || *e || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Word text -> token id (special words: *special gets the dense id). */
static int parse_word(const char *s, uint32_t *tok, int *special)
{
    *special = -1;
    if (strcmp(s, "<unk>") == 0) {
        *special = NGRAM_UNK;
        return 0;
    }
    if (strcmp(s, "<s>") == 0) {
        *special = NGRAM_BOS;
        return 0;
    }
    if (strcmp(s, "</s>") == 0) {
        *special = NGRAM_EOS;
        return 0;
    }
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    *tok = (uint32_t)v;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Node of the n-gram w[0..len) in order len, or NGRAM_NONE. */
static uint32_t find_words(const ngram_model *m, const uint32_t *w, int len)
{
    uint32_t node = w[len - 1];
    for (int i = len - 2; i >= 0 && node != NGRAM_NONE; i--)
        node = ngram_tab_find(&m->tab[len - i], node, w[i]);
    return node;
}

static int read_header(reader *r, size_t *counts, int *order, tb_error *err)
{
    int rc;
    while ((rc = next_line(r, err)) == 1 && strcmp(r->buf, "\\data\\") != 0) {
    }
    if (rc < 0)
        return err->status;
    if (rc == 0)
        return tb_fail(err, TB_EINPUT, "ARPA '%s': no \\data\\ line", r->name);
    *order = 0;
    for (;;) {
        rc = next_content(r, err);
        if (rc < 0)
            return err->status;
        if (rc == 0)
            return bad(r, err, "file ends in the \\data\\ section");
        int k;
        unsigned long long c;
        char extra;
        if (sscanf(r->buf, "ngram %d=%llu %c", &k, &c, &extra) == 2) {
            if (k != *order + 1 || k > NGRAM_MAX_ORDER)
                return bad(r, err, "expected the next order in 'ngram K=COUNT' (orders 1..6 in sequence)");
            if (c == 0 || c > UINT32_MAX - 1)
                return bad(r, err, "n-gram count must be 1 .. 2^32-2");
            if (c > r->n_lines)
                return bad(r, err, "n-gram count exceeds the lines in the file");
            counts[k] = (size_t)c;
            *order = k;
            continue;
        }
        if (*order == 0)
            return bad(r, err, "expected 'ngram 1=COUNT'");
        return TB_OK; /* r->buf holds the first section header */
    }
}

static int expect_section(reader *r, int k, int first, tb_error *err)
{
    if (!first) {
        int rc = next_content(r, err);
        if (rc < 0)
            return err->status;
        if (rc == 0)
            return tb_fail(err, TB_EINPUT, "ARPA '%s': file ends before \\%d-grams:", r->name, k);
    }
    char want[32];
    snprintf(want, sizeof want, "\\%d-grams:", k);
    if (strcmp(r->buf, want) != 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "expected '%s'", want);
        return bad(r, err, msg);
    }
    return TB_OK;
}

/* Reads one n-gram line of order k into probability, words and backoff. */
static int read_entry(reader *r, int k, int N, double *lp, uint32_t *toks, int *specials,
                      double *lbo, tb_error *err)
{
    int rc = next_content(r, err);
    if (rc < 0)
        return err->status;
    if (rc == 0)
        return tb_fail(err, TB_EINPUT, "ARPA '%s': file ends inside the %d-grams", r->name, k);
    char *f[NGRAM_MAX_ORDER + 2];
    int nf = split_fields(r->buf, f, k + 2);
    int want = k + 1 + (k < N);
    if (nf != want && !(k < N && nf == k + 1)) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected log10 probability, %d word(s)%s", k,
                 k < N ? " and an optional backoff" : " and no backoff");
        return bad(r, err, msg);
    }
    if (parse_double(f[0], lp))
        return bad(r, err, "probability is not a finite number");
    *lbo = 0;
    if (nf == k + 2 && parse_double(f[k + 1], lbo))
        return bad(r, err, "backoff is not a finite number");
    for (int i = 0; i < k; i++)
        if (parse_word(f[1 + i], &toks[i], &specials[i]))
            return bad(r, err, "word is not <unk>, <s>, </s> or a decimal token id below 2^32");
    return TB_OK;
}

static int parse(reader *r, ngram_model **out, tb_error *err)
{
    size_t counts[NGRAM_MAX_ORDER + 1] = {0};
    int N = 0;
    if (read_header(r, counts, &N, err))
        return err->status;
    if (expect_section(r, 1, 1, err))
        return err->status;
    /* unigrams: first pass collects the token ids, second fills the model */
    const reader save = *r;
    uint32_t *toks = tb_malloc(counts[1] * sizeof *toks, err);
    if (!toks)
        return err->status;
    size_t nt = 0;
    int have[3] = {0};
    for (size_t i = 0; i < counts[1]; i++) {
        double lp, lbo;
        uint32_t t;
        int sp;
        if (read_entry(r, 1, N, &lp, &t, &sp, &lbo, err)) {
            free(toks);
            return err->status;
        }
        if (sp >= 0) {
            if (have[sp]++) {
                free(toks);
                return bad(r, err, "duplicate unigram");
            }
        } else {
            toks[nt++] = t;
        }
    }
    qsort(toks, nt, sizeof *toks, cmp_u32);
    for (size_t i = 1; i < nt; i++)
        if (toks[i] == toks[i - 1]) {
            tb_fail(err, TB_EINPUT, "ARPA '%s': duplicate unigram '%u'", r->name, toks[i]);
            free(toks);
            return err->status;
        }
    if (!have[NGRAM_UNK] || !have[NGRAM_BOS] || !have[NGRAM_EOS]) {
        free(toks);
        return tb_fail(err, TB_EINPUT, "ARPA '%s': the unigrams must include <unk>, <s> and </s>",
                       r->name);
    }
    ngram_model *m = NULL;
    int rc = ngram_model_alloc(N, toks, nt, &m, err);
    free(toks);
    if (rc)
        return rc;
    size_t keep_line = r->line;
    const char *keep_p = r->p;
    r->p = save.p;
    r->line = save.line;
    for (size_t i = 0; i < counts[1] && rc == TB_OK; i++) {
        double lp, lbo;
        uint32_t t;
        int sp;
        rc = read_entry(r, 1, N, &lp, &t, &sp, &lbo, err);
        uint32_t w = sp >= 0 ? (uint32_t)sp : ngram_word(m, t);
        if (rc == TB_OK) {
            m->lp1[w] = lp;
            if (N > 1)
                m->lbo1[w] = lbo;
        }
    }
    r->p = keep_p;
    r->line = keep_line;
    for (int k = 2; k <= N && rc == TB_OK; k++) {
        rc = expect_section(r, k, 0, err);
        for (size_t i = 0; i < counts[k] && rc == TB_OK; i++) {
            double lp, lbo;
            uint32_t t[NGRAM_MAX_ORDER], w[NGRAM_MAX_ORDER];
            int sp[NGRAM_MAX_ORDER];
            rc = read_entry(r, k, N, &lp, t, sp, &lbo, err);
            if (rc)
                break;
            for (int j = 0; j < k && rc == TB_OK; j++) {
                w[j] = sp[j] >= 0 ? (uint32_t)sp[j] : ngram_word(m, t[j]);
                if (sp[j] < 0 && w[j] == NGRAM_UNK)
                    rc = bad(r, err, "word not among the unigrams");
            }
            if (rc)
                break;
            uint32_t suffix = find_words(m, w + 1, k - 1);
            if (suffix == NGRAM_NONE) {
                rc = bad(r, err, "the n-gram's last words (its suffix) are not listed in the lower order");
                break;
            }
            uint32_t node;
            int is_new;
            rc = ngram_tab_insert(&m->tab[k], k < N, suffix, w[0], &node, &is_new, err);
            if (rc == TB_OK && !is_new)
                rc = bad(r, err, "duplicate n-gram");
            if (rc)
                break;
            ngram_tab *tab = &m->tab[k];
            tab->prefix[node] = find_words(m, w, k - 1);
            tab->last[node] = w[k - 1];
            tab->lp[node] = lp;
            if (k < N)
                tab->lbo[node] = lbo;
        }
    }
    if (rc == TB_OK) {
        int lr = next_content(r, err);
        if (lr < 0)
            rc = err->status;
        else if (lr == 0)
            rc = tb_fail(err, TB_EINPUT, "ARPA '%s': missing \\end\\ after the %d-grams", r->name, N);
        else if (strcmp(r->buf, "\\end\\") != 0)
            rc = bad(r, err, "expected \\end\\ (more n-grams than the header's count?)");
    }
    return ngram_model_done(m, rc, out, err);
}

int ngram_arpa_parse(const char *text, size_t len, const char *name, ngram_model **out,
                     tb_error *err)
{
    *out = NULL;
    reader r = {.p = text, .end = text + len, .name = name, .n_lines = 1};
    for (const char *q = text; (q = memchr(q, '\n', (size_t)(text + len - q))) != NULL; q++)
        r.n_lines++;
    int rc = parse(&r, out, err);
    free(r.buf);
    return rc;
}

int ngram_arpa_load(const char *path, ngram_model **out, tb_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    if (tb_read_file(path, &text, &len, err))
        return err->status;
    int rc = ngram_arpa_parse(text, len, path, out, err);
    free(text);
    return rc;
}
