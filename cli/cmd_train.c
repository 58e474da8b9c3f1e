/* cmd_train.c - `tokbench train`: trains the reference transformer
 * (model/train.h) on the train split of one (corpus, language, tokenizer),
 * evaluates it on the test split at every checkpoint (trn_eval), prints the
 * curve and, with -o, writes the rows (train_*) into DIR/results.csv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/stage_ngram.h"
#include "../common/afile.h"
#include "../common/tb.h"
#include "../common/timer.h"
#include "../corpora/corpus.h"
#include "../model/train.h"
#include "../model/cost.h"
#include "../model/transformer.h"
#include "../results/results.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"

static const cli_opt train_opts[] = {
    {"corpus", 'c', "CORPUS", "corpus whose train split is the training text"},
    {"lang", 'l', "LANG", "language of that corpus"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (trained ones train on the same split)"},
    {"preset", 'p', "NAME", "model preset: tiny (default), small, base"},
    {"set", 's', "KEY=VALUE", "override a model field: d_model n_layers n_heads context d_ff "
                              "tied seed"},
    {"steps", 'n', "N", "optimizer steps (default 200)"},
    {"batch", 'b', "B", "sequences per step (default 4)"},
    {"seq", 0, "T", "tokens per sequence, at most the context (default 64)"},
    {"lr", 0, "RATE", "peak learning rate (default 1e-3)"},
    {"warmup", 0, "N", "warm-up steps (default 10)"},
    {"every", 0, "N", "print a checkpoint every N steps (default steps / 10)"},
    {"data-seed", 0, "N", "seed of the batch order (default 1)"},
    {"out", 'o', "DIR", "write DIR/results.csv: the train_* rows (replaced whole)"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command train_cmd = {
    "train",
    "train -c CORPUS -l LANG -t SPEC [--preset NAME] [--set KEY=VALUE]... [-n STEPS] "
    "[-b B] [--seq T] [--lr RATE] [--warmup N] [--every N] [--data-seed N] [-o DIR]",
    "Train the reference transformer on a train split; test loss per checkpoint.",
    "Encodes every train-split segment of LANG with SPEC, each segment alone, and\n"
    "joins the ids in corpus order into one stream, a reserved separator id before\n"
    "the first segment and after every segment (SEP s1 SEP s2 ... SEP): the\n"
    "separator is the vocabulary's last id, one past the tokenizer's, so the model\n"
    "sees where a segment ends and the first token of a segment is predicted after a\n"
    "separator, never from the end of the segment before as if it continued it. The\n"
    "test split makes a second stream the same way.\n"
    "\n"
    "Each step takes B windows of T + 1 tokens at seeded random offsets (inputs and\n"
    "next-id targets), runs the forward, the mean cross-entropy, the backward and\n"
    "one AdamW update (model/train.h: betas 0.9 / 0.95, eps 1e-8, weight decay 0.1\n"
    "on matrices only, gradients clipped to global norm 1, linear warm-up then\n"
    "cosine decay to 0.1 x the rate at the last step). The vocabulary is the\n"
    "tokenizer's, except for a code-space scheme (chars: 0x110000 entries or more),\n"
    "where it is 1 + the largest id of both streams; plus the separator. One thread\n"
    "of ours plus OpenBLAS's threads (OPENBLAS_NUM_THREADS=1: bit-identical losses\n"
    "run to run).\n"
    "\n"
    "At every checkpoint the model is evaluated on the whole test stream, forward\n"
    "only: windows of T + 1 ids at 0, T, 2T, ... so that every id after the first is\n"
    "a target exactly once (the separators too: ending a segment is part of the\n"
    "text); the (n - 1) mod T targets a last partial window would hold are scored by\n"
    "one window ending at the stream's end, counting only those. test_loss = nats /\n"
    "targets; bits_per_en_byte = total bits / UTF-8 bytes of the English test\n"
    "segments (the denominator of ngram_bits_per_en_byte; '-' without English).\n"
    "\n"
    "Prints one line per checkpoint: step, the loss of that step, the mean loss\n"
    "since the previous checkpoint, the test loss, the test bits per English byte,\n"
    "the learning rate and the gradient norm; then the memory of the trainer and the\n"
    "time. A loss that becomes NaN or infinite, or after the warm-up exceeds 3 x the\n"
    "first step's loss, stops with exit status 3 naming the step.\n"
    "\n"
    "With -o DIR the rows go to DIR/results.csv (corpus, split, LANG, the\n"
    "tokenizer's name; docs/DESIGN.md 'Metrics'). Split test: train_loss\n"
    "(nats/token), train_bits_per_token (bits/token), train_bits_per_en_byte\n"
    "(bits/byte), train_eval_targets (tokens: the test split's tokens plus one\n"
    "separator per segment), and the curve train_curve_loss@STEP and\n"
    "train_curve_bits_per_en_byte@STEP at every checkpoint. Split train: train_loss\n"
    "and train_curve_loss@STEP (mean step loss since the previous checkpoint),\n"
    "train_steps (steps), train_tokens_seen (tokens: steps x B x T), train_vocab\n"
    "(types, with the separator), train_flops (FLOPs counted by the trainer),\n"
    "train_flops_gemm_share (ratio), train_bytes_peak_measured (bytes: everything\n"
    "trn_new allocates), train_bytes_analytic (bytes: 16 a parameter + B x the\n"
    "activations of model/cost.h at T), and the timing rows train_s (s, the steps'\n"
    "wall time, evaluation excluded) and train_gemm_time_share (time_ratio). With\n"
    "one OpenBLAS thread every row but the timing ones is identical run to run. DIR\n"
    "is written as DIR.tmp.PID and switched in place at the end; a train that fails\n"
    "writes nothing (DIR keeps what it held). DIR must be absent, empty or hold\n"
    "results.csv or REPORT.md (else exit 3 before any work).",
    train_opts,
};

/* A decimal size_t in lo..hi into *out: 0, else -1. */
static int parse_size(const char *s, long lo, long hi, size_t *out)
{
    long v;
    if (cli_parse_long(s, lo, hi, &v))
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Stands for the separator until the vocabulary is known (sep_fill). */
#define SEP_PLACEHOLDER UINT32_MAX

/* The ids of language li over the segments of split, joined as SEP s1 SEP s2
 * ... sN SEP with SEP_PLACEHOLDER for SEP; *vmax the largest id (SEP not
 * counted), *nseg the segments. */
static int encode_split(const tokenizer *t, const corpus *c, size_t li, enum corpus_split split,
                        uint32_t **out, size_t *n, uint32_t *vmax, size_t *nseg, tb_error *err)
{
    size_t cap = 1 << 16, len = 1, scap = 0;
    uint32_t *ids = tb_malloc(cap * sizeof *ids, err), *seg = NULL;
    if (!ids)
        return TB_EINPUT;
    ids[0] = SEP_PLACEHOLDER;
    *vmax = 0;
    *nseg = 0;
    for (size_t s = 0; s < corpus_n_segments(c); s++) {
        if (!corpus_in_split(c, s, split))
            continue;
        size_t tl, nt;
        const char *text = corpus_segment(c, li, s, &tl);
        if (scap < tl + 16) {
            scap = 2 * tl + 16;
            uint32_t *g = tb_realloc(seg, scap * sizeof *seg, err);
            if (!g)
                goto fail;
            seg = g;
        }
        if (tokenizer_encode(t, text, tl, seg, NULL, scap, &nt, err))
            goto fail;
        if (nt > scap) { /* more tokens than bytes + 16 (a cmd: scheme): once more */
            scap = nt;
            uint32_t *g = tb_realloc(seg, scap * sizeof *seg, err);
            if (!g)
                goto fail;
            seg = g;
            if (tokenizer_encode(t, text, tl, seg, NULL, scap, &nt, err))
                goto fail;
        }
        if (len + nt + 1 > cap) {
            while (len + nt + 1 > cap)
                cap *= 2;
            uint32_t *g = tb_realloc(ids, cap * sizeof *ids, err);
            if (!g)
                goto fail;
            ids = g;
        }
        for (size_t i = 0; i < nt; i++)
            *vmax = seg[i] > *vmax ? seg[i] : *vmax;
        memcpy(ids + len, seg, nt * sizeof *seg);
        len += nt;
        ids[len++] = SEP_PLACEHOLDER;
        (*nseg)++;
    }
    free(seg);
    *out = ids;
    *n = len;
    return TB_OK;
fail:
    free(seg);
    free(ids);
    return err->status ? err->status : TB_EINPUT;
}

int cmd_train(const cli_args *a)
{
    const cli_command *cmd = &train_cmd;
    const char *cname = cli_get(cmd, a, "corpus", NULL), *lang = cli_get(cmd, a, "lang", NULL),
               *spec = cli_get(cmd, a, "tokenizer", NULL);
    const char *why = NULL;
    trn_config tc;
    trn_config_default(&tc);
    tc.seq = 64;
    tc.lr = 1e-3;
    size_t steps = 200, every = 0, warm = 10, seed = 1;
    const char *v;
    if (a->npos > 0)
        why = "unexpected argument";
    else if (!cname || !lang || !spec)
        why = "needs -c CORPUS -l LANG -t SPEC";
    else if ((v = cli_get(cmd, a, "steps", NULL)) && parse_size(v, 1, 10000000, &steps))
        why = "--steps must be an integer in 1..10000000";
    else if ((v = cli_get(cmd, a, "batch", NULL)) && parse_size(v, 1, 4096, &tc.batch))
        why = "--batch must be an integer in 1..4096";
    else if ((v = cli_get(cmd, a, "seq", NULL)) && parse_size(v, 1, 1000000, &tc.seq))
        why = "--seq must be an integer in 1..1000000";
    else if ((v = cli_get(cmd, a, "warmup", NULL)) && parse_size(v, 0, 10000000, &warm))
        why = "--warmup must be an integer in 0..10000000";
    else if ((v = cli_get(cmd, a, "every", NULL)) && parse_size(v, 1, 10000000, &every))
        why = "--every must be an integer in 1..10000000";
    else if ((v = cli_get(cmd, a, "data-seed", NULL)) && parse_size(v, 0, 2147483647, &seed))
        why = "--data-seed must be an integer in 0..2147483647";
    else if ((v = cli_get(cmd, a, "lr", NULL))) {
        char *end;
        tc.lr = strtod(v, &end);
        if (*end || !(tc.lr > 0) || !isfinite(tc.lr))
            why = "--lr must be a positive number";
    }
    if (!why && warm >= steps)
        why = "--warmup must be below --steps";
    if (why) {
        fprintf(stderr, "tokbench train: %s\nusage: tokbench %s\n", why, cmd->synopsis);
        return TB_EUSAGE;
    }
    tc.warmup_steps = warm;
    tc.decay_steps = steps;
    tc.data_seed = seed;
    if (!every)
        every = steps >= 10 ? steps / 10 : 1;

    tb_error err;
    tb_error_clear(&err);
    tf_config mc;
    if (tf_preset(cli_get(cmd, a, "preset", "tiny"), &mc, &err))
        return cli_fail("train", &err);
    int io = cli_opt_index(cmd, "set");
    for (size_t i = 0; i < a->n[io]; i++)
        if (tf_config_set(&mc, a->v[io][i], &err))
            return cli_fail("train", &err);
    /* -o: refused before any work, like run's */
    char real[4096], odir[4096], obase[256];
    const char *out_dir = cli_get(cmd, a, "out", NULL);
    if (out_dir) {
        out_dir = cli_out_path(out_dir, real, sizeof real);
        if (cli_split_path(out_dir, odir, sizeof odir, obase, sizeof obase, &err) ||
            cli_check_out_dir(out_dir, 0, &err))
            return cli_fail("train", &err);
        cli_clean_stale("train", odir, obase);
    }

    corpus *c = NULL;
    tokenizer *t = NULL;
    trn *tr = NULL;
    results *res = NULL;
    uint32_t *stream = NULL, *test = NULL, *ids = NULL, *tg = NULL;
    unsigned char *use_train = NULL, *use_test = NULL;
    int rc = cli_open_corpus(cmd, a, cname, &c, &err);
    int li = rc ? -1 : corpus_find_lang(c, lang);
    if (rc == TB_OK && li < 0)
        rc = tb_fail(&err, TB_EUSAGE, "corpus '%s' has no language '%s'", corpus_name(c), lang);
    tokenizer_ctx ctx = rc ? cli_tokenizer_ctx(NULL, -1) : cli_tokenizer_ctx(c, li);
    if (rc == TB_OK)
        rc = tokenizer_new(spec, &ctx, &t, &err);
    size_t n = 0, nt = 0, nseg = 0, nseg_test = 0;
    uint32_t vmax = 0, vmax_test = 0;
    double en_bytes = 0, t0 = tb_now();
    if (rc == TB_OK)
        rc = encode_split(t, c, (size_t)li, CORPUS_TRAIN, &stream, &n, &vmax, &nseg, &err);
    if (rc == TB_OK)
        rc = encode_split(t, c, (size_t)li, CORPUS_TEST, &test, &nt, &vmax_test, &nseg_test,
                          &err);
    if (rc == TB_OK)
        rc = stage_ngram_split(c, &use_train, &use_test, &en_bytes, &err);
    if (rc == TB_OK) {
        size_t vs = tokenizer_vocab_size(t);
        vmax = vmax_test > vmax ? vmax_test : vmax;
        uint32_t sep = vs >= 0x110000 ? vmax + 1 : (uint32_t)vs; /* one past the ids */
        mc.vocab = (size_t)sep + 1;
        for (size_t i = 0; i < n; i++)
            stream[i] = stream[i] == SEP_PLACEHOLDER ? sep : stream[i];
        for (size_t i = 0; i < nt; i++)
            test[i] = test[i] == SEP_PLACEHOLDER ? sep : test[i];
        if (n <= tc.seq || nt <= tc.seq)
            rc = tb_fail(&err, TB_EINPUT,
                         "corpus '%s', %s, %s: %zu %s tokens with separators, fewer than a "
                         "window of %zu + 1",
                         corpus_name(c), lang, spec, n <= tc.seq ? n : nt,
                         n <= tc.seq ? "train" : "test", tc.seq);
    }
    if (rc == TB_OK)
        rc = trn_new(&mc, &tc, &tr, &err);
    size_t nb = tc.batch * tc.seq;
    if (rc == TB_OK) {
        ids = tb_malloc(nb * sizeof *ids, &err);
        tg = tb_malloc(nb * sizeof *tg, &err);
        if (!ids || !tg)
            rc = TB_EINPUT;
    }
    if (rc == TB_OK)
        rc = results_new(&res, &err);
    if (rc) {
        rc = cli_fail("train", &err);
        goto out;
    }
    const char *cn = corpus_name(c), *tn = tokenizer_name(t);
    double t_enc = tb_now() - t0;
    printf("train: corpus %s, %s, %s: %zu train tokens, %zu test tokens, with a separator "
           "before and after each of %zu and %zu segments (encoded in %.2f s), vocab %zu\n",
           cn, lang, tn, n, nt, nseg, nseg_test, t_enc, mc.vocab);
    printf("model: d_model %zu, %zu layers, %zu heads, d_ff %zu, context %zu, %s, %zu "
           "parameters; batch %zu x %zu, %zu steps, lr %g, warm-up %zu, data seed %zu\n",
           mc.d_model, mc.n_layers, mc.n_heads, mc.d_ff, mc.context,
           mc.tied ? "tied" : "untied", tf_config_params(&mc), tc.batch, tc.seq, steps, tc.lr,
           warm, seed);
    printf("%8s %10s %10s %10s %10s %12s %10s\n", "step", "loss", "mean", "test_loss",
           "bits/en_B", "lr", "grad_norm");
    double sum = 0, mean = 0, dt = 0, test_loss = 0, bpeb = 0;
    size_t since = 0;
    trn_eval_result ev = {0};
    char metric[64];
#define ROW(split, name, value, unit)                                                          \
    (rc = rc ? rc : results_add(res, cn, split, lang, tn, name, value, unit, &err))
    for (size_t s = 0; s < steps; s++) {
        trn_step_info info;
        double ts = tb_now();
        rc = trn_sample(&tc, stream, n, s, ids, tg, &err);
        if (rc == TB_OK)
            rc = trn_step(tr, ids, tg, &info, &err);
        dt += tb_now() - ts;
        if (rc) {
            fflush(stdout);
            rc = cli_fail("train", &err);
            goto out;
        }
        sum += info.loss;
        since++;
        if (s == 0 || (s + 1) % every == 0 || s + 1 == steps) {
            mean = sum / (double)since;
            rc = trn_eval(tr, test, nt, &ev, &err);
            test_loss = ev.nats / (double)ev.targets;
            bpeb = en_bytes > 0 ? ev.nats / log(2.0) / en_bytes : 0;
            snprintf(metric, sizeof metric, "train_curve_loss@%zu", s + 1);
            ROW("train", metric, mean, "nats/token");
            ROW("test", metric, test_loss, "nats/token");
            snprintf(metric, sizeof metric, "train_curve_bits_per_en_byte@%zu", s + 1);
            if (en_bytes > 0)
                ROW("test", metric, bpeb, "bits/byte");
            if (rc) {
                fflush(stdout);
                rc = cli_fail("train", &err);
                goto out;
            }
            char bcol[32] = "-";
            if (en_bytes > 0)
                snprintf(bcol, sizeof bcol, "%.4f", bpeb);
            printf("%8zu %10.4f %10.4f %10.4f %10s %12.4e %10.4f\n", s + 1, info.loss, mean,
                   test_loss, bcol, info.lr, info.grad_norm);
            sum = 0;
            since = 0;
        }
    }
    trn_memory m;
    trn_memory_get(tr, &m);
    const trn_stats *st = trn_stats_get(tr);
    double gf = 0, ef = 0, gs = 0, os = 0;
    for (int p = 0; p < TRN_NPHASES; p++) {
        gf += st->gemm_flops[p];
        ef += st->elem_flops[p];
        gs += st->gemm_s[p];
        os += st->other_s[p];
    }
    tf_mem am;
    tf_cost_memory(&mc, tc.seq, &am);
    double analytic = 4 * (am.params_embed + am.params_layers) + (double)tc.batch * am.activations;
    ROW("test", "train_loss", test_loss, "nats/token");
    ROW("test", "train_bits_per_token", test_loss / log(2.0), "bits/token");
    if (en_bytes > 0)
        ROW("test", "train_bits_per_en_byte", bpeb, "bits/byte");
    ROW("test", "train_eval_targets", (double)ev.targets, "tokens");
    ROW("train", "train_loss", mean, "nats/token");
    ROW("train", "train_steps", (double)steps, "steps");
    ROW("train", "train_tokens_seen", (double)(steps * nb), "tokens");
    ROW("train", "train_vocab", (double)mc.vocab, "types");
    ROW("train", "train_flops", gf + ef, "FLOPs");
    ROW("train", "train_flops_gemm_share", gf / (gf + ef), "ratio");
    ROW("train", "train_bytes_peak_measured", (double)m.total, "bytes");
    ROW("train", "train_bytes_analytic", analytic, "bytes");
    ROW("train", "train_s", dt, "s");
    ROW("train", "train_gemm_time_share", gs + os > 0 ? gs / (gs + os) : 0, "time_ratio");
#undef ROW
    if (rc == TB_OK && out_dir) {
        afolder set;
        char path[4200];
        rc = afolder_open(&set, out_dir, &err);
        if (rc == TB_OK) {
            snprintf(path, sizeof path, "%s/results.csv", set.tmp);
            rc = results_save_csv(res, path, &err);
            if (rc == TB_OK)
                rc = afolder_commit(&set, &err);
            afolder_abort(&set);
        }
    }
    if (rc) {
        rc = cli_fail("train", &err);
        goto out;
    }
    printf("memory: %.1f MB (weights %.1f, gradients %.1f, Adam m+v %.1f, activations %.1f, "
           "backward scratch %.1f, model cache %.1f)\n",
           m.total / 1e6, m.weights / 1e6, m.grads / 1e6, (m.adam_m + m.adam_v) / 1e6,
           m.activations / 1e6, m.act_grads / 1e6, m.model_other / 1e6);
    printf("time: %.2f s, %.1f ms a step, %.0f tokens/s\n", dt, dt * 1e3 / (double)steps,
           (double)(steps * nb) / dt);
    if (out_dir)
        printf("wrote %s/results.csv (%zu rows)\n", out_dir, results_count(res));
out:
    free(stream);
    free(test);
    free(use_train);
    free(use_test);
    free(ids);
    free(tg);
    results_free(res);
    trn_free(tr);
    tokenizer_free(t);
    corpus_free(c);
    return rc;
}
