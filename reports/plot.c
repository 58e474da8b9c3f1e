/* plot.c - gnuplot charts from results rows. */
#include "plot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/afile.h"
#include "../common/spawn.h"

static const char *lang_colour(const results_names *langs, const char *lang)
{
    if (strcmp(lang, "en") == 0) return "#1f77b4";
    if (strcmp(lang, "ru") == 0) return "#d62728";
    if (strcmp(lang, "zh") == 0) return "#e6a700";
    if (strcmp(lang, "joint") == 0) return "#555555";
    static const char *const other[] = {"#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    size_t i = 0;
    while (i < langs->n && strcmp(langs->v[i], lang) != 0)
        i++;
    return other[i % 5];
}

static int find(const results *r, const char *corpus, const char *split, const char *lang,
                const char *tok, const char *metric, double *v)
{
    return results_value(r, corpus, split, lang, tok, metric, v);
}

/* A string safe inside a gnuplot double-quoted string and a data file. */
static void gp_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        if (*s == '"' || *s == '\\')
            fputc('\'', f);
        else if (*s != '\n')
            fputc(*s, f);
    fputc('"', f);
}

/* ---- running gnuplot ------------------------------------------------- */

static int run_gnuplot(const char *gnuplot, const char *script, const char *dir, tb_error *err)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/gnuplot.log", dir);
    /* gnuplot runs in the chart folder: scripts name their files relatively */
    const char *argv[] = {gnuplot, script, NULL};
    tb_spawn_config cfg = {.argv = argv, .path_lookup = 1, .cwd = dir, .stdout_path = log,
                           .stderr_to_stdout = 1};
    tb_spawn_result res;
    tb_error why = {0};
    if (tb_spawn_run(&cfg, &res, &why) == TB_OK) {
        unlink(log);
        return TB_OK;
    }
    if (res.start_errno)
        return tb_fail(err, TB_EINPUT,
                       "cannot run '%s' (%s): charts need gnuplot; install it with 'make deps' "
                       "(apt-get install gnuplot-nox)",
                       gnuplot, strerror(res.start_errno));
    if (!res.exited && !res.signal) /* it ran, but could not be waited for */
        return tb_fail(err, TB_EINPUT, "gnuplot failed on '%s': %s", script, why.msg);
    char last[512];
    tb_spawn_last_line(res.tail, last, sizeof last);
    return tb_fail(err, TB_EINPUT, "gnuplot failed on '%s': %s", script, last);
}

/* Opens <dir>/<name>.<ext> for an atomic write. */
static int open_out(afile *af, const char *dir, const char *name, const char *ext, tb_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    return afile_open(af, path, err);
}

/* Script preamble: PNG first; plot_body is emitted twice (PNG, then SVG). */
static void gp_begin(FILE *f, const char *name, const char *title, int width, int height)
{
    fprintf(f, "set encoding utf8\n");
    fprintf(f, "set terminal pngcairo noenhanced size %d,%d font 'DejaVu Sans,11'\n", width,
            height);
    fprintf(f, "set output '%s.png'\nset title ", name);
    gp_str(f, title);
    fprintf(f, "\nset grid ytics lc rgb '#dddddd'\nset border 3\nset tics nomirror\n");
}

static void gp_svg(FILE *f, const char *name, int width, int height)
{
    fprintf(f, "set terminal svg noenhanced size %d,%d font 'DejaVu Sans,11' background '#ffffff'\n"
               "set output '%s.svg'\nreplot\n",
            width, height, name);
}

/* ---- chart kinds ----------------------------------------------------- */

/* Line colours of the charts whose lines are not languages (prefill,
 * decode_size). */
static const char *const k_line_colours[8] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
                                              "#66a61e", "#e6ab02", "#a6761d", "#666666"};

struct ctx {
    const results *r;
    const plot_config *cfg;
    plot_report *rep;
    const char *corpus;
    results_names langs, toks;
    char title[512];        /* the title of the chart being written */
};

