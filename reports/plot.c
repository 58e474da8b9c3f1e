/* plot.c - gnuplot charts from results rows. */
#include "plot.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/afile.h"
#include "../common/spawn.h"
#include "atlas.h"

#define FONT "DejaVu Sans,13"   /* every chart's text; titles ',15' */
#define CHAR_PX 9.0             /* average width of one character of FONT, px */

/* ---- tokenizer groups ------------------------------------------------ */

static const struct {
    const char *key;        /* in chart names */
    const char *title;      /* in chart titles */
    const char *desc;       /* in captions */
} k_groups[] = {
    {"production", "production vocabularies", "production vocabularies (tiktoken:*, hf:*)"},
    {"trained", "BPE trained here",
     "BPE trained here (bpe:N per language, joint:bpe:N on all languages together)"},
    {"symbol", "symbol schemes", "the symbol schemes (symbol:V, symbol-space, symbol-stem)"},
    {"base", "base schemes", "the base schemes (bytes, chars, graphemes)"},
    {"other", "other tokenizers", "the other tokenizers (cmd:*, bpe-file:*)"},
};
#define N_GROUPS (sizeof k_groups / sizeof k_groups[0])

static size_t group_index(const char *tk)
{
    if (strncmp(tk, "joint:", 6) == 0)
        tk += 6;
    if (strncmp(tk, "tiktoken:", 9) == 0 || strncmp(tk, "hf:", 3) == 0)
        return 0;
    if (strncmp(tk, "bpe:", 4) == 0)
        return 1;
    if (strncmp(tk, "symbol:", 7) == 0 || strncmp(tk, "symbol-space:", 13) == 0 ||
        strncmp(tk, "symbol-stem:", 12) == 0)
        return 2;
    if (strcmp(tk, "bytes") == 0 || strcmp(tk, "chars") == 0 || strcmp(tk, "graphemes") == 0)
        return 3;
    return 4;
}

const char *plot_group_of(const char *tokenizer)
{
    return k_groups[group_index(tokenizer)].key;
}

/* ---- small helpers --------------------------------------------------- */

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

/* Colours of series that are not languages (components, hardware, tokenizers). */
static const char *const k_colours[8] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
                                         "#66a61e", "#a6761d", "#17becf", "#666666"};

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

/* v in plain decimal (gnuplot reads it; never e-notation); returns buf[64]. */
static const char *gp_num(double v, char *buf)
{
    int d = 6;
    if (v != 0 && isfinite(v)) {
        int e = (int)floor(log10(fabs(v)));
        d = e >= 6 ? 0 : 6 - e;
        if (d > 30)
            d = 30;
    }
    snprintf(buf, 64, "%.*f", d, v);
    return buf;
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

/* ---- charts: bookkeeping --------------------------------------------- */

struct ctx {
    const results *r;
    const plot_config *cfg;
    plot_report *rep;
    const char *corpus;
    results_names all_langs;  /* every language of the corpus (fixes the colours) */
    results_names langs, toks; /* the selected ones, in order of appearance */
};

static int find(struct ctx *c, const char *lang, const char *tok, const char *metric, double *v)
{
    return results_value(c->r, c->corpus, c->cfg->split, lang, tok, metric, v);
}

/* Records a drawn chart; TB_EINPUT when out of memory. */
static int note_drawn(struct ctx *c, const char *name, const char *group, const char *title,
                      const char *caption, tb_error *err)
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
    snprintf(ch->group, sizeof ch->group, "%s", group ? group : "");
    snprintf(ch->title, sizeof ch->title, "%s", title);
    snprintf(ch->caption, sizeof ch->caption, "%s", caption);
    return TB_OK;
}

void plot_report_free(plot_report *rep)
{
    free(rep->charts);
    rep->charts = NULL;
    rep->cap = rep->drawn = 0;
}

/* A chart kind without rows: counted, not drawn. */
static int skip(struct ctx *c)
{
    c->rep->skipped++;
    return TB_OK;
}

#define NAME_CAP 256 /* bytes of a chart name */

/* One chart being written: its name, title, caption and the two files. */
struct chart {
    char name[NAME_CAP];
    char title[512];
    char caption[512];
    const char *group;      /* group key or NULL */
    int width, height;      /* px */
    afile dat, gp;
};

/* Names the chart "<kind>[_<group>]_<corpus>" and opens its .dat. */
static int chart_open_dat(struct ctx *c, struct chart *ch, const char *kind, const char *group,
                          tb_error *err)
{
    if (group)
        snprintf(ch->name, sizeof ch->name, "%s_%s_%s", kind, group, c->corpus);
    else
        snprintf(ch->name, sizeof ch->name, "%s_%s", kind, c->corpus);
    ch->group = group;
    return open_out(&ch->dat, c->cfg->out_dir, ch->name, "dat", err);
}

/* Commits the .dat and opens the .gp: both outputs drawn by one body, run
 * twice (PNG, then SVG); each pass starts from gnuplot's defaults. */
static int chart_open_gp(struct ctx *c, struct chart *ch, tb_error *err)
{
    if (afile_commit(&ch->dat, err) || open_out(&ch->gp, c->cfg->out_dir, ch->name, "gp", err))
        return TB_EINPUT;
    FILE *f = ch->gp.fp;
    fprintf(f, "# %s: drawn by tokbench plot from %s.dat\n", ch->name, ch->name);
    fprintf(f,
            "do for [pass = 1:2] {\nreset\nset encoding utf8\n"
            "if (pass == 1) {\n"
            "  set terminal pngcairo noenhanced size %d,%d font '" FONT "'\n"
            "  set output '%s.png'\n"
            "} else {\n"
            "  set terminal svg noenhanced size %d,%d font '" FONT "' background '#ffffff'\n"
            "  set output '%s.svg'\n"
            "}\n"
            "set border 3 lc rgb '#444444'\nset tics nomirror out\n",
            ch->width, ch->height, ch->name, ch->width, ch->height, ch->name);
    return TB_OK;
}

/* Ends the script, commits it, runs gnuplot, and lists the chart. */
static int chart_finish(struct ctx *c, struct chart *ch, tb_error *err)
{
    fprintf(ch->gp.fp, "unset multiplot\nunset output\n}\n");
    if (afile_commit(&ch->gp, err))
        return TB_EINPUT;
    char script[NAME_CAP + 8];
    snprintf(script, sizeof script, "%s.gp", ch->name);
    int rc = run_gnuplot(c->cfg->gnuplot, script, c->cfg->out_dir, err);
    if (rc == TB_OK)
        rc = note_drawn(c, ch->name, ch->group, ch->title, ch->caption, err);
    return rc;
}

/* ---- axes ------------------------------------------------------------ */

struct axis {
    double lo, hi;          /* range */
    int log;                /* log10 scale */
};

/* The range of values vmin..vmax (vmin the smallest positive one): log when
 * mode is 1, or -1 and they span more than 50x; room is the headroom for
 * labels beside the largest bar (a share of the range). */
static void axis_fit(struct axis *a, double vmin, double vmax, int mode, double room)
{
    if (!(vmax > 0))
        vmax = 1;
    if (!(vmin > 0) || vmin > vmax)
        vmin = vmax;
    a->log = mode == 1 || (mode == -1 && vmax / vmin > 50);
    if (a->log) {
        a->lo = pow(10, floor(log10(vmin)));
        double decades = log10(vmax / a->lo);
        if (decades < 1)
            decades = 1;
        a->hi = vmax * pow(10, decades * (room + 0.04));
    } else {
        a->lo = 0;
        a->hi = vmax * (1 + room + 0.04);
    }
}

/* A tick label: v with an SI prefix (1.5G, 500M, 20k) when si, else %g of
 * v (0.25, 40); up to 3 significant digits, never e-notation. */
static void tick_label(double v, int si, char *buf, size_t cap)
{
    if (!si || v == 0) {
        snprintf(buf, cap, "%g", v);
        return;
    }
    static const char *const pre[] = {"p", "n", "µ", "m", "", "k", "M", "G", "T", "P", "E"};
    int e = (int)floor(log10(fabs(v)) / 3 + 1e-9);
    if (e < -4)
        e = -4;
    if (e > 6)
        e = 6;
    snprintf(buf, cap, "%.3g%s", v / pow(10, 3 * e), pre[e + 4]);
}

/* The logscale, range and ticks of axis ax ('x' or 'y'): ticks listed with
 * their labels (tick_label: SI prefixes for large or tiny values), so no
 * tick is rounded or printed in e-notation. Linear: a 1-2-2.5-5 step from
 * 0; log: each decade, and its 2x and 5x when the axis spans < 3 decades. */
static void gp_axis(FILE *f, char ax, const struct axis *a)
{
    char lo[64], hi[64], lb[32];
    if (a->log)
        fprintf(f, "set logscale %c 10\n", ax);
    else
        fprintf(f, "unset logscale %c\n", ax);
    fprintf(f, "set %crange [%s:%s]\n", ax, gp_num(a->lo, lo), gp_num(a->hi, hi));
    int si = a->hi >= 1e4 || (a->log && a->lo < 1e-3);
    fprintf(f, "set format %c '%s'\nset %ctics (", ax, si ? "%.0s%c" : "%g", ax);
    int n = 0;
    if (a->log) {
        int fine = a->hi / a->lo < 1e3;
        for (double d = pow(10, floor(log10(a->lo))); d <= a->hi && n < 64; d *= 10)
            for (int m = 1; m <= 5; m = m == 1 ? 2 : m + 3) {
                double v = d * m;
                if ((m > 1 && !fine) || v < a->lo * 0.999 || v > a->hi * 1.001)
                    continue;
                tick_label(v, si, lb, sizeof lb);
                fprintf(f, "%s\"%s\" %s", n++ ? ", " : "", lb, gp_num(v, lo));
            }
    } else {
        double raw = (a->hi - a->lo) / 6, p = pow(10, floor(log10(raw))), step = 10 * p;
        static const double nice[] = {1, 2, 2.5, 5, 10};
        for (size_t i = 0; i < 5; i++)
            if (nice[i] * p >= raw) {
                step = nice[i] * p;
                break;
            }
        for (int i = 0; a->lo + i * step <= a->hi * 1.0001 && n < 64; i++) {
            double v = a->lo + i * step;
            tick_label(v, si, lb, sizeof lb);
            fprintf(f, "%s\"%s\" %s", n++ ? ", " : "", lb, gp_num(v, lo));
        }
    }
    fprintf(f, ")\n");
    if (a->log)
        fprintf(f, "set m%ctics 10\n", ax);
}

