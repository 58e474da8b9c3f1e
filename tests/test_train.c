/* test_train.c - the reference trainer (model/train.h): gradients against
 * central finite differences of an independent double-precision forward,
 * parity with PyTorch (tests/train/torch_gpt.py), forward = the inference
 * forward, bit-identical loss curves, overfitting a repeated sequence, the
 * NaN and divergence stops, measured memory = analytic, counted FLOPs =
 * analytic.
 *
 * Also the benchmark program behind perf/train.sh:
 *   test_train --bench [PRESET B T V REPEATS]   (default small 4 256 8192 3)
 * prints key=value lines: one training step's time split by phase, its GEMM
 * GFLOP/s and raw sgemm on the same shapes in the same run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/spawn.h"
#include "../common/timer.h"
#include "../model/cost.h"
#include "../model/train.h"
#include "../model/transformer.h"

/* ---- helpers ------------------------------------------------------------ */

/* The finite-difference configuration: V 11, d 8, 2 layers, 2 heads, T 5,
 * B 2 (context 8, so Wpe has rows no position uses: their gradient is 0). */
static void tiny_configs(tf_config *mc, trn_config *tc, int tied)
{
    memset(mc, 0, sizeof *mc);
    mc->vocab = 11;
    mc->d_model = 8;
    mc->n_layers = 2;
    mc->n_heads = 2;
    mc->context = 8;
    mc->d_ff = 32;
    mc->tied = tied;
    mc->seed = 7;
    trn_config_default(tc);
    tc->batch = 2;
    tc->seq = 5;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) * 0x1.0p-53; }

/* Replaces the initialisation by larger weights, so that attention is far
 * from uniform, GELU far from linear and every gradient well above
 * rounding: entries U(-sd, sd) * sqrt(3) (sd standard deviation), LayerNorm
 * gains 1 + that. */
static void randomize(trn *t, double sd, uint64_t seed)
{
    size_t np, nt;
    float *p = trn_params(t, &np);
    const trn_tensor *ts = trn_tensors(t, &nt);
    for (size_t i = 0; i < nt; i++) {
        size_t len = strlen(ts[i].name);
        int gain = len > 2 && strcmp(ts[i].name + len - 2, "_g") == 0;
        for (size_t j = 0; j < ts[i].rows * ts[i].cols; j++)
            p[ts[i].offset + j] =
                (float)((gain ? 1.0 : 0.0) + sd * 1.7320508 * (2 * unif(&seed) - 1));
    }
}

static void random_ids(uint32_t *ids, size_t n, size_t vocab, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        ids[i] = (uint32_t)(lcg(&seed) % vocab);
}

static const trn_tensor *find_tensor(const trn *t, const char *name)
{
    size_t nt;
    const trn_tensor *ts = trn_tensors(t, &nt);
    for (size_t i = 0; i < nt; i++)
        if (strcmp(ts[i].name, name) == 0)
            return &ts[i];
    return NULL;
}

/* ---- an independent double-precision forward ---------------------------- *
 * Naive loops over the parameter block P (tf_params layout, located by the
 * tensor names), exact tanh and exp, returning the mean cross-entropy. It
 * shares no code with train.c; the layout is shared, and checked against
 * the inference forward by test_forward_matches_inference. */

typedef struct ref {
    const trn *t;
    const tf_config *mc;
    size_t B, T;
} ref;

static const double *W(const ref *r, const double *P, const char *fmt, size_t l)
{
    char name[32];
    snprintf(name, sizeof name, fmt, l);
    const trn_tensor *tn = find_tensor(r->t, name);
    assert_non_null(tn);
    return P + tn->offset;
}

static void ref_ln(const double *x, const double *g, const double *b, size_t d, double *y)
{
    double mean = 0, var = 0;
    for (size_t j = 0; j < d; j++)
        mean += x[j];
    mean /= (double)d;
    for (size_t j = 0; j < d; j++)
        var += (x[j] - mean) * (x[j] - mean);
    double rs = 1.0 / sqrt(var / (double)d + 1e-5);
    for (size_t j = 0; j < d; j++)
        y[j] = (x[j] - mean) * rs * g[j] + b[j];
}

/* y (n, k) = x (n, d) w (d, k) + bias */
static void ref_mm(const double *x, const double *w, const double *bias, size_t n, size_t d,
                   size_t k, double *y)
{
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < k; c++) {
            double s = bias ? bias[c] : 0;
            for (size_t j = 0; j < d; j++)
                s += x[i * d + j] * w[j * k + c];
            y[i * k + c] = s;
        }
}

