/* plot.c - gnuplot charts from results rows. */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/afile.h"

extern char **environ;

/* ---- distinct keys ---------------------------------------------------- */

struct keys {
    const char *v[256];
    size_t n;
};

static void keys_add(struct keys *k, const char *s)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->v[i], s) == 0)
            return;
    if (k->n < sizeof k->v / sizeof k->v[0])
        k->v[k->n++] = s;
}

static const char *lang_colour(const struct keys *langs, const char *lang)
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
    long i = results_find(r, corpus, split, lang, tok, metric);
    if (i < 0)
        return 0;
    result_row row;
    results_get(r, (size_t)i, &row);
    *v = row.value;
    return 1;
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
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    /* gnuplot runs in the chart folder: scripts name their files relatively */
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {(char *)gnuplot, (char *)script, NULL};
    pid_t pid;
    int e = posix_spawnp(&pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0)
        return tb_fail(err, TB_EINPUT,
                       "cannot run '%s' (%s): charts need gnuplot; install it with 'make deps' "
                       "(apt-get install gnuplot-nox)",
                       gnuplot, strerror(e));
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char line[512] = "", last[512] = "";
        FILE *f = fopen(log, "r");
        while (f && fgets(line, sizeof line, f))
            if (line[0] != '\n')
                snprintf(last, sizeof last, "%s", line);
        if (f)
            fclose(f);
        last[strcspn(last, "\n")] = '\0';
        return tb_fail(err, TB_EINPUT, "gnuplot failed on '%s': %s", script, last);
    }
    unlink(log);
    return TB_OK;
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
    fprintf(f, "set encoding utf8\nset termoption noenhanced\n");
    fprintf(f, "set terminal pngcairo size %d,%d font 'DejaVu Sans,11'\n", width, height);
    fprintf(f, "set output '%s.png'\nset title ", name);
    gp_str(f, title);
    fprintf(f, "\nset grid ytics lc rgb '#dddddd'\nset border 3\nset tics nomirror\n");
}

static void gp_svg(FILE *f, const char *name, int width, int height)
{
    fprintf(f, "set terminal svg size %d,%d font 'DejaVu Sans,11' background '#ffffff'\n"
               "set output '%s.svg'\nreplot\n",
            width, height, name);
}

/* ---- chart kinds ----------------------------------------------------- */

struct ctx {
    const results *r;
    const plot_config *cfg;
    plot_report *rep;
    const char *corpus;
    struct keys langs, toks;
};

static void note_drawn(struct ctx *c, const char *name)
{
    if (c->rep->drawn < 32)
        snprintf(c->rep->names[c->rep->drawn], sizeof c->rep->names[0], "%s", name);
    c->rep->drawn++;
}

/* Grouped bars: x = tokenizer, one bar per language; with parity labels
 * above each bar when label_parity. */
static int chart_grouped(struct ctx *c, const char *metric, const char *ylabel,
                         const char *title, int label_parity, tb_error *err)
{
    const char *split = c->cfg->split;
    struct keys toks = {0};
    for (size_t t = 0; t < c->toks.n; t++)
        for (size_t l = 0; l < c->langs.n; l++) {
            double v;
            if (find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], metric, &v)) {
                keys_add(&toks, c->toks.v[t]);
                break;
            }
        }
    if (toks.n == 0) {
        c->rep->skipped++;
        return TB_OK;
    }
    char name[256];
    snprintf(name, sizeof name, "%s_%s", metric, c->corpus);
    afile dat, gp;
    if (open_out(&dat, c->cfg->out_dir, name, "dat", err))
        return TB_EINPUT;
    fprintf(dat.fp, "# tokenizer");
    for (size_t l = 0; l < c->langs.n; l++)
        fprintf(dat.fp, " %s %s_parity", c->langs.v[l], c->langs.v[l]);
    fputc('\n', dat.fp);
    for (size_t t = 0; t < toks.n; t++) {
        gp_str(dat.fp, toks.v[t]);
        for (size_t l = 0; l < c->langs.n; l++) {
            double v, p;
            if (find(c->r, c->corpus, split, c->langs.v[l], toks.v[t], metric, &v))
                fprintf(dat.fp, " %.10g", v);
            else
                fputs(" NaN", dat.fp);
            if (find(c->r, c->corpus, split, c->langs.v[l], toks.v[t], "parity", &p))
                fprintf(dat.fp, " %.4f", p);
            else
                fputs(" NaN", dat.fp);
        }
        fputc('\n', dat.fp);
    }
    if (afile_commit(&dat, err))
        return TB_EINPUT;
    if (open_out(&gp, c->cfg->out_dir, name, "gp", err))
        return TB_EINPUT;
    int width = 260 + 110 * (int)toks.n;
    if (width < 800)
        width = 800;
    char full[512];
    snprintf(full, sizeof full, "%s: %s (split %s)", c->corpus, title, split);
    gp_begin(gp.fp, name, full, width, 560);
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
    gp_svg(gp.fp, name, width, 560);
    if (afile_commit(&gp, err))
        return TB_EINPUT;
    char script[4200];
    snprintf(script, sizeof script, "%s.gp", name);
    int rc = run_gnuplot(c->cfg->gnuplot, script, c->cfg->out_dir, err);
    if (rc == TB_OK)
        note_drawn(c, name);
    return rc;
}