/* ---- horizontal bars, one chart per tokenizer group ------------------ *
 * Rows are tokenizers (top to bottom in run order); inside a row one thin
 * bar per language, languages in corpus order top to bottom. Panels side by
 * side share the rows: a value panel draws one value per bar (a metric, or
 * the sum of several) in the language's colour; a share panel draws the
 * metrics as stacked percentages of their sum, the language named at the
 * bar's end. */

struct hpanel {
    int share;                  /* 0 value bars, 1 stacked shares */
    const char *const *metrics; /* value: summed; share: the layers, left first */
    const char *const *names;   /* share: the layers' names for people */
    size_t nm;
    const char *xlabel;         /* with unit */
    int parity;                 /* value: "×parity with English" beside each bar */
};

struct hchart {
    const char *kind;           /* name stem */
    const char *title;          /* drawn after "<corpus> · <group>: " */
    const char *what;           /* caption start, before ", for <group>" */
    const char *tail;           /* caption end after the group, or NULL */
    int log;                    /* value axis: -1 auto, 0 linear, 1 log */
    const struct hpanel *p;
    size_t np;
};

/* The value of value panel p for (lang, tok): 1 and *v, or 0 without rows. */
static int panel_value(struct ctx *c, const struct hpanel *p, const char *lang, const char *tok,
                       double *v)
{
    int any = 0;
    double s = 0, x;
    for (size_t m = 0; m < p->nm; m++)
        if (find(c, lang, tok, p->metrics[m], &x)) {
            s += x;
            any = 1;
        }
    *v = s;
    return any;
}

static int hchart_has(struct ctx *c, const struct hchart *hc, const char *lang, const char *tok)
{
    double v;
    for (size_t k = 0; k < hc->np; k++)
        if (panel_value(c, &hc->p[k], lang, tok, &v))
            return 1;
    return 0;
}

/* Columns of a share panel's key in pw px: what gnuplot fits, counted
 * generously (its estimate of a text's width exceeds the drawn one), so the
 * rows reserved above the plot hold the key. */
static int key_cols(const struct hpanel *p, int pw)
{
    size_t len = 1;
    for (size_t m = 0; m < p->nm; m++)
        if (strlen(p->names[m]) > len)
            len = strlen(p->names[m]);
    int col = (int)((double)len * CHAR_PX * 1.25) + 70;
    return pw / col > 0 ? pw / col : 1;
}

/* One group's chart; toks, langs: its rows and languages. */
static int hchart_group(struct ctx *c, const struct hchart *hc, size_t g, const results_names *toks,
                        const results_names *langs, const struct axis *ax, tb_error *err)
{
    struct chart ch = {0};
    if (chart_open_dat(c, &ch, hc->kind, k_groups[g].key, err))
        return TB_EINPUT;
    size_t nl = langs->n, nr = toks->n;
    double bh = 0.84 / (double)nl; /* one language's slot, in rows */
    FILE *d = ch.dat.fp;
    size_t col[8];                 /* first data column of each panel */
    fprintf(d, "# y tokenizer lang");
    size_t nc = 4;
    for (size_t k = 0; k < hc->np && k < 8; k++) {
        const struct hpanel *p = &hc->p[k];
        col[k] = nc;
        if (p->share) {
            fprintf(d, " | share: cumulative %% from 0");
            for (size_t m = 0; m < p->nm; m++)
                fprintf(d, " %s", p->metrics[m]);
            nc += p->nm + 1;
        } else {
            fprintf(d, " | %s", p->nm == 1 ? p->metrics[0] : "sum");
            nc++;
            if (p->parity) {
                fprintf(d, " label_x label");
                nc += 2;
            }
        }
    }
    fputc('\n', d);
    for (size_t j = 0; j < nl; j++) {
        fprintf(d, "# %s\n", langs->v[j]);
        for (size_t r = 0; r < nr; r++) {
            char yb[64];
            fprintf(d, "%s ", gp_num((double)r + ((double)j - (double)(nl - 1) / 2) * bh, yb));
            gp_str(d, toks->v[r]);
            fputc(' ', d);
            gp_str(d, langs->v[j]);
            for (size_t k = 0; k < hc->np && k < 8; k++) {
                const struct hpanel *p = &hc->p[k];
                double v, par;
                if (p->share) {
                    double part[16] = {0}, tot = 0;
                    for (size_t m = 0; m < p->nm && m < 16; m++)
                        if (find(c, langs->v[j], toks->v[r], p->metrics[m], &part[m]))
                            tot += part[m];
                    double cum = 0;
                    fputs(tot > 0 ? " 0" : " NaN", d);
                    for (size_t m = 0; m < p->nm && m < 16; m++) {
                        cum += part[m];
                        if (tot > 0)
                            fprintf(d, " %.4f", 100 * cum / tot);
                        else
                            fputs(" NaN", d);
                    }
                } else {
                    int has = panel_value(c, p, langs->v[j], toks->v[r], &v);
                    if (has)
                        fprintf(d, " %.10g", v);
                    else
                        fputs(" NaN", d);
                    if (p->parity) {
                        if (has && find(c, langs->v[j], toks->v[r], "parity", &par)) {
                            char lb[64];
                            snprintf(lb, sizeof lb, " ×%.2f", par);
                            fprintf(d, " %.10g ", v);
                            gp_str(d, lb);
                        } else {
                            fputs(" NaN \"\"", d);
                        }
                    }
                }
            }
            fputc('\n', d);
        }
        fputs("\n\n", d);
    }
    /* layout, px */
    size_t maxlab = 4;
    for (size_t r = 0; r < nr; r++)
        if (strlen(toks->v[r]) > maxlab)
            maxlab = strlen(toks->v[r]);
    int W = hc->np == 1 ? 1200 : hc->np == 2 ? 1500 : 1560;
    int L = 40 + (int)(CHAR_PX * (double)maxlab), R = 24, gap = 72;
    int pw = (W - L - R - gap * (int)(hc->np - 1)) / (int)hc->np;
    int key_rows = 1;
    for (size_t k = 0; k < hc->np; k++)
        if (hc->p[k].share) {
            int per = key_cols(&hc->p[k], pw);
            int rows = ((int)hc->p[k].nm + per - 1) / per;
            if (rows > key_rows)
                key_rows = rows;
        }
    int row_px = 20 * (int)nl + 16;
    int top = 48 + 24 * key_rows + 10, bottom = 76;
    int H = top + row_px * (int)nr + bottom;
    if (H < 320)
        H = 320;
    ch.width = W;
    ch.height = H;
    snprintf(ch.title, sizeof ch.title, "%s · %s: %s", c->corpus, k_groups[g].title, hc->title);
    snprintf(ch.caption, sizeof ch.caption, "%s, for %s%s%s.", hc->what, k_groups[g].desc,
             hc->tail ? "; " : "", hc->tail ? hc->tail : "");
    if (chart_open_gp(c, &ch, err))
        return TB_EINPUT;
    FILE *f = ch.gp.fp;
    fprintf(f, "set multiplot title ");
    gp_str(f, ch.title);
    fprintf(f, " font ',15'\nset style fill solid 0.85 noborder\n");
    double yt = 1 - (double)top / H, yb = (double)bottom / H, ky = 1 - 44.0 / H;
    int first_value = 1;
    for (size_t k = 0; k < hc->np && k < 8; k++) {
        const struct hpanel *p = &hc->p[k];
        double x0 = (double)(L + (int)k * (pw + gap)) / W, x1 = x0 + (double)pw / W;
        fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
                   "set tmargin at screen %.4f\nset bmargin at screen %.4f\n",
                x0, x1, yt, yb);
        fprintf(f, "set yrange [%zu.5:-0.5]\n", nr - 1);
        if (k == 0) {
            fprintf(f, "set ytics scale 0 (");
            for (size_t r = 0; r < nr; r++) {
                fprintf(f, "%s", r ? ", " : "");
                gp_str(f, toks->v[r]);
                fprintf(f, " %zu", r);
            }
            fprintf(f, ")\n");
        } else {
            fprintf(f, "unset ytics\n");
        }
        char xl[256];
        snprintf(xl, sizeof xl, "%s%s", p->xlabel, !p->share && ax->log ? " (log scale)" : "");
        fprintf(f, "set xlabel ");
        gp_str(f, xl);
        fputc('\n', f);
        if (p->share) {
            fprintf(f, "unset logscale x\nunset mxtics\nunset xtics\nset xtics nomirror out 0,25,100\n"
                       "set xrange [0:114]\n"
                       "set format x '%%g%%%%'\nset grid xtics lc rgb '#dddddd'\n"
                       "set key at screen %.4f, screen %.4f left top horizontal Left reverse "
                       "maxcols %d samplen 1.5 width 1\nplot ",
                    x0, ky, key_cols(p, pw));
            for (size_t m = 0; m < p->nm; m++) {
                fprintf(f, "%s'%s.dat' index 0:%zu using (0):1:%zu:%zu:($1-%.4f):($1+%.4f) "
                           "with boxxyerror lc rgb '%s' title ",
                        m ? ", " : "", ch.name, nl - 1, col[k] + m, col[k] + m + 1, bh * 0.43,
                        bh * 0.43, k_colours[m % 8]);
                gp_str(f, p->names[m]);
            }
            fprintf(f, ", '%s.dat' index 0:%zu using (101):1:(valid(%zu) ? stringcolumn(3) : '') "
                       "with labels left font ',11' notitle\n",
                    ch.name, nl - 1, col[k]);
        } else {
            gp_axis(f, 'x', ax);
            fprintf(f, "set grid xtics %slc rgb '#dddddd'%s\n", ax->log ? "mxtics " : "",
                    ax->log ? ", lc rgb '#f0f0f0'" : "");
            if (first_value)
                fprintf(f, "set key at screen %.4f, screen %.4f left top horizontal Left "
                           "reverse samplen 1.5 width 1\n",
                        x0, ky);
            else
                fprintf(f, "unset key\n");
            char lo[64];
            gp_num(ax->lo, lo);
            fprintf(f, "plot ");
            for (size_t j = 0; j < nl; j++) {
                fprintf(f, "%s'%s.dat' index %zu using (%s):1:(%s):%zu:($1-%.4f):($1+%.4f) "
                           "with boxxyerror lc rgb '%s' ",
                        j ? ", " : "", ch.name, j, lo, lo, col[k], bh * 0.43, bh * 0.43,
                        lang_colour(&c->all_langs, langs->v[j]));
                if (first_value) {
                    fprintf(f, "title ");
                    gp_str(f, langs->v[j]);
                } else {
                    fprintf(f, "notitle");
                }
            }
            if (p->parity)
                fprintf(f, ", '%s.dat' index 0:%zu using %zu:1:%zu with labels left "
                           "font ',11' tc rgb '#333333' notitle",
                        ch.name, nl - 1, col[k] + 1, col[k] + 2);
            fputc('\n', f);
            first_value = 0;
        }
    }
    return chart_finish(c, &ch, err);
}

