/* cmd_run.c - tokbench run: the whole suite into results.csv, manifest.json,
 * REPORT.md and charts. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bench/manifest.h"
#include "../bench/partial.h"
#include "../bench/partial_model.h"
#include "../bench/run.h"
#include "../bench/suite.h"
#include "../common/afile.h"
#include "../common/tb.h"
#include "../reports/report.h"
#include "../results/results.h"
#include "commands.h"
#include "progress.h"
#include "run_notes.h"
#include "setup.h"

static const cli_opt run_opts[] = {
    {"suite", 's', "NAME", "a predefined suite (default, quick, train, atlas); -c and -t replace "
                           "its parts"},
    {"corpus", 'c', "CORPUS", "corpus name under DATA or a folder path (repeatable)"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (repeatable)"},
    {"lang", 'l', "LANG", "only this language (repeatable; default all)"},
    {"pivot", 0, "LANG", "the language parity, byte_premium and the per-English-byte and "
                         "_vs_en rows are relative to (default: en, else eng_Latn)"},
    {"out", 'o', "DIR", "write results.csv, manifest.json, REPORT.md and charts/ here "
                        "(default reports/out; replaced as a whole, see below)"},
    CLI_OPT_DATA,
    {"no-timing", 0, NULL, "skip the timing rows (encode_mb_per_s, ngram_us_query, ...)"},
    {"ngram", 'n', "N", "n-gram rows up to order N (1..6; 0 for none; suites default to 4)"},
    {"model", 0, "PRESET", "transformer-cost rows with this model preset (tiny, small, base; "
                           "none: no model rows; default: the suite's, else none)"},
    {"jobs", 'j', "N", "tokenizer specs run in parallel (default: the CPUs online, at most 64; "
                       "the rows are the same for any N, timings are quieter with 1)"},
    {"train-budget", 0, "FLOPS", "FLOPs of each measured training of the suite's training list "
                                 "(default: the suite's; 0: no training)"},
    {"shard", 0, "K/N", "only the segments of shard K of N (0 <= K < N); write DIR/partial.tsv "
                        "for 'tokbench merge' instead of rows"},
    {"quiet", 'q', NULL, "do not print the summary table"},
    {0, 0, 0, 0},
};
static void run_suites_help(FILE *f)
{
    fputs("suites:\n", f);
    for (size_t i = 0; i < suite_count(); i++)
        suite_describe(suite_at(i), f);
}

const cli_command run_cmd = {
    "run", "run [--suite NAME] [-c CORPUS]... [-t SPEC]... [-l LANG]... [-o DIR]",
    "Run tokenizers over corpora; write tidy results, the run manifest and the report.",
    "For each corpus, language and tokenizer every segment is encoded alone, and the\n"
    "metric rows are written for splits 'all', 'train' and 'test' (docs/DESIGN.md 'Metrics'):\n"
    "segments, bytes, chars, words, tokens, bytes_per_token, chars_per_token, fertility,\n"
    "parity, parity_median, continued_words, vocab_size, vocab_used, unk_rate,\n"
    "renyi_efficiency, roundtrip_exact and roundtrip_char_loss (schemes that decode),\n"
    "encode_mb_per_s; for symbol schemes oov_words and the compression\n"
    "rows; with --ngram the n-gram rows (tokbench help ngram) and with --model the\n"
    "transformer-cost rows (tokbench help model) of the test split, the roofline\n"
    "projections (tokbench help project; profiles from model/hardware.tsv or\n"
    "TOKBENCH_HARDWARE) and, with both, the selector latency rows (tokbench help\n"
    "latency). Suites (--suite NAME) are listed at the end of this help, as bench/suite.c\n"
    "defines them: 'default' is what `make run` measures, 'quick' the same on udhr\n"
    "without training, 'train' the measured-training comparison (tokbench help train),\n"
    "'atlas' every aligned UDHR declaration with every packaged production vocabulary\n"
    "(REPORT.md gets the Atlas section).\n"
    "A suite's training applies to those of its specs\n"
    "and corpora a run has (-t, -c); --train-budget sets its FLOPs. Without --suite,\n"
    "-c and -t are required.\n"
    "\n"
    "The pivot: parity, parity_median, byte_premium, the *_per_en_byte and the *_vs_en\n"
    "rows compare a language with the pivot language of its corpus: 'en' when the\n"
    "corpus has it, else 'eng_Latn' (FLORES-200 style names, udhr-all), else none (no\n"
    "such rows); --pivot LANG names it instead (every corpus of the run must have it;\n"
    "exit 3 otherwise). Rows keep their names; manifest.json records each corpus's\n"
    "pivot.\n"
    "\n"
    "With timing, --model runs the model: a preset that does not fit in the\n"
    "memory available (MemAvailable; TOKBENCH_MEM_AVAILABLE_GB=N to state N GB instead)\n"
    "is refused before anything is allocated (exit 3, needed and available GB).\n"
    "\n"
    "cmd:COMMAND runs an external tokenizer with /bin/sh -c, once per language (lines\n"
    "in, one line of ids out per line; tokbench help tokenize), with the language code\n"
    "in TOKBENCH_LANG ('joint' for joint:cmd:) and the corpus name in TOKBENCH_CORPUS.\n"
    "Its rows carry the spec; cmd:NAME=COMMAND (NAME: 1-64 of [a-z0-9._-], starting\n"
    "with a letter or digit) carries cmd:NAME instead, whatever the command's path,\n"
    "and the manifest keeps the command. A command that starts with a lower-case\n"
    "assignment is written cmd:=var=value ... or cmd:env var=value .... It gets\n"
    "every row but continued_words (no offsets) and ngram_ksr (no token texts; a\n"
    "note says so). Each run may take TOKBENCH_CMD_TIMEOUT seconds (default 60; 0:\n"
    "no limit); past it the program and everything it started are killed and the\n"
    "run fails with exit 3, naming the language. Ctrl-C or SIGTERM to tokbench\n"
    "kills them too.\n"
    "\n"
    "The output folder DIR is replaced as a set: everything is written into DIR.tmp.PID\n"
    "and switched in place of DIR at the end, so DIR holds the complete old set or the\n"
    "complete new one, never a mix, and charts of earlier runs do not linger. DIR is\n"
    "replaced only when it does not exist, is empty, or holds results.csv or REPORT.md;\n"
    "any other folder is refused (exit 3) before any work. A run that fails moves the\n"
    "previous set to DIR.previous and leaves DIR absent, so nothing reads old rows as\n"
    "this run's ('tokbench check DIR/results.csv' fails: cannot open); a run that\n"
    "succeeds removes DIR.previous. A run killed by a signal leaves DIR as it was.\n"
    "Leftovers of killed runs (DIR.tmp.PID, DIR.old.PID of processes that are gone)\n"
    "are removed by the next run, which says so on stderr.\n",
    run_opts,
    run_suites_help,
};

/* The failure rule: the previous set moves to prev (replacing an older one)
 * and out is left absent, so a gate on out/results.csv cannot read stale
 * rows as this run's. */