static double ref_loss(const ref *r, const double *P, const uint32_t *ids, const uint32_t *tg)
{
    const tf_config *mc = r->mc;
    size_t T = r->T, d = mc->d_model, f = mc->d_ff, H = mc->n_heads, dh = d / H, V = mc->vocab;
    double *x = malloc(T * d * sizeof *x), *h = malloc(T * d * sizeof *h),
           *qkv = malloc(T * 3 * d * sizeof *qkv), *att = malloc(T * d * sizeof *att),
           *fc = malloc(T * f * sizeof *fc), *p = malloc(T * sizeof *p);
    assert_true(x && h && qkv && att && fc && p);
    const double *wte = W(r, P, "wte", 0), *wpe = W(r, P, "wpe", 0);
    const double *head = mc->tied ? wte : W(r, P, "head", 0);
    double total = 0;
    for (size_t b = 0; b < r->B; b++) {
        const uint32_t *id = ids + b * T, *tgt = tg + b * T;
        for (size_t i = 0; i < T; i++)
            for (size_t j = 0; j < d; j++)
                x[i * d + j] = wte[id[i] * d + j] + wpe[i * d + j];
        for (size_t l = 0; l < mc->n_layers; l++) {
            for (size_t i = 0; i < T; i++)
                ref_ln(x + i * d, W(r, P, "l%zu.ln1_g", l), W(r, P, "l%zu.ln1_b", l), d,
                       h + i * d);
            ref_mm(h, W(r, P, "l%zu.w_qkv", l), W(r, P, "l%zu.b_qkv", l), T, d, 3 * d, qkv);
            for (size_t hd = 0; hd < H; hd++)
                for (size_t i = 0; i < T; i++) {
                    double mx = -INFINITY, sum = 0;
                    for (size_t j = 0; j <= i; j++) {
                        double s = 0;
                        for (size_t e = 0; e < dh; e++)
                            s += qkv[i * 3 * d + hd * dh + e] * qkv[j * 3 * d + d + hd * dh + e];
                        p[j] = s / sqrt((double)dh);
                        mx = p[j] > mx ? p[j] : mx;
                    }
                    for (size_t j = 0; j <= i; j++)
                        sum += (p[j] = exp(p[j] - mx));
                    for (size_t e = 0; e < dh; e++) {
                        double o = 0;
                        for (size_t j = 0; j <= i; j++)
                            o += p[j] / sum * qkv[j * 3 * d + 2 * d + hd * dh + e];
                        att[i * d + hd * dh + e] = o;
                    }
                }
            ref_mm(att, W(r, P, "l%zu.w_o", l), W(r, P, "l%zu.b_o", l), T, d, d, h);
            for (size_t i = 0; i < T * d; i++)
                x[i] += h[i];
            for (size_t i = 0; i < T; i++)
                ref_ln(x + i * d, W(r, P, "l%zu.ln2_g", l), W(r, P, "l%zu.ln2_b", l), d,
                       h + i * d);
            ref_mm(h, W(r, P, "l%zu.w_fc", l), W(r, P, "l%zu.b_fc", l), T, d, f, fc);
            for (size_t i = 0; i < T * f; i++) {
                double v = fc[i];
                fc[i] = 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
            }
            ref_mm(fc, W(r, P, "l%zu.w_pr", l), W(r, P, "l%zu.b_pr", l), T, f, d, h);
            for (size_t i = 0; i < T * d; i++)
                x[i] += h[i];
        }
        for (size_t i = 0; i < T; i++) {
            double y[64];
            assert_true(d <= 64);
            ref_ln(x + i * d, W(r, P, "lnf_g", 0), W(r, P, "lnf_b", 0), d, y);
            double mx = -INFINITY, lg[64], sum = 0;
            assert_true(V <= 64);
            for (size_t v = 0; v < V; v++) {
                double s = 0;
                for (size_t j = 0; j < d; j++)
                    s += y[j] * head[v * d + j];
                lg[v] = s;
                mx = s > mx ? s : mx;
            }
            for (size_t v = 0; v < V; v++)
                sum += exp(lg[v] - mx);
            total += mx + log(sum) - lg[tgt[i]];
        }
    }
    free(x);
    free(h);
    free(qkv);
    free(att);
    free(fc);
    free(p);
    return total / (double)(r->B * T);
}

/* ---- gradients against finite differences ------------------------------- */

/* Every entry of every tensor of the tiny model: the fp32 analytic gradient
 * g against the central difference fd = (L(p + h) - L(p - h)) / 2h of the
 * double forward, h = 1e-5. fd is exact to ~1e-9 (truncation h^2 f''' and
 * rounding 1e-16 / h), so the comparison measures the fp32 gradient's own
 * error: |g - fd| <= 1e-3 |fd| + 2e-5 max|fd of the tensor| + 1e-6. A wrong
 * term (a missing transpose, a sign, a dropped residual) is off by the size
 * of the gradient itself, 100x the tolerance. Rows no token or position
 * uses must come out exactly 0. */