/* Every group's chart of hc. A log value axis is fitted to all groups, so
 * they compare; a linear one to its own group. */
static int chart_hbars(struct ctx *c, const struct hchart *hc, tb_error *err)
{
    double vmin = INFINITY, vmax = 0;
    int any = 0, labels = 0;
    for (size_t k = 0; k < hc->np; k++) {
        labels |= hc->p[k].parity;
        for (size_t t = 0; t < c->toks.n; t++)
            for (size_t l = 0; l < c->langs.n; l++) {
                double v;
                if (!panel_value(c, &hc->p[k], c->langs.v[l], c->toks.v[t], &v))
                    continue;
                any = 1;
                if (hc->p[k].share)
                    continue;
                if (v > 0 && v < vmin)
                    vmin = v;
                if (v > vmax)
                    vmax = v;
            }
    }
    if (!any)
        return skip(c);
    struct axis ax;
    axis_fit(&ax, vmin, vmax, hc->log, labels ? 0.14 : 0.0);
    int rc = TB_OK;
    for (size_t g = 0; g < N_GROUPS && rc == TB_OK; g++) {
        results_names toks = {0}, langs = {0};
        for (size_t t = 0; t < c->toks.n; t++) {
            if (group_index(c->toks.v[t]) != g)
                continue;
            for (size_t l = 0; l < c->langs.n; l++)
                if (hchart_has(c, hc, c->langs.v[l], c->toks.v[t])) {
                    if (results_names_add(&toks, c->toks.v[t]))
                        rc = tb_fail(err, TB_EINPUT, "plot: out of memory");
                    break;
                }
        }
        for (size_t l = 0; l < c->langs.n; l++)
            for (size_t t = 0; t < toks.n; t++)
                if (hchart_has(c, hc, c->langs.v[l], toks.v[t])) {
                    if (results_names_add(&langs, c->langs.v[l]))
                        rc = tb_fail(err, TB_EINPUT, "plot: out of memory");
                    break;
                }
        struct axis gax = ax;
        if (!ax.log) { /* a linear axis fits its group: a long bar elsewhere would squash it */
            double gmax = 0;
            for (size_t k = 0; k < hc->np; k++)
                for (size_t t = 0; t < toks.n && !hc->p[k].share; t++)
                    for (size_t l = 0; l < langs.n; l++) {
                        double v;
                        if (panel_value(c, &hc->p[k], langs.v[l], toks.v[t], &v) && v > gmax)
                            gmax = v;
                    }
            axis_fit(&gax, gmax, gmax, 0, labels ? 0.14 : 0.0);
        }
        if (rc == TB_OK && toks.n && langs.n)
            rc = hchart_group(c, hc, g, &toks, &langs, &gax, err);
        results_names_release(&toks);
        results_names_release(&langs);
    }
    return rc;
}

/* ---- sweeps: a metric against the vocabulary size reached ------------ */

/* A member of a sweep family: the name (after an optional "joint:") starts
 * with one of prefixes, then a parameter (digits, optional k = 1000, or
 * "all") ending the name or followed by ':'. *nominal is the parameter (0
 * for "all"); series is the name with the parameter replaced by sym. */
static int sweep_member(const char *tk, const char *const *prefixes, size_t np, const char *sym,
                        double *nominal, char *series, size_t cap)
{
    const char *base = strncmp(tk, "joint:", 6) == 0 ? tk + 6 : tk;
    for (size_t i = 0; i < np; i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncmp(base, prefixes[i], pl) != 0)
            continue;
        const char *p = base + pl, *end;
        if (strncmp(p, "all", 3) == 0) {
            *nominal = 0;
            end = p + 3;
        } else if (*p >= '0' && *p <= '9') {
            char *e;
            *nominal = strtod(p, &e);
            if (*e == 'k' || *e == 'K') {
                *nominal *= 1000;
                e++;
            }
            end = e;
        } else {
            continue;
        }
        if (*end && *end != ':')
            continue;
        snprintf(series, cap, "%.*s%s%s", (int)(p - tk), tk, sym, end);
        return 1;
    }
    return 0;
}

struct spt {
    double x, y;
};

static int spt_cmp(const void *a, const void *b)
{
    const struct spt *p = a, *q = b;
    return p->x < q->x ? -1 : p->x > q->x ? 1 : p->y < q->y ? -1 : p->y > q->y;
}

/* Lines: metric (times scale) against the vocabulary size each member of
 * the family reached (its vocab_size row; the nominal size without one),
 * one line per (series, language): colour by language, dashes by series. */
static int chart_sweep(struct ctx *c, const char *kind, const char *const *prefixes, size_t npre,
                       const char *sym, const char *metric, double scale, const char *ylabel,
                       const char *title, const char *caption, tb_error *err)
{
    results_names series = {0};
    char sbuf[64][128]; /* the series names series.v points into */
    for (size_t t = 0; t < c->toks.n && series.n < 64; t++) {
        double x;
        if (sweep_member(c->toks.v[t], prefixes, npre, sym, &x, sbuf[series.n], sizeof sbuf[0]) &&
            !results_names_has(&series, sbuf[series.n]))
            results_names_add(&series, sbuf[series.n]);
    }
    struct chart ch = {0};
    size_t blocks = 0, block_lang[128], block_series[128];
    double xmin = INFINITY, xmax = 0, ymax = 0;
    int rc = TB_OK;
    if (series.n == 0) {
        rc = skip(c);
        goto done;
    }
    if (chart_open_dat(c, &ch, kind, NULL, err)) {
        rc = TB_EINPUT;
        goto done;
    }
    for (size_t s = 0; s < series.n; s++)
        for (size_t l = 0; l < c->langs.n && blocks < 128; l++) {
            struct spt pts[64];
            size_t n = 0;
            for (size_t t = 0; t < c->toks.n && n < 64; t++) {
                char key[128];
                double nom, x, v;
                if (!sweep_member(c->toks.v[t], prefixes, npre, sym, &nom, key, sizeof key) ||
                    strcmp(key, series.v[s]) != 0 ||
                    !find(c, c->langs.v[l], c->toks.v[t], metric, &v))
                    continue;
                if (!find(c, c->langs.v[l], c->toks.v[t], "vocab_size", &x))
                    x = nom;
                if (!(x > 0))
                    continue;
                pts[n].x = x;
                pts[n].y = v * scale;
                n++;
            }
            if (n == 0)
                continue;
            qsort(pts, n, sizeof pts[0], spt_cmp);
            fprintf(ch.dat.fp, "# %s %s: vocab_size %s\n", c->langs.v[l], series.v[s], metric);
            for (size_t i = 0; i < n; i++) {
                fprintf(ch.dat.fp, "%.10g %.10g\n", pts[i].x, pts[i].y);
                if (pts[i].x < xmin)
                    xmin = pts[i].x;
                if (pts[i].x > xmax)
                    xmax = pts[i].x;
                if (pts[i].y > ymax)
                    ymax = pts[i].y;
            }
            fputs("\n\n", ch.dat.fp);
            block_lang[blocks] = l;
            block_series[blocks] = s;
            blocks++;
        }
    if (blocks == 0) {
        afile_abort(&ch.dat);
        rc = skip(c);
        goto done;
    }
    ch.width = 1200;
    ch.height = 720;
    snprintf(ch.title, sizeof ch.title, "%s: %s", c->corpus, title);
    snprintf(ch.caption, sizeof ch.caption, "%s", caption);
    if (chart_open_gp(c, &ch, err)) {
        rc = TB_EINPUT;
        goto done;
    }
    FILE *f = ch.gp.fp;
    struct axis ax = {xmin / 1.6, xmax * 1.6, 1};
    struct axis ay = {0, ymax > 0 ? ymax * 1.08 : 1, 0};
    fprintf(f, "set title ");
    gp_str(f, ch.title);
    fprintf(f, " font ',15'\nset grid xtics ytics lc rgb '#dddddd'\n");
    gp_axis(f, 'x', &ax);
    gp_axis(f, 'y', &ay);
    fprintf(f, "set xlabel 'vocabulary size reached (entries, log scale)'\nset ylabel ");
    gp_str(f, ylabel);
    /* the key below the plot, in at most 3 columns; room for its rows */
    fprintf(f, "\nset key below horizontal maxcols 3 Left reverse samplen 3 width 1\n"
               "set bmargin %zu\nplot ",
            5 + (blocks + 1) / 2); /* rows: gnuplot may use 2 columns, not 3 */
    for (size_t b = 0; b < blocks; b++) {
        fprintf(f, "%s'%s.dat' index %zu using 1:2 with linespoints lw 2 pt %zu ps 1.3 dt %zu "
                   "lc rgb '%s' title ",
                b ? ", " : "", ch.name, b, 7 + 2 * (block_series[b] % 3), 1 + block_series[b] % 5,
                lang_colour(&c->all_langs, c->langs.v[block_lang[b]]));
        char t[256];
        const char *sn = series.v[block_series[b]];
        if (strcmp(sym, "N") == 0) /* BPE: say where each was trained */
            snprintf(t, sizeof t, "%s · %s (%s)", c->langs.v[block_lang[b]], sn,
                     strncmp(sn, "joint:", 6) == 0 ? "all languages" : "per language");
        else
            snprintf(t, sizeof t, "%s · %s", c->langs.v[block_lang[b]], sn);
        gp_str(f, t);
    }
    fputc('\n', f);
    rc = chart_finish(c, &ch, err);
done:
    results_names_release(&series);
    return rc;
}

