/* cli.c - option parsing from the declarative tables. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cli_opt_index(const cli_command *cmd, const char *name)
{
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return i;
    fprintf(stderr, "tokbench: internal error: command '%s' has no option '%s'\n", cmd->name,
            name);
    abort();
}

const char *cli_get(const cli_command *cmd, const cli_args *a, const char *name,
                    const char *dflt)
{
    int i = cli_opt_index(cmd, name);
    return a->n[i] ? a->v[i][a->n[i] - 1] : dflt;
}

size_t cli_count(const cli_command *cmd, const cli_args *a, const char *name)
{
    return a->n[cli_opt_index(cmd, name)];
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *out, FILE *err_out)
{
    memset(out, 0, sizeof *out);
    struct option lo[CLI_MAX_OPTS + 2];
    char so[3 * CLI_MAX_OPTS + 4] = ":";
    size_t sl = 1;
    int n = 0;
    for (; cmd->opts && cmd->opts[n].name; n++) {
        if (n == CLI_MAX_OPTS) {
            fprintf(stderr, "tokbench: internal error: command '%s' has more than %d options\n",
                    cmd->name, CLI_MAX_OPTS);
            abort();
        }
        const cli_opt *o = &cmd->opts[n];
        lo[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                256 + n};
        if (o->short_name) {
            so[sl++] = o->short_name;
            if (o->arg)
                so[sl++] = ':';
        }
    }
    lo[n] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 1] = (struct option){0, 0, 0, 0};
    so[sl++] = 'h';
    so[sl] = '\0';
    optind = 1;
    opterr = 0;
    for (;;) {
        int li = -1;
        int c = getopt_long(argc, argv, so, lo, &li);
        if (c == -1)
            break;
        if (c == 'h') {
            cli_print_help(cmd, stdout);
            return -1;
        }
        if (c == '?' || c == ':') {
            const char *what = argv[optind - 1];
            if (c == ':')
                fprintf(err_out, "tokbench %s: option '%s' needs an argument\n", cmd->name, what);
            else
                fprintf(err_out, "tokbench %s: unknown option '%s'\n", cmd->name, what);
            fprintf(err_out, "usage: tokbench %s\n(see 'tokbench help %s')\n", cmd->synopsis,
                    cmd->name);
            return 2;
        }
        int idx = -1;
        if (c >= 256)
            idx = c - 256;
        else
            for (int i = 0; i < n; i++)
                if (cmd->opts[i].short_name == c)
                    idx = i;
        if (idx < 0)
            continue;
        if (out->n[idx] == CLI_MAX_VALUES) {
            fprintf(err_out, "tokbench %s: option '--%s' given more than %d times\n", cmd->name,
                    cmd->opts[idx].name, CLI_MAX_VALUES);
            return 2;
        }
        out->v[idx][out->n[idx]++] = cmd->opts[idx].arg ? optarg : NULL;
    }
    out->npos = argc - optind;
    out->pos = argv + optind;
    out->argc = argc + 1;
    out->argv = argv - 1;
    return 0;
}

void cli_print_help(const cli_command *cmd, FILE *f)
{
    fprintf(f, "usage: tokbench %s\n\n%s\n", cmd->synopsis, cmd->summary);
    if (cmd->details)
        fprintf(f, "\n%s", cmd->details);
    if (cmd->opts && cmd->opts[0].name) {
        fputs("\noptions:\n", f);
        for (int i = 0; cmd->opts[i].name; i++) {
            const cli_opt *o = &cmd->opts[i];
            char lhs[96];
            if (o->short_name)
                snprintf(lhs, sizeof lhs, "-%c, --%s%s%s", o->short_name, o->name,
                         o->arg ? " " : "", o->arg ? o->arg : "");
            else
                snprintf(lhs, sizeof lhs, "    --%s%s%s", o->name, o->arg ? " " : "",
                         o->arg ? o->arg : "");
            fprintf(f, "  %-28s %s\n", lhs, o->help);
        }
    }
    if (cmd->more_help) {
        fputc('\n', f);
        cmd->more_help(f);
    }
}

int cli_selects(const cli_command *cmd, const cli_args *a, const char *name, const char *value)
{
    size_t n = cli_count(cmd, a, name);
    if (n == 0)
        return 1;
    int i = cli_opt_index(cmd, name);
    for (size_t j = 0; j < n; j++)
        if (strcmp(a->v[i][j], value) == 0)
            return 1;
    return 0;
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (e == s || *e || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

const char *cli_env_or(const char *var, const char *dflt)
{
    const char *v = getenv(var);
    return v && *v ? v : dflt;
}
