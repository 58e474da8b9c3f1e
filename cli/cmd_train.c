/* cmd_train.c - `tokbench train`: the measured-training stage
 * (bench/stage_train.h) for each language and tokenizer given, the curve
 * printed, and with -o the train_* rows in DIR/results.csv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bench/stage_train.h"
#include "../common/afile.h"
#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../model/roofline.h"
#include "../model/train.h"
#include "../model/transformer.h"
#include "../results/results.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"

static const cli_opt train_opts[] = {
    {"corpus", 'c', "CORPUS", "corpus whose train split is the training text"},
    {"lang", 'l', "LANG", "a language of that corpus (repeatable; default: every language)"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (repeatable; trained ones train on the same split)"},
    {"preset", 'p', "NAME", "model preset: tiny (default), small, base"},
    {"set", 's', "KEY=VALUE", "override a model field: d_model n_layers n_heads context d_ff "
                              "tied seed"},
    {"steps", 'n', "N", "optimizer steps (default 200)"},
    {"budget", 0, "FLOPS", "as many steps as FLOPS buys (e.g. 2e12), the same for every run"},
    {"tokens", 0, "N", "as many steps as it takes to see N tokens"},
    {"epochs", 0, "E", "as many steps as E passes over the train stream take"},
    {"batch", 'b', "B", "sequences per step (default 4)"},
    {"seq", 0, "T", "tokens per sequence, at most the context (default 64)"},
    {"lr", 0, "RATE", "peak learning rate (default 1e-3)"},
    {"warmup", 0, "N", "warm-up steps (default steps / 20)"},
    {"checkpoints", 0, "N", "evaluations: step 1, then every steps / N (default 10)"},
    {"every", 0, "N", "a checkpoint every N steps instead"},
    {"eval-bytes", 0, "N", "evaluate on the first test segments within N English bytes "
                           "(default: the whole test split)"},
    {"target", 0, "BITS", "bits per English byte whose FLOPs and seconds to reach are rows; "
                          "'en': English's final value with the same tokenizer"},
    {"data-seed", 0, "N", "seed of the batch order (default 1)"},
    {"out", 'o', "DIR", "write DIR/results.csv: the train_* rows (replaced whole)"},
    {"hardware", 0, "FILE", "profiles and dims of the 7B projection rows (default "
                            "model/hardware.tsv, env TOKBENCH_HARDWARE)"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command train_cmd = {
    "train",
    "train -c CORPUS -t SPEC... [-l LANG]... [--preset NAME] [--set KEY=VALUE]... "
    "[-n STEPS | --budget FLOPS | --tokens N | --epochs E] [-b B] [--seq T] [--lr RATE] "
    "[--warmup N] [--checkpoints N | --every N] [--eval-bytes N] [--target BITS] "
    "[--data-seed N] [-o DIR]",
    "Train the reference transformer on a train split; test loss per checkpoint.",
    "For each language (-l, default every language of the corpus) and each SPEC,\n"
    "in that order: encodes every segment of the language with SPEC, each segment\n"
    "alone, and joins the train split's ids in corpus order into one stream, a\n"
    "reserved separator id before the first segment and after every segment (SEP s1\n"
    "SEP s2 ... SEP), so the model sees where a segment ends and the first token of\n"
    "a segment is predicted after a separator, never from the end of the segment\n"
    "before as if it continued it. The test split makes a second stream the same\n"
    "way.\n"
    "\n"
    "Vocabulary, for every scheme alike: the ids the language's train and test\n"
    "streams use, renumbered in id order, plus the separator (train_vocab). A\n"
    "production vocabulary of 100k-200k entries would otherwise make a small\n"
    "model's output layer most of its cost while most of its rows are never a\n"
    "target. The full vocabulary's cost for the same steps is stated beside it\n"
    "(train_vocab_full, train_flops_full_vocab, train_bytes_analytic_full_vocab),\n"
    "except for chars, whose code space is no vocabulary.\n"
    "\n"
    "Budget: -n steps (default 200); --budget FLOPS gives every run the steps that\n"
    "FLOPS buys (floor(FLOPS / the FLOPs of one step), so a larger vocabulary gets\n"
    "fewer steps: equal compute); --tokens N the steps to see N tokens; --epochs E\n"
    "the steps of E passes over the train stream (equal content). Each step takes B\n"
    "windows of T + 1 tokens at seeded random offsets (inputs and next-id targets),\n"
    "runs the forward, the mean cross-entropy, the backward and one AdamW update\n"
    "(model/train.h: betas 0.9 / 0.95, eps 1e-8, weight decay 0.1 on matrices only,\n"
    "gradients clipped to global norm 1, linear warm-up (default steps / 20) then\n"
    "cosine decay to 0.1 x the rate at the last step). One thread of ours plus\n"
    "OpenBLAS's threads (OPENBLAS_NUM_THREADS=1: bit-identical losses run to run).\n"
    "\n"
    "Checkpoints: step 1, every steps / N steps (--checkpoints N, default 10; or\n"
    "--every N) and the last step. Each evaluates the model, forward only, on the\n"
    "evaluation set: the whole test split, or with --eval-bytes N the first test\n"
    "segments in corpus order whose English bytes stay within N (the same segments\n"
    "for every language and tokenizer, so the content is the same). Windows of T +\n"
    "1 ids at 0, T, 2T, ... so that every id after the first is a target exactly\n"
    "once (the separators too: ending a segment is part of the text); the (n - 1)\n"
    "mod T targets a last partial window would hold are scored by one window ending\n"
    "at the stream's end, counting only those. test_loss = nats / targets;\n"
    "bits_per_en_byte = total bits / UTF-8 bytes of the English segments evaluated\n"
    "('-' without English). --target BITS adds the FLOPs and seconds at which the\n"
    "test bits per English byte first reach BITS (linear between the two\n"
    "checkpoints that cross it; no row when never reached); --target en takes as\n"
    "BITS the value English reaches at its last step with the same tokenizer\n"
    "(English is trained first): the compute another language needs to learn the\n"
    "same content as well as English does with the budget.\n"
    "\n"
    "Prints per run a plan (tokens, segments, vocabulary, steps, FLOPs a step) and\n"
    "one line per checkpoint: step, the loss of that step, the mean loss since the\n"
    "previous checkpoint, the test loss, the test bits per English byte, the FLOPs\n"
    "and seconds so far, the learning rate and the gradient norm. A loss that\n"
    "becomes NaN or infinite, or after the warm-up exceeds 3 x the first step's\n"
    "loss, stops with exit status 3 naming the step.\n"
    "\n"
    "With -o DIR the rows of every run go to DIR/results.csv (corpus, split, LANG,\n"
    "the tokenizer's name; docs/DESIGN.md 'Metrics'). Split test: train_loss\n"
    "(nats/token), train_bits_per_token, train_bits_per_en_byte (bits/byte),\n"
    "train_eval_targets (tokens: the evaluated tokens plus one separator per\n"
    "segment), train_eval_segments, train_eval_en_bytes, the curve\n"
    "train_curve_loss@STEP and train_curve_bits_per_en_byte@STEP, and with a target\n"
    "train_target_bits_per_en_byte, train_flops_to_target, train_s_to_target (s).\n"
    "Split train: train_loss and train_curve_loss@STEP (mean step loss since the\n"
    "previous checkpoint), train_curve_flops@STEP, train_curve_s@STEP (s),\n"
    "train_steps, train_tokens_seen (steps x B x T), train_epochs_seen,\n"
    "train_vocab (types, with the separator), train_flops (FLOPs counted by the\n"
    "trainer), train_flops_gemm_share (ratio), train_bytes_peak_measured (bytes:\n"
    "everything trn_new allocates), train_bytes_analytic (bytes: 16 a parameter +\n"
    "B x the activations of model/cost.h at T), the full-vocabulary rows, with\n"
    "--budget train_budget_flops, on paper train_proj_flops_<m> and\n"
    "train_proj_gpu_hours_<m>_<hw> (these windows and the full vocabulary on the 7B\n"
    "dims llama2-7b, qwen2-7b, on every datasheet profile: an extrapolation of the\n"
    "count, not a measurement), and the timing rows train_s (s, the steps' wall\n"
    "time, evaluation excluded) and train_gemm_time_share (time_ratio). With one\n"
    "OpenBLAS thread every row but the timing ones is identical run to run. DIR is\n"
    "written as DIR.tmp.PID and switched in place at the end; a train that fails\n"
    "writes nothing (DIR keeps what it held). DIR must be absent, empty or hold\n"
    "results.csv or REPORT.md (else exit 3 before any work).",
    train_opts,
    NULL,
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

/* A finite number > 0 (>= 0 with zero_ok) into *out: 0, else -1. */
static int parse_pos(const char *s, int zero_ok, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < 0 || (v == 0 && !zero_ok))
        return -1;
    *out = v;
    return 0;
}