static void check_fd(int tied)
{
    tf_config mc;
    trn_config tc;
    tiny_configs(&mc, &tc, tied);
    tb_error err = {0};
    trn *t;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
    randomize(t, 0.3, 11 + (uint64_t)tied);
    size_t n = tc.batch * tc.seq, np;
    uint32_t ids[10], tg[10];
    random_ids(ids, n, mc.vocab - 1, 3); /* id V-1 never occurs: its Wte row gets no lookup */
    random_ids(tg, n, mc.vocab, 4);
    float loss;
    assert_int_equal(trn_forward(t, ids, tg, &loss, &err), TB_OK);
    assert_int_equal(trn_backward(t, &err), TB_OK);
    const float *g = trn_grads(t, &np);
    const float *p = trn_params(t, &np);
    double *P = malloc(np * sizeof *P);
    assert_non_null(P);
    for (size_t i = 0; i < np; i++)
        P[i] = p[i];
    ref r = {t, &mc, tc.batch, tc.seq};
    double L0 = ref_loss(&r, P, ids, tg);
    assert_true(fabs(L0 - loss) <= 1e-5 * L0);
    size_t nt, checked = 0;
    const trn_tensor *ts = trn_tensors(t, &nt);
    double *fd = malloc(np * sizeof *fd);
    assert_non_null(fd);
    const double hh = 1e-5;
    for (size_t i = 0; i < np; i++) {
        double keep = P[i];
        P[i] = keep + hh;
        double lp = ref_loss(&r, P, ids, tg);
        P[i] = keep - hh;
        double lm = ref_loss(&r, P, ids, tg);
        P[i] = keep;
        fd[i] = (lp - lm) / (2 * hh);
    }
    for (size_t k = 0; k < nt; k++) {
        size_t o = ts[k].offset, cnt = ts[k].rows * ts[k].cols;
        double mx = 0, worst = 0;
        for (size_t j = 0; j < cnt; j++)
            mx = fabs(fd[o + j]) > mx ? fabs(fd[o + j]) : mx;
        assert_true(mx > 1e-6); /* every tensor has a gradient worth checking */
        for (size_t j = 0; j < cnt; j++) {
            double e = fabs((double)g[o + j] - fd[o + j]);
            double tol = 1e-3 * fabs(fd[o + j]) + 2e-5 * mx + 1e-6;
            if (e > tol)
                print_error("%s tied %d: %s[%zu]: analytic %.8g, finite difference %.8g\n",
                            __func__, tied, ts[k].name, j, (double)g[o + j], fd[o + j]);
            assert_true(e <= tol);
            worst = e / (mx + 1e-30) > worst ? e / (mx + 1e-30) : worst;
            checked++;
        }
        if (getenv("TRN_VERBOSE"))
            printf("# %-10s max|fd| %.3g worst err/max %.3g\n", ts[k].name, mx, worst);
    }
    assert_int_equal(checked, np);
    /* rows without a use: Wpe rows T.. (and Wte row V-1 when untied) are exactly 0 */
    const trn_tensor *wpe = find_tensor(t, "wpe");
    for (size_t j = tc.seq * mc.d_model; j < wpe->rows * wpe->cols; j++)
        assert_true(g[wpe->offset + j] == 0.0f);
    if (!tied)
        for (size_t j = 0; j < mc.d_model; j++)
            assert_true(g[(mc.vocab - 1) * mc.d_model + j] == 0.0f);
    free(P);
    free(fd);
    trn_free(t);
}

static void test_gradients_fd_untied(void **state)
{
    (void)state;
    check_fd(0);
}

static void test_gradients_fd_tied(void **state)
{
    (void)state;
    check_fd(1);
}

/* ---- the trainer's forward is the inference forward --------------------- */

/* After a few updates, each sequence's trainer logits equal tf_prefill's on
 * trn_model (the same weights, the same kernels up to summation order):
 * max |diff| <= 1e-5 max |logit|. Checks that the trainer reads the tf
 * layout, and that trained weights are a tf model's weights. */
static void test_forward_matches_inference(void **state)
{
    (void)state;
    for (int tied = 0; tied <= 1; tied++) {
        tf_config mc;
        trn_config tc;
        tb_error err = {0};
        assert_int_equal(tf_preset("tiny", &mc, &err), TB_OK);
        mc.vocab = 97;
        mc.tied = tied;
        trn_config_default(&tc);
        tc.batch = 3;
        tc.seq = 40;
        tc.lr = 1e-3;
        tc.warmup_steps = 0;
        trn *t;
        assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
        size_t n = tc.batch * tc.seq;
        uint32_t *ids = malloc(n * sizeof *ids), *tg = malloc(n * sizeof *tg);
        float *lg = malloc(tc.seq * mc.vocab * sizeof *lg);
        assert_true(ids && tg && lg);
        random_ids(ids, n, mc.vocab, 5);
        random_ids(tg, n, mc.vocab, 6);
        for (int s = 0; s < 3; s++)
            assert_int_equal(trn_step(t, ids, tg, NULL, &err), TB_OK);
        float loss;
        assert_int_equal(trn_forward(t, ids, tg, &loss, &err), TB_OK);
        const float *tl = trn_logits(t);
        for (size_t b = 0; b < tc.batch; b++) {
            assert_int_equal(tf_prefill(trn_model(t), ids + b * tc.seq, tc.seq, 1, lg, &err),
                             TB_OK);
            double num = 0, den = 0;
            for (size_t i = 0; i < tc.seq * mc.vocab; i++) {
                double e = fabs((double)lg[i] - tl[b * tc.seq * mc.vocab + i]);
                num = e > num ? e : num;
                den = fabs((double)lg[i]) > den ? fabs((double)lg[i]) : den;
            }
            assert_true(den > 0 && num <= 1e-5 * den);
        }
        free(ids);
        free(tg);
        free(lg);
        trn_free(t);
    }
}

/* ---- PyTorch ------------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const void *p, size_t bytes)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, bytes, f), bytes);
    assert_int_equal(fclose(f), 0);
}

/* Writes into dir what tests/train/torch_gpt.py rebuilds and compares:
 * meta.txt (the configuration), params0.f32 (the block before), ids.u32,
 * targets.u32 (B, T), and the trainer's logits.f32 (B, T, V), loss.f32,
 * grads.f32 and params1.f32 (after one clipped AdamW step). */