/* ---- prefill against length ------------------------------------------ */

/* The (length, ms) points of the ms_prefill_<N> rows of (lang, tok),
 * ascending; returns how many (at most cap). */
static size_t prefill_points(struct ctx *c, const char *lang, const char *tok, struct spt *pts,
                             size_t cap)
{
    static const char pre[] = "ms_prefill_";
    size_t n = 0;
    for (size_t i = 0; i < results_count(c->r) && n < cap; i++) {
        result_row row;
        results_get(c->r, i, &row);
        if (strcmp(row.corpus, c->corpus) || strcmp(row.split, c->cfg->split) ||
            strcmp(row.lang, lang) || strcmp(row.tokenizer, tok) ||
            strncmp(row.metric, pre, sizeof pre - 1))
            continue;
        const char *d = row.metric + sizeof pre - 1;
        if (!*d || strspn(d, "0123456789") != strlen(d))
            continue;
        pts[n].x = strtod(d, NULL);
        pts[n].y = row.value;
        if (pts[n].x > 0)
            n++;
    }
    qsort(pts, n, sizeof pts[0], spt_cmp);
    return n;
}

/* Measured prefill ms against sequence length (rows ms_prefill_N: the
 * vocabulary-free body at N plus N LM-head rows of the tokenizer's priced
 * vocabulary), points, with the curve bench/stage_model.c prices every
 * ms_prefill row with: piecewise linear between the measured lengths,
 * proportional to the length below the first; drawn sampled, so it is exact
 * on log axes. Up to 6 tokenizers whose priced vocabularies span the run's. */
static int chart_prefill(struct ctx *c, tb_error *err)
{
    struct cand {
        const char *tok, *lang;
        double v;
    } cand[256];
    size_t nc = 0;
    for (size_t t = 0; t < c->toks.n && nc < 256; t++)
        for (size_t l = 0; l < c->langs.n; l++) {
            double v, ms;
            if (!find(c, c->langs.v[l], c->toks.v[t], "ms_prefill_16", &ms) &&
                !find(c, c->langs.v[l], c->toks.v[t], "ms_prefill_1", &ms))
                continue;
            if (!find(c, c->langs.v[l], c->toks.v[t], "vocab_priced", &v))
                v = 0;
            int dup = 0; /* one tokenizer per priced vocabulary: the same curve */
            for (size_t k = 0; k < nc; k++)
                dup |= cand[k].v == v;
            if (!dup)
                cand[nc++] = (struct cand){c->toks.v[t], c->langs.v[l], v};
            break;
        }
    if (nc == 0)
        return skip(c);
    for (size_t i = 1; i < nc; i++) /* by vocabulary, ascending (stable) */
        for (size_t k = i; k > 0 && cand[k - 1].v > cand[k].v; k--) {
            struct cand tmp = cand[k];
            cand[k] = cand[k - 1];
            cand[k - 1] = tmp;
        }
    /* up to 6, nearest to vocabulary sizes evenly spaced on a log scale */
    size_t pick[6], ns = 0, want = nc < 6 ? nc : 6;
    double l0 = log(fmax(cand[0].v, 1)), l1 = log(fmax(cand[nc - 1].v, 1));
    for (size_t i = 0; i < want; i++) {
        double target = want == 1 ? l0 : l0 + (l1 - l0) * (double)i / (double)(want - 1);
        size_t best = 0;
        for (size_t k = 1; k < nc; k++)
            if (fabs(log(fmax(cand[k].v, 1)) - target) < fabs(log(fmax(cand[best].v, 1)) - target))
                best = k;
        if (ns == 0 || pick[ns - 1] != best)
            pick[ns++] = best;
    }
    struct chart ch = {0};
    if (chart_open_dat(c, &ch, "prefill", NULL, err))
        return TB_EINPUT;
    double xmax = 1, ymin = INFINITY, ymax = 0;
    for (size_t i = 0; i < ns; i++) {
        const struct cand *k = &cand[pick[i]];
        struct spt pts[32];
        size_t n = prefill_points(c, k->lang, k->tok, pts, 32);
        fprintf(ch.dat.fp, "# %s %s: measured (tokens ms)\n", k->tok, k->lang);
        for (size_t j = 0; j < n; j++) {
            fprintf(ch.dat.fp, "%.10g %.10g\n", pts[j].x, pts[j].y);
            if (pts[j].x > xmax)
                xmax = pts[j].x;
            if (pts[j].y > ymax)
                ymax = pts[j].y;
            if (pts[j].y > 0 && pts[j].y < ymin)
                ymin = pts[j].y;
        }
        fprintf(ch.dat.fp, "\n\n# %s %s: priced curve (tokens ms), piecewise linear\n", k->tok,
                k->lang);
        if (n && pts[0].x > 1) /* below the first length: proportional */
            for (int s = 0; s <= 16; s++) {
                double x = pow(pts[0].x, s / 16.0);
                fprintf(ch.dat.fp, "%.6f %.10g priced\n", x, pts[0].y * x / pts[0].x);
            }
        for (size_t j = 0; j + 1 < n; j++)
            for (int s = j ? 1 : 0; s <= 16; s++) {
                double a = pts[j].x, b = pts[j + 1].x, x = a * pow(b / a, s / 16.0);
                fprintf(ch.dat.fp, "%.6f %.10g priced\n", x,
                        pts[j].y + (pts[j + 1].y - pts[j].y) * (x - a) / (b - a));
            }
        fputs("\n\n", ch.dat.fp);
    }
    ch.width = 1200;
    ch.height = 720;
    snprintf(ch.title, sizeof ch.title,
             "%s: prefill time against sequence length (reference transformer, one thread)",
             c->corpus);
    snprintf(ch.caption, sizeof ch.caption,
             "Prefill milliseconds measured on this machine (points) against sequence length for "
             "tokenizers spanning the run's vocabulary sizes, with the piecewise-linear curve "
             "between the measured lengths that prices every ms_prefill row (lines), on log "
             "axes.");
    if (chart_open_gp(c, &ch, err))
        return TB_EINPUT;
    FILE *f = ch.gp.fp;
    fprintf(f, "set title ");
    gp_str(f, ch.title);
    fprintf(f, " font ',15'\nset grid xtics ytics mxtics mytics lc rgb '#dddddd', lc rgb '#f2f2f2'\n");
    struct axis ax = {1, xmax * 1.3, 1};
    struct axis ay = {pow(10, floor(log10(ymin))), pow(10, ceil(log10(ymax * 1.5))), 1};
    gp_axis(f, 'x', &ax);
    gp_axis(f, 'y', &ay);
    fprintf(f, "set xlabel 'tokens in the sequence (log scale)'\n"
               "set ylabel 'prefill ms, one thread (log scale)'\n"
               "set key inside top left Left reverse samplen 2.5\n"
               "plot ");
    for (size_t i = 0; i < ns; i++) {
        const struct cand *k = &cand[pick[i]];
        double share;
        char t[256], vb[32], gb[48] = "";
        if (find(c, k->lang, k->tok, "gemm_time_share", &share))
            snprintf(gb, sizeof gb, ", GEMM %.0f%% of time", 100 * share);
        snprintf(t, sizeof t, "%s (V %s%s)", k->tok, results_format_count(k->v, vb, sizeof vb),
                 gb);
        fprintf(f, "%s'%s.dat' index %zu using 1:2 with lines lw 2 lc rgb '%s' title ", i ? ", " : "",
                ch.name, 2 * i + 1, k_colours[i]);
        gp_str(f, t);
        fprintf(f, ", '%s.dat' index %zu using 1:2 with points pt 7 ps 1.4 lc rgb '%s' notitle",
                ch.name, 2 * i, k_colours[i]);
    }
    fprintf(f, ", NaN with points pt 7 ps 1.4 lc rgb '#444444' title 'points: measured', "
               "NaN with lines lw 2 lc rgb '#444444' title 'lines: the priced curve, piecewise "
               "linear between measured lengths'\n");
    return chart_finish(c, &ch, err);
}

/* ---- projected decode against model size ------------------------------ */

struct dpt {
    char model[64], hw[64];
    double params, ms;
};

