/* atlas.c - the parity atlas of a corpus with many languages (atlas.h). */
#include "atlas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timer.h"

/* ---- scripts and their families ---------------------------------------- */

static const struct family {
    const char *name;
    const char *colour;     /* Okabe-Ito, distinguishable with colour-blindness */
    const char *scripts;    /* ISO 15924 codes, space separated */
} k_families[] = {
    {"Latin", "#0072b2", "Latn"},
    {"Cyrillic", "#d55e00", "Cyrl"},
    {"Greek, Armenian, Georgian", "#cc79a7", "Grek Armn Geor"},
    {"Arabic, Hebrew, Syriac, Thaana", "#009e73", "Arab Hebr Syrc Thaa Samr"},
    {"South Asian (Brahmic)", "#e69f00", "Deva Beng Guru Gujr Orya Taml Telu Knda Mlym Sinh "
                                         "Tibt Cakm Olck Limb Mtei"},
    {"Southeast Asian", "#56b4e9", "Mymr Thai Laoo Khmr Lana Tavt Java Bali Sund Bugi Tglg"},
    {"Chinese, Japanese, Korean, Yi", "#7b3294", "Hani Hans Hant Jpan Hira Kana Hang Kore "
                                                 "Yiii Bopo"},
    {"African (Ethiopic, Tifinagh, Vai, Adlam, N'Ko)", "#8c510a", "Ethi Tfng Vaii Adlm Nkoo Bamu"},
    {"other", "#7f7f7f", ""},
};
#define N_FAMILIES (sizeof k_families / sizeof k_families[0])

size_t atlas_n_families(void) { return N_FAMILIES; }
const char *atlas_family_name(size_t f) { return k_families[f < N_FAMILIES ? f : N_FAMILIES - 1].name; }
const char *atlas_family_colour(size_t f)
{
    return k_families[f < N_FAMILIES ? f : N_FAMILIES - 1].colour;
}

size_t atlas_family_of(const char *script)
{
    size_t n = strlen(script);
    if (n != 4)
        return N_FAMILIES - 1;
    for (size_t f = 0; f + 1 < N_FAMILIES; f++)
        for (const char *p = k_families[f].scripts; *p; p += p[4] ? 5 : 4)
            if (strncmp(p, script, 4) == 0)
                return f;
    return N_FAMILIES - 1;
}

const char *atlas_script_of(const char *lang, char *buf, size_t cap)
{
    buf[0] = '\0';
    const char *us = strchr(lang, '_');
    if (!us)
        return buf;
    const char *s = us + 1;
    size_t n = strcspn(s, "-");
    /* Xxxx: an upper-case letter, then three lower-case ones */
    if (n != 4 || !(s[0] >= 'A' && s[0] <= 'Z'))
        return buf;
    for (int i = 1; i < 4; i++)
        if (!(s[i] >= 'a' && s[i] <= 'z'))
            return buf;
    if (cap > 4) {
        memcpy(buf, s, 4);
        buf[4] = '\0';
    }
    return buf;
}

/* ---- the table ------------------------------------------------------------ */

struct lang {
    const char *name;       /* the code, borrowed from the results */
    const char *display;    /* its display name, borrowed from the langnames; NULL: none */
    char script[8];
    double cost, premium;
    double *par;            /* (n_toks) split all */
    double *par_test;       /* (n_toks) */
    double *unk;            /* (n_toks) */
};

struct script {
    char code[8];
    size_t n;
    double cost, premium;
    double *par;            /* (n_toks) medians */
};

struct atlas {
    const char *corpus;
    const char **names;     /* (n_names) every tokenizer, in order of appearance */
    size_t *col;            /* (n_names) the column of each */
    size_t n_names;
    const char **toks;      /* (n_toks) each column's first name */
    size_t n_toks;
    struct lang *langs;     /* sorted by cost */
    size_t n_langs;
    struct script *scripts; /* sorted by cost */
    size_t n_scripts;
};

static double median_of(double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[k++] = v[i];
    return k ? tb_median(v, (int)k) : NAN;
}