static void dump_step(const char *dir, int tied)
{
    tf_config mc;
    trn_config tc;
    tb_error err = {0};
    memset(&mc, 0, sizeof mc);
    mc.vocab = 64;
    mc.d_model = 32;
    mc.n_layers = 2;
    mc.n_heads = 4;
    mc.context = 20;
    mc.d_ff = 128;
    mc.tied = tied;
    mc.seed = 3;
    trn_config_default(&tc);
    tc.batch = 3;
    tc.seq = 16;
    tc.lr = 1e-2;
    tc.warmup_steps = 0;
    tc.grad_clip = 0.5; /* below the gradient's norm (about 2), so clipping acts */
    trn *t;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
    randomize(t, 0.2, 21 + (uint64_t)tied);
    size_t n = tc.batch * tc.seq, np;
    uint32_t ids[48], tg[48];
    random_ids(ids, n, mc.vocab, 7);
    random_ids(tg, n, mc.vocab, 8);
    float *p = trn_params(t, &np);
    write_file(dir, "params0.f32", p, np * sizeof(float));
    write_file(dir, "ids.u32", ids, sizeof ids);
    write_file(dir, "targets.u32", tg, sizeof tg);
    float loss;
    assert_int_equal(trn_forward(t, ids, tg, &loss, &err), TB_OK);
    write_file(dir, "logits.f32", trn_logits(t), n * mc.vocab * sizeof(float));
    write_file(dir, "loss.f32", &loss, sizeof loss);
    assert_int_equal(trn_backward(t, &err), TB_OK);
    write_file(dir, "grads.f32", trn_grads(t, &np), np * sizeof(float));
    double norm;
    assert_int_equal(trn_update(t, &norm, &err), TB_OK);
    assert_true(norm > tc.grad_clip);
    write_file(dir, "params1.f32", p, np * sizeof(float));
    char meta[1024];
    int len = snprintf(meta, sizeof meta,
                       "vocab %zu\nd_model %zu\nn_layers %zu\nn_heads %zu\ncontext %zu\nd_ff %zu\n"
                       "tied %d\nbatch %zu\nseq %zu\nlr %.17g\nweight_decay %.17g\nbeta1 %.17g\n"
                       "beta2 %.17g\neps %.17g\ngrad_clip %.17g\n",
                       mc.vocab, mc.d_model, mc.n_layers, mc.n_heads, mc.context, mc.d_ff,
                       mc.tied, tc.batch, tc.seq, trn_lr(&tc, 0), tc.weight_decay, tc.beta1,
                       tc.beta2, tc.eps, tc.grad_clip);
    write_file(dir, "meta.txt", meta, (size_t)len);
    trn_free(t);
}

/* torch_gpt.py (CPU, fp32, torch.optim.AdamW, clip_grad_norm_) rebuilds
 * the model from params0 and compares (tolerances in the script): logits,
 * loss, every gradient tensor, every parameter after the step. /usr/bin/
 * python3: the Debian python3-torch; a python3 on PATH may lack torch. */
static void test_torch_parity(void **state)
{
    (void)state;
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    char script[512];
    snprintf(script, sizeof script, "%s/tests/train/torch_gpt.py", root);
    assert_int_equal(access(script, R_OK), 0);
    for (int tied = 0; tied <= 1; tied++) {
        char dir[] = "/tmp/tokbench-train-torch.XXXXXX";
        assert_non_null(mkdtemp(dir));
        dump_step(dir, tied);
        char out[600];
        snprintf(out, sizeof out, "%s/out.txt", dir);
        const char *argv[] = {"/usr/bin/python3", script, "check", dir, NULL};
        tb_spawn_config sc = {.argv = argv, .stdout_path = out, .stderr_to_stdout = 1,
                              .timeout_s = 300};
        tb_spawn_result res;
        tb_error err = {0};
        int rc = tb_spawn_run(&sc, &res, &err);
        char *text = NULL;
        size_t len;
        if (tb_read_file(out, &text, &len, &err) == TB_OK) {
            if (rc || getenv("TRN_VERBOSE"))
                printf("%s", text);
            free(text);
        }
        if (rc)
            print_error("torch_gpt.py (tied %d): %s (needs Debian python3-torch: make deps)\n",
                        tied, err.msg);
        assert_int_equal(rc, TB_OK);
        const char *files[] = {"meta.txt",   "params0.f32", "ids.u32",     "targets.u32",
                               "logits.f32", "loss.f32",    "grads.f32",   "params1.f32",
                               "out.txt"};
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            char path[600];
            snprintf(path, sizeof path, "%s/%s", dir, files[i]);
            unlink(path);
        }
        rmdir(dir);
    }
}

/* ---- determinism, overfitting ------------------------------------------- */

static void run_losses(uint64_t data_seed, float *losses, size_t steps)
{
    tf_config mc;
    trn_config tc;
    tb_error err = {0};
    assert_int_equal(tf_preset("tiny", &mc, &err), TB_OK);
    mc.vocab = 50;
    trn_config_default(&tc);
    tc.batch = 2;
    tc.seq = 32;
    tc.lr = 3e-3;
    tc.warmup_steps = 5;
    tc.decay_steps = steps;
    tc.data_seed = data_seed;
    uint32_t tokens[600], ids[64], tg[64];
    random_ids(tokens, 600, mc.vocab, 9);
    trn *t;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
    for (size_t s = 0; s < steps; s++) {
        assert_int_equal(trn_sample(&tc, tokens, 600, s, ids, tg, &err), TB_OK);
        trn_step_info info;
        assert_int_equal(trn_step(t, ids, tg, &info, &err), TB_OK);
        assert_int_equal(info.step, s);
        losses[s] = info.loss;
    }
    trn_free(t);
}

/* Two runs with the same seeds give bit-identical losses over 20 steps (one
 * thread of ours; OpenBLAS's sgemm is deterministic for a thread count);
 * another data seed gives another curve, so the comparison can fail. */
static void test_deterministic(void **state)
{
    (void)state;
    float a[20], b[20], c[20];
    run_losses(1, a, 20);
    run_losses(1, b, 20);
    run_losses(2, c, 20);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
}

/* One sequence of 16 ids repeated (batch 2, T 32): the model must learn to
 * continue it. Loss from ~ln 50 = 3.9 to below 0.1 of the first in 60 steps,
 * and the tail is lower than the head (measured: about 0.01 of the first). */
