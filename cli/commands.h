/* commands.h - the commands that live in their own bench/cmd_<name>.c file.
 * Each file defines `const cli_command <name>_cmd` and `int cmd_<name>(int
 * argc, char **argv)` (argv[0] is the command name; returns the exit
 * status). The declarations are weak so bench/main.c lists every command
 * once, and a command whose file is not in the build is simply absent. */
#ifndef COMMANDS_H
#define COMMANDS_H

#include "cli.h"

#define TB_DECLARE_COMMAND(name)                                                  \
    extern const cli_command name##_cmd __attribute__((weak));                    \
    int cmd_##name(int argc, char **argv) __attribute__((weak))

TB_DECLARE_COMMAND(train_bpe);   /* tokbench train-bpe   (bench/cmd_train_bpe.c) */
TB_DECLARE_COMMAND(symbolize);   /* tokbench symbolize   (bench/cmd_symbolize.c) */
TB_DECLARE_COMMAND(model);       /* tokbench model       (bench/cmd_model.c) */
TB_DECLARE_COMMAND(ngram);       /* tokbench ngram       (bench/cmd_ngram.c) */
TB_DECLARE_COMMAND(latency);     /* tokbench latency     (bench/cmd_latency.c) */
TB_DECLARE_COMMAND(project);     /* tokbench project     (bench/cmd_project.c) */
TB_DECLARE_COMMAND(check);       /* tokbench check       (bench/cmd_check.c) */
TB_DECLARE_COMMAND(plot);        /* tokbench plot        (bench/cmd_plot.c) */

#endif
