/* setup.h - what every command shares: the default folders (each with its
 * option and environment variable), opening the corpus and the tokenizers a
 * command names, reading an input file or stdin, and the one way a command
 * reports a failure. Only cli/ prints or exits; these helpers print nothing
 * but cli_fail's one line. */
#ifndef CLI_SETUP_H
#define CLI_SETUP_H

#include <stdio.h>

#include "../bench/run.h"
#include "../bench/suite.h"
#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"

/* Installs, once at start, a handler for SIGINT, SIGTERM and SIGHUP that
 * kills the process group of every external program running in a group of
 * its own (cmd: tokenizers; tb_spawn_kill_live in common/spawn.h) and then
 * dies of the same signal, as without a handler (so the shell sees the
 * signal). A signal ignored at start (nohup, a background job's SIGINT)
 * stays ignored. */
void cli_install_signal_handlers(void);

/* Default folders, relative to the working directory (the repository root). */
#define CLI_DEFAULT_DATA "corpora/data"         /* env TOKBENCH_DATA, option --data */
#define CLI_DEFAULT_CACHE "build/cache"         /* env TOKBENCH_CACHE */
#define CLI_DEFAULT_NPM "deps/npm"              /* env TOKBENCH_NPM, option --npm */
#define CLI_DEFAULT_OUT "reports/out"           /* option --out of run */
#define CLI_DEFAULT_HARDWARE "model/hardware.tsv" /* env TOKBENCH_HARDWARE, option --hardware */

/* The --data option row every command that opens a corpus shares. */
#define CLI_OPT_DATA                                                              \
    {"data", 'd', "DIR",                                                          \
     "corpus folder root (default " CLI_DEFAULT_DATA ", env TOKBENCH_DATA)"}

/* The corpus root: cmd's --data when it has that option and it was given,
 * else TOKBENCH_DATA, else CLI_DEFAULT_DATA. */
const char *cli_data_dir(const cli_command *cmd, const cli_args *a);
/* The trained-tokenizer cache: TOKBENCH_CACHE, else CLI_DEFAULT_CACHE. */
const char *cli_cache_dir(void);
/* The npm folder: --npm when cmd has it and it was given, else TOKBENCH_NPM,
 * else CLI_DEFAULT_NPM. */
const char *cli_npm_dir(const cli_command *cmd, const cli_args *a);
/* The hardware profiles: --hardware when cmd has it and it was given, else
 * TOKBENCH_HARDWARE, else CLI_DEFAULT_HARDWARE. */
const char *cli_hardware_path(const cli_command *cmd, const cli_args *a);

/* Opens corpus `name` (a name under the data root, or a folder path). */
int cli_open_corpus(const cli_command *cmd, const cli_args *a, const char *name, corpus **out,
                    tb_error *err);
/* TB_EUSAGE naming the first -l value that is not a language of c. */
int cli_check_langs(const cli_command *cmd, const cli_args *a, const corpus *c, tb_error *err);
/* The context a tokenizer spec is opened in: language lang of c (c NULL and
 * lang -1 for none), the cache folder of cli_cache_dir. */
tokenizer_ctx cli_tokenizer_ctx(const corpus *c, int lang);

/* -t SPEC with an optional -c CORPUS -l LANG|joint to train it on (the
 * options tokenize, detokenize and train-bpe share); -l without -c names
 * the input's language (tokenizer_ctx.lang_code, TOKBENCH_LANG of cmd:).
 * With a --verbose option given, prints the vocabulary cache's note
 * (tokenizer_ctx.vocab_note) on stderr: "tokbench CMD: vocabulary cache:
 * loaded|built|rebuilt ...". */
typedef struct cli_tok {
    corpus *c;          /* owned; NULL without -c */
    tokenizer *t;       /* owned */
} cli_tok;
int cli_tok_open(const cli_command *cmd, const cli_args *a, cli_tok *out, tb_error *err);
void cli_tok_release(cli_tok *t);

/* The first positional argument as a file, or stdin when there is none or
 * it is "-"; *name is what messages call it. NULL with err set on failure. */
FILE *cli_open_input(const cli_args *a, const char **name, tb_error *err);

/* ---- output folders (tokbench run, report, plot) ------------------------ *
 * A command's output folder is replaced as a whole (common/afile.h afolder).
 * It may replace path only when path does not exist, or is a folder that is
 * empty or looks like a tokbench output: it holds results.csv or REPORT.md
 * (charts: or a gnuplot script, *.gp, for a folder of charts). Else TB_EINPUT
 * naming path: it is the user's, not ours to replace. */
int cli_check_out_dir(const char *path, int charts, tb_error *err);
/* Splits path (trailing '/' ignored) into its folder ("." when none) and its
 * last name. */
int cli_split_path(const char *path, char *dir, size_t dcap, char *base, size_t bcap,
                   tb_error *err);
/* path, or its real path (in buf[cap]) when its last name is "." or "..": an
 * output folder is switched by name, so it needs one. */
const char *cli_out_path(const char *path, char *buf, size_t cap);
/* Removes the leftovers of interrupted writers (afolder_clean_stale) of base
 * in dir (base NULL: every "*.tmp.PID" / "*.old.PID" in dir) and says so in
 * one line on stderr: "tokbench CMD: removed N leftover(s) of interrupted
 * runs in 'DIR': NAMES". A failure to clean is a warning, not a failure. */
void cli_clean_stale(const char *cmd, const char *dir, const char *base);

/* Prints "tokbench CMD: MESSAGE" on stderr; returns err's exit status
 * (TB_EINPUT when it has none). */
int cli_fail(const char *cmd, const tb_error *err);

/* What a run reads, for run and prepare alike: the corpora, specs and
 * per-corpus subsets of --suite NAME (its suite in *st, NULL without one),
 * replaced by -c and -t when given (-t also drops the subsets: the user's
 * specs run on every corpus), then -l and --pivot. cmd has the options
 * suite, corpus, tokenizer, lang and pivot. An unknown suite: a message
 * naming the known ones on stderr, TB_EUSAGE. */
int cli_run_inputs(const cli_command *cmd, const cli_args *a, run_config *cfg, const suite **st);

#endif
