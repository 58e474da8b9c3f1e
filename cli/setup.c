/* setup.c - the defaults, corpus and tokenizer opening and failure report
 * that every command shares. */
#include "setup.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "../bench/run.h"
#include "../common/afile.h"
#include "../common/spawn.h"

/* Runs with the signal's default restored (SA_RESETHAND) and not blocked
 * (SA_NODEFER), so raise() ends the process the way the signal would have.
 * Only async-signal-safe calls. */
static void on_deadly_signal(int sig)
{
    tb_spawn_kill_live();
    raise(sig);
}

void cli_install_signal_handlers(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue;
        struct sigaction sa = {.sa_handler = on_deadly_signal,
                               .sa_flags = SA_RESETHAND | SA_NODEFER};
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static int has_opt(const cli_command *cmd, const char *name)
{
    for (int i = 0; cmd && cmd->opts && cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return 1;
    return 0;
}

static const char *opt_env_or(const cli_command *cmd, const cli_args *a, const char *opt,
                              const char *var, const char *dflt)
{
    const char *d = cli_env_or(var, dflt);
    return has_opt(cmd, opt) ? cli_get(cmd, a, opt, d) : d;
}

const char *cli_data_dir(const cli_command *cmd, const cli_args *a)
{
    return opt_env_or(cmd, a, "data", "TOKBENCH_DATA", CLI_DEFAULT_DATA);
}

const char *cli_cache_dir(void)
{
    return cli_env_or("TOKBENCH_CACHE", CLI_DEFAULT_CACHE);
}

const char *cli_npm_dir(const cli_command *cmd, const cli_args *a)
{
    return opt_env_or(cmd, a, "npm", "TOKBENCH_NPM", CLI_DEFAULT_NPM);
}

const char *cli_hardware_path(const cli_command *cmd, const cli_args *a)
{
    return opt_env_or(cmd, a, "hardware", "TOKBENCH_HARDWARE", CLI_DEFAULT_HARDWARE);
}

int cli_open_corpus(const cli_command *cmd, const cli_args *a, const char *name, corpus **out,
                    tb_error *err)
{
    return run_corpus_open(cli_data_dir(cmd, a), name, out, err);
}

int cli_check_langs(const cli_command *cmd, const cli_args *a, const corpus *c, tb_error *err)
{
    int il = cli_opt_index(cmd, "lang");
    for (size_t j = 0; j < a->n[il]; j++)
        if (corpus_find_lang(c, a->v[il][j]) < 0)
            return tb_fail(err, TB_EUSAGE, "corpus '%s' has no language '%s'", corpus_name(c),
                           a->v[il][j]);
    return TB_OK;
}

tokenizer_ctx cli_tokenizer_ctx(const corpus *c, int lang)
{
    return (tokenizer_ctx){.corpus = c, .lang = lang, .cache_dir = cli_cache_dir()};
}

int cli_tok_open(const cli_command *cmd, const cli_args *a, cli_tok *ts, tb_error *err)
{
    memset(ts, 0, sizeof *ts);
    const char *spec = cli_get(cmd, a, "tokenizer", NULL);
    if (!spec)
        return tb_fail(err, TB_EUSAGE, "missing -t SPEC (known schemes: %s)",
                       tokenizer_schemes());
    const char *cname = cli_get(cmd, a, "corpus", NULL);
    const char *lang = cli_get(cmd, a, "lang", NULL);
    tokenizer_ctx ctx = cli_tokenizer_ctx(NULL, -1);
    if (cname) {
        if (cli_open_corpus(cmd, a, cname, &ts->c, err))
            return TB_EINPUT;
        if (!lang)
            return tb_fail(err, TB_EUSAGE, "-c needs -l LANG (or -l joint)");
        if (strcmp(lang, "joint") != 0) {
            ctx.lang = corpus_find_lang(ts->c, lang);
            if (ctx.lang < 0)
                return tb_fail(err, TB_EUSAGE, "corpus '%s' has no language '%s'",
                               corpus_name(ts->c), lang);
        }
        ctx.corpus = ts->c;
    } else {
        ctx.lang_code = lang; /* -l without -c: the language of the input (TOKBENCH_LANG) */
    }
    char note[4600] = "";
    ctx.vocab_note = note;
    ctx.vocab_note_cap = sizeof note;
    int rc = tokenizer_new(spec, &ctx, &ts->t, err);
    if (rc == TB_OK && note[0] && has_opt(cmd, "verbose") && cli_count(cmd, a, "verbose"))
        fprintf(stderr, "tokbench %s: %s\n", cmd->name, note);
    return rc;
}

void cli_tok_release(cli_tok *ts)
{
    tokenizer_free(ts->t);
    corpus_free(ts->c);
    memset(ts, 0, sizeof *ts);
}

FILE *cli_open_input(const cli_args *a, const char **name, tb_error *err)
{
    if (a->npos == 0 || strcmp(a->pos[0], "-") == 0) {
        *name = "<stdin>";
        return stdin;
    }
    *name = a->pos[0];
    FILE *f = fopen(a->pos[0], "rb");
    if (!f)
        tb_fail(err, TB_EINPUT, "cannot open '%s': %s", a->pos[0], strerror(errno));
    return f;
}

int cli_fail(const char *cmd, const tb_error *err)
{
    fprintf(stderr, "tokbench %s: %s\n", cmd, err->msg);
    return err->status ? err->status : TB_EINPUT;
}

int cli_check_out_dir(const char *path, int charts, tb_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? TB_OK
                               : tb_fail(err, TB_EINPUT, "cannot inspect '%s': %s", path,
                                         strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return tb_fail(err, TB_EINPUT, "output folder '%s' exists and is not a folder", path);
    DIR *d = opendir(path);
    if (!d)
        return tb_fail(err, TB_EINPUT, "cannot read folder '%s': %s", path, strerror(errno));
    int entries = 0, ours = 0;
    struct dirent *ent;
    while (!ours && (ent = readdir(d))) {
        const char *nm = ent->d_name;
        size_t n = strlen(nm);
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
            continue;
        entries++;
        ours = strcmp(nm, "results.csv") == 0 || strcmp(nm, "REPORT.md") == 0 ||
               (charts && n > 3 && strcmp(nm + n - 3, ".gp") == 0);
    }
    closedir(d);
    if (entries && !ours)
        return tb_fail(err, TB_EINPUT,
                       "will not replace '%s': it holds files and no results.csv or "
                       "REPORT.md%s, so it is not a tokbench output folder (give -o a new or "
                       "empty folder)",
                       path, charts ? " or *.gp" : "");
    return TB_OK;
}

int cli_split_path(const char *path, char *dir, size_t dcap, char *base, size_t bcap,
                   tb_error *err)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n == 0 || (n == 1 && path[0] == '/'))
        return tb_fail(err, TB_EUSAGE, "bad output folder '%s'", path);
    size_t s = n;
    while (s > 0 && path[s - 1] != '/')
        s--;
    if (n - s >= bcap || s >= dcap)
        return tb_fail(err, TB_EINPUT, "path too long: '%.80s'", path);
    snprintf(base, bcap, "%.*s", (int)(n - s), path + s);
    if (s == 0)
        snprintf(dir, dcap, ".");
    else if (s == 1)
        snprintf(dir, dcap, "/");
    else
        snprintf(dir, dcap, "%.*s", (int)(s - 1), path);
    return TB_OK;
}

void cli_clean_stale(const char *cmd, const char *dir, const char *base)
{
    char names[600];
    size_t n = 0;
    tb_error err = {0};
    if (afolder_clean_stale(dir, base, names, sizeof names, &n, &err))
        fprintf(stderr, "tokbench %s: warning: %s\n", cmd, err.msg);
    if (n)
        fprintf(stderr, "tokbench %s: removed %zu leftover%s of interrupted runs in '%s': %s\n",
                cmd, n, n == 1 ? "" : "s", dir, names);
}

const char *cli_out_path(const char *path, char *buf, size_t cap)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && path[s - 1] != '/')
        s--;
    int dots = (n - s == 1 && path[s] == '.') || (n - s == 2 && path[s] == '.' && path[s + 1] == '.');
    char real[PATH_MAX];
    if (!dots || !realpath(path, real) || strlen(real) >= cap)
        return path;
    memcpy(buf, real, strlen(real) + 1);
    return buf;
}