static void test_overfit(void **state)
{
    (void)state;
    tf_config mc;
    trn_config tc;
    tb_error err = {0};
    assert_int_equal(tf_preset("tiny", &mc, &err), TB_OK);
    mc.vocab = 50;
    trn_config_default(&tc);
    tc.batch = 2;
    tc.seq = 32;
    tc.lr = 1e-2;
    tc.warmup_steps = 5;
    tc.decay_steps = 60;
    uint32_t tokens[200], ids[64], tg[64];
    uint32_t pattern[16];
    random_ids(pattern, 16, mc.vocab, 12);
    for (size_t i = 0; i < 200; i++)
        tokens[i] = pattern[i % 16];
    trn *t;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
    float first = 0, last = 0, mid = 0;
    for (size_t s = 0; s < 60; s++) {
        assert_int_equal(trn_sample(&tc, tokens, 200, s, ids, tg, &err), TB_OK);
        trn_step_info info;
        assert_int_equal(trn_step(t, ids, tg, &info, &err), TB_OK);
        if (s == 0)
            first = info.loss;
        if (s == 30)
            mid = info.loss;
        last = info.loss;
    }
    if (getenv("TRN_VERBOSE"))
        printf("# overfit: first %.4f, step 30 %.4f, last %.4f\n", first, mid, last);
    assert_true(first > 3.0f);
    assert_true(mid < first);
    assert_true(last < 0.1f * first);
    trn_free(t);
}

/* ---- stops ---------------------------------------------------------------- */

/* A learning rate of 1e4 wrecks the model within a few steps: the step stops
 * with TB_EINPUT and a message naming the step (NaN/inf loss or gradient, or
 * the divergence bound, whichever comes first). */
static void test_huge_lr_stops(void **state)
{
    (void)state;
    tf_config mc;
    trn_config tc;
    tb_error err = {0};
    assert_int_equal(tf_preset("tiny", &mc, &err), TB_OK);
    mc.vocab = 50;
    trn_config_default(&tc);
    tc.batch = 2;
    tc.seq = 16;
    tc.lr = 1e4;
    tc.warmup_steps = 0;
    tc.grad_clip = 0;
    uint32_t tokens[200], ids[32], tg[32];
    random_ids(tokens, 200, mc.vocab, 13);
    trn *t;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
    int rc = TB_OK;
    size_t s;
    for (s = 0; s < 50 && rc == TB_OK; s++) {
        assert_int_equal(trn_sample(&tc, tokens, 200, s, ids, tg, &err), TB_OK);
        rc = trn_step(t, ids, tg, NULL, &err);
    }
    assert_int_equal(rc, TB_EINPUT);
    char want[64];
    snprintf(want, sizeof want, "train: step %zu: ", s - 1);
    if (getenv("TRN_VERBOSE"))
        printf("# %s\n", err.msg);
    assert_non_null(strstr(err.msg, want));
    assert_true(strstr(err.msg, "nan") || strstr(err.msg, "inf") || strstr(err.msg, "diverged"));
    trn_free(t);
}

/* Both stops by construction: the head blown up after step 0 (loss far above
 * 3 x the first at step 1: "diverged"; during warm-up: no stop), and a NaN
 * weight ("loss is nan"). */
static void test_divergence_and_nan_messages(void **state)
{
    (void)state;
    for (int warm = 0; warm <= 1; warm++) {
        tf_config mc;
        trn_config tc;
        tb_error err = {0};
        tiny_configs(&mc, &tc, 1);
        tc.warmup_steps = warm ? 5 : 0;
        tc.lr = 1e-3;
        trn *t;
        assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
        uint32_t ids[10], tg[10];
        random_ids(ids, 10, mc.vocab, 14);
        random_ids(tg, 10, mc.vocab, 15);
        assert_int_equal(trn_step(t, ids, tg, NULL, &err), TB_OK);
        size_t np;
        float *p = trn_params(t, &np);
        const trn_tensor *wte = find_tensor(t, "wte");
        for (size_t j = 0; j < wte->rows * wte->cols; j++)
            p[wte->offset + j] *= 3000.0f;
        int rc = trn_step(t, ids, tg, NULL, &err);
        if (warm) {
            assert_int_equal(rc, TB_OK);
        } else {
            assert_int_equal(rc, TB_EINPUT);
            assert_non_null(strstr(err.msg, "train: step 1: loss "));
            assert_non_null(strstr(err.msg, "x the first loss"));
            assert_non_null(strstr(err.msg, "(diverged)"));
        }
        p[wte->offset] = NAN;
        ids[0] = 0;
        rc = trn_step(t, ids, tg, NULL, &err);
        assert_int_equal(rc, TB_EINPUT);
        char want[64];
        snprintf(want, sizeof want, "train: step %zu: loss is nan", trn_steps_done(t));
        assert_string_equal(err.msg, want);
        trn_free(t);
    }
}

/* ---- memory, FLOPs, schedule, sampling, bad input ------------------------ */

/* Weights, gradients, m and v are each exactly the 4 bytes a parameter of
 * model/cost.h (tf_mem params, so 16 x is bytes_train's parameter part);
 * activations are B x tf_mem.activations(T) plus TRN_ACT_EXTRA_FLOATS
 * (train.h); the total is the sum of the parts. */
