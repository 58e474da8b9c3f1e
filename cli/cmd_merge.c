/* cmd_merge.c - tokbench merge: the partials of a sharded run into one
 * results.csv, manifest.json, REPORT.md and charts, as `run` writes them. */
#include <stdio.h>
#include <stdlib.h>

#include "../bench/manifest.h"
#include "../bench/partial.h"
#include "../bench/run.h"
#include "../common/tb.h"
#include "../reports/report.h"
#include "../results/results.h"
#include "commands.h"
#include "setup.h"

static const cli_opt merge_opts[] = {
    {"out", 'o', "DIR", "write results.csv, manifest.json, REPORT.md and charts/ here "
                        "(default reports/out; replaced as a whole, as by run)"},
    CLI_OPT_DATA,
    {"quiet", 'q', NULL, "do not print the summary table"},
    {0, 0, 0, 0},
};
const cli_command merge_cmd = {
    "merge", "merge PARTIAL... [-o DIR]",
    "Merge the partials of 'run --shard K/N' into the rows of the unsharded run.",
    "Each PARTIAL is a partial.tsv or the folder that holds it, one for every shard\n"
    "0..N-1 of one sharding. The deterministic rows are byte-identical to those of\n"
    "the same run without --shard (the rows come from the summed statistics by the\n"
    "function the unsharded run uses). Refused with exit 3 before anything is\n"
    "written, naming the difference: a shard missing or given twice, partials of\n"
    "different N, format version, spec list or corpus MANIFEST sha256. DIR is written\n"
    "as a whole or not at all. The manifest records the corpora found under DATA.\n"
    "With a symbol scheme in the run, the archivers' rows (gzip/xz/zstd of the whole\n"
    "text) are computed here from the corpora under DATA, which must be the ones\n"
    "the shards ran on (MANIFEST sha256). So are the n-gram rows: the shards' raw\n"
    "counts are summed, the model estimated once and the test split scored; the\n"
    "tokenizer of each spec is opened (trained ones from the cache) for ngram_ksr.\n"
    "With --model in the shards' run, the model and proj_* rows are made here from\n"
    "the partials' segment lengths with the hardware profiles (TOKBENCH_HARDWARE,\n"
    "default model/hardware.tsv; its sha256 must be the shards'). Measured training\n"
    "ran in one shard per (corpus, spec, language) job; its rows are copied. Timing\n"
    "rows are per-shard measurements (docs/DESIGN.md 'Sharded runs'): encode_mb_per_s\n"
    "is the shards' summed bytes over their summed seconds, the model's ms rows and\n"
    "the roofline check are shard 0's measurements, a training job's timings its\n"
    "shard's, ngram_s_build the shards' counting seconds summed plus the estimation\n"
    "here, ngram_us_query and ngram_ms_suggest the scoring here; manifest.json and\n"
    "REPORT.md say the rows come from N shards.\n",
    merge_opts,
    NULL,
};

int cmd_merge(const cli_args *a)
{
    if (a->npos == 0) {
        fprintf(stderr, "tokbench merge: give the partials\nusage: tokbench %s\n",
                merge_cmd.synopsis);
        return TB_EUSAGE;
    }
    tb_error err = {0};
    size_t np = (size_t)a->npos;
    partial **p = tb_calloc(np, sizeof *p, &err);
    if (!p)
        return cli_fail("merge", &err);
    int rc = TB_OK;
    for (size_t i = 0; i < np && rc == TB_OK; i++)
        rc = partial_read(a->pos[i], &p[i], &err);
    results *res = NULL;
    manifest *m = NULL;
    const char **specs = NULL, **corpora = NULL;
    if (rc == TB_OK)
        rc = results_new(&res, &err);
    if (rc == TB_OK)
        rc = partial_merge(p, np, cli_data_dir(&merge_cmd, a), cli_cache_dir(),
                           cli_hardware_path(&merge_cmd, a), res, &err);
    if (rc == TB_OK) {
        run_config cfg = {0};
        cfg.data_dir = cli_data_dir(&merge_cmd, a);
        cfg.n_specs = partial_n_specs(p[0]);
        cfg.n_corpora = partial_n_corpora(p[0]);
        specs = tb_calloc(cfg.n_specs + 1, sizeof *specs, &err);
        corpora = specs ? tb_calloc(cfg.n_corpora + 1, sizeof *corpora, &err) : NULL;
        rc = corpora ? TB_OK : TB_EINPUT;
        for (size_t i = 0; corpora && i < cfg.n_specs; i++)
            specs[i] = partial_spec(p[0], i);
        for (size_t i = 0; corpora && i < cfg.n_corpora; i++)
            corpora[i] = partial_corpus(p[0], i);
        cfg.specs = specs;
        cfg.corpora = corpora;
        if (rc == TB_OK)
            rc = manifest_new(&cfg, a->argc, a->argv, &m, &err);
        if (rc == TB_OK)
            rc = manifest_set_shards(m, partial_n_shards(p[0]), partial_timed(p[0]), &err);
    }
    char real[4096];
    const char *out_dir = cli_out_path(cli_get(&merge_cmd, a, "out", CLI_DEFAULT_OUT), real,
                                       sizeof real);
    if (rc == TB_OK)
        rc = cli_check_out_dir(out_dir, 0, &err);
    if (rc == TB_OK)
        rc = cli_write_outputs(res, m, out_dir, &err);
    if (rc == TB_OK && !cli_count(&merge_cmd, a, "quiet")) {
        report_print_summary(res, stdout);
        printf("wrote %s/results.csv (%zu rows) from %zu partials\n", out_dir,
               results_count(res), np);
    }
    for (size_t i = 0; i < np; i++)
        partial_free(p[i]);
    free(p);
    free(specs);
    free(corpora);
    results_free(res);
    manifest_free(m);
    return rc ? cli_fail("merge", &err) : 0;
}
