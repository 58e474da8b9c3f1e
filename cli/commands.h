/* commands.h - every command of tokbench: each lives in cli/cmd_<name>.c,
 * which defines `const cli_command <name>_cmd` (its option table and help)
 * and `int cmd_<name>(const cli_args *a)`: the arguments as parsed against
 * that table by commands_dispatch; returns the exit status. cli/commands.c lists them once, in the order
 * `tokbench help` shows them; a command missing from the build fails to
 * link. */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include <stdio.h>

#include "../bench/manifest.h"
#include "../common/tb.h"
#include "../reports/langnames.h"
#include "../results/results.h"
#include "cli.h"

#define TB_DECLARE_COMMAND(name)                                                  \
    extern const cli_command name##_cmd;                                          \
    int cmd_##name(const cli_args *a)

TB_DECLARE_COMMAND(corpus);      /* cli/cmd_corpus.c */
TB_DECLARE_COMMAND(tokenize);    /* cli/cmd_tokenize.c */
TB_DECLARE_COMMAND(detokenize);  /* cli/cmd_tokenize.c */
TB_DECLARE_COMMAND(train_bpe);   /* cli/cmd_train_bpe.c */
TB_DECLARE_COMMAND(symbolize);   /* cli/cmd_symbolize.c */
TB_DECLARE_COMMAND(run);         /* cli/cmd_run.c */
TB_DECLARE_COMMAND(merge);       /* cli/cmd_merge.c */
TB_DECLARE_COMMAND(prepare);     /* cli/cmd_prepare.c */
TB_DECLARE_COMMAND(model);       /* cli/cmd_model.c */
TB_DECLARE_COMMAND(train);       /* cli/cmd_train.c */
TB_DECLARE_COMMAND(ngram);       /* cli/cmd_ngram.c */
TB_DECLARE_COMMAND(latency);     /* cli/cmd_latency.c */
TB_DECLARE_COMMAND(project);     /* cli/cmd_project.c */
TB_DECLARE_COMMAND(report);      /* cli/cmd_report.c */
TB_DECLARE_COMMAND(plot);        /* cli/cmd_plot.c */
TB_DECLARE_COMMAND(check);       /* cli/cmd_check.c */
TB_DECLARE_COMMAND(help);        /* cli/cmd_help.c */
TB_DECLARE_COMMAND(version);     /* cli/cmd_help.c */

typedef struct cli_entry {
    const cli_command *cmd;
    int (*fn)(const cli_args *a);
} cli_entry;

/* The command called name, or NULL. */
const cli_entry *commands_find(const char *name);
/* Parses argv (argv[0] the command name) against e's option table and runs
 * it: its exit status, 0 after --help, 2 on a usage error. */
int commands_dispatch(const cli_entry *e, int argc, char **argv);
/* The usage text with the list of commands. */
void commands_print_usage(FILE *f);

/* Charts into out_dir/charts (a warning on stderr, not a failure, when
 * gnuplot cannot run: the tables are still worth having), then
 * out_dir/REPORT.md (cli/cmd_report.c). The folder is switched in as a set
 * (common/afile.h afolder): its other files are carried over, the old
 * REPORT.md and charts/ go; a reader sees the old set or the new one. */
int cli_write_report(const results *res, const manifest *m, const char *out_dir, int charts,
                     tb_error *err);
/* The languages' display names of m (m NULL: none) into a new *out
 * (cli/cmd_report.c); TB_EINPUT when out of memory. */
int cli_lang_names(const manifest *m, langnames **out, tb_error *err);
/* The manifest.json beside results_path into *m, NULL when there is none;
 * TB_EINPUT when it cannot be read. */
int cli_manifest_beside(const char *results_path, manifest **m, tb_error *err);
/* A run's output folder: results.csv, manifest.json (m may be NULL), REPORT.md
 * and charts (cli/cmd_report.c), written into a new folder that replaces
 * out_dir as a whole (nothing of the old folder is kept). */
int cli_write_outputs(const results *res, const manifest *m, const char *out_dir,
                      tb_error *err);

#endif