/* Records a drawn chart and its caption; TB_ENOMEM when it cannot. */
static int note_drawn(struct ctx *c, const char *name, const char *caption, tb_error *err)
{
    plot_report *rep = c->rep;
    if (rep->drawn == rep->cap) {
        size_t cap = rep->cap ? 2 * rep->cap : 32;
        plot_chart *v = realloc(rep->charts, cap * sizeof *v);
        if (!v)
            return tb_fail(err, TB_EINPUT, "plot: out of memory");
        rep->charts = v;
        rep->cap = cap;
    }
    plot_chart *ch = &rep->charts[rep->drawn++];
    snprintf(ch->name, sizeof ch->name, "%s", name);
    snprintf(ch->corpus, sizeof ch->corpus, "%s", c->corpus);
    snprintf(ch->caption, sizeof ch->caption, "%s", caption ? caption : "");
    return TB_OK;
}

void plot_report_free(plot_report *rep)
{
    free(rep->charts);
    rep->charts = NULL;
    rep->cap = rep->drawn = 0;
}

/* A chart without rows: counted, not drawn. */
static int skip(struct ctx *c)
{
    c->rep->skipped++;
    return TB_OK;
}

#define NAME_CAP 256 /* bytes of a chart name, "<chart>_<corpus>" */

/* Names the chart "<chart>_<corpus>" in name[NAME_CAP] and opens its .dat. */
static int dat_open(struct ctx *c, const char *chart, char *name, afile *dat, tb_error *err)
{
    snprintf(name, NAME_CAP, "%s_%s", chart, c->corpus);
    return open_out(dat, c->cfg->out_dir, name, "dat", err);
}

/* Opens <name>.gp and writes the preamble, titled "<corpus>: " + fmt. */
static int gp_open(struct ctx *c, afile *gp, const char *name, int width, int height,
                   tb_error *err, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int gp_open(struct ctx *c, afile *gp, const char *name, int width, int height,
                   tb_error *err, const char *fmt, ...)
{
    if (open_out(gp, c->cfg->out_dir, name, "gp", err))
        return TB_EINPUT;
    char full[512];
    int n = snprintf(full, sizeof full, "%s: ", c->corpus);
    if (n < 0 || (size_t)n >= sizeof full)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(full + n, sizeof full - (size_t)n, fmt, ap);
    va_end(ap);
    snprintf(c->title, sizeof c->title, "%s", full + n);
    gp_begin(gp->fp, name, full, width, height);
    return TB_OK;
}

/* Ends a chart script: the SVG pass, the atomic commit of <name>.gp, the
 * gnuplot run, and the chart's name in the report list. */
static int gp_finish(struct ctx *c, afile *gp, const char *name, int width, int height,
                     tb_error *err)
{
    gp_svg(gp->fp, name, width, height);
    if (afile_commit(gp, err))
        return TB_EINPUT;
    char script[4200];
    snprintf(script, sizeof script, "%s.gp", name);
    int rc = run_gnuplot(c->cfg->gnuplot, script, c->cfg->out_dir, err);
    if (rc == TB_OK)
        rc = note_drawn(c, name, c->title, err);
    return rc;
}

/* Grouped bars: x = tokenizer, one bar per language; with parity labels
 * above each bar when label_parity. */
static int chart_grouped_in(struct ctx *c, const char *metric, const char *ylabel,
                            const char *title, int label_parity, results_names *toks,
                            tb_error *err)
{
    const char *split = c->cfg->split;
    for (size_t t = 0; t < c->toks.n; t++)
        for (size_t l = 0; l < c->langs.n; l++) {
            double v;
            if (find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], metric, &v)) {
                results_names_add(toks, c->toks.v[t]);
                break;
            }
        }
    if (toks->n == 0)
        return skip(c);
    char name[NAME_CAP];
    afile dat, gp;
    if (dat_open(c, metric, name, &dat, err))
        return TB_EINPUT;
    fprintf(dat.fp, "# tokenizer");
    for (size_t l = 0; l < c->langs.n; l++)
        fprintf(dat.fp, " %s %s_parity", c->langs.v[l], c->langs.v[l]);
    fputc('\n', dat.fp);
    for (size_t t = 0; t < toks->n; t++) {
        gp_str(dat.fp, toks->v[t]);
        for (size_t l = 0; l < c->langs.n; l++) {
            double v, p;
            if (find(c->r, c->corpus, split, c->langs.v[l], toks->v[t], metric, &v))
                fprintf(dat.fp, " %.10g", v);
            else
                fputs(" NaN", dat.fp);
            if (find(c->r, c->corpus, split, c->langs.v[l], toks->v[t], "parity", &p))
                fprintf(dat.fp, " %.4f", p);
            else
                fputs(" NaN", dat.fp);
        }
        fputc('\n', dat.fp);
    }
    int width = 260 + 110 * (int)toks->n;
    if (width < 800)
        width = 800;
    if (afile_commit(&dat, err) ||
        gp_open(c, &gp, name, width, 560, err, "%s (split %s)", title, split))
        return TB_EINPUT;
    fprintf(gp.fp, "set style data histograms\nset style histogram clustered gap 1\n"
                   "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
                   "set xtics rotate by -25 left\nset key top left\nset yrange [0:*]\n"
                   "set offsets 0, 0, graph 0.08, 0\nset ylabel ");
    gp_str(gp.fp, ylabel);
    fprintf(gp.fp, "\nplot ");
    size_t nl = c->langs.n;
    for (size_t l = 0; l < nl; l++) {
        fprintf(gp.fp, "%s'%s.dat' using %zu:xtic(1) title ", l ? ", " : "", name, 2 + 2 * l);
        gp_str(gp.fp, c->langs.v[l]);
        fprintf(gp.fp, " lc rgb '%s'", lang_colour(&c->langs, c->langs.v[l]));
    }
    if (label_parity)
        for (size_t l = 0; l < nl; l++)
            fprintf(gp.fp,
                    ", '%s.dat' using ($0 + (%zu - %.1f) / %zu.0):%zu:(sprintf('x%%.2f', $%zu)) "
                    "with labels offset 0,0.7 font ',8' notitle",
                    name, l, (double)(nl - 1) / 2.0, nl + 1, 2 + 2 * l, 3 + 2 * l);
    fputc('\n', gp.fp);
    return gp_finish(c, &gp, name, width, 560, err);
}