static void print_plan(void *ud, const stage_train_plan *p)
{
    (void)ud;
    char full[64] = "";
    if (p->vocab_full)
        snprintf(full, sizeof full, " (full vocabulary %zu)", p->vocab_full);
    printf("  %zu train tokens, %zu evaluation tokens with separators (%zu train, %zu of %zu "
           "test segments",
           p->train_tokens, p->test_tokens, p->train_segments, p->eval_segments,
           p->test_segments);
    if (p->eval_en_bytes > 0)
        printf(", %.0f English bytes", p->eval_en_bytes);
    printf("); vocab %zu used ids + separator%s\n", p->vocab, full);
    printf("  model: d_model %zu, %zu layers, %zu heads, d_ff %zu, context %zu, %s, %zu "
           "parameters; batch %zu x %zu, %zu steps of %.4g FLOPs, lr %g, warm-up %zu, data "
           "seed %llu\n",
           p->model->d_model, p->model->n_layers, p->model->n_heads, p->model->d_ff,
           p->model->context, p->model->tied ? "tied" : "untied", tf_config_params(p->model),
           p->tc->batch, p->tc->seq, p->steps, p->flops_per_step, p->tc->lr, p->warmup,
           (unsigned long long)p->tc->data_seed);
    printf("%8s %10s %10s %10s %10s %11s %9s %12s %10s\n", "step", "loss", "mean", "test_loss",
           "bits/en_B", "FLOPs", "s", "lr", "grad_norm");
    fflush(stdout);
}

