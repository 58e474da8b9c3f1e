/* cli.h - declarative command and option tables for bench/main.c: usage
 * and help text are generated from them (the jq/git style). */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdio.h>

#define CLI_MAX_OPTS 32
#define CLI_MAX_VALUES 64

typedef struct cli_opt {
    const char *name;       /* long name without "--" */
    char short_name;        /* 0 for none */
    const char *arg;        /* argument name, or NULL for a flag */
    const char *help;       /* one line */
} cli_opt;

/* Parsed values: for each option of the command (same index as in the
 * table), how often it was given and its values (NULL for a flag). */
typedef struct cli_args {
    size_t n[CLI_MAX_OPTS];                     /* times each option was given */
    const char *v[CLI_MAX_OPTS][CLI_MAX_VALUES]; /* its values, in order */
    int npos;
    char **pos;                                 /* positional arguments */
    int argc;                                   /* the whole command line, from */
    char **argv;                                /* "tokbench" on (for the manifest) */
} cli_args;

typedef struct cli_command {
    const char *name;
    const char *synopsis;   /* "tokenize -t SPEC [--ids|--pieces|--count] [FILE]" */
    const char *summary;    /* one line for the command list */
    const char *details;    /* paragraphs for `tokbench help NAME` */
    const cli_opt *opts;    /* terminated by {0} */
    void (*more_help)(FILE *f); /* after the options, generated from tables; or NULL */
} cli_command;

/* Parses argv (argv[0] is the command name). Returns 0, or 2 after writing a
 * usage error to err_out. */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *out, FILE *err_out);
/* The index of option name in cmd->opts (aborts on a programming error). */
int cli_opt_index(const cli_command *cmd, const char *name);
/* Last value of an option, or dflt. */
const char *cli_get(const cli_command *cmd, const cli_args *a, const char *name,
                    const char *dflt);
size_t cli_count(const cli_command *cmd, const cli_args *a, const char *name);
/* 1 when the repeatable option name was not given or one of its values is
 * value (e.g. -l LANG: no -l means every language). */
int cli_selects(const cli_command *cmd, const cli_args *a, const char *name, const char *value);
/* A decimal integer in lo..hi, the whole string: 0, else -1. */
int cli_parse_long(const char *s, long lo, long hi, long *out);
/* The environment variable var when set and not empty, else dflt. */
const char *cli_env_or(const char *var, const char *dflt);
void cli_print_help(const cli_command *cmd, FILE *f);

#endif