static int chart_grouped(struct ctx *c, const char *metric, const char *ylabel,
                         const char *title, int label_parity, tb_error *err)
{
    results_names toks = {0};
    int rc = chart_grouped_in(c, metric, ylabel, title, label_parity, &toks, err);
    results_names_release(&toks);
    return rc;
}

/* A tokenizer name that holds <prefix><digits>[k] (e.g. "bpe:8k",
 * "joint:bpe:8000:o200k") gives the sweep parameter *x (k = 1000) and its
 * series: the name with the number replaced by N. */
static int sweep_param(const char *tk, const char *prefix, double *x, char *series, size_t cap)
{
    const char *p = strstr(tk, prefix);
    size_t pl = strlen(prefix);
    if (!p || p[pl] < '0' || p[pl] > '9')
        return 0;
    char *end;
    *x = strtod(p + pl, &end);
    if (*end == 'k' || *end == 'K') {
        *x *= 1000;
        end++;
    }
    snprintf(series, cap, "%.*sN%s", (int)(p + pl - tk), tk, end);
    return 1;
}

/* Lines: one line per (language, series) of metric against the sweep
 * parameter of tokenizers matching prefix. */
static int chart_sweep_in(struct ctx *c, const char *prefix, const char *metric,
                          const char *ylabel, const char *title, const char *chart,
                          results_names *series, tb_error *err)
{
    const char *split = c->cfg->split;
    char series_buf[64][128]; /* the series names series->v points into */
    for (size_t t = 0; t < c->toks.n && series->n < 64; t++) {
        double x;
        if (sweep_param(c->toks.v[t], prefix, &x, series_buf[series->n], sizeof series_buf[0]))
            results_names_add(series, series_buf[series->n]);
    }
    if (series->n == 0)
        return skip(c);
    char name[NAME_CAP];
    afile dat, gp;
    if (dat_open(c, chart, name, &dat, err))
        return TB_EINPUT;
    size_t blocks = 0;
    const char *block_lang[256];
    size_t block_series[256];
    for (size_t s = 0; s < series->n; s++)
        for (size_t l = 0; l < c->langs.n && blocks < 256; l++) {
            int any = 0;
            for (size_t t = 0; t < c->toks.n; t++) {
                char key[128];
                double x, v;
                if (!sweep_param(c->toks.v[t], prefix, &x, key, sizeof key) ||
                    strcmp(key, series->v[s]) != 0 ||
                    !find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], metric, &v))
                    continue;
                if (!any)
                    fprintf(dat.fp, "# %s %s\n", c->langs.v[l], series->v[s]);
                fprintf(dat.fp, "%.0f %.10g\n", x, v);
                any = 1;
            }
            if (any) {
                fputs("\n\n", dat.fp);
                block_lang[blocks] = c->langs.v[l];
                block_series[blocks] = s;
                blocks++;
            }
        }
    if (afile_commit(&dat, err))
        return TB_EINPUT;
    if (blocks == 0)
        return skip(c);
    if (gp_open(c, &gp, name, 900, 560, err, "%s (split %s)", title, split))
        return TB_EINPUT;
    fprintf(gp.fp, "set logscale x 2\nset key outside right\nset xlabel 'vocabulary size'\n"
                   "set ylabel ");
    gp_str(gp.fp, ylabel);
    fprintf(gp.fp, "\nplot ");
    for (size_t b = 0; b < blocks; b++) {
        /* one colour per language, one dash pattern per series */
        fprintf(gp.fp, "%s'%s.dat' index %zu using 1:2 with linespoints lw 2 pt 7 dt %zu "
                       "lc rgb '%s' title ",
                b ? ", " : "", name, b, 1 + block_series[b] % 5,
                lang_colour(&c->langs, block_lang[b]));
        char t[256];
        snprintf(t, sizeof t, "%s %s", block_lang[b], series->v[block_series[b]]);
        gp_str(gp.fp, t);
    }
    fputc('\n', gp.fp);
    return gp_finish(c, &gp, name, 900, 560, err);
}