static void print_point(void *ud, const stage_train_point *p)
{
    (void)ud;
    char bcol[32] = "-";
    if (p->bits_per_en_byte > 0)
        snprintf(bcol, sizeof bcol, "%.4f", p->bits_per_en_byte);
    printf("%8zu %10.4f %10.4f %10.4f %10s %11.4g %9.2f %12.4e %10.4f\n", p->step, p->loss,
           p->mean, p->test_loss, bcol, p->flops, p->seconds, p->lr, p->grad_norm);
    fflush(stdout);
}

static void print_done(void *ud, const trn_memory *m, double dt, size_t steps, size_t tokens)
{
    (void)ud;
    printf("memory: %.1f MB (weights %.1f, gradients %.1f, Adam m+v %.1f, activations %.1f, "
           "backward scratch %.1f, model cache %.1f)\n",
           m->total / 1e6, m->weights / 1e6, m->grads / 1e6, (m->adam_m + m->adam_v) / 1e6,
           m->activations / 1e6, m->act_grads / 1e6, m->model_other / 1e6);
    printf("time: %.2f s, %.1f ms a step, %.0f tokens/s\n", dt, dt * 1e3 / (double)steps,
           (double)tokens / dt);
    fflush(stdout);
}

int cmd_train(const cli_args *a)
{
    const cli_command *cmd = &train_cmd;
    int il = cli_opt_index(cmd, "lang"), it = cli_opt_index(cmd, "tokenizer");
    const char *cname = cli_get(cmd, a, "corpus", NULL);
    const char *why = NULL;
    stage_train_config sc;
    stage_train_config_init(&sc);
    size_t steps = 200, seed = 1, nbudget = 0;
    const char *v;
    if (a->npos > 0)
        why = "unexpected argument";
    else if (!cname || !a->n[it])
        why = "needs -c CORPUS and -t SPEC";
    else if ((v = cli_get(cmd, a, "steps", NULL)) && (nbudget++, parse_size(v, 1, 10000000, &steps)))
        why = "--steps must be an integer in 1..10000000";
    else if ((v = cli_get(cmd, a, "budget", NULL)) &&
             (nbudget++, sc.kind = STAGE_TRAIN_FLOPS, parse_pos(v, 0, &sc.budget)))
        why = "--budget must be a positive number of FLOPs (e.g. 2e12)";
    else if ((v = cli_get(cmd, a, "tokens", NULL)) &&
             (nbudget++, sc.kind = STAGE_TRAIN_TOKENS, parse_pos(v, 0, &sc.budget)))
        why = "--tokens must be a positive number";
    else if ((v = cli_get(cmd, a, "epochs", NULL)) &&
             (nbudget++, sc.kind = STAGE_TRAIN_EPOCHS, parse_pos(v, 0, &sc.budget)))
        why = "--epochs must be a positive number";
    else if (nbudget > 1)
        why = "give one of -n, --budget, --tokens, --epochs";
    else if ((v = cli_get(cmd, a, "batch", NULL)) && parse_size(v, 1, 4096, &sc.tc.batch))
        why = "--batch must be an integer in 1..4096";
    else if ((v = cli_get(cmd, a, "seq", NULL)) && parse_size(v, 1, 1000000, &sc.tc.seq))
        why = "--seq must be an integer in 1..1000000";
    else if ((v = cli_get(cmd, a, "warmup", NULL)) &&
             (sc.warmup_set = 1, parse_size(v, 0, 10000000, &sc.tc.warmup_steps)))
        why = "--warmup must be an integer in 0..10000000";
    else if ((v = cli_get(cmd, a, "checkpoints", NULL)) &&
             parse_size(v, 1, 10000000, &sc.checkpoints))
        why = "--checkpoints must be an integer in 1..10000000";
    else if ((v = cli_get(cmd, a, "every", NULL)) && parse_size(v, 1, 10000000, &sc.every))
        why = "--every must be an integer in 1..10000000";
    else if ((v = cli_get(cmd, a, "eval-bytes", NULL)) && parse_pos(v, 0, &sc.eval_bytes))
        why = "--eval-bytes must be a positive number";
    else if ((v = cli_get(cmd, a, "target", NULL)) && strcmp(v, "en") == 0)
        sc.target_en = 1;
    else if (v && parse_pos(v, 0, &sc.target))
        why = "--target must be a positive number of bits per English byte";
    else if ((v = cli_get(cmd, a, "data-seed", NULL)) && parse_size(v, 0, 2147483647, &seed))
        why = "--data-seed must be an integer in 0..2147483647";
    else if ((v = cli_get(cmd, a, "lr", NULL)) && parse_pos(v, 0, &sc.tc.lr))
        why = "--lr must be a positive number";
    if (!why && sc.kind == STAGE_TRAIN_STEPS) {
        sc.budget = (double)steps;
        if (sc.warmup_set && sc.tc.warmup_steps >= steps)
            why = "--warmup must be below --steps";
    }
    if (why) {
        fprintf(stderr, "tokbench train: %s\nusage: tokbench %s\n", why, cmd->synopsis);
        return TB_EUSAGE;
    }
    sc.tc.data_seed = seed;
    sc.on_plan = print_plan;
    sc.on_point = print_point;
    sc.on_done = print_done;

    tb_error err;
    tb_error_clear(&err);
    if (tf_preset(cli_get(cmd, a, "preset", "tiny"), &sc.model, &err))
        return cli_fail("train", &err);
    int io = cli_opt_index(cmd, "set");
    for (size_t i = 0; i < a->n[io]; i++)
        if (tf_config_set(&sc.model, a->v[io][i], &err))
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
    results *res = NULL;
    roofline *rf = NULL;
    /* the profiles of the projection rows: a file named (--hardware, env)
     * must load; the default one is used when it is there */
    const char *hw = cli_hardware_path(cmd, a);
    int rc = TB_OK;
    if (strcmp(hw, CLI_DEFAULT_HARDWARE) != 0 || access(hw, F_OK) == 0)
        rc = roofline_new(hw, &rf, &err);
    else
        fprintf(stderr, "tokbench train: no %s here: no train_proj_* rows (--hardware FILE "
                        "names one)\n", hw);
    sc.rf = rf;
    if (rc == TB_OK)
        rc = cli_open_corpus(cmd, a, cname, &c, &err);
    size_t *langs = NULL, nl = 0;
    if (rc == TB_OK && !(langs = tb_calloc(corpus_n_langs(c), sizeof *langs, &err)))
        rc = err.status;
    for (size_t i = 0; rc == TB_OK && i < a->n[il]; i++) {
        int li = corpus_find_lang(c, a->v[il][i]);
        if (li < 0)
            rc = tb_fail(&err, TB_EUSAGE, "corpus '%s' has no language '%s'", corpus_name(c),
                         a->v[il][i]);
        for (size_t j = 0; rc == TB_OK && j < nl; j++)
            if (langs[j] == (size_t)li)
                rc = tb_fail(&err, TB_EUSAGE, "language '%s' given twice", a->v[il][i]);
        if (rc == TB_OK)
            langs[nl++] = (size_t)li; /* distinct, so at most corpus_n_langs */
    }
    for (size_t i = 0; rc == TB_OK && !a->n[il] && i < corpus_n_langs(c); i++)
        langs[nl++] = i;
    /* --target en: the pivot first, its final value the others' target */
    int en = rc ? -1 : corpus_pivot(c);
    if (sc.target_en)
        stage_train_pivot_first(langs, nl, en);
    double en_final[64] = {0};
    for (size_t i = 0; rc == TB_OK && i < a->n[it]; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->v[it][i], a->v[it][j]) == 0)
                rc = tb_fail(&err, TB_EUSAGE, "tokenizer '%s' given twice", a->v[it][i]);
    if (rc == TB_OK)
        rc = results_new(&res, &err);
    for (size_t l = 0; l < nl && rc == TB_OK; l++) {
        for (size_t k = 0; k < a->n[it] && rc == TB_OK; k++) {
            tokenizer *t = NULL;
            token_streams ts;
            uint32_t *ids = NULL;
            size_t *first = NULL;
            tokenizer_ctx ctx = cli_tokenizer_ctx(c, (int)langs[l]);
            rc = tokenizer_new(a->v[it][k], &ctx, &t, &err);
            if (rc == TB_OK)
                rc = stage_train_encode(t, c, langs[l], &ts, &ids, &first, &err);
            if (rc == TB_OK) {
                printf("train: corpus %s, %s, %s\n", corpus_name(c), corpus_lang(c, langs[l]),
                       tokenizer_name(t));
                fflush(stdout);
                stage_train_config lc = stage_train_for_lang(&sc, (int)langs[l] == en, en_final[k]);
                stage_train_result tr;
                rc = stage_train_rows(c, langs[l], t, &ts, &lc, res, &tr, &err);
                if ((int)langs[l] == en)
                    en_final[k] = tr.bits_per_en_byte;
            }
            free(ids);
            free(first);
            tokenizer_free(t);
        }
    }
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
        fflush(stdout);
        rc = cli_fail("train", &err);
    } else if (out_dir) {
        printf("wrote %s/results.csv (%zu rows)\n", out_dir, results_count(res));
    }
    free(langs);
    results_free(res);
    corpus_free(c);
    roofline_free(rf);
    return rc;
}