/* Lines: tokenizers named <prefix><N>[<suffix>] give x = N; one line per
 * (language, series) where series is the name with N replaced by 'N'. */
static int chart_sweep(struct ctx *c, const char *prefix, const char *metric,
                       const char *ylabel, const char *title, const char *chart, tb_error *err)
{
    const char *split = c->cfg->split;
    struct keys series = {0};
    static char series_buf[64][128];
    size_t pl = strlen(prefix);
    for (size_t t = 0; t < c->toks.n; t++) {
        const char *tk = c->toks.v[t];
        if (strncmp(tk, prefix, pl) != 0 || tk[pl] < '0' || tk[pl] > '9')
            continue;
        const char *rest = tk + pl;
        while (*rest >= '0' && *rest <= '9')
            rest++;
        if (*rest == 'k' || *rest == 'K')
            rest++;
        if (series.n < 64) {
            snprintf(series_buf[series.n], sizeof series_buf[0], "%sN%s", prefix, rest);
            keys_add(&series, series_buf[series.n]);
        }
    }
    if (series.n == 0) {
        c->rep->skipped++;
        return TB_OK;
    }
    char name[256];
    snprintf(name, sizeof name, "%s_%s", chart, c->corpus);
    afile dat, gp;
    if (open_out(&dat, c->cfg->out_dir, name, "dat", err))
        return TB_EINPUT;
    size_t blocks = 0;
    const char *block_lang[256];
    const char *block_series[256];
    for (size_t s = 0; s < series.n; s++)
        for (size_t l = 0; l < c->langs.n && blocks < 256; l++) {
            int any = 0;
            for (size_t t = 0; t < c->toks.n; t++) {
                const char *tk = c->toks.v[t];
                if (strncmp(tk, prefix, pl) != 0 || tk[pl] < '0' || tk[pl] > '9')
                    continue;
                char *end;
                double x = strtod(tk + pl, &end);
                if (*end == 'k' || *end == 'K')
                    x *= 1000, end++;
                char key[128];
                snprintf(key, sizeof key, "%sN%s", prefix, end);
                double v;
                if (strcmp(key, series.v[s]) != 0 ||
                    !find(c->r, c->corpus, split, c->langs.v[l], tk, metric, &v))
                    continue;
                if (!any)
                    fprintf(dat.fp, "# %s %s\n", c->langs.v[l], series.v[s]);
                fprintf(dat.fp, "%.0f %.10g\n", x, v);
                any = 1;
            }
            if (any) {
                fputs("\n\n", dat.fp);
                block_lang[blocks] = c->langs.v[l];
                block_series[blocks] = series.v[s];
                blocks++;
            }
        }
    if (afile_commit(&dat, err))
        return TB_EINPUT;
    if (blocks == 0) {
        c->rep->skipped++;
        return TB_OK;
    }
    if (open_out(&gp, c->cfg->out_dir, name, "gp", err))
        return TB_EINPUT;
    char full[512];
    snprintf(full, sizeof full, "%s: %s (split %s)", c->corpus, title, split);
    gp_begin(gp.fp, name, full, 900, 560);
    fprintf(gp.fp, "set logscale x 2\nset key outside right\nset xlabel 'vocabulary size'\n"
                   "set ylabel ");
    gp_str(gp.fp, ylabel);
    fprintf(gp.fp, "\nplot ");
    for (size_t b = 0; b < blocks; b++) {
        fprintf(gp.fp, "%s'%s.dat' index %zu using 1:2 with linespoints lw 2 pt 7 dt %zu "
                       "lc rgb '%s' title ",
                b ? ", " : "", name, b, 1 + (size_t)(block_series[b] != series.v[0]),
                lang_colour(&c->langs, block_lang[b]));
        char t[256];
        snprintf(t, sizeof t, "%s %s", block_lang[b], block_series[b]);
        gp_str(gp.fp, t);
    }
    fputc('\n', gp.fp);
    gp_svg(gp.fp, name, 900, 560);
    if (afile_commit(&gp, err))
        return TB_EINPUT;
    char script[4200];
    snprintf(script, sizeof script, "%s.gp", name);
    int rc = run_gnuplot(c->cfg->gnuplot, script, c->cfg->out_dir, err);
    if (rc == TB_OK)
        note_drawn(c, name);
    return rc;
}