static int lang_cmp(const void *pa, const void *pb)
{
    const struct lang *a = pa, *b = pb;
    /* NAN last */
    if (isnan(a->cost) != isnan(b->cost))
        return isnan(a->cost) ? 1 : -1;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (isnan(a->premium) != isnan(b->premium))
        return isnan(a->premium) ? 1 : -1;
    if (a->premium != b->premium)
        return a->premium < b->premium ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int script_cmp(const void *pa, const void *pb)
{
    const struct script *a = pa, *b = pb;
    if (isnan(a->cost) != isnan(b->cost))
        return isnan(a->cost) ? 1 : -1;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    return strcmp(a->code, b->code);
}

void atlas_free(atlas *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_langs; i++) {
        free(a->langs[i].par);
        free(a->langs[i].par_test);
        free(a->langs[i].unk);
    }
    for (size_t s = 0; s < a->n_scripts; s++)
        free(a->scripts[s].par);
    free(a->langs);
    free(a->scripts);
    free(a->toks);
    free(a->names);
    free(a->col);
    free(a);
}

static double value(const results *r, const char *c, const char *sp, const char *l,
                    const char *t, const char *m)
{
    double v = NAN;
    results_value(r, c, sp, l, t, m, &v);
    return v;
}

static int build_scripts(atlas *a, tb_error *err)
{
    size_t nt = a->n_toks;
    a->scripts = tb_calloc(a->n_langs ? a->n_langs : 1, sizeof *a->scripts, err);
    double *tmp = a->scripts ? tb_calloc(a->n_langs ? a->n_langs : 1, sizeof *tmp, err) : NULL;
    if (!tmp)
        return TB_EINPUT;
    for (size_t i = 0; i < a->n_langs; i++) {
        size_t s = 0;
        while (s < a->n_scripts && strcmp(a->scripts[s].code, a->langs[i].script) != 0)
            s++;
        if (s == a->n_scripts) {
            tb_copy_str(a->scripts[s].code, sizeof a->scripts[s].code, a->langs[i].script);
            if (!(a->scripts[s].par = tb_calloc(nt ? nt : 1, sizeof(double), err))) {
                free(tmp);
                return TB_EINPUT;
            }
            a->n_scripts++;
        }
        a->scripts[s].n++;
    }
    for (size_t s = 0; s < a->n_scripts; s++) {
        struct script *sc = &a->scripts[s];
        size_t k;
#define SCRIPT_MEDIAN(expr, dst)                                                                 \
    do {                                                                                         \
        k = 0;                                                                                   \
        for (size_t i = 0; i < a->n_langs; i++)                                                  \
            if (strcmp(a->langs[i].script, sc->code) == 0)                                       \
                tmp[k++] = (expr);                                                               \
        (dst) = median_of(tmp, k);                                                               \
    } while (0)
        SCRIPT_MEDIAN(a->langs[i].cost, sc->cost);
        SCRIPT_MEDIAN(a->langs[i].premium, sc->premium);
        for (size_t t = 0; t < nt; t++)
            SCRIPT_MEDIAN(a->langs[i].par[t], sc->par[t]);
#undef SCRIPT_MEDIAN
    }
    free(tmp);
    qsort(a->scripts, a->n_scripts, sizeof *a->scripts, script_cmp);
    return TB_OK;
}

/* Both NAN, or equal. */
static int same_value(double x, double y) { return isnan(x) ? isnan(y) : x == y; }

/* 1 when names u and t of a (values loaded, columns not yet merged) are one
 * vocabulary: the same rows in every language (atlas.h). */
static int same_rows(const results *r, const atlas *a, size_t u, size_t t)
{
    static const char *const splits[] = {ATLAS_SPLIT, "test"};
    for (size_t i = 0; i < a->n_langs; i++) {
        const struct lang *l = &a->langs[i];
        if (!same_value(l->par[u], l->par[t]) || !same_value(l->par_test[u], l->par_test[t]) ||
            !same_value(l->unk[u], l->unk[t]))
            return 0;
        for (int s = 0; s < 2; s++)
            if (!same_value(value(r, a->corpus, splits[s], l->name, a->names[u], "tokens"),
                            value(r, a->corpus, splits[s], l->name, a->names[t], "tokens")))
                return 0;
    }
    return 1;
}

