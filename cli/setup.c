/* setup.c - the defaults, corpus and tokenizer opening and failure report
 * that every command shares. */
#include "setup.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../bench/run.h"
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
    }
    return tokenizer_new(spec, &ctx, &ts->t, err);
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
