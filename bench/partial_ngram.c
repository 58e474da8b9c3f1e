/* partial_ngram.c - a shard's n-gram counts and test ids, their merge
 * (partial_ngram.h). */
#include "partial_ngram.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timer.h"
#include "../ngram/counts.h"
#include "../tokenizers/tokenizer.h"
#include "stage_ngram.h"

/* ---- writing -------------------------------------------------------------- */

static void put_word(FILE *f, uint64_t w)
{
    if (w == NGRAM_COUNTS_BOS)
        fputs("<s>", f);
    else if (w == NGRAM_COUNTS_EOS)
        fputs("</s>", f);
    else
        fprintf(f, "%" PRIx32, (uint32_t)w);
}

static int put_gram(void *ud, const uint64_t *w, int k, uint64_t count, tb_error *err)
{
    FILE *f = ud;
    fprintf(f, "g\t%" PRIu64 "\t", count);
    for (int i = 0; i < k; i++) {
        if (i)
            fputc(' ', f);
        put_word(f, w[i]);
    }
    return fputc('\n', f) == EOF ? tb_fail(err, TB_EINPUT, "writing the n-gram counts") : TB_OK;
}

int partial_ngram_write(FILE *f, const corpus *c, const token_streams *ts,
                        const unsigned char *only, int order, const char *spec, int timing,
                        tb_error *err)
{
    if (strpbrk(spec, "\t\n"))
        return tb_fail(err, TB_EUSAGE, "tokenizer spec '%s': a tab or newline cannot go into a "
                                       "partial's n-gram line", spec);
    size_t n = ts->n_segments;
    unsigned char *use = tb_malloc(n ? n : 1, err);
    if (!use)
        return err->status;
    for (size_t s = 0; s < n; s++)
        use[s] = only[s] && corpus_in_split(c, s, CORPUS_TRAIN);
    ngram_data d = {n, ts->ids, ts->first, use};
    ngram_counts *cnt = NULL;
    double t0 = tb_now();
    int rc = ngram_counts_new(order, &cnt, err);
    if (rc == TB_OK)
        rc = ngram_counts_add_data(cnt, &d, err);
    double s_count = tb_now() - t0;
    if (rc == TB_OK) {
        if (timing)
            fprintf(f, "G\t%d\t%s\t%.17g\n", order, spec, s_count);
        else
            fprintf(f, "G\t%d\t%s\n", order, spec);
        rc = ngram_counts_each(cnt, put_gram, f, err);
    }
    for (size_t s = 0; s < n && rc == TB_OK; s++) {
        if (!only[s] || !corpus_in_split(c, s, CORPUS_TEST))
            continue;
        fprintf(f, "t\t%zu\t", s);
        for (size_t i = ts->first[s]; i < ts->first[s + 1]; i++)
            fprintf(f, i > ts->first[s] ? " %" PRIx32 : "%" PRIx32, ts->ids[i]);
        if (fputc('\n', f) == EOF)
            rc = tb_fail(err, TB_EINPUT, "writing the test ids");
    }
    ngram_counts_free(cnt);
    free(use);
    return rc;
}

/* ---- parsing --------------------------------------------------------------- */