static void test_memory_matches_analytic(void **state)
{
    (void)state;
    for (int tied = 0; tied <= 1; tied++) {
        tf_config mc;
        trn_config tc;
        tb_error err = {0};
        assert_int_equal(tf_preset("tiny", &mc, &err), TB_OK);
        mc.vocab = 300;
        mc.tied = tied;
        trn_config_default(&tc);
        tc.batch = 3;
        tc.seq = 48;
        trn *t;
        assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
        trn_memory m;
        trn_memory_get(t, &m);
        tf_mem am;
        tf_cost_memory(&mc, tc.seq, &am);
        double pbytes = am.params_embed + am.params_layers;
        assert_true((double)m.weights == pbytes);
        assert_true((double)m.grads == pbytes);
        assert_true((double)m.adam_m == pbytes);
        assert_true((double)m.adam_v == pbytes);
        assert_true(am.train == 4 * pbytes + am.activations);
        size_t n = tc.batch * tc.seq;
        double extra = 4.0 * (double)TRN_ACT_EXTRA_FLOATS(n, mc.d_model, mc.n_layers);
        assert_true((double)m.activations == tc.batch * am.activations + extra);
        size_t d = mc.d_model;
        assert_int_equal(m.act_grads, 4 * (n * (3 * d + 3 * d + mc.d_ff) + tc.seq * tc.seq));
        assert_true((double)m.model_other == tf_alloc_bytes(&mc) - pbytes);
        assert_int_equal(m.total, m.weights + m.grads + m.adam_m + m.adam_v + m.activations +
                                      m.act_grads + m.model_other);
        trn_free(t);
    }
}

/* The counters of one step equal trn_cost_step exactly (integers in double),
 * the forward GEMM FLOPs are B x model/cost.h's forward, the backward's
 * twice that, and the phase times are non-negative. */
static void test_flops_match_analytic(void **state)
{
    (void)state;
    tf_config mc;
    trn_config tc;
    tb_error err = {0};
    assert_int_equal(tf_preset("tiny", &mc, &err), TB_OK);
    mc.vocab = 200;
    mc.tied = 0;
    trn_config_default(&tc);
    tc.batch = 2;
    tc.seq = 24;
    trn *t;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
    uint32_t ids[48], tg[48];
    random_ids(ids, 48, mc.vocab, 16);
    random_ids(tg, 48, mc.vocab, 17);
    trn_stats_reset(t);
    assert_int_equal(trn_step(t, ids, tg, NULL, &err), TB_OK);
    const trn_stats *s = trn_stats_get(t);
    trn_cost c;
    trn_cost_step(&mc, &tc, &c);
    tf_cost fc;
    tf_cost_forward(&mc, tc.seq, 0, 1, &fc);
    assert_true(s->gemm_flops[TRN_FWD] == 2 * fc.gemm_flops);
    assert_true(s->gemm_flops[TRN_BWD] == 2 * s->gemm_flops[TRN_FWD]);
    assert_true(s->gemm_flops[TRN_OPT] == 0);
    for (int ph = 0; ph < TRN_NPHASES; ph++) {
        assert_true(s->gemm_flops[ph] == c.gemm_flops[ph]);
        assert_true(s->elem_flops[ph] == c.elem_flops[ph]);
        assert_true(s->gemm_s[ph] >= 0 && s->other_s[ph] >= 0);
    }
    /* every call is in a shape row; 7 forward GEMMs per layer-sequence-head pattern */
    size_t calls = 0;
    double flops = 0;
    for (size_t i = 0; i < s->n_shapes; i++) {
        calls += s->shapes[i].calls;
        flops += 2.0 * (double)s->shapes[i].m * s->shapes[i].n * s->shapes[i].k *
                 (double)s->shapes[i].calls;
    }
    assert_int_equal(calls, s->gemm_calls);
    assert_true(flops == s->gemm_flops[TRN_FWD] + s->gemm_flops[TRN_BWD]);
    size_t per_fwd = mc.n_layers * (4 + 2 * tc.batch * mc.n_heads) + 1;
    assert_int_equal(s->gemm_calls, 3 * per_fwd);
    assert_string_equal(trn_phase_name(TRN_OPT), "optimizer");
    trn_free(t);
}

/* Warm-up (s + 1) / warmup, the cosine from lr at the end of warm-up to
 * 0.1 lr at decay_steps, then the floor; by hand for lr 1, warm-up 4,
 * decay 14: the cosine midpoint (step 9) is 0.55. */
static void test_schedule(void **state)
{
    (void)state;
    trn_config c;
    trn_config_default(&c);
    c.lr = 1.0;
    c.warmup_steps = 4;
    c.decay_steps = 14;
    assert_true(fabs(trn_lr(&c, 0) - 0.25) < 1e-15);
    assert_true(fabs(trn_lr(&c, 3) - 1.0) < 1e-15);
    assert_true(fabs(trn_lr(&c, 4) - 1.0) < 1e-15);
    assert_true(fabs(trn_lr(&c, 9) - 0.55) < 1e-12);
    assert_true(fabs(trn_lr(&c, 14) - 0.1) < 1e-15);
    assert_true(fabs(trn_lr(&c, 1000) - 0.1) < 1e-15);
    for (size_t s = 4; s < 14; s++)
        assert_true(trn_lr(&c, s + 1) < trn_lr(&c, s));
    c.warmup_steps = 0;
    assert_true(trn_lr(&c, 0) == 1.0);
}

/* Batches are windows of the stream with targets shifted by one; the same
 * (seed, step) gives the same batch, another step another one. */