/* Columns of a: each name joins the first earlier column whose first name
 * has the same rows; each language's values move to their column's slot
 * (a column's first name is never before its slot, so in place). */
static int merge_columns(const results *r, atlas *a, tb_error *err)
{
    size_t nn = a->n_names;
    size_t *first = tb_calloc(nn ? nn : 1, sizeof *first, err); /* column -> its first name */
    if (!first)
        return TB_EINPUT;
    a->n_toks = 0;
    for (size_t t = 0; t < nn; t++) {
        size_t c = 0;
        while (c < a->n_toks && !same_rows(r, a, first[c], t))
            c++;
        if (c == a->n_toks)
            first[a->n_toks++] = t;
        a->col[t] = c;
    }
    for (size_t c = 0; c < a->n_toks; c++) {
        a->toks[c] = a->names[first[c]];
        for (size_t i = 0; i < a->n_langs; i++) {
            struct lang *l = &a->langs[i];
            l->par[c] = l->par[first[c]];
            l->par_test[c] = l->par_test[first[c]];
            l->unk[c] = l->unk[first[c]];
        }
    }
    free(first);
    return TB_OK;
}

int atlas_new(const results *r, const char *corpus, const langnames *names, atlas **out,
              tb_error *err)
{
    *out = NULL;
    results_names langs = {0}, toks = {0};
    int oom = 0;
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        if (strcmp(row.corpus, corpus) != 0 || strcmp(row.metric, "parity") != 0 ||
            strcmp(row.split, ATLAS_SPLIT) != 0)
            continue;
        oom |= results_names_add(&langs, row.lang) != TB_OK;
        if (strcmp(row.tokenizer, "bytes") != 0)
            oom |= results_names_add(&toks, row.tokenizer) != TB_OK;
    }
    atlas *a = NULL;
    if (oom || !langs.n)
        goto done;
    if (!(a = tb_calloc(1, sizeof *a, err))) {
        oom = 1;
        goto done;
    }
    size_t nn = toks.n ? toks.n : 1;
    a->corpus = corpus;
    a->n_names = toks.n;
    a->names = tb_calloc(nn, sizeof *a->names, err);
    a->col = a->names ? tb_calloc(nn, sizeof *a->col, err) : NULL;
    a->toks = a->col ? tb_calloc(nn, sizeof *a->toks, err) : NULL;
    a->langs = a->toks ? tb_calloc(langs.n, sizeof *a->langs, err) : NULL;
    double *tmp = a->langs ? tb_calloc(nn, sizeof *tmp, err) : NULL;
    if (!tmp) {
        oom = 1;
        goto done;
    }
    for (size_t t = 0; t < toks.n; t++)
        a->names[t] = toks.v[t];
    for (size_t i = 0; i < langs.n && !oom; i++) {
        struct lang *l = &a->langs[a->n_langs++];
        l->name = langs.v[i];
        l->display = langnames_get(names, corpus, l->name);
        atlas_script_of(l->name, l->script, sizeof l->script);
        l->par = tb_calloc(nn, sizeof *l->par, err);
        l->par_test = tb_calloc(nn, sizeof *l->par_test, err);
        l->unk = tb_calloc(nn, sizeof *l->unk, err);
        if (!l->par || !l->par_test || !l->unk) {
            oom = 1;
            break;
        }
        l->premium = value(r, corpus, ATLAS_SPLIT, l->name, "bytes", "byte_premium");
        for (size_t t = 0; t < toks.n; t++) {
            l->par[t] = value(r, corpus, ATLAS_SPLIT, l->name, toks.v[t], "parity");
            l->par_test[t] = value(r, corpus, "test", l->name, toks.v[t], "parity");
            l->unk[t] = value(r, corpus, ATLAS_SPLIT, l->name, toks.v[t], "unk_rate");
            if (isnan(l->premium))
                l->premium = value(r, corpus, ATLAS_SPLIT, l->name, toks.v[t], "byte_premium");
        }
        if (isnan(l->premium)) /* bytes' parity is the byte premium */
            l->premium = value(r, corpus, ATLAS_SPLIT, l->name, "bytes", "parity");
    }
    if (!oom)
        oom = merge_columns(r, a, err) != TB_OK;
    for (size_t i = 0; i < a->n_langs && !oom; i++) {
        struct lang *l = &a->langs[i];
        for (size_t t = 0; t < a->n_toks; t++)
            tmp[t] = l->par[t];
        l->cost = median_of(tmp, a->n_toks);
        if (isnan(l->cost))
            l->cost = l->premium;
    }
    free(tmp);
    if (!oom) {
        qsort(a->langs, a->n_langs, sizeof *a->langs, lang_cmp);
        oom = build_scripts(a, err) != TB_OK;
    }