/* Projected decode ms per token against model size (parameters), one line
 * per hardware profile, from the proj_ms_decode_token_<model>_<hw> and
 * proj_params_<model> rows of the first production tokenizer (else the
 * first tokenizer) that has them, in its first language: the vocabulary
 * sizes the LM head, so the tokenizer is named in the title. Models of
 * nearly the same size share one label, drawn once above the lines. */
static int chart_decode_size(struct ctx *c, tb_error *err)
{
    static const char pre[] = "proj_ms_decode_token_";
    const char *split = c->cfg->split, *tok = NULL, *lang = NULL;
    for (int pass = 0; pass < 2 && !tok; pass++)
        for (size_t t = 0; t < c->toks.n && !tok; t++) {
            if (pass == 0 && group_index(c->toks.v[t]) != 0)
                continue;
            for (size_t i = 0; i < results_count(c->r) && !tok; i++) {
                result_row row;
                results_get(c->r, i, &row);
                if (strcmp(row.corpus, c->corpus) == 0 && strcmp(row.split, split) == 0 &&
                    strcmp(row.tokenizer, c->toks.v[t]) == 0 &&
                    results_names_has(&c->langs, row.lang) &&
                    strncmp(row.metric, pre, sizeof pre - 1) == 0) {
                    tok = c->toks.v[t];
                    lang = row.lang;
                }
            }
        }
    if (!tok)
        return skip(c);
    struct dpt pts[128];
    size_t np = 0, nh = 0;
    char hws[16][64];
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
        struct dpt *q = &pts[np];
        snprintf(q->model, sizeof q->model, "%.*s", (int)(us - mh), mh);
        snprintf(q->hw, sizeof q->hw, "%s", us + 1);
        char pm[128];
        snprintf(pm, sizeof pm, "proj_params_%s", q->model);
        if (!find(c, lang, tok, pm, &q->params) || !(q->params > 0) || !(row.value > 0))
            continue;
        q->ms = row.value;
        size_t h = 0;
        while (h < nh && strcmp(hws[h], q->hw) != 0)
            h++;
        if (h == nh) {
            if (nh == 16)
                continue;
            snprintf(hws[nh++], sizeof hws[0], "%s", q->hw);
        }
        np++;
    }
    if (np == 0)
        return skip(c);
    struct chart ch = {0};
    if (chart_open_dat(c, &ch, "decode_size", NULL, err))
        return TB_EINPUT;
    double pmin = INFINITY, pmax = 0, mmin = INFINITY, mmax = 0;
    for (size_t h = 0; h < nh; h++) {
        fprintf(ch.dat.fp, "# %s: parameters ms model\n", hws[h]);
        int used[128] = {0};
        for (;;) { /* by parameters, ascending (selection sort: a handful of points) */
            long best = -1;
            for (size_t k = 0; k < np; k++)
                if (!used[k] && strcmp(pts[k].hw, hws[h]) == 0 &&
                    (best < 0 || pts[k].params < pts[best].params))
                    best = (long)k;
            if (best < 0)
                break;
            used[best] = 1;
            const struct dpt *q = &pts[best];
            fprintf(ch.dat.fp, "%.10g %.10g ", q->params, q->ms);
            gp_str(ch.dat.fp, q->model);
            fputc('\n', ch.dat.fp);
            pmin = fmin(pmin, q->params);
            pmax = fmax(pmax, q->params);
            mmin = fmin(mmin, q->ms);
            mmax = fmax(mmax, q->ms);
        }
        fputs("\n\n", ch.dat.fp);
    }
    /* labels: models within 1.3x of the group's smallest share one */
    fprintf(ch.dat.fp, "# labels: parameters ms models\n");
    int done[128] = {0};
    for (;;) {
        long best = -1;
        for (size_t k = 0; k < np; k++)
            if (!done[k] && (best < 0 || pts[k].params < pts[best].params))
                best = (long)k;
        if (best < 0)
            break;
        double p0 = pts[best].params, lp = 0, top = 0;
        char label[256] = "";
        size_t nlab = 0;
        for (;;) { /* models in the group, by size; each model once */
            long nx = -1;
            for (size_t k = 0; k < np; k++)
                if (!done[k] && pts[k].params <= p0 * 1.3 &&
                    (nx < 0 || pts[k].params < pts[nx].params))
                    nx = (long)k;
            if (nx < 0)
                break;
            const char *m = pts[nx].model;
            size_t len = strlen(label);
            snprintf(label + len, sizeof label - len, "%s%s", nlab ? " / " : "", m);
            lp += log(pts[nx].params);
            nlab++;
            for (size_t k = 0; k < np; k++)
                if (strcmp(pts[k].model, m) == 0) {
                    done[k] = 1;
                    top = fmax(top, pts[k].ms);
                }
        }
        fprintf(ch.dat.fp, "%.10g %.10g ", exp(lp / (double)nlab), top * 1.6);
        gp_str(ch.dat.fp, label);
        fputc('\n', ch.dat.fp);
    }
    double vp = 0;
    char vb[32] = "?";
    if (find(c, lang, tok, "vocab_priced", &vp))
        results_format_count(vp, vb, sizeof vb);
    ch.width = 1200;
    ch.height = 720;
    snprintf(ch.title, sizeof ch.title,
             "%s: projected decode time per token against model size (%s, V %s)", c->corpus, tok,
             vb);
    snprintf(ch.caption, sizeof ch.caption,
             "Roofline-projected milliseconds to decode one token against the model's parameters, "
             "one line per hardware profile, with the LM head sized by the vocabulary of %s (%s "
             "entries), on log axes.",
             tok, vb);
    if (chart_open_gp(c, &ch, err))
        return TB_EINPUT;
    FILE *f = ch.gp.fp;
    fprintf(f, "set title ");
    gp_str(f, ch.title);
    fprintf(f, " font ',15'\nset grid xtics ytics mxtics mytics lc rgb '#dddddd', lc rgb '#f2f2f2'\n");
    struct axis ax = {pmin / 2.5, pmax * 3, 1};
    struct axis ay = {pow(10, floor(log10(mmin))), pow(10, ceil(log10(mmax * 4))), 1};
    gp_axis(f, 'x', &ax);
    gp_axis(f, 'y', &ay);
    fprintf(f, "set xlabel 'model parameters (log scale)'\n"
               "set ylabel 'ms per token, roofline projection (log scale)'\n"
               "set key inside top left Left reverse box lc rgb '#cccccc' opaque\nplot ");
    for (size_t h = 0; h < nh; h++) {
        fprintf(f, "%s'%s.dat' index %zu using 1:2 with linespoints lw 2 pt 7 ps 1.3 lc rgb '%s' "
                   "title ",
                h ? ", " : "", ch.name, h, k_colours[h % 8]);
        gp_str(f, hws[h]);
    }
    fprintf(f, ", '%s.dat' index %zu using 1:2:3 with labels center font ',12' notitle\n",
            ch.name, nh);
    return chart_finish(c, &ch, err);
}

/* ---- measured training: convergence ---------------------------------- *
 * Test bits per English byte at each checkpoint (split test,
 * PRE curve_bits_per_en_byte@STEP) against the FLOPs counted or the step
 * seconds up to it (split train, PRE curve_flops@STEP / curve_s@STEP), PRE
 * the regime's row prefix ("train_", "train_content_"). One panel per
 * language (its name in the language's colour), one line per tokenizer in
 * every panel (colour and point type by tokenizer, one key for all), the
 * axes shared so panels compare: bits per English byte is the same content
 * in every language. */

struct tpt {
    double step, x, y;
};

static int tpt_cmp(const void *a, const void *b)
{
    const struct tpt *p = a, *q = b;
    return p->step < q->step ? -1 : p->step > q->step;
}

/* The curve of (lang, tok) in regime pre against x metric xm ("curve_flops",
 * "curve_s"): points with x > 0, by step; *n set. NULL and *n 0 when none;
 * TB_EINPUT via *oom when out of memory. The caller frees. */
static struct tpt *training_curve(struct ctx *c, const char *pre, const char *xm,
                                  const char *lang, const char *tok, size_t *n, int *oom)
{
    char bits_pre[96];
    snprintf(bits_pre, sizeof bits_pre, "%scurve_bits_per_en_byte@", pre);
    size_t bl = strlen(bits_pre), cap = 0;
    struct tpt *v = NULL;
    *n = 0;
    for (size_t i = 0; i < results_count(c->r); i++) {
        result_row row;
        results_get(c->r, i, &row);
        if (strcmp(row.split, "test") != 0 || strcmp(row.corpus, c->corpus) != 0 ||
            strcmp(row.lang, lang) != 0 || strcmp(row.tokenizer, tok) != 0 ||
            strncmp(row.metric, bits_pre, bl) != 0)
            continue;
        const char *st = row.metric + bl;
        if (!*st || strspn(st, "0123456789") != strlen(st))
            continue;
        char m[160];
        double x;
        snprintf(m, sizeof m, "%s%s@%s", pre, xm, st);
        if (!results_value(c->r, c->corpus, "train", lang, tok, m, &x) || !(x > 0))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 32;
            struct tpt *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                *oom = 1;
                free(v);
                *n = 0;
                return NULL;
            }
            v = nv;
        }
        v[(*n)++] = (struct tpt){strtod(st, NULL), x, row.value};
    }
    if (*n)
        qsort(v, *n, sizeof *v, tpt_cmp);
    return v;
}

static const int k_point_types[8] = {7, 5, 9, 11, 13, 15, 4, 6};

/* One convergence chart: regime pre (chart name prefix kind_pre), x from
 * metric xm. timing: xm is a timing (the caption says so). */