static int chart_sweep(struct ctx *c, const char *prefix, const char *metric,
                       const char *ylabel, const char *title, const char *chart, tb_error *err)
{
    results_names series = {0};
    int rc = chart_sweep_in(c, prefix, metric, ylabel, title, chart, &series, err);
    results_names_release(&series);
    return rc;
}

/* Stacked bars: one bar per (tokenizer, language), one layer per metric;
 * with clustered, the metrics stand side by side instead (a log y axis when
 * log_y). */
/* Bars of metrics per (tokenizer, language); vocab_label: each bar's label
 * names the vocabulary the cost rows priced (vocab_priced), so a scheme's
 * cost is read with the vocabulary a model of it would have. */
static int chart_bars(struct ctx *c, const char *const *metrics, size_t nm, const char *ylabel,
                      const char *title, const char *chart, int clustered, int log_y,
                      int vocab_label, tb_error *err)
{
    const char *split = c->cfg->split;
    size_t rows = 0;
    for (size_t t = 0; t < c->toks.n; t++)
        for (size_t l = 0; l < c->langs.n; l++) {
            double v;
            for (size_t m = 0; m < nm; m++)
                if (find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], metrics[m], &v)) {
                    rows++;
                    break;
                }
        }
    if (rows == 0)
        return skip(c);
    char name[NAME_CAP];
    afile dat, gp;
    if (dat_open(c, chart, name, &dat, err))
        return TB_EINPUT;
    for (size_t t = 0; t < c->toks.n; t++)
        for (size_t l = 0; l < c->langs.n; l++) {
            double v;
            int any = 0;
            for (size_t m = 0; m < nm; m++)
                any |= find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], metrics[m], &v);
            if (!any)
                continue;
            char label[256], vb[32];
            double vp;
            if (vocab_label && find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t],
                                    "vocab_priced", &vp))
                snprintf(label, sizeof label, "%s %s (V %s)", c->toks.v[t], c->langs.v[l],
                         results_format_count(vp, vb, sizeof vb));
            else
                snprintf(label, sizeof label, "%s %s", c->toks.v[t], c->langs.v[l]);
            gp_str(dat.fp, label);
            for (size_t m = 0; m < nm; m++)
                fprintf(dat.fp, " %.10g",
                        find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], metrics[m], &v)
                            ? v
                            : 0.0);
            fputc('\n', dat.fp);
        }
    int width = 300 + 45 * (int)rows;
    if (width < 800)
        width = 800;
    if (afile_commit(&dat, err) ||
        gp_open(c, &gp, name, width, 600, err, "%s (split %s)", title, split))
        return TB_EINPUT;
    fprintf(gp.fp, "set style data histograms\nset style histogram %s\n"
                   "set style fill solid 0.85 border -1\nset boxwidth %s\n%s"
                   "set xtics rotate by -35 left\nset key outside right\nset ylabel ",
            clustered ? "clustered gap 1" : "rowstacked", clustered ? "0.9" : "0.75",
            log_y ? "set logscale y\n" : "");
    gp_str(gp.fp, ylabel);
    fprintf(gp.fp, "\nplot ");
    for (size_t m = 0; m < nm; m++) {
        fprintf(gp.fp, "%s'%s.dat' using %zu%s title ", m ? ", " : "", name, m + 2,
                m == 0 ? ":xtic(1)" : "");
        gp_str(gp.fp, metrics[m]);
    }
    fputc('\n', gp.fp);
    return gp_finish(c, &gp, name, width, 600, err);
}