done:
    results_names_release(&langs);
    results_names_release(&toks);
    if (oom) {
        atlas_free(a);
        return tb_fail(err, TB_EINPUT, "atlas: out of memory");
    }
    *out = a;
    return TB_OK;
}

const char *atlas_corpus(const atlas *a) { return a->corpus; }
size_t atlas_n_langs(const atlas *a) { return a->n_langs; }
size_t atlas_n_toks(const atlas *a) { return a->n_toks; }
const char *atlas_tok(const atlas *a, size_t t) { return a->toks[t]; }
size_t atlas_tok_n_names(const atlas *a, size_t t)
{
    size_t k = 0;
    for (size_t u = 0; u < a->n_names; u++)
        k += a->col[u] == t;
    return k;
}
const char *atlas_tok_name(const atlas *a, size_t t, size_t k)
{
    for (size_t u = 0; u < a->n_names; u++)
        if (a->col[u] == t && k-- == 0)
            return a->names[u];
    return NULL;
}
size_t atlas_n_merged(const atlas *a) { return a->n_names - a->n_toks; }
const char *atlas_lang(const atlas *a, size_t i) { return a->langs[i].name; }
const char *atlas_lang_script(const atlas *a, size_t i) { return a->langs[i].script; }
const char *atlas_lang_name(const atlas *a, size_t i) { return a->langs[i].display; }
double atlas_cost(const atlas *a, size_t i) { return a->langs[i].cost; }
double atlas_byte_premium(const atlas *a, size_t i) { return a->langs[i].premium; }
double atlas_parity(const atlas *a, size_t i, size_t t, int test)
{
    return test ? a->langs[i].par_test[t] : a->langs[i].par[t];
}
double atlas_unk(const atlas *a, size_t i, size_t t) { return a->langs[i].unk[t]; }
size_t atlas_n_scripts(const atlas *a) { return a->n_scripts; }
const char *atlas_script(const atlas *a, size_t s) { return a->scripts[s].code; }
size_t atlas_script_langs(const atlas *a, size_t s) { return a->scripts[s].n; }
double atlas_script_cost(const atlas *a, size_t s) { return a->scripts[s].cost; }
double atlas_script_byte_premium(const atlas *a, size_t s) { return a->scripts[s].premium; }
double atlas_script_parity(const atlas *a, size_t s, size_t t) { return a->scripts[s].par[t]; }

size_t atlas_fallback_top(const atlas *a, size_t t, size_t *idx, size_t cap, size_t *n_any)
{
    size_t k = 0, any = 0;
    for (size_t i = 0; i < a->n_langs; i++) {
        double u = a->langs[i].unk[t];
        if (!(u > 0))
            continue;
        any++;
        /* insertion into the top cap, highest first, ties by name */
        size_t at = k;
        while (at > 0) {
            const struct lang *p = &a->langs[idx[at - 1]];
            if (p->unk[t] > u || (p->unk[t] == u && strcmp(p->name, a->langs[i].name) < 0))
                break;
            at--;
        }
        if (at >= cap)
            continue;
        size_t last = k < cap ? k : cap - 1;
        for (size_t j = last; j > at; j--)
            idx[j] = idx[j - 1];
        idx[at] = i;
        if (k < cap)
            k++;
    }
    if (n_any)
        *n_any = any;
    return k;
}

/* ---- rank correlation ---------------------------------------------------- */

struct ranked {
    double v;
    size_t i;
};