int cli_run_inputs(const cli_command *cmd, const cli_args *a, run_config *cfg, const suite **st)
{
    *st = NULL;
    const char *sname = cli_get(cmd, a, "suite", NULL);
    if (sname) {
        if (!(*st = suite_find(sname))) {
            fprintf(stderr, "tokbench %s: unknown suite '%s' (known: %s)\n", cmd->name, sname,
                    suite_names());
            return TB_EUSAGE;
        }
        cfg->corpora = (*st)->corpora;
        cfg->n_corpora = (*st)->n_corpora;
        cfg->specs = (*st)->tokenizers;
        cfg->n_specs = (*st)->n_tokenizers;
        cfg->subsets = (*st)->subsets;
        cfg->n_subsets = (*st)->n_subsets;
    }
    int ic = cli_opt_index(cmd, "corpus"), it = cli_opt_index(cmd, "tokenizer"),
        il = cli_opt_index(cmd, "lang");
    if (a->n[ic]) {
        cfg->corpora = a->v[ic];
        cfg->n_corpora = a->n[ic];
    }
    if (a->n[it]) {
        cfg->specs = a->v[it];
        cfg->n_specs = a->n[it];
        cfg->subsets = NULL; /* the user's specs run on every corpus */
        cfg->n_subsets = 0;
    }
    cfg->langs = a->n[il] ? a->v[il] : NULL;
    cfg->n_langs = a->n[il];
    cfg->pivot = cli_get(cmd, a, "pivot", NULL);
    return TB_OK;
}