static void test_sample(void **state)
{
    (void)state;
    trn_config c;
    trn_config_default(&c);
    c.batch = 3;
    c.seq = 8;
    uint32_t tok[40], a[24], at[24], b[24], bt[24];
    for (uint32_t i = 0; i < 40; i++)
        tok[i] = i;
    tb_error err = {0};
    assert_int_equal(trn_sample(&c, tok, 40, 5, a, at, &err), TB_OK);
    assert_int_equal(trn_sample(&c, tok, 40, 5, b, bt, &err), TB_OK);
    assert_memory_equal(a, b, sizeof a);
    for (size_t i = 0; i < 24; i++) {
        assert_int_equal(at[i], a[i] + 1);
        if (i % 8)
            assert_int_equal(a[i], a[i - 1] + 1);
        assert_true(a[i] < 39);
    }
    assert_int_equal(trn_sample(&c, tok, 40, 6, b, bt, &err), TB_OK);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(trn_sample(&c, tok, 8, 0, b, bt, &err), TB_EINPUT);
}

/* -ln p(target) of row i of the last forward's logits, in double. */
static double nll_row(trn *t, size_t i, uint32_t target, size_t V)
{
    const float *l = trn_logits(t) + i * V;
    double mx = l[0], s = 0;
    for (size_t j = 1; j < V; j++)
        mx = l[j] > mx ? l[j] : mx;
    for (size_t j = 0; j < V; j++)
        s += exp((double)l[j] - mx);
    return mx + log(s) - (double)l[target];
}

/* trn_eval over 12 ids with T 5, B 2: windows at 0 and 5 count all their 5
 * targets, the last (start 12 - 1 - 5 = 6) only its last target (id 11);
 * the total equals the per-position sum recomputed from the logits, each
 * target once; stats, step counter and results repeat exactly. */
static void test_eval(void **state)
{
    (void)state;
    tf_config mc;
    trn_config tc;
    tiny_configs(&mc, &tc, 0);
    tb_error err = {0};
    trn *t;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
    uint32_t s[12] = {1, 4, 2, 7, 3, 9, 0, 5, 10, 6, 8, 2};
    size_t gc = trn_stats_get(t)->gemm_calls;
    trn_eval_result r, r2;
    assert_int_equal(trn_eval(t, s, 12, &r, &err), TB_OK);
    assert_int_equal(r.targets, 11);
    assert_int_equal(r.windows, 3);
    assert_int_equal(trn_stats_get(t)->gemm_calls, gc);
    assert_int_equal(trn_steps_done(t), 0);
    double want = 0;
    size_t starts[3] = {0, 5, 6}, firsts[3] = {0, 0, 4};
    for (int w = 0; w < 3; w++) {
        uint32_t ids[10], tg[10];
        for (size_t b = 0; b < 2; b++)
            for (size_t j = 0; j < 5; j++) {
                ids[b * 5 + j] = s[starts[w] + j];
                tg[b * 5 + j] = s[starts[w] + j + 1];
            }
        float mean;
        assert_int_equal(trn_forward(t, ids, tg, &mean, &err), TB_OK);
        for (size_t j = firsts[w]; j < 5; j++)
            want += nll_row(t, j, tg[j], mc.vocab);
    }
    assert_true(fabs(r.nats - want) < 1e-5 * want);
    assert_true(r.nats > 11 * 0.5 * log(11.0) && r.nats < 11 * 2 * log(11.0));
    assert_int_equal(trn_eval(t, s, 12, &r2, &err), TB_OK);
    assert_memory_equal(&r.nats, &r2.nats, sizeof r.nats);
    /* an exact multiple: 11 ids, two full windows, no extra one */
    assert_int_equal(trn_eval(t, s, 11, &r2, &err), TB_OK);
    assert_int_equal(r2.targets, 10);
    assert_int_equal(r2.windows, 2);
    assert_int_equal(trn_eval(t, s, 5, &r2, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "fewer than a window of 5 + 1"));
    trn_free(t);
}

static void test_bad_input(void **state)
{
    (void)state;
    tf_config mc;
    trn_config tc;
    tb_error err = {0};
    tiny_configs(&mc, &tc, 0);
    trn *t;
    tc.seq = 9; /* > context 8 */
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_EUSAGE);
    assert_null(t);
    tc.seq = 5;
    tc.decay_steps = tc.warmup_steps;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_EUSAGE);
    tc.decay_steps = 100;
    assert_int_equal(trn_new(&mc, &tc, &t, &err), TB_OK);
    assert_int_equal(trn_backward(t, &err), TB_EUSAGE);
    uint32_t ids[10] = {0}, tg[10] = {0};
    ids[7] = 11;
    float loss;
    assert_int_equal(trn_forward(t, ids, tg, &loss, &err), TB_EINPUT);
    assert_string_equal(err.msg,
                        "train: sequence 1, position 2: token id 11 is outside the vocabulary (11)");
    trn_free(t);
}

/* ---- benchmark mode (perf/train.sh) ------------------------------------- */

/* Seconds of raw sgemm on contiguous buffers for the step's calls: every
 * shape of the forward and backward with its transposes and call count,
 * after one untimed call per shape. */
