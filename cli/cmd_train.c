/* cmd_train.c - `tokbench train`: trains the reference transformer
 * (model/train.h) on the train split of one (corpus, language, tokenizer)
 * and prints the loss at every checkpoint. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tb.h"
#include "../common/timer.h"
#include "../corpora/corpus.h"
#include "../model/train.h"
#include "../model/transformer.h"
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
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command train_cmd = {
    "train",
    "train -c CORPUS -l LANG -t SPEC [--preset NAME] [--set KEY=VALUE]... [-n STEPS] "
    "[-b B] [--seq T] [--lr RATE] [--warmup N] [--every N] [--data-seed N]",
    "Train the reference transformer on a corpus's train split; loss per checkpoint.",
    "Encodes every train-split segment of LANG with SPEC, each segment alone, and\n"
    "concatenates the ids in corpus order (no separator) into one stream. Each step\n"
    "takes B windows of T + 1 tokens at seeded random offsets (inputs and next-id\n"
    "targets), runs the forward, the mean cross-entropy, the backward and one AdamW\n"
    "update (model/train.h: betas 0.9 / 0.95, eps 1e-8, weight decay 0.1 on matrices\n"
    "only, gradients clipped to global norm 1, linear warm-up then cosine decay to\n"
    "0.1 x the rate at the last step). The vocabulary is the tokenizer's, except for\n"
    "a code-space scheme (chars: 0x110000 entries or more), where it is 1 + the\n"
    "largest id of the stream. One thread of ours plus OpenBLAS's threads\n"
    "(OPENBLAS_NUM_THREADS=1: bit-identical losses run to run).\n"
    "\n"
    "Prints one line per checkpoint: step, the loss of that step, the mean loss\n"
    "since the previous checkpoint, the learning rate and the gradient norm; then\n"
    "the memory of the trainer and the time. A loss that becomes NaN or infinite,\n"
    "or after the warm-up exceeds 3 x the first step's loss, stops with exit\n"
    "status 3 naming the step.",
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

/* The train-split ids of language li, concatenated; *vmax the largest id. */
static int encode_split(const tokenizer *t, const corpus *c, size_t li, uint32_t **out,
                        size_t *n, uint32_t *vmax, tb_error *err)
{
    size_t cap = 1 << 16, len = 0, scap = 0;
    uint32_t *ids = tb_malloc(cap * sizeof *ids, err), *seg = NULL;
    if (!ids)
        return TB_EINPUT;
    *vmax = 0;
    for (size_t s = 0; s < corpus_n_segments(c); s++) {
        if (!corpus_in_split(c, s, CORPUS_TRAIN))
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
        if (len + nt > cap) {
            while (len + nt > cap)
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

    corpus *c = NULL;
    tokenizer *t = NULL;
    trn *tr = NULL;
    uint32_t *stream = NULL, *ids = NULL, *tg = NULL;
    int rc = cli_open_corpus(cmd, a, cname, &c, &err);
    int li = rc ? -1 : corpus_find_lang(c, lang);
    if (rc == TB_OK && li < 0)
        rc = tb_fail(&err, TB_EUSAGE, "corpus '%s' has no language '%s'", corpus_name(c), lang);
    tokenizer_ctx ctx = rc ? cli_tokenizer_ctx(NULL, -1) : cli_tokenizer_ctx(c, li);
    if (rc == TB_OK)
        rc = tokenizer_new(spec, &ctx, &t, &err);
    size_t n = 0;
    uint32_t vmax = 0;
    double t0 = tb_now();
    if (rc == TB_OK)
        rc = encode_split(t, c, (size_t)li, &stream, &n, &vmax, &err);
    if (rc == TB_OK) {
        size_t vs = tokenizer_vocab_size(t);
        mc.vocab = vs >= 0x110000 ? (size_t)vmax + 1 : vs;
        if (n <= tc.seq)
            rc = tb_fail(&err, TB_EINPUT,
                         "corpus '%s', %s, %s: %zu train tokens, fewer than a window of %zu + 1",
                         corpus_name(c), lang, spec, n, tc.seq);
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
    if (rc) {
        rc = cli_fail("train", &err);
        goto out;
    }
    double t_enc = tb_now() - t0;
    printf("train: corpus %s, %s, %s: %zu train tokens (encoded in %.2f s), vocab %zu\n",
           corpus_name(c), lang, tokenizer_name(t), n, t_enc, mc.vocab);
    printf("model: d_model %zu, %zu layers, %zu heads, d_ff %zu, context %zu, %s, %zu "
           "parameters; batch %zu x %zu, %zu steps, lr %g, warm-up %zu, data seed %zu\n",
           mc.d_model, mc.n_layers, mc.n_heads, mc.d_ff, mc.context,
           mc.tied ? "tied" : "untied", tf_config_params(&mc), tc.batch, tc.seq, steps, tc.lr,
           warm, seed);
    printf("%8s %10s %10s %12s %10s\n", "step", "loss", "mean", "lr", "grad_norm");
    double sum = 0, t_train = tb_now();
    size_t since = 0;
    for (size_t s = 0; s < steps; s++) {
        trn_step_info info;
        rc = trn_sample(&tc, stream, n, s, ids, tg, &err);
        if (rc == TB_OK)
            rc = trn_step(tr, ids, tg, &info, &err);
        if (rc) {
            fflush(stdout);
            rc = cli_fail("train", &err);
            goto out;
        }
        sum += info.loss;
        since++;
        if (s == 0 || (s + 1) % every == 0 || s + 1 == steps) {
            printf("%8zu %10.4f %10.4f %12.4e %10.4f\n", s + 1, info.loss, sum / (double)since,
                   info.lr, info.grad_norm);
            sum = 0;
            since = 0;
        }
    }
    double dt = tb_now() - t_train;
    trn_memory m;
    trn_memory_get(tr, &m);
    printf("memory: %.1f MB (weights %.1f, gradients %.1f, Adam m+v %.1f, activations %.1f, "
           "backward scratch %.1f, model cache %.1f)\n",
           m.total / 1e6, m.weights / 1e6, m.grads / 1e6, (m.adam_m + m.adam_v) / 1e6,
           m.activations / 1e6, m.act_grads / 1e6, m.model_other / 1e6);
    printf("time: %.2f s, %.1f ms a step, %.0f tokens/s\n", dt, dt * 1e3 / (double)steps,
           (double)(steps * nb) / dt);
out:
    free(stream);
    free(ids);
    free(tg);
    trn_free(tr);
    tokenizer_free(t);
    corpus_free(c);
    return rc;
}