static int chart_training(struct ctx *c, const char *pre, const char *kind, const char *xm,
                          int timing, tb_error *err)
{
    size_t nl = c->langs.n, nt = c->toks.n;
    int oom = 0;
    struct tpt **curve = calloc(nl * nt + 1, sizeof *curve);
    size_t *len = calloc(nl * nt + 1, sizeof *len);
    results_names langs = {0}, toks = {0};
    int rc = TB_OK;
    if (!curve || !len) {
        rc = tb_fail(err, TB_EINPUT, "plot: out of memory");
        goto done;
    }
    /* the axes fit the checkpoints after the first: step 1 is the untrained
     * model (about log2 V bits a token) at a sliver of the FLOPs, far from
     * the rest; it lies off the axes and its line enters from the edge */
    double xmin = INFINITY, xmax = 0, ymin = INFINITY, ymax = 0;
    int clipped = 0;
    for (size_t l = 0; l < nl; l++)
        for (size_t t = 0; t < nt; t++) {
            size_t k = l * nt + t;
            curve[k] = training_curve(c, pre, xm, c->langs.v[l], c->toks.v[t], &len[k], &oom);
            for (size_t i = 0; i < len[k]; i++) {
                if (i == 0 && len[k] > 1 && curve[k][0].step == 1) {
                    clipped = 1;
                    continue;
                }
                xmin = fmin(xmin, curve[k][i].x);
                xmax = fmax(xmax, curve[k][i].x);
                ymin = fmin(ymin, curve[k][i].y);
                ymax = fmax(ymax, curve[k][i].y);
            }
        }
    for (size_t l = 0; l < nl && !oom; l++)
        for (size_t t = 0; t < nt; t++)
            if (len[l * nt + t]) {
                oom |= results_names_add(&langs, c->langs.v[l]) != TB_OK;
                break;
            }
    for (size_t t = 0; t < nt && !oom; t++)
        for (size_t l = 0; l < nl; l++)
            if (len[l * nt + t]) {
                oom |= results_names_add(&toks, c->toks.v[t]) != TB_OK;
                break;
            }
    if (oom) {
        rc = tb_fail(err, TB_EINPUT, "plot: out of memory");
        goto done;
    }
    if (!langs.n) {
        rc = skip(c);
        goto done;
    }
    struct chart ch = {0};
    if (chart_open_dat(c, &ch, kind, NULL, err)) {
        rc = TB_EINPUT;
        goto done;
    }
    /* blocks: one per (language, tokenizer) with points, languages first */
    size_t nb = 0, *blk = calloc(nl * nt + 1, sizeof *blk);
    if (!blk) {
        afile_abort(&ch.dat);
        rc = tb_fail(err, TB_EINPUT, "plot: out of memory");
        goto done;
    }
    for (size_t l = 0; l < nl; l++)
        for (size_t t = 0; t < nt; t++) {
            size_t k = l * nt + t;
            blk[k] = SIZE_MAX;
            if (!len[k])
                continue;
            fprintf(ch.dat.fp, "# %s %s: %s%s bits_per_en_byte step\n", c->langs.v[l],
                    c->toks.v[t], pre, xm);
            for (size_t i = 0; i < len[k]; i++) {
                char xb[64];
                fprintf(ch.dat.fp, "%s %.10g %.0f\n", gp_num(curve[k][i].x, xb), curve[k][i].y,
                        curve[k][i].step);
            }
            fputs("\n\n", ch.dat.fp);
            blk[k] = nb++;
        }
    /* layout, px: panels side by side, the key above them */
    size_t np = langs.n, longest = 4;
    for (size_t t = 0; t < toks.n; t++)
        longest = strlen(toks.v[t]) > longest ? strlen(toks.v[t]) : longest;
    int W = np == 1 ? 1200 : np == 2 ? 1500 : 1560, L = 80, R = 24, gap = 72;
    int pw = (W - L - R - gap * (int)(np - 1)) / (int)np;
    int col = (int)((double)longest * CHAR_PX * 1.25) + 70;
    int per_row = (W - L - R) / col > 0 ? (W - L - R) / col : 1;
    int key_rows = ((int)toks.n + per_row - 1) / per_row;
    int top = 48 + 24 * key_rows + 44, bottom = 76, H = top + 520 + bottom;
    ch.width = W;
    ch.height = H;
    const char *regime = strcmp(pre, "train_content_") == 0 ? "one pass over the content"
                                                             : "equal budget";
    snprintf(ch.title, sizeof ch.title, "%s: measured training, test bits per English byte "
                                        "against %s (%s)",
             c->corpus, timing ? "seconds" : "FLOPs", regime);
    double b = 0;
    char bb[64] = "";
    for (size_t l = 0; l < c->langs.n && !b; l++)
        for (size_t t = 0; t < c->toks.n && !b; t++) {
            char m[96];
            snprintf(m, sizeof m, "%sbudget_flops", pre);
            if (results_value(c->r, c->corpus, "train", c->langs.v[l], c->toks.v[t], m, &b))
                tick_label(b, 1, bb, sizeof bb);
        }
    char reg[96];
    if (strcmp(pre, "train_content_") == 0)
        snprintf(reg, sizeof reg, "one pass over each train split (the equal-content regime)");
    else if (b > 0)
        snprintf(reg, sizeof reg, "an equal budget of %s FLOPs each", bb);
    else
        snprintf(reg, sizeof reg, "the runs' own budgets");
    snprintf(ch.caption, sizeof ch.caption,
             "Measured training of the reference transformer, %s: test bits per English byte "
             "of the same held-out content at each checkpoint against %s up to it (log "
             "scale), one panel per language, one line per tokenizer%s.",
             reg,
             timing ? "the seconds of the training steps (a timing of this machine: it moves "
                      "with its load; evaluation excluded)"
                    : "the training FLOPs counted",
             clipped ? "; the axes fit the checkpoints after step 1 (the untrained model), "
                       "whose lines enter from the edge"
                     : "");
    if (chart_open_gp(c, &ch, err)) {
        free(blk);
        rc = TB_EINPUT;
        goto done;
    }
    FILE *f = ch.gp.fp;
    fprintf(f, "set multiplot title ");
    gp_str(f, ch.title);
    fprintf(f, " font ',15'\n");
    struct axis ax = {xmin / 1.25, xmax * 1.25, 1};
    double pad = (ymax - ymin) * 0.05 + 1e-9;
    struct axis ay = {fmax(0, floor((ymin - pad) * 2) / 2), ceil((ymax + pad) * 2) / 2, 0};
    double yt = 1 - (double)top / H, yb = (double)bottom / H, ky = 1 - 44.0 / H;
    /* the key first, in an empty plot as wide as all panels, so it lays out
     * in rows across the chart */
    fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
               "set tmargin at screen %.4f\nset bmargin at screen %.4f\n"
               "unset border\nunset xtics\nunset ytics\nset xrange [0:1]\nset yrange [0:1]\n"
               "set key at screen %.4f, screen %.4f left top horizontal Left reverse "
               "maxcols %d samplen 2.5 width 1\nplot ",
            (double)L / W, (double)(W - R) / W, ky, yt + 30.0 / H, (double)L / W, ky, per_row);
    for (size_t t = 0; t < toks.n; t++) {
        size_t ti = 0;
        while (strcmp(c->toks.v[ti], toks.v[t]) != 0)
            ti++;
        fprintf(f, "%sNaN with linespoints lw 2 pt %d ps 1.2 lc rgb '%s' title ", t ? ", " : "",
                k_point_types[ti % 8], k_colours[ti % 8]);
        gp_str(f, toks.v[t]);
    }
    fprintf(f, "\nset border 3 lc rgb '#444444'\nset tics nomirror out\nunset key\n");
    for (size_t p = 0; p < np; p++) {
        size_t l = 0;
        while (strcmp(c->langs.v[l], langs.v[p]) != 0)
            l++;
        double x0 = (double)(L + (int)p * (pw + gap)) / W, x1 = x0 + (double)pw / W;
        fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
                   "set tmargin at screen %.4f\nset bmargin at screen %.4f\n",
                x0, x1, yt, yb);
        fprintf(f, "set title ");
        gp_str(f, langs.v[p]);
        fprintf(f, " font ',15' tc rgb '%s'\n", lang_colour(&c->all_langs, langs.v[p]));
        fprintf(f, "set grid xtics ytics mxtics lc rgb '#dddddd', lc rgb '#f0f0f0'\n");
        gp_axis(f, 'x', &ax);
        gp_axis(f, 'y', &ay);
        fprintf(f, "set xtics nomirror out\nset ytics nomirror out\n");
        fprintf(f, "set xlabel '%s (log scale)'\n",
                timing ? "seconds of training steps, this machine" : "training FLOPs counted");
        if (p == 0)
            fprintf(f, "set ylabel 'test bits per English byte'\n");
        else
            fprintf(f, "unset ylabel\n");
        fprintf(f, "plot ");
        int n = 0;
        for (size_t t = 0; t < nt; t++) {
            size_t k = l * nt + t;
            if (blk[k] == SIZE_MAX)
                continue;
            fprintf(f, "%s'%s.dat' index %zu using 1:2 with linespoints lw 2 pt %d ps 1.2 "
                       "lc rgb '%s' notitle",
                    n++ ? ", " : "", ch.name, blk[k], k_point_types[t % 8], k_colours[t % 8]);
        }
        fputc('\n', f);
    }
    free(blk);
    rc = chart_finish(c, &ch, err);
done:
    for (size_t k = 0; curve && k < nl * nt; k++)
        free(curve[k]);
    free(curve);
    free(len);
    results_names_release(&langs);
    results_names_release(&toks);
    return rc;
}

