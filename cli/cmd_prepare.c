/* cmd_prepare.c - tokbench prepare: train once what a sharded run needs
 * (the bpe:N models of its specs) into the cache, for every shard to load. */
#include <stdio.h>
#include <stdlib.h>

#include "../bench/run.h"
#include "../common/tb.h"
#include "../results/results.h"
#include "commands.h"
#include "progress.h"
#include "setup.h"

static const cli_opt prepare_opts[] = {
    {"suite", 0, "NAME", "the corpora and specs of a named suite, as run --suite takes them "
                         "(-c and -t replace them)"},
    {"corpus", 'c', "CORPUS", "corpus name under DATA or a folder path (repeatable)"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (repeatable; as given to run)"},
    {"lang", 'l', "LANG", "only this language (repeatable; default all)"},
    {"pivot", 0, "LANG", "the pivot language, as given to run"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};
const cli_command prepare_cmd = {
    "prepare", "prepare [--suite NAME] [-c CORPUS]... [-t SPEC]... [-l LANG]...",
    "Train the trained schemes of a run once into the cache, for its shards.",
    "Makes every tokenizer of the specs for every language of the corpora, as run\n"
    "does, training what the cache (TOKBENCH_CACHE, default build/cache) lacks:\n"
    "a 'run --shard K/N' never trains; a bpe:N or graphemes vocabulary it does not\n"
    "find there fails and says to run prepare. Give the --suite, -c, -t, -l and --pivot\n"
    "of the shards (a suite's per-corpus subsets apply, as in run). Writes\n"
    "only the cache; on a cluster, put the cache where every shard reads it.\n",
    prepare_opts,
    NULL,
};

int cmd_prepare(const cli_args *a)
{
    if (a->npos) {
        fprintf(stderr, "tokbench prepare: unexpected argument '%s'\nusage: tokbench %s\n",
                a->pos[0], prepare_cmd.synopsis);
        return TB_EUSAGE;
    }
    run_config cfg = {0};
    cfg.data_dir = cli_data_dir(&prepare_cmd, a);
    cfg.cache_dir = cli_cache_dir();
    cfg.prepare_only = 1;
    cfg.jobs = 1;
    const suite *st;
    if (cli_run_inputs(&prepare_cmd, a, &cfg, &st))
        return TB_EUSAGE;
    if (!cfg.n_corpora || !cfg.n_specs) {
        fprintf(stderr,
                "tokbench prepare: give --suite NAME, or -c CORPUS and -t SPEC\nusage: tokbench %s\n",
                prepare_cmd.synopsis);
        return TB_EUSAGE;
    }
    tb_error err = {0};
    results *res = NULL;
    int rc = results_new(&res, &err);
    if (rc == TB_OK)
        rc = run_suite(&cfg, res, &err);
    results_free(res);
    if (rc)
        return cli_fail("prepare", &err);
    printf("prepared %zu specs on %zu corpora in the cache '%s'\n", cfg.n_specs, cfg.n_corpora,
           cfg.cache_dir ? cfg.cache_dir : "(none)");
    return 0;
}