static int chart_stacked(struct ctx *c, const char *const *metrics, size_t nm,
                         const char *ylabel, const char *title, const char *chart, tb_error *err)
{
    return chart_bars(c, metrics, nm, ylabel, title, chart, 0, 0, 1, err);
}

/* Measured prefill milliseconds against sequence length (rows ms_prefill_N),
 * one line per tokenizer (its vocabulary sizes the LM head; the first
 * language that has the rows, the body is the same for all), with the least
 * squares quadratic a + b n + c n^2 through the points drawn beside them and
 * the measured GEMM share in the legend. At most 8 tokenizers, in run order. */
static int chart_prefill(struct ctx *c, tb_error *err)
{
    static const int lens[] = {1, 16, 64, 256, 512, 1024, 2048, 4096};
    const char *split = c->cfg->split;
    const char *sel_tok[8], *sel_lang[8];
    size_t ns = 0;
    for (size_t t = 0; t < c->toks.n && ns < 8; t++)
        for (size_t l = 0; l < c->langs.n; l++) {
            double v;
            if (find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], "ms_prefill_16", &v)) {
                sel_tok[ns] = c->toks.v[t];
                sel_lang[ns] = c->langs.v[l];
                ns++;
                break;
            }
        }
    if (ns == 0)
        return skip(c);
    char name[NAME_CAP];
    afile dat, gp;
    if (dat_open(c, "prefill", name, &dat, err))
        return TB_EINPUT;
    double fit[8][3] = {{0}};
    for (size_t k = 0; k < ns; k++) {
        /* normal equations of the quadratic fit, solved by Cramer's rule */
        double S[5] = {0}, T[3] = {0};
        size_t np = 0;
        fprintf(dat.fp, "# %s %s\n", sel_tok[k], sel_lang[k]);
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            char m[64];
            double v;
            snprintf(m, sizeof m, "ms_prefill_%d", lens[i]);
            if (!find(c->r, c->corpus, split, sel_lang[k], sel_tok[k], m, &v))
                continue;
            fprintf(dat.fp, "%d %.10g\n", lens[i], v);
            double x = lens[i], p = 1;
            for (int e = 0; e < 5; e++, p *= x)
                S[e] += p;
            T[0] += v;
            T[1] += v * x;
            T[2] += v * x * x;
            np++;
        }
        fputs("\n\n", dat.fp);
        double A[3][3] = {{S[0], S[1], S[2]}, {S[1], S[2], S[3]}, {S[2], S[3], S[4]}};
        double det = A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) -
                     A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
                     A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
        if (np >= 3 && det != 0) {
            for (int j = 0; j < 3; j++) {
                double B[3][3];
                memcpy(B, A, sizeof B);
                for (int i = 0; i < 3; i++)
                    B[i][j] = T[i];
                fit[k][j] = (B[0][0] * (B[1][1] * B[2][2] - B[1][2] * B[2][1]) -
                             B[0][1] * (B[1][0] * B[2][2] - B[1][2] * B[2][0]) +
                             B[0][2] * (B[1][0] * B[2][1] - B[1][1] * B[2][0])) /
                            det;
            }
        }
    }
    if (afile_commit(&dat, err) ||
        gp_open(c, &gp, name, 1000, 600, err, "prefill ms against length (lines: quadratic fit)"))
        return TB_EINPUT;
    fprintf(gp.fp, "set key outside right\nset xlabel 'tokens in the sequence'\n"
                   "set ylabel 'ms (one thread)'\nset xrange [0:*]\nset yrange [0:*]\n"
                   "set samples 200\nplot ");
    for (size_t k = 0; k < ns; k++) {
        double share;
        char t[256];
        if (find(c->r, c->corpus, split, sel_lang[k], sel_tok[k], "gemm_time_share", &share))
            snprintf(t, sizeof t, "%s (GEMM %.0f%% of time)", sel_tok[k], 100 * share);
        else
            snprintf(t, sizeof t, "%s", sel_tok[k]);
        fprintf(gp.fp, "%s'%s.dat' index %zu using 1:2 with points pt 7 ps 1.2 lc rgb '%s' title ",
                k ? ", " : "", name, k, k_line_colours[k]);
        gp_str(gp.fp, t);
        fprintf(gp.fp, ", %.10g + %.10g*x + %.10g*x*x with lines lw 2 lc rgb '%s' notitle",
                fit[k][0], fit[k][1], fit[k][2], k_line_colours[k]);
    }
    fputc('\n', gp.fp);
    return gp_finish(c, &gp, name, 1000, 600, err);
}