static int ranked_cmp(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Mean ranks (1-based) of v[0..n) into rk; 1 when out of memory. */
static int mean_ranks(const double *v, size_t n, double *rk)
{
    struct ranked *s = malloc(n * sizeof *s);
    if (!s)
        return 1;
    for (size_t i = 0; i < n; i++)
        s[i] = (struct ranked){v[i], i};
    qsort(s, n, sizeof *s, ranked_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && s[j + 1].v == s[i].v)
            j++;
        double mean = 0.5 * (double)(i + j) + 1;
        for (size_t k = i; k <= j; k++)
            rk[s[k].i] = mean;
        i = j + 1;
    }
    free(s);
    return 0;
}

double atlas_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double *rx = malloc(2 * n * sizeof *rx);
    if (!rx || mean_ranks(x, n, rx) || mean_ranks(y, n, rx + n)) {
        free(rx);
        return NAN;
    }
    const double *ry = rx + n;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += rx[i];
        my += ry[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    free(rx);
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* ---- Markdown ---------------------------------------------------------------- */

static void cell(FILE *f, double v)
{
    if (isnan(v))
        fputs(" – |", f);
    else
        fprintf(f, " %.3f |", v);
}

/* "`a`", or "`a` = `b`" for a column of several names. */
static void tok_label(const atlas *a, size_t t, FILE *f)
{
    size_t n = atlas_tok_n_names(a, t);
    for (size_t k = 0; k < n; k++)
        fprintf(f, "%s`%s`", k ? " = " : "", atlas_tok_name(a, t, k));
}

/* s in a table cell: '|' escaped. */
static void cell_text(const char *s, FILE *f)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

/* A language's code and, when it has one, its whole name. */
static void lang_cell(const struct lang *l, FILE *f)
{
    fputs(l->name, f);
    if (l->display) {
        fputc(' ', f);
        cell_text(l->display, f);
    }
}

static void tok_header(const atlas *a, FILE *f, const char *lead, size_t n_lead)
{
    fputs(lead, f);
    for (size_t t = 0; t < a->n_toks; t++) {
        fputc(' ', f);
        tok_label(a, t, f);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (size_t k = 0; k < n_lead; k++)
        fputs(k < 2 ? "---|" : "---:|", f);
    for (size_t t = 0; t < a->n_toks; t++)
        fputs("---:|", f);
    fputc('\n', f);
}

static const char *script_label(const char *code) { return code[0] ? code : "(none)"; }

void atlas_write_markdown(const atlas *a, const char *id, const char *chart_dir,
                          const plot_chart *charts, size_t n_charts, FILE *f)
{
    size_t nl = a->n_langs, nt = a->n_toks;
    fprintf(f, "<a id=\"%s\"></a>\n\n## Atlas: corpus `%s` (%zu languages)\n\n", id, a->corpus,
            nl);
    fprintf(f, "What the same content costs in each of the %zu languages of `%s`, per "
               "tokenizer. *Parity*: tokens(lang) / tokens(pivot) over the same segments "
               "(`parity`, split `all`: no tokenizer here was trained on this corpus). *Byte "
               "premium*: UTF-8 bytes(lang) / bytes(pivot) (`byte_premium`), the script's "
               "encoding cost, the same for every tokenizer; parity / byte premium is the "
               "tokenizer's own share. *Cost*: the median parity over the %zu tokenizer%s "
               "below",
            nl, a->corpus, nt, nt == 1 ? "" : "s");
    if (a->n_names > nt)
        fprintf(f, ", one column per vocabulary (%zu tokenizer names)", a->n_names);
    fputs("; languages are sorted by it (cheapest first). Scripts are the ISO 15924 part of "
          "each language's code.",
          f);
    if (a->n_names > nt) {
        fputs(" Merged into one column: ", f);
        for (size_t t = 0, k = 0; t < nt; t++)
            if (atlas_tok_n_names(a, t) > 1) {
                fputs(k++ ? "; " : "", f);
                tok_label(a, t, f);
            }
        fprintf(f, ". The names of each such column give the same token counts, parity and "
                   "fallback share in every one of the %zu languages (splits `all` and `test`; "
                   "found from the rows, not the names): one vocabulary under several names, so "
                   "one column here, counted once in each language's cost.",
                nl);
    }
    fputs("\n\n", f);
    for (size_t c = 0; c < n_charts; c++)
        if (strncmp(charts[c].name, "atlas", 5) == 0 && strcmp(charts[c].corpus, a->corpus) == 0) {
            fprintf(f, "![%s](%s/%s.png)\n\n", charts[c].name, chart_dir ? chart_dir : "charts",
                    charts[c].name);
            if (charts[c].caption[0])
                fprintf(f, "*%s* ([SVG](%s/%s.svg))\n\n", charts[c].caption,
                        chart_dir ? chart_dir : "charts", charts[c].name);
        }

    /* every language */
    fprintf(f, "### Every language by cost (`%s`, split `all`)\n\n", a->corpus);
    tok_header(a, f, "| rank | language | script | byte premium | cost |", 5);
    for (size_t i = 0; i < nl; i++) {
        const struct lang *l = &a->langs[i];
        fprintf(f, "| %zu | ", i + 1);
        lang_cell(l, f);
        fprintf(f, " | %s |", script_label(l->script));
        cell(f, l->premium);
        cell(f, l->cost);
        for (size_t t = 0; t < nt; t++)
            cell(f, l->par[t]);
        fputc('\n', f);
    }
    fputc('\n', f);
    int any_test = 0;
    for (size_t i = 0; i < nl && !any_test; i++)
        for (size_t t = 0; t < nt && !any_test; t++)
            any_test = !isnan(a->langs[i].par_test[t]);
    if (any_test) {
        fputs("<details><summary>Parity on split `test` (the held-out segments only; same "
              "order)</summary>\n\n",
              f);
        tok_header(a, f, "| rank | language |", 2);
        for (size_t i = 0; i < nl; i++) {
            fprintf(f, "| %zu | ", i + 1);
            lang_cell(&a->langs[i], f);
            fputs(" |", f);
            for (size_t t = 0; t < nt; t++)
                cell(f, a->langs[i].par_test[t]);
            fputc('\n', f);
        }
        fputs("\n</details>\n\n", f);
    }

    /* per script */
    fprintf(f, "### By script (`%s`, medians over each script's languages, split `all`)\n\n",
            a->corpus);
    tok_header(a, f, "| script | family | languages | byte premium | cost |", 5);
    for (size_t s = 0; s < a->n_scripts; s++) {
        const struct script *sc = &a->scripts[s];
        fprintf(f, "| %s | %s | %zu |", script_label(sc->code),
                atlas_family_name(atlas_family_of(sc->code)), sc->n);
        cell(f, sc->premium);
        cell(f, sc->cost);
        for (size_t t = 0; t < nt; t++)
            cell(f, sc->par[t]);
        fputc('\n', f);
    }
    fputc('\n', f);

    /* fallback */
    fprintf(f, "### Where each tokenizer falls back (`%s`, split `all`)\n\n"
               "Share of tokens that are byte fallback or unknown (`unk_rate`), the %d "
               "languages with the most per tokenizer. A byte-level BPE has no fallback (every "
               "byte is an ordinary token): its cost of an unfamiliar script shows in parity "
               "alone.\n\n| tokenizer | languages with fallback | most fallback |\n|---|---:|---|\n",
            a->corpus, ATLAS_TOP_FALLBACK);
    size_t idx[ATLAS_TOP_FALLBACK];
    for (size_t t = 0; t < nt; t++) {
        size_t any = 0, k = atlas_fallback_top(a, t, idx, ATLAS_TOP_FALLBACK, &any);
        int has = 0;
        for (size_t i = 0; i < nl && !has; i++)
            has = !isnan(a->langs[i].unk[t]);
        fputs("| ", f);
        tok_label(a, t, f);
        fprintf(f, " | %s%zu of %zu |", has ? "" : "no rows: ", any, nl);
        if (!k)
            fputs(" none |", f);
        for (size_t j = 0; j < k; j++) {
            const struct lang *l = &a->langs[idx[j]];
            fprintf(f, "%s%s", j ? ", " : " ", l->name);
            if (l->display) {
                fputs(" (", f);
                cell_text(l->display, f);
                fputc(')', f);
            }
            fprintf(f, " %.2f%%", 100 * l->unk[t]);
        }
        fputs(k ? " |\n" : "\n", f);
    }
    fputc('\n', f);
}