/* Stacked bars: one bar per (tokenizer, language), one layer per metric. */
static int chart_stacked(struct ctx *c, const char *const *metrics, size_t nm,
                         const char *ylabel, const char *title, const char *chart, tb_error *err)
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
    if (rows == 0) {
        c->rep->skipped++;
        return TB_OK;
    }
    char name[256];
    snprintf(name, sizeof name, "%s_%s", chart, c->corpus);
    afile dat, gp;
    if (open_out(&dat, c->cfg->out_dir, name, "dat", err))
        return TB_EINPUT;
    for (size_t t = 0; t < c->toks.n; t++)
        for (size_t l = 0; l < c->langs.n; l++) {
            double v;
            int any = 0;
            for (size_t m = 0; m < nm; m++)
                any |= find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], metrics[m], &v);
            if (!any)
                continue;
            char label[256];
            snprintf(label, sizeof label, "%s %s", c->toks.v[t], c->langs.v[l]);
            gp_str(dat.fp, label);
            for (size_t m = 0; m < nm; m++)
                fprintf(dat.fp, " %.10g",
                        find(c->r, c->corpus, split, c->langs.v[l], c->toks.v[t], metrics[m], &v)
                            ? v
                            : 0.0);
            fputc('\n', dat.fp);
        }
    if (afile_commit(&dat, err))
        return TB_EINPUT;
    if (open_out(&gp, c->cfg->out_dir, name, "gp", err))
        return TB_EINPUT;
    int width = 300 + 45 * (int)rows;
    if (width < 800)
        width = 800;
    char full[512];
    snprintf(full, sizeof full, "%s: %s (split %s)", c->corpus, title, split);
    gp_begin(gp.fp, name, full, width, 600);
    fprintf(gp.fp, "set style data histograms\nset style histogram rowstacked\n"
                   "set style fill solid 0.85 border -1\nset boxwidth 0.75\n"
                   "set xtics rotate by -35 left\nset key outside right\nset ylabel ");
    gp_str(gp.fp, ylabel);
    fprintf(gp.fp, "\nplot ");
    for (size_t m = 0; m < nm; m++) {
        fprintf(gp.fp, "%s'%s.dat' using %zu%s title ", m ? ", " : "", name, m + 2,
                m == 0 ? ":xtic(1)" : "");
        gp_str(gp.fp, metrics[m]);
    }
    fputc('\n', gp.fp);
    gp_svg(gp.fp, name, width, 600);
    if (afile_commit(&gp, err))
        return TB_EINPUT;
    char script[4200];
    snprintf(script, sizeof script, "%s.gp", name);
    int rc = run_gnuplot(c->cfg->gnuplot, script, c->cfg->out_dir, err);
    if (rc == TB_OK)
        note_drawn(c, name);
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
    struct keys corpora = {0};
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        keys_add(&corpora, row.corpus);
    }
    int rc = TB_OK;
    static const char *const flops[] = {"flops_embed", "flops_qkvo", "flops_attn",
                                        "flops_mlp", "flops_lm_head", "flops_other"};
    static const char *const memory[] = {"bytes_params_embed", "bytes_params_layers",
                                         "bytes_kv_cache", "bytes_activations"};
    for (size_t k = 0; k < corpora.n && rc == TB_OK; k++) {
        struct ctx c = {.r = r, .cfg = &cfg, .rep = rep, .corpus = corpora.v[k]};
        for (size_t i = 0; i < results_count(r); i++) {
            result_row row;
            results_get(r, i, &row);
            if (strcmp(row.corpus, c.corpus) == 0) {
                keys_add(&c.langs, row.lang);
                keys_add(&c.toks, row.tokenizer);
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
            rc = chart_stacked(&c, memory, 4, "bytes", "memory by part", "memory", err);
        if (rc == TB_OK)
            rc = chart_grouped(&c, "ngram_bits_per_en_byte", "bits per English byte",
                               "n-gram bits for the same content", 0, err);
        if (rc == TB_OK)
            rc = chart_sweep(&c, "symbol:", "unk_rate", "share of fallback tokens",
                             "held-out unknown rate against symbol vocabulary size",
                             "symbol_unk", err);
    }
    return rc;
}