/* Projected decode ms per token against model size (parameters), one line
 * per hardware profile, from the proj_ms_decode_token_<model>_<hw> and
 * proj_params_<model> rows of the first production tokenizer (else the
 * first tokenizer) that has them, in its first language: the vocabulary
 * sizes the LM head, so the tokenizer is named in the title. */
static int chart_decode_size_in(struct ctx *c, results_names *hws, tb_error *err)
{
    static const char pre[] = "proj_ms_decode_token_";
    const char *split = c->cfg->split, *tok = NULL, *lang = NULL;
    for (int pass = 0; pass < 2 && !tok; pass++)
        for (size_t t = 0; t < c->toks.n && !tok; t++) {
            if (pass == 0 && strncmp(c->toks.v[t], "tiktoken:", 9) != 0 &&
                strncmp(c->toks.v[t], "hf:", 3) != 0)
                continue;
            for (size_t i = 0; i < results_count(c->r) && !tok; i++) {
                result_row row;
                results_get(c->r, i, &row);
                if (strcmp(row.corpus, c->corpus) == 0 && strcmp(row.split, split) == 0 &&
                    strcmp(row.tokenizer, c->toks.v[t]) == 0 &&
                    strncmp(row.metric, pre, sizeof pre - 1) == 0) {
                    tok = row.tokenizer;
                    lang = row.lang;
                }
            }
        }
    if (!tok)
        return skip(c);
    /* (model, hw, params, ms) points */
    struct pt {
        char model[64], hw[64];
        double params, ms;
    } pts[128];
    size_t np = 0;
    char hw_buf[32][64]; /* the profile names hws->v points into */
    for (size_t i = 0; i < results_count(c->r) && np < 128; i++) {
        result_row row;
        results_get(c->r, i, &row);
        if (strcmp(row.corpus, c->corpus) != 0 || strcmp(row.split, split) != 0 ||
            strcmp(row.lang, lang) != 0 || strcmp(row.tokenizer, tok) != 0 ||
            strncmp(row.metric, pre, sizeof pre - 1) != 0)
            continue;
        const char *mh = row.metric + sizeof pre - 1, *us = strrchr(mh, '_');
        if (!us || (size_t)(us - mh) >= 64 || strlen(us + 1) >= 64)
            continue;
        struct pt *q = &pts[np];
        snprintf(q->model, sizeof q->model, "%.*s", (int)(us - mh), mh);
        snprintf(q->hw, sizeof q->hw, "%s", us + 1);
        char pm[128];
        snprintf(pm, sizeof pm, "proj_params_%s", q->model);
        if (!find(c->r, c->corpus, split, lang, tok, pm, &q->params))
            continue;
        q->ms = row.value;
        int known = 0;
        for (size_t h = 0; h < hws->n; h++)
            known |= strcmp(hws->v[h], q->hw) == 0;
        if (!known && hws->n < 32) {
            snprintf(hw_buf[hws->n], sizeof hw_buf[0], "%s", q->hw);
            results_names_add(hws, hw_buf[hws->n]);
        }
        np++;
    }
    if (np == 0)
        return skip(c);
    char name[NAME_CAP];
    afile dat, gp;
    if (dat_open(c, "decode_size", name, &dat, err))
        return TB_EINPUT;
    for (size_t h = 0; h < hws->n; h++) {
        fprintf(dat.fp, "# %s\n", hws->v[h]);
        /* by parameters, ascending (selection sort: a handful of points) */
        int used[128] = {0};
        for (;;) {
            long best = -1;
            for (size_t k = 0; k < np; k++)
                if (!used[k] && strcmp(pts[k].hw, hws->v[h]) == 0 &&
                    (best < 0 || pts[k].params < pts[best].params))
                    best = (long)k;
            if (best < 0)
                break;
            used[best] = 1;
            fprintf(dat.fp, "%.10g %.10g ", pts[best].params, pts[best].ms);
            gp_str(dat.fp, pts[best].model);
            fputc('\n', dat.fp);
        }
        fputs("\n\n", dat.fp);
    }
    if (afile_commit(&dat, err) ||
        gp_open(c, &gp, name, 1000, 600, err,
                "projected decode ms per token against model size (%s)", tok))
        return TB_EINPUT;
    fprintf(gp.fp, "set logscale xy\nset key outside right\nset xlabel 'parameters'\n"
                   "set ylabel 'ms per token (roofline projection)'\nplot ");
    for (size_t h = 0; h < hws->n; h++) {
        fprintf(gp.fp, "%s'%s.dat' index %zu using 1:2 with linespoints lw 2 pt 7 lc rgb '%s' "
                       "title ",
                h ? ", " : "", name, h, k_line_colours[h % 8]);
        gp_str(gp.fp, hws->v[h]);
        fprintf(gp.fp, ", '%s.dat' index %zu using 1:2:3 with labels offset 0,1 font ',9' "
                       "notitle",
                name, h);
    }
    fputc('\n', gp.fp);
    return gp_finish(c, &gp, name, 1000, 600, err);
}