/* Unsigned decimal, all of s, at most max. */
static int dec(const char *s, uint64_t max, uint64_t *out)
{
    if (!*s || strlen(s) > 20)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* The next word at *p (words separated by one space): 1 and *w, 0 at the
 * end, -1 when malformed. Token ids are 1..8 lowercase hex digits below vocab
 * (vocab 0: any); marks 1 allows "<s>" and "</s>". */
static int next_word(const char **p, size_t vocab, int marks, uint64_t *w)
{
    const char *s = *p;
    if (!*s)
        return 0;
    if (marks && strncmp(s, "<s>", 3) == 0) {
        *w = NGRAM_COUNTS_BOS;
        s += 3;
    } else if (marks && strncmp(s, "</s>", 4) == 0) {
        *w = NGRAM_COUNTS_EOS;
        s += 4;
    } else {
        uint64_t v = 0;
        int d = 0;
        for (; d < 9; d++, s++) {
            if (*s >= '0' && *s <= '9')
                v = v * 16 + (uint64_t)(*s - '0');
            else if (*s >= 'a' && *s <= 'f')
                v = v * 16 + (uint64_t)(*s - 'a' + 10);
            else
                break;
        }
        if (d == 0 || d > 8 || (vocab && v >= vocab))
            return -1;
        *w = v;
    }
    if (*s == ' ') {
        if (!s[1])
            return -1;
        s++;
    } else if (*s) {
        return -1;
    }
    *p = s;
    return 1;
}

/* A g line ("g\tcount\twords", the newline gone): its words and count. */
static int parse_gram(const char *line, int order, size_t vocab, uint64_t *w, int *k,
                      uint64_t *count)
{
    const char *t = strchr(line + 2, '\t');
    char num[24];
    if (!t || (size_t)(t - (line + 2)) >= sizeof num)
        return -1;
    memcpy(num, line + 2, (size_t)(t - (line + 2)));
    num[t - (line + 2)] = '\0';
    if (dec(num, ((uint64_t)1 << 62) - 1, count) || *count == 0)
        return -1;
    const char *p = t + 1;
    int n = 0, r;
    uint64_t x;
    while ((r = next_word(&p, vocab, 1, &x)) == 1) {
        if (n == order)
            return -1;
        w[n++] = x;
    }
    if (r < 0 || n == 0)
        return -1;
    for (int i = 0; i < n; i++)
        if ((w[i] == NGRAM_COUNTS_BOS && (i > 0 || n == 1)) ||
            (w[i] == NGRAM_COUNTS_EOS && i < n - 1))
            return -1;
    *k = n;
    return 0;
}

/* A t line's segment and where its ids start. */
static int parse_test(const char *line, size_t n_segments, size_t *seg, const char **ids)
{
    const char *t = strchr(line + 2, '\t');
    char num[24];
    uint64_t v;
    if (!t || (size_t)(t - (line + 2)) >= sizeof num)
        return -1;
    memcpy(num, line + 2, (size_t)(t - (line + 2)));
    num[t - (line + 2)] = '\0';
    if (!n_segments || dec(num, n_segments - 1, &v))
        return -1;
    *seg = (size_t)v;
    *ids = t + 1;
    return 0;
}

/* -1, 0, 1: a before, equal to, after b (two k-grams) in the canonical order. */
static int cmp_gram(const uint64_t *a, const uint64_t *b, int k)
{
    for (int i = k - 1; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* Reads one line into *line (without its newline); 0, or -1 at the end of
 * the file, -2 when the line is cut or holds a NUL. */
static int read_line(FILE *f, char **line, size_t *cap)
{
    ssize_t len = getline(line, cap, f);
    if (len < 0)
        return -1;
    if (len == 0 || (*line)[len - 1] != '\n')
        return -2;
    (*line)[len - 1] = '\0';
    if (memchr(*line, '\0', (size_t)len - 1))
        return -2;
    return 0;
}

#define BAD(...)                                                                         \
    do {                                                                                 \
        rc = tb_fail(err, TB_EINPUT, __VA_ARGS__);                                       \
        goto done;                                                                       \
    } while (0)

int partial_ngram_read(FILE *f, const char *name, size_t *ln, char **g, size_t ng, size_t vocab,
                       size_t n_segments, partial_ngram *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t order;
    double s_count = 0;
    char *end = NULL;
    if (ng == 4) {
        errno = 0;
        s_count = strtod(g[3], &end);
    }
    if ((ng != 3 && ng != 4) || dec(g[1], NGRAM_MAX_ORDER, &order) || order == 0 || !g[2][0] ||
        (ng == 4 && (!g[3][0] || *end || errno || !(s_count >= 0 && s_count < 1e12))))
        return tb_fail(err, TB_EINPUT,
                       "partial '%s':%zu: bad n-gram line (G order spec [counting seconds], "
                       "order 1..%d, seconds a number >= 0)", name, *ln, NGRAM_MAX_ORDER);
    out->timed = ng == 4;
    out->s_count = s_count;
    size_t sl = strlen(g[2]) + 1;
    if (!(out->spec = tb_malloc(sl, err)))
        return err->status;
    memcpy(out->spec, g[2], sl);
    out->order = (int)order;
    out->at = ftello(f);
    if (out->at < 0) {
        partial_ngram_release(out);
        return tb_fail(err, TB_EINPUT, "partial '%s':%zu: cannot tell the offset: %s", name, *ln,
                       strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0, seg = 0;
    uint64_t prev[NGRAM_MAX_ORDER], w[NGRAM_MAX_ORDER];
    int pk = 0, rc = TB_OK, r;
    while ((r = read_line(f, &line, &cap)) == 0) {
        ++*ln;
        if (strcmp(line, "E") == 0)
            goto done;
        if (strncmp(line, "g\t", 2) == 0 && out->n_test == 0) {
            int k;
            uint64_t count;
            if (parse_gram(line, out->order, vocab, w, &k, &count))
                BAD("partial '%s':%zu: bad n-gram count line (g count words, 1 to %d words: "
                    "hex ids below %zu, <s> only first and not alone, </s> only last)",
                    name, *ln, out->order, vocab);
            if (k < pk || (k == pk && cmp_gram(prev, w, k) >= 0))
                BAD("partial '%s':%zu: n-gram out of order (each order after the lower one, "
                    "in the canonical order, each once)", name, *ln);
            memcpy(prev, w, (size_t)k * sizeof *w);
            pk = k;
            out->n_grams++;
        } else if (strncmp(line, "t\t", 2) == 0) {
            size_t s;
            const char *p;
            uint64_t x;
            if (parse_test(line, n_segments, &s, &p) || (out->n_test && s <= seg))
                BAD("partial '%s':%zu: bad test line (T seg ids, seg < %zu, ascending)", name,
                    *ln, n_segments);
            while ((r = next_word(&p, vocab, 0, &x)) == 1)
                ;
            if (r < 0)
                BAD("partial '%s':%zu: bad test ids (hex, below %zu, one space apart)", name,
                    *ln, vocab);
            seg = s;
            out->n_test++;
        } else {
            BAD("partial '%s':%zu: unexpected line '%.20s' in an n-gram section (g lines, then "
                "t lines, then E)", name, *ln, line);
        }
    }
    if (r == -2)
        BAD("partial '%s':%zu: line without its newline or with a NUL byte", name, *ln + 1);
    BAD("partial '%s': ends early (line %zu) in an n-gram section: a cut file?", name, *ln);
done:
    free(line);
    if (rc)
        partial_ngram_release(out);
    return rc;
}

void partial_ngram_release(partial_ngram *ng)
{
    free(ng->spec);
    memset(ng, 0, sizeof *ng);
}

/* ---- merging ----------------------------------------------------------- */

/* The test ids of every segment, as the t lines give them. */
typedef struct test_ids {
    size_t n_segments;
    uint32_t **ids;
    size_t *len;
    unsigned char *have;
} test_ids;

/* Adds one section (file path, at ng->at) to cnt and t. */
static int read_section(const char *path, const partial_ngram *ng, size_t vocab, ngram_counts *cnt,
                        test_ids *t, tb_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return tb_fail(err, TB_EINPUT, "partial '%s': cannot open again: %s", path,
                       strerror(errno));
    int rc = TB_OK, r;
    char *line = NULL;
    size_t cap = 0, rec = 0;
    if (fseeko(f, ng->at, SEEK_SET) != 0)
        BAD("partial '%s': cannot seek to its n-gram section: %s", path, strerror(errno));
    while ((r = read_line(f, &line, &cap)) == 0) {
        rec++;
        if (strcmp(line, "E") == 0)
            goto done;
        uint64_t w[NGRAM_MAX_ORDER], count, x;
        int k;
        size_t s, n = 0, cap_ids = 0;
        const char *p;
        if (strncmp(line, "g\t", 2) == 0) {
            if (parse_gram(line, ng->order, vocab, w, &k, &count))
                BAD("partial '%s': n-gram record %zu of section '%s': changed since it was read",
                    path, rec, ng->spec);
            if (ngram_counts_add(cnt, w, k, count, err)) {
                tb_wrap(err, "partial '%s': n-gram record %zu of section '%s': ", path, rec,
                        ng->spec);
                rc = err->status;
                goto done;
            }
        } else if (strncmp(line, "t\t", 2) == 0 && !parse_test(line, t->n_segments, &s, &p)) {
            if (t->have[s])
                BAD("partial '%s': test segment %zu is also in another shard's partial", path,
                    s + 1);
            t->have[s] = 1;
            while ((r = next_word(&p, vocab, 0, &x)) == 1) {
                if (n == cap_ids) {
                    cap_ids = cap_ids ? 2 * cap_ids : 256;
                    uint32_t *q = tb_realloc(t->ids[s], cap_ids * sizeof *q, err);
                    if (!q) {
                        rc = err->status;
                        goto done;
                    }
                    t->ids[s] = q;
                }
                t->ids[s][n++] = (uint32_t)x;
            }
            if (r < 0)
                BAD("partial '%s': test line of segment %zu: changed since it was read", path,
                    s + 1);
            t->len[s] = n;
        } else {
            BAD("partial '%s': n-gram section '%s' changed since it was read", path, ng->spec);
        }
    }
    BAD("partial '%s': n-gram section '%s' ends early: changed since it was read", path, ng->spec);
done:
    free(line);
    fclose(f);
    return rc;
}

int partial_ngram_merge(const char *const *paths, const partial_ngram *const *ng, size_t n,
                        const corpus *c, size_t lang, const char *tok, const char *cache_dir,
                        int (*on_model)(void *ud, const ngram_model *m, const ngram_data *test,
                                        double en_bytes, tb_error *err),
                        void *on_model_ud, results *res, tb_error *err)
{
    size_t ns = corpus_n_segments(c);
    unsigned char *use_train = NULL, *use_test = NULL;
    double en_bytes = 0;
    ngram_counts *cnt = NULL;
    test_ids t = {ns, NULL, NULL, NULL};
    uint32_t *ids = NULL;
    size_t *first = NULL;
    tokenizer *tk = NULL;
    int rc = stage_ngram_split(c, &use_train, &use_test, &en_bytes, err);
    if (rc == TB_OK)
        rc = ngram_counts_new(ng[0]->order, &cnt, err);
    if (rc == TB_OK) {
        t.ids = tb_calloc(ns ? ns : 1, sizeof *t.ids, err);
        t.len = t.ids ? tb_calloc(ns ? ns : 1, sizeof *t.len, err) : NULL;
        t.have = t.len ? tb_calloc(ns ? ns : 1, 1, err) : NULL;
        if (!t.have)
            rc = err->status;
    }
    for (size_t i = 1; i < n && rc == TB_OK; i++)
        if (ng[i]->timed != ng[0]->timed)
            rc = tb_fail(err, TB_EINPUT,
                         "partial '%s': its n-gram section (%s %s) is %s, that of '%s' is not: "
                         "the shards of one run time alike", paths[i], tok, corpus_lang(c, lang),
                         ng[i]->timed ? "timed" : "untimed", paths[0]);
    for (size_t i = 0; i < n && rc == TB_OK; i++)
        rc = read_section(paths[i], ng[i], 0, cnt, &t, err);
    size_t total = 0;
    for (size_t s = 0; s < ns && rc == TB_OK; s++) {
        if (t.have[s] && !use_test[s])
            rc = tb_fail(err, TB_EINPUT,
                         "corpus '%s' %s (%s): segment %zu has test ids in a partial but is a "
                         "train segment", corpus_name(c), corpus_lang(c, lang), tok, s + 1);
        else if (use_test[s] && !t.have[s])
            rc = tb_fail(err, TB_EINPUT,
                         "corpus '%s' %s (%s): test segment %zu is in none of the partials",
                         corpus_name(c), corpus_lang(c, lang), tok, s + 1);
        total += t.len[s];
    }
    /* the test streams in corpus order (train segments empty, not used) */
    if (rc == TB_OK) {
        ids = tb_malloc((total ? total : 1) * sizeof *ids, err);
        first = ids ? tb_malloc((ns + 1) * sizeof *first, err) : NULL;
        if (!first)
            rc = err->status;
    }
    for (size_t s = 0, at = 0; rc == TB_OK && s <= ns; s++) {
        first[s] = at;
        if (s < ns && t.len[s]) {
            memcpy(ids + at, t.ids[s], t.len[s] * sizeof *ids);
            at += t.len[s];
        }
    }
    /* the tokenizer, for the completion rows (its pieces) */
    if (rc == TB_OK) {
        double s_train = 0;
        tokenizer_ctx ctx = {.corpus = c, .lang = (int)lang, .cache_dir = cache_dir,
                             .s_train = &s_train, .no_train = 1};
        rc = tokenizer_new(ng[0]->spec, &ctx, &tk, err);
        if (rc == TB_OK && strcmp(tokenizer_name(tk), tok) != 0)
            rc = tb_fail(err, TB_EINPUT,
                         "the partials' spec '%s' opens tokenizer '%s', their block names '%s'",
                         ng[0]->spec, tokenizer_name(tk), tok);
    }
    if (rc == TB_OK) {
        ngram_data test = {ns, ids, first, use_test};
        stage_ngram_config cfg;
        stage_ngram_config_init(&cfg);
        cfg.order = ng[0]->order;
        /* timing (every shard timed: partial_ngram.h): the shards' counting
         * seconds summed, then this process's estimation and scoring */
        double s_count = 0;
        for (size_t i = 0; i < n; i++)
            s_count += ng[i]->s_count;
        cfg.timing = ng[0]->timed;
        cfg.on_model = on_model;
        cfg.on_model_ud = on_model_ud;
        rc = stage_ngram_rows_counts(cnt, s_count, &test, en_bytes, tk, corpus_name(c),
                                     corpus_lang(c, lang), tok, &cfg, res, err);
    }
    tokenizer_free(tk);
    for (size_t s = 0; t.ids && s < ns; s++)
        free(t.ids[s]);
    free(t.ids);
    free(t.len);
    free(t.have);
    free(ids);
    free(first);
    ngram_counts_free(cnt);
    free(use_train);
    free(use_test);
    return rc;
}