/* The convergence charts of both regimes, against FLOPs and against seconds. */
static int charts_training(struct ctx *c, tb_error *err)
{
    static const struct {
        const char *pre, *kind, *xm;
        int timing;
    } k[] = {
        {"train_", "training_flops", "curve_flops", 0},
        {"train_", "training_s", "curve_s", 1},
        {"train_content_", "training_content_flops", "curve_flops", 0},
        {"train_content_", "training_content_s", "curve_s", 1},
    };
    int rc = TB_OK;
    for (size_t i = 0; i < sizeof k / sizeof k[0] && rc == TB_OK; i++)
        rc = chart_training(c, k[i].pre, k[i].kind, k[i].xm, k[i].timing, err);
    return rc;
}

/* ---- all charts ------------------------------------------------------ */

static int selected(const char *const *v, size_t n, const char *s)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* ---- the atlas: every language of a many-language corpus -------------- */

#define ATLAS_ROW_PX 16     /* one language a row: 13 pt text */
#define ATLAS_TOP_PX 190    /* title, key, panel titles (two lines), top axis */
#define ATLAS_LABEL_CP 36   /* a row label's code points at most (code and name) */
#define ATLAS_NAMES_MAX_PX 440 /* the names column at most */
#define ATLAS_BOTTOM_PX 75