static int chart_decode_size(struct ctx *c, tb_error *err)
{
    results_names hws = {0};
    int rc = chart_decode_size_in(c, &hws, err);
    results_names_release(&hws);
    return rc;
}

/* ---- all charts ------------------------------------------------------ */

int plot_all(const results *r, const plot_config *cfg_in, plot_report *rep, tb_error *err)
{
    memset(rep, 0, sizeof *rep);
    plot_config cfg = *cfg_in;
    if (!cfg.gnuplot)
        cfg.gnuplot = "gnuplot";
    if (!cfg.split)
        cfg.split = "test";
    if (tb_mkdirs(cfg.out_dir, err))
        return TB_EINPUT;
    results_names corpora = {0};
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        results_names_add(&corpora, row.corpus);
    }
    int rc = TB_OK;
    static const char *const flops[] = {"flops_embed", "flops_qkvo", "flops_attn",
                                        "flops_mlp", "flops_lm_head", "flops_other"};
    static const char *const latency[] = {"latency_ms_per_en_byte_auto",
                                          "latency_ms_per_en_byte_select",
                                          "latency_ms_per_en_byte_hybrid"};
    static const char *const memory_1k[] = {"bytes_params_embed", "bytes_params_layers",
                                            "bytes_kv_cache_1k", "bytes_activations_1k"};
    /* at 60k the training activations (attention probabilities, n^2) are
     * hundreds of GB and would flatten the rest: this chart is the inference
     * memory of the claim, weights plus KV cache; the report's table has the
     * activations */
    static const char *const memory_60k[] = {"bytes_params_embed", "bytes_params_layers",
                                             "bytes_kv_cache_60k"};
    for (size_t k = 0; k < corpora.n && rc == TB_OK; k++) {
        struct ctx c = {.r = r, .cfg = &cfg, .rep = rep, .corpus = corpora.v[k]};
        for (size_t i = 0; i < results_count(r); i++) {
            result_row row;
            results_get(r, i, &row);
            if (strcmp(row.corpus, c.corpus) == 0) {
                results_names_add(&c.langs, row.lang);
                results_names_add(&c.toks, row.tokenizer);
            }
        }
        if (rc == TB_OK)
            rc = chart_grouped(&c, "tokens", "tokens", "tokens for the same content "
                               "(labels: parity with English)", 1, err);
        if (rc == TB_OK)
            rc = chart_grouped(&c, "fertility", "tokens per word", "fertility", 0, err);
        if (rc == TB_OK)
            rc = chart_grouped(&c, "bytes_per_token", "UTF-8 bytes per token",
                               "bytes per token", 0, err);
        if (rc == TB_OK)
            rc = chart_sweep(&c, "bpe:", "tokens", "tokens",
                             "tokens against BPE vocabulary size", "bpe_sweep", err);
        if (rc == TB_OK)
            rc = chart_stacked(&c, flops, 6, "FLOPs", "transformer FLOPs by component",
                               "flops", err);
        if (rc == TB_OK)
            rc = chart_stacked(&c, memory_1k, 4, "bytes",
                               "memory at 1k tokens, fp32 (activations: training forward)",
                               "memory_1k", err);
        if (rc == TB_OK)
            rc = chart_stacked(&c, memory_60k, 3, "bytes",
                               "inference memory at 60k tokens, fp32 (weights + KV cache)",
                               "memory_60k", err);
        if (rc == TB_OK)
            rc = chart_prefill(&c, err);
        if (rc == TB_OK)
            rc = chart_decode_size(&c, err);
        if (rc == TB_OK)
            rc = chart_grouped(&c, "proj_train_gpu_hours_llama2-7b_h100-sxm",
                               "H100-hours (projection)",
                               "training Llama-2-7B on this content x1000 (projection)", 0, err);
        if (rc == TB_OK)
            rc = chart_bars(&c, latency, 3, "ms per English byte of content (log scale)",
                            "time to produce the text: model alone, person picks every "
                            "token, person picks at forks", "latency", 1, 1, 0, err);
        if (rc == TB_OK)
            rc = chart_grouped(&c, "ngram_bits_per_en_byte", "bits per English byte",
                               "n-gram bits for the same content", 0, err);
        if (rc == TB_OK)
            rc = chart_sweep(&c, "symbol:", "unk_rate", "share of fallback tokens",
                             "held-out unknown rate against symbol vocabulary size",
                             "symbol_unk", err);
        results_names_release(&c.langs);
        results_names_release(&c.toks);
    }
    results_names_release(&corpora);
    return rc;
}