static double raw_sgemm_seconds(const trn_stats *s)
{
    double secs = 0;
    for (size_t i = 0; i < s->n_shapes; i++) {
        const trn_gemm_shape *g = &s->shapes[i];
        float *A = calloc(g->m * g->k, sizeof(float)), *Bm = calloc(g->k * g->n, sizeof(float)),
              *Cm = calloc(g->m * g->n, sizeof(float));
        if (!A || !Bm || !Cm)
            abort();
        for (size_t j = 0; j < g->m * g->k; j++)
            A[j] = (float)(j % 97) * 0.01f;
        for (size_t j = 0; j < g->k * g->n; j++)
            Bm[j] = (float)(j % 89) * 0.01f;
        double t0 = 0;
        for (size_t r = 0; r <= g->calls; r++) {
            if (r == 1)
                t0 = tb_now();
            cblas_sgemm(CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans,
                        g->trans_b ? CblasTrans : CblasNoTrans, (int)g->m, (int)g->n, (int)g->k,
                        1.0f, A, g->trans_a ? (int)g->m : (int)g->k, Bm,
                        g->trans_b ? (int)g->k : (int)g->n, 0.0f, Cm, (int)g->n);
        }
        secs += tb_now() - t0;
        free(A);
        free(Bm);
        free(Cm);
    }
    return secs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int bench(int argc, char **argv)
{
    const char *preset = argc > 2 ? argv[2] : "small";
    size_t B = argc > 3 ? strtoul(argv[3], NULL, 10) : 4,
           T = argc > 4 ? strtoul(argv[4], NULL, 10) : 256,
           V = argc > 5 ? strtoul(argv[5], NULL, 10) : 8192;
    int R = argc > 6 ? atoi(argv[6]) : 3;
    if (R < 1 || R > 50)
        R = 3;
    tf_config mc;
    trn_config tc;
    tb_error err = {0};
    if (tf_preset(preset, &mc, &err)) {
        fprintf(stderr, "test_train --bench: %s\n", err.msg);
        return 2;
    }
    mc.vocab = V;
    trn_config_default(&tc);
    tc.batch = B;
    tc.seq = T;
    trn *t;
    if (trn_new(&mc, &tc, &t, &err)) {
        fprintf(stderr, "test_train --bench: %s\n", err.msg);
        return 3;
    }
    size_t ntok = B * T * 4 + 1;
    uint32_t *tok = malloc(ntok * sizeof *tok), *ids = malloc(B * T * sizeof *ids),
             *tg = malloc(B * T * sizeof *tg);
    if (!tok || !ids || !tg)
        return 3;
    random_ids(tok, ntok, V, 1);
    double step_s[50], raw_s[50], ratio[50];
    trn_stats keep[50];
    for (int r = 0; r <= R; r++) { /* round 0: warm-up, not counted */
        if (trn_sample(&tc, tok, ntok, (size_t)r, ids, tg, &err)) {
            fprintf(stderr, "test_train --bench: %s\n", err.msg);
            return 3;
        }
        trn_stats_reset(t);
        double t0 = tb_now();
        if (trn_step(t, ids, tg, NULL, &err)) {
            fprintf(stderr, "test_train --bench: %s\n", err.msg);
            return 3;
        }
        double dt = tb_now() - t0;
        const trn_stats *s = trn_stats_get(t);
        double rs = raw_sgemm_seconds(s);
        if (r == 0)
            continue;
        step_s[r - 1] = dt;
        raw_s[r - 1] = rs;
        keep[r - 1] = *s;
        ratio[r - 1] = rs / (s->gemm_s[TRN_FWD] + s->gemm_s[TRN_BWD]);
    }
    /* the median round by step time */
    int med = 0;
    double sorted[50];
    memcpy(sorted, step_s, (size_t)R * sizeof(double));
    qsort(sorted, (size_t)R, sizeof(double), cmp_double);
    for (int r = 0; r < R; r++)
        if (step_s[r] == sorted[(R - 1) / 2])
            med = r;
    const trn_stats *s = &keep[med];
    double gf = s->gemm_flops[TRN_FWD] + s->gemm_flops[TRN_BWD];
    double gs = s->gemm_s[TRN_FWD] + s->gemm_s[TRN_BWD];
    printf("preset=%s\nd_model=%zu\nn_layers=%zu\nn_heads=%zu\nvocab=%zu\ntied=%d\nbatch=%zu\n"
           "seq=%zu\nparams=%zu\nrounds=%d\n",
           preset, mc.d_model, mc.n_layers, mc.n_heads, mc.vocab, mc.tied, B, T,
           tf_config_params(&mc), R);
    printf("step_ms=%.3f\n", step_s[med] * 1e3);
    for (int ph = 0; ph < TRN_NPHASES; ph++)
        printf("%s_gemm_ms=%.3f\n%s_other_ms=%.3f\n%s_gflop=%.4f\n", trn_phase_name(ph),
               s->gemm_s[ph] * 1e3, trn_phase_name(ph), s->other_s[ph] * 1e3,
               trn_phase_name(ph), (s->gemm_flops[ph] + s->elem_flops[ph]) / 1e9);
    printf("gemm_gflop=%.4f\ngemm_gflops=%.3f\nraw_gemm_ms=%.3f\nraw_gemm_gflops=%.3f\n"
           "gemm_ratio=%.4f\n",
           gf / 1e9, gf / gs / 1e9, raw_s[med] * 1e3, gf / raw_s[med] / 1e9, ratio[med]);
    trn_memory m;
    trn_memory_get(t, &m);
    printf("mem_weights_mb=%.1f\nmem_grads_mb=%.1f\nmem_adam_mb=%.1f\nmem_activations_mb=%.1f\n"
           "mem_scratch_mb=%.1f\nmem_total_mb=%.1f\n",
           m.weights / 1e6, m.grads / 1e6, (m.adam_m + m.adam_v) / 1e6, m.activations / 1e6,
           m.act_grads / 1e6, m.total / 1e6);
    free(tok);
    free(ids);
    free(tg);
    trn_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0)
        return bench(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradients_fd_untied),
        cmocka_unit_test(test_gradients_fd_tied),
        cmocka_unit_test(test_forward_matches_inference),
        cmocka_unit_test(test_torch_parity),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_overfit),
        cmocka_unit_test(test_huge_lr_stops),
        cmocka_unit_test(test_divergence_and_nan_messages),
        cmocka_unit_test(test_memory_matches_analytic),
        cmocka_unit_test(test_flops_match_analytic),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