/* Name of a tokenizer in a panel title: without its scheme prefix. */
static const char *short_tok(const char *t)
{
    const char *p = strchr(t, ':');
    return p && (strncmp(t, "tiktoken:", 9) == 0 || strncmp(t, "hf:", 3) == 0) ? p + 1 : t;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The row label of language i: code and display name, cut (langnames.h). */
static const char *atlas_row_label(const atlas *a, size_t i, char *buf, size_t cap)
{
    return langnames_label(atlas_lang(a, i), atlas_lang_name(a, i), ATLAS_LABEL_CP, buf,
                           cap);
}

/* "atlas_<corpus>": a sorted dot plot, one row per language (cheapest at the
 * top, rank and name in its script family's colour), one panel per
 * tokenizer (the byte premium first), parity on a log axis shared by every
 * panel, a dashed line at 1 (the pivot). Split all (atlas.h). */
static int chart_atlas(struct ctx *c, tb_error *err)
{
    atlas *a = NULL;
    if (atlas_new(c->r, c->corpus, c->cfg->names, &a, err))
        return TB_EINPUT;
    if (!a)
        return skip(c);
    size_t nl = atlas_n_langs(a), nt = atlas_n_toks(a), np = nt + 1;
    char label[256];
    double hi = 1;
    for (size_t i = 0; i < nl; i++) {
        double v = atlas_byte_premium(a, i);
        hi = v > hi ? v : hi;
        for (size_t t = 0; t < nt; t++) {
            v = atlas_parity(a, i, t, 0);
            hi = v > hi ? v : hi;
        }
    }
    double xmax = 1;
    while (xmax < hi * 1.05)
        xmax *= 2;
    struct chart ch = {0};
    ch.width = 1600;
    ch.height = ATLAS_TOP_PX + ATLAS_BOTTOM_PX + (int)nl * ATLAS_ROW_PX;
    int rc = chart_open_dat(c, &ch, "atlas", NULL, err);
    if (rc) {
        atlas_free(a);
        return rc;
    }
    char num[64], num2[64];
    FILE *d = ch.dat.fp;
    fputs("# rank colour byte_premium", d);
    for (size_t t = 0; t < nt; t++)
        for (size_t k = 0; k < atlas_tok_n_names(a, t); k++)
            fprintf(d, "%s%s", k ? "=" : " ", atlas_tok_name(a, t, k));
    fputs(" label lang script\n", d);
    for (size_t i = 0; i < nl; i++) {
        unsigned col = (unsigned)strtoul(atlas_family_colour(atlas_family_of(
                                             atlas_lang_script(a, i))) + 1, NULL, 16);
        fprintf(d, "%zu %u", i + 1, col);
        double v = atlas_byte_premium(a, i);
        fprintf(d, " %s", isnan(v) ? "NaN" : gp_num(v, num));
        for (size_t t = 0; t < nt; t++) {
            v = atlas_parity(a, i, t, 0);
            fprintf(d, " %s", isnan(v) ? "NaN" : gp_num(v, num));
        }
        fputc(' ', d);
        gp_str(d, atlas_row_label(a, i, label, sizeof label));
        fputc(' ', d);
        gp_str(d, atlas_lang(a, i));
        fputc(' ', d);
        gp_str(d, atlas_lang_script(a, i)[0] ? atlas_lang_script(a, i) : "-");
        fputc('\n', d);
    }
    snprintf(ch.title, sizeof ch.title,
             "%s: parity of %zu languages with the pivot (split all), cheapest first", c->corpus,
             nl);
    snprintf(ch.caption, sizeof ch.caption,
             "Parity (tokens relative to the pivot language for the same content, log scale, "
             "split all) of every language of %s, one row per language sorted by its median "
             "parity over the tokenizers, one panel per tokenizer (names with the same counts "
             "in every language share one), the first panel, \"UTF-8 "
             "bytes\", the byte premium (UTF-8 bytes relative to the pivot); names and dots "
             "coloured by script family.",
             c->corpus);
    if ((rc = chart_open_gp(c, &ch, err))) {
        atlas_free(a);
        return rc;
    }
    FILE *f = ch.gp.fp;
    double H = ch.height, W = ch.width;
    double top = 1 - ATLAS_TOP_PX / H, bot = ATLAS_BOTTOM_PX / H;
    size_t longest = 8;
    for (size_t i = 0; i < nl; i++) {
        size_t n = code_points(atlas_row_label(a, i, label, sizeof label));
        longest = n > longest ? n : longest;
    }
    /* ranks right-aligned in the first 5 characters, names left-aligned after */
    double names_px = (double)(longest + 6) * (CHAR_PX + 1) + 10;
    names_px = names_px > ATLAS_NAMES_MAX_PX ? ATLAS_NAMES_MAX_PX : names_px;
    double x0 = names_px / W, pw = (1 - 20 / W - x0) / (double)np;
    fprintf(f, "set multiplot\nunset key\nset datafile missing 'NaN'\n");
    fprintf(f, "set label 1 ");
    gp_str(f, ch.title);
    fprintf(f, " at screen 0.5, screen %.6f center font ',15'\n", 1 - 22 / H);
    /* the key: one coloured entry per family, two rows */
    size_t nf = atlas_n_families();
    double kx = 20, ky = 1 - 52 / H;
    for (size_t fi = 0; fi < nf; fi++) {
        const char *name = atlas_family_name(fi);
        double w = (double)(strlen(name) + 6) * CHAR_PX;
        if (kx + w > W - 20) {
            kx = 20;
            ky -= 22 / H;
        }
        char text[128];
        snprintf(text, sizeof text, "● %s", name);
        fprintf(f, "set label %zu ", fi + 2);
        gp_str(f, text);
        fprintf(f, " at screen %.6f, screen %.6f left tc rgb '%s'\n", kx / W, ky,
                atlas_family_colour(fi));
        kx += w;
    }
    fprintf(f, "set yrange [%zu.5:0.5]\nset ytics 5 format ''\nset grid ytics lc rgb '#dddddd'\n"
               "set tmargin at screen %.6f\nset bmargin at screen %.6f\n",
            nl, top, bot);
    /* the names column */
    fprintf(f, "set lmargin at screen 0\nset rmargin at screen %.6f\nset xrange [0:1]\n"
               "unset xtics\nunset x2tics\nset border 0\nunset ytics\n",
            x0 - 4 / W);
    double split = 5 * (CHAR_PX + 1) / (names_px - 4);
    fprintf(f, "set label 20 'rank  language' at screen 0.006, screen %.6f left\n", top + 12 / H);
    fprintf(f, "plot 'atlas_%s.dat' using (%.4f):1:(sprintf('%%d', $1)):2 with labels right tc "
               "rgb variable, '' using (%.4f):1:(stringcolumn(%zu)):2 with labels left tc rgb "
               "variable\n",
            c->corpus, split, split + 0.02, np + 3); /* the label column */
    fprintf(f, "unset label\nset ytics 5 format ''\nset grid ytics xtics lc rgb '#c8c8c8'\n"
               "set logscale x 2\nset xrange [0.4:%s]\nset border 15 lc rgb '#444444'\n"
               "set xtics ('1' 1, '4' 4, '16' 16, '64' 64, '256' 256) out nomirror\n"
               "set mxtics default\nset logscale x2 2\nset x2range [0.4:%s]\n"
               "set x2tics ('1' 1, '4' 4, '16' 16, '64' 64, '256' 256) out\n"
               "set arrow 1 from 1, graph 0 to 1, graph 1 nohead lc rgb '#444444' dt 2\n",
            gp_num(xmax, num), gp_num(xmax, num2));
    size_t prev_nn = 0;
    for (size_t p = 0; p < np; p++) {
        double l = x0 + (double)p * pw;
        fprintf(f, "set lmargin at screen %.6f\nset rmargin at screen %.6f\n", l + 4 / W,
                l + pw - 4 / W);
        /* the panel's title: its names, "a" over "= b" when several */
        size_t nn = p == 0 ? 1 : atlas_tok_n_names(a, p - 1);
        for (size_t k = 0; k < nn; k++) {
            char title[300];
            snprintf(title, sizeof title, "%s%s", k ? "= " : "",
                     p == 0 ? "UTF-8 bytes" : short_tok(atlas_tok_name(a, p - 1, k)));
            fprintf(f, "set label %zu ", 30 + k);
            gp_str(f, title);
            fprintf(f, " at graph 0.5, screen %.6f center font ',13'\n",
                    top + (50 + 19 * (double)(nn - 1 - k)) / H);
        }
        for (size_t k = nn; k < prev_nn; k++) /* the previous panel's extra lines */
            fprintf(f, "unset label %zu\n", 30 + k);
        prev_nn = nn;
        if (p == np / 2)
            fprintf(f, "set xlabel 'parity with the pivot (log scale; dashed: 1, the pivot)'\n");
        else
            fprintf(f, "unset xlabel\n");
        fprintf(f, "plot 'atlas_%s.dat' using %zu:1:2 with points pt 7 ps 0.6 lc rgb variable\n",
                c->corpus, p + 3);
    }
    atlas_free(a);
    return chart_finish(c, &ch, err);
}

static int plot_corpus(struct ctx *c, tb_error *err)
{
    /* bars of one colour per language do not read for hundreds: the atlas */
    if (c->all_langs.n > ATLAS_MIN_LANGS && c->langs.n > ATLAS_MIN_LANGS)
        return chart_atlas(c, err);
    const char *split = c->cfg->split;
    char what[8][256];
    static const char *const tokens[] = {"tokens"}, *const fert[] = {"fertility"},
                             *const bpt[] = {"bytes_per_token"},
                             *const hours[] = {"proj_train_gpu_hours_llama2-7b_h100-sxm"},
                             *const bits[] = {"ngram_bits_per_en_byte"},
                             *const lat_auto[] = {"latency_ms_per_en_byte_auto"},
                             *const lat_sel[] = {"latency_ms_per_en_byte_select"},
                             *const lat_hyb[] = {"latency_ms_per_en_byte_hybrid"};
    static const char *const flops[] = {"flops_embed", "flops_qkvo", "flops_attn",
                                        "flops_mlp", "flops_lm_head", "flops_other"};
    static const char *const flops_names[] = {"embedding", "Q/K/V/O projections",
                                              "attention", "MLP", "LM head", "norms, other"};
    static const char *const mem_1k[] = {"bytes_params_embed", "bytes_params_layers",
                                         "bytes_kv_cache_1k", "bytes_activations_1k"};
    static const char *const mem_1k_names[] = {"weights: embedding", "weights: layers",
                                               "KV cache", "activations (training)"};
    /* at 60k the training activations (attention probabilities, n^2) are
     * hundreds of GB: this chart is the inference memory of the claim,
     * weights plus KV cache; the report's table has the activations */
    static const char *const mem_60k[] = {"bytes_params_embed", "bytes_params_layers",
                                          "bytes_kv_cache_60k"};
    static const char *const mem_60k_names[] = {"weights: embedding", "weights: layers",
                                                "KV cache"};
    snprintf(what[0], sizeof what[0],
             "Tokens each tokenizer needs for the same %s-split content, per language", split);
    snprintf(what[1], sizeof what[1],
             "Tokens per word (ICU word segments) of the %s split, per tokenizer and language",
             split);
    snprintf(what[2], sizeof what[2],
             "UTF-8 bytes per token of the %s split, per tokenizer and language", split);
    snprintf(what[3], sizeof what[3],
             "Transformer FLOPs to process the %s split on the run's model preset (left, log "
             "scale) and their split by component (right), per tokenizer and language",
             split);
    snprintf(what[4], sizeof what[4],
             "Memory of the run's model preset at 1k tokens in fp32, total (left) "
             "and by part (right; activations of a training forward pass), per tokenizer and "
             "language");
    snprintf(what[5], sizeof what[5],
             "Inference memory at 60k tokens in fp32, weights plus KV cache, total (left) "
             "and by part (right), per tokenizer and language");
    snprintf(what[6], sizeof what[6],
             "Projected H100-hours to train Llama-2-7B on the %s-split content scaled by the "
             "run's training budget, per tokenizer and language",
             split);
    snprintf(what[7], sizeof what[7],
             "Time to produce the text in ms per English byte of content when the model writes "
             "alone, when a person picks every token, and when a person picks only at forks, "
             "per tokenizer and language (log scale)");
    const struct hpanel p_tokens[] = {{0, tokens, NULL, 1, "tokens", 1}},
                        p_fert[] = {{0, fert, NULL, 1, "tokens per word", 0}},
                        p_bpt[] = {{0, bpt, NULL, 1, "UTF-8 bytes per token", 0}},
                        p_flops[] = {{0, flops, NULL, 6, "FLOPs", 0},
                                     {1, flops, flops_names, 6, "share of the FLOPs", 0}},
                        p_m1k[] = {{0, mem_1k, NULL, 4, "bytes", 0},
                                   {1, mem_1k, mem_1k_names, 4, "share of the bytes", 0}},
                        p_m60k[] = {{0, mem_60k, NULL, 3, "bytes", 0},
                                    {1, mem_60k, mem_60k_names, 3, "share of the bytes", 0}},
                        p_hours[] = {{0, hours, NULL, 1, "H100-hours (roofline projection)", 0}},
                        p_lat[] = {{0, lat_auto, NULL, 1, "model alone", 0},
                                   {0, lat_sel, NULL, 1, "person picks every token", 0},
                                   {0, lat_hyb, NULL, 1, "person picks at forks", 0}},
                        p_bits[] = {{0, bits, NULL, 1, "bits per English byte", 0}};
    const struct hchart
        h_tokens = {"tokens", "tokens for the same content", what[0],
                    "the label beside each bar is its parity with English", 0, p_tokens, 1},
        h_fert = {"fertility", "tokens per word", what[1], NULL, 0, p_fert, 1},
        h_bpt = {"bytes_per_token", "UTF-8 bytes per token", what[2], NULL, 0, p_bpt, 1},
        h_flops = {"flops", "transformer FLOPs by component", what[3], NULL, 1, p_flops, 2},
        h_m1k = {"memory_1k", "memory at 1k tokens, fp32", what[4], NULL, -1, p_m1k, 2},
        h_m60k = {"memory_60k", "inference memory at 60k tokens, fp32", what[5], NULL, -1, p_m60k,
                  2},
        h_hours = {"train_hours", "H100-hours to train Llama-2-7B (projection)", what[6], NULL,
                   -1, p_hours, 1},
        h_lat = {"latency", "time to produce the text, ms per English byte", what[7], NULL, 1, p_lat, 3},
        h_bits = {"ngram", "n-gram bits for the same content",
                  "Bits an n-gram model (interpolated modified Kneser-Ney, trained on train) "
                  "needs per English byte of the same held-out content, per tokenizer and language",
                  NULL, 0, p_bits, 1};
    static const char *const bpe_pre[] = {"bpe:"};
    static const char *const sym_pre[] = {"symbol:", "symbol-space:", "symbol-stem:"};
    char bpe_cap[512], sym_cap[512];
    snprintf(bpe_cap, sizeof bpe_cap,
             "Tokens of the %s split for each BPE trained here against the vocabulary size it "
             "actually reached (its vocab_size row: training stops early when no pair repeats), "
             "per language, for bpe:N trained per language and joint:bpe:N trained on all "
             "languages together.",
             split);
    snprintf(sym_cap, sizeof sym_cap,
             "Share of the %s split's tokens that are the symbol schemes' fallback for unknown "
             "words, against the vocabulary size each scheme has, per language.",
             split);
    int rc = chart_hbars(c, &h_tokens, err);
    if (rc == TB_OK)
        rc = chart_hbars(c, &h_fert, err);
    if (rc == TB_OK)
        rc = chart_hbars(c, &h_bpt, err);
    if (rc == TB_OK)
        rc = chart_sweep(c, "bpe_sweep", bpe_pre, 1, "N", "tokens", 1, "tokens",
                         "tokens against the BPE vocabulary size reached", bpe_cap, err);
    if (rc == TB_OK)
        rc = chart_hbars(c, &h_flops, err);
    if (rc == TB_OK)
        rc = chart_hbars(c, &h_m1k, err);
    if (rc == TB_OK)
        rc = chart_hbars(c, &h_m60k, err);
    if (rc == TB_OK)
        rc = chart_prefill(c, err);
    if (rc == TB_OK)
        rc = chart_decode_size(c, err);
    if (rc == TB_OK)
        rc = chart_hbars(c, &h_hours, err);
    if (rc == TB_OK)
        rc = chart_hbars(c, &h_lat, err);
    if (rc == TB_OK)
        rc = chart_hbars(c, &h_bits, err);
    if (rc == TB_OK)
        rc = chart_sweep(c, "symbol_unk", sym_pre, 3, "V", "unk_rate", 100,
                         "fallback tokens, % of all tokens",
                         "unknown words against the symbol vocabulary size", sym_cap, err);
    if (rc == TB_OK)
        rc = charts_training(c, err);
    return rc;
}

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
    int rc = TB_OK;
    for (size_t i = 0; i < results_count(r) && rc == TB_OK; i++) {
        result_row row;
        results_get(r, i, &row);
        if (results_names_add(&corpora, row.corpus))
            rc = tb_fail(err, TB_EINPUT, "plot: out of memory");
    }
    for (size_t k = 0; k < corpora.n && rc == TB_OK; k++) {
        struct ctx c = {.r = r, .cfg = &cfg, .rep = rep, .corpus = corpora.v[k]};
        for (size_t i = 0; i < results_count(r) && rc == TB_OK; i++) {
            result_row row;
            results_get(r, i, &row);
            if (strcmp(row.corpus, c.corpus) != 0)
                continue;
            if (results_names_add(&c.all_langs, row.lang) ||
                (selected(cfg.langs, cfg.n_langs, row.lang) &&
                 results_names_add(&c.langs, row.lang)) ||
                (selected(cfg.tokenizers, cfg.n_tokenizers, row.tokenizer) &&
                 results_names_add(&c.toks, row.tokenizer)))
                rc = tb_fail(err, TB_EINPUT, "plot: out of memory");
        }
        if (rc == TB_OK && c.langs.n && c.toks.n)
            rc = plot_corpus(&c, err);
        results_names_release(&c.all_langs);
        results_names_release(&c.langs);
        results_names_release(&c.toks);
    }
    results_names_release(&corpora);
    return rc;
}