static void retire_previous(const char *out, const char *prev)
{
    struct stat st;
    if (lstat(out, &st) != 0)
        return;
    if (tb_remove_tree(prev) != 0 || rename(out, prev) != 0) {
        fprintf(stderr, "tokbench run: warning: cannot move the previous results '%s' aside to "
                        "'%s': %s; they are NOT this run's\n",
                out, prev, strerror(errno));
        return;
    }
    fprintf(stderr, "tokbench run: the previous results are now in '%s'; '%s' is left absent "
                    "because this run failed\n",
            prev, out);
}

int cmd_run(const cli_args *a)
{
    int rc = 0;
    if (a->npos) {
        fprintf(stderr, "tokbench run: unexpected argument '%s'\nusage: tokbench %s\n", a->pos[0],
                run_cmd.synopsis);
        return TB_EUSAGE;
    }
    run_config cfg = {0};
    cfg.data_dir = cli_data_dir(&run_cmd, a);
    cfg.cache_dir = cli_cache_dir();
    const suite *s;
    if (cli_run_inputs(&run_cmd, a, &cfg, &s))
        return TB_EUSAGE;
    if (s) {
        cfg.ngram_order = s->ngram_order;
        cfg.light = s->light;
        cfg.n_light = s->n_light;
        cfg.train_specs = s->train_specs;
        cfg.n_train_specs = s->n_train_specs;
        cfg.train_corpora = s->train_corpora;
        cfg.n_train_corpora = s->n_train_corpora;
    }
    /* the suite's training regimes: equal FLOPs, and equal passes when set */
    stage_train_config train[2];
    size_t n_train = 0;
    const suite *ts = s;
    double budget = ts ? ts->train_budget_flops : 0;
    const char *tbv = cli_get(&run_cmd, a, "train-budget", NULL);
    if (tbv) {
        char *end;
        budget = strtod(tbv, &end);
        if (end == tbv || *end || !(budget >= 0) || !isfinite(budget)) {
            fprintf(stderr, "tokbench run: --train-budget must be a number of FLOPs (0: no "
                            "training), not '%s'\n", tbv);
            return TB_EUSAGE;
        }
    }
    if (ts && ts->n_train_specs && budget > 0) {
        for (size_t r = 0; r < 2; r++) {
            stage_train_config_init(&train[r]);
            train[r].eval_bytes = ts->train_eval_bytes;
            train[r].target_en = ts->train_target_en;
            train[r].no_timing = !!cli_count(&run_cmd, a, "no-timing");
        }
        train[0].kind = STAGE_TRAIN_FLOPS;
        train[0].budget = budget;
        n_train = 1;
        if (ts->train_epochs > 0) {
            train[1].kind = STAGE_TRAIN_EPOCHS;
            train[1].budget = ts->train_epochs;
            train[1].label = STAGE_TRAIN_CONTENT_LABEL;
            n_train = 2;
        }
    }
    cfg.train = train;
    cfg.n_train = n_train;
    const char *ng = cli_get(&run_cmd, a, "ngram", NULL);
    long o;
    if (ng) {
        if (cli_parse_long(ng, 0, 6, &o)) {
            fprintf(stderr, "tokbench run: --ngram must be 0..6, not '%s'\n", ng);
            return TB_EUSAGE;
        }
        cfg.ngram_order = (int)o;
    }
    if (!cfg.n_corpora || !cfg.n_specs) {
        fprintf(stderr, "tokbench run: give --suite NAME, or -c CORPUS and -t SPEC\nusage: "
                        "tokbench %s\n",
                run_cmd.synopsis);
        return TB_EUSAGE;
    }
    cfg.hardware_path = cli_hardware_path(&run_cmd, a);
    cfg.timing = !cli_count(&run_cmd, a, "no-timing") && !(ts && ts->no_timing);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.jobs = ncpu < 1 ? 1 : ncpu > RUN_MAX_JOBS ? RUN_MAX_JOBS : (int)ncpu;
    const char *jobs = cli_get(&run_cmd, a, "jobs", NULL);
    long j;
    if (jobs) {
        if (cli_parse_long(jobs, 1, RUN_MAX_JOBS, &j)) {
            fprintf(stderr, "tokbench run: --jobs must be 1..%d, not '%s'\n", RUN_MAX_JOBS, jobs);
            return TB_EUSAGE;
        }
        cfg.jobs = (int)j;
    }
    const char *model = cli_get(&run_cmd, a, "model",
                                ts && ts->model_preset ? ts->model_preset : "none");
    cfg.model_preset = strcmp(model, "none") == 0 ? NULL : model;
    cli_progress prog = {.tty = isatty(2)};
    if (prog.tty || getenv("CI")) {
        cfg.progress = cli_progress_report;
        cfg.progress_ud = &prog;
    }
    const char *shard = cli_get(&run_cmd, a, "shard", NULL);
    if (shard) {
        unsigned long k, n;
        int used = 0;
        if (sscanf(shard, "%lu/%lu%n", &k, &n, &used) != 2 || shard[used] || n == 0 || k >= n ||
            n > (1u << 20) || shard[0] == '-') {
            fprintf(stderr, "tokbench run: --shard must be K/N with 0 <= K < N, not '%s'\n",
                    shard);
            return TB_EUSAGE;
        }
        cfg.shard_k = k;
        cfg.shard_n = n;
    }
    char real[4096];
    const char *out_dir = cli_out_path(cli_get(&run_cmd, a, "out", CLI_DEFAULT_OUT), real,
                                       sizeof real);

    tb_error err = {0};
    if (shard) {
        /* a shard writes DIR/partial.tsv, whole or not at all */
        char path[4200];
        afile af;
        if (tb_mkdirs(out_dir, &err) ||
            tb_pathf(&err, path, sizeof path, "%s/partial.tsv", out_dir) ||
            afile_open(&af, path, &err))
            return cli_fail("run", &err);
        results *res = NULL;
        cfg.partial = af.fp;
        rc = results_new(&res, &err);
        if (rc == TB_OK)
            rc = partial_write_header(af.fp, cfg.shard_k, cfg.shard_n, cfg.specs, cfg.n_specs,
                                      &err);
        if (rc == TB_OK)
            rc = partial_model_write_header(af.fp, &cfg, &err);
        if (rc == TB_OK)
            rc = run_suite(&cfg, res, &err);
        cli_progress_end(&prog);
        results_free(res);
        if (rc == TB_OK)
            rc = afile_commit(&af, &err);
        else
            afile_abort(&af);
        if (rc)
            return cli_fail("run", &err);
        if (!cli_count(&run_cmd, a, "quiet"))
            printf("wrote %s (shard %zu/%zu)\n", path, cfg.shard_k, cfg.shard_n);
        return 0;
    }
    char odir[4096], obase[256], prev[4400];
    /* refused before any work: DIR (or DIR.previous, which a failure would
     * replace) is a folder of someone else's files */
    if (cli_split_path(out_dir, odir, sizeof odir, obase, sizeof obase, &err) ||
        tb_pathf(&err, prev, sizeof prev, "%s.previous", out_dir) ||
        cli_check_out_dir(out_dir, 0, &err) || cli_check_out_dir(prev, 0, &err))
        return cli_fail("run", &err);
    cli_clean_stale("run", odir, obase);
    results *res = NULL;
    manifest *m = NULL;
    rc = results_new(&res, &err);
    if (rc == TB_OK)
        rc = manifest_new(&cfg, a->argc, a->argv, &m, &err);
    if (rc == TB_OK)
        rc = run_suite(&cfg, res, &err);
    cli_progress_end(&prog);
    if (rc == TB_OK)
        cli_run_notes("run", res, stderr);
    if (rc == TB_OK)
        rc = cli_write_outputs(res, m, out_dir, &err);
    if (rc == TB_OK && !cli_count(&run_cmd, a, "quiet")) {
        report_print_summary(res, stdout);
        printf("wrote %s/results.csv (%zu rows), %s/REPORT.md, %s/manifest.json\n", out_dir,
               results_count(res), out_dir, out_dir);
    }
    results_free(res);
    manifest_free(m);
    if (rc == TB_OK) {
        tb_remove_tree(prev);                /* superseded by this set */
        return 0;
    }
    rc = cli_fail("run", &err);
    retire_previous(out_dir, prev);
    return rc;
}
