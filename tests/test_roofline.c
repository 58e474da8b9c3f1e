/* test_roofline.c - roofline projections (model/roofline.h): the formulas on
 * dims small enough to compute by hand, the presets against model/cost.h,
 * the published 7B parameter counts, the data-file parser (the real file and
 * every error case, each naming the line), the rows, and the projection for
 * this machine against the reference transformer measured in this process. */
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

#include "../results/results.h"
#include "../model/cost.h"
#include "../model/roofline.h"
#include "../bench/stage_roofline.h"
#include "../model/transformer.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static int near(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fabs(b);
}

/* d 4, 1 layer, 2 heads, 1 KV head (kvd 2), SwiGLU f 8, V 10, RMSNorm, no
 * biases, RoPE, untied, context 4. */
static roofline_dims hand_dims(void)
{
    roofline_dims m;
    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "hand");
    m.vocab = 10;
    m.d_model = 4;
    m.n_layers = 1;
    m.n_heads = 2;
    m.n_kv_heads = 1;
    m.d_ff = 8;
    m.context = 4;
    m.mlp = ROOFLINE_SWIGLU;
    m.norm = ROOFLINE_RMSNORM;
    m.bias = ROOFLINE_BIAS_NONE;
    m.positions = ROOFLINE_ROPE;
    return m;
}

static roofline_hw hand_hw(double peak, double bw, double watts)
{
    roofline_hw h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "hand-hw");
    h.peak_flops = peak;
    h.bw_bytes = bw;
    h.watts = watts;
    h.wbytes = 2;
    return h;
}

static void test_flops_by_hand(void **state)
{
    (void)state;
    roofline_dims m = hand_dims();
    /* prefill n 3 from 0 (T 3), logits everywhere:
     * qkvo 2*3*4*4 + 2*3*4*2*2 + 2*3*4*4 = 96 + 96 + 96 = 288
     * attn 4*3*3*4 = 144;  mlp 2*3*3*4*8 = 576;  head 2*3*4*10 = 240 */
    assert_true(roofline_flops(&m, 3, 0, 1) == 288 + 144 + 576 + 240);
    /* last logits only: head 2*1*4*10 = 80 */
    assert_true(roofline_flops(&m, 3, 0, 0) == 288 + 144 + 576 + 80);
    /* decode: n 1 after 5 cached (T 6): qkvo 32+32+32, attn 4*6*4, mlp 2*3*4*8, head 80 */
    assert_true(roofline_flops(&m, 1, 5, 0) == 96 + 96 + 192 + 80);
    /* GELU, MHA: kvd = d, two MLP matrices */
    m.mlp = ROOFLINE_GELU;
    m.n_kv_heads = 2;
    /* qkvo 8*3*16 = 384, attn 144, mlp 4*3*4*8 = 384, head 240 */
    assert_true(roofline_flops(&m, 3, 0, 1) == 384 + 144 + 384 + 240);
}

static void test_params_by_hand(void **state)
{
    (void)state;
    roofline_dims m = hand_dims();
    /* embedding 10*4 + untied head 10*4 = 80; layer 2*16 (q, o) + 2*4*2 (k, v)
     * + 3*4*8 (gate, up, down) + 2*4 (two RMSNorms) = 152; final norm 4 */
    assert_true(roofline_params(&m) == 80 + 152 + 4);
    assert_true(roofline_matmul_params(&m) == 32 + 16 + 96 + 40);
    m.bias = ROOFLINE_BIAS_QKV; /* + q 4 + k 2 + v 2 */
    assert_true(roofline_params(&m) == 80 + 160 + 4);
    m.bias = ROOFLINE_BIAS_ALL; /* + o 4 + gate 8 + up 8 + down 4 more */
    assert_true(roofline_params(&m) == 80 + 184 + 4);
    m.tied = 1;
    m.positions = ROOFLINE_LEARNED; /* - head 40 + positions 4*4 */
    m.norm = ROOFLINE_LAYERNORM;    /* layer 184 + 8 (norms 2*2*4), final 8 */
    assert_true(roofline_params(&m) == 40 + 16 + 192 + 8);
}

static void test_roofline_times_by_hand(void **state)
{
    (void)state;
    roofline_dims m = hand_dims();
    roofline_hw h = hand_hw(1e12, 1e11, 0);
    /* prefill 3 tokens: 1248 FLOPs / (1e12 * 0.5) = 2.496e-9 s */
    assert_true(near(roofline_prefill_ms(&m, &h, 3, 0.5), 2.496e-6, 1e-12));
    /* decode at cache 5: weights 152 + 4 + 40 (head) = 196, KV 2*1*5*2 = 20,
     * 2 bytes each: 432 bytes / 1e11 = 4.32e-9 s > 464 FLOPs / 1e12 */
    assert_true(roofline_decode_bytes(&m, &h, 5) == 432);
    int cb = -1;
    assert_true(near(roofline_decode_ms(&m, &h, 5, &cb), 4.32e-6, 1e-12));
    assert_int_equal(cb, 0);
    /* with a huge bandwidth the FLOPs term wins: 464 / 1e12 s */
    h.bw_bytes = 1e15;
    assert_true(near(roofline_decode_ms(&m, &h, 5, &cb), 4.64e-7, 1e-12));
    assert_int_equal(cb, 1);
}

static void test_presets_match_cost_model(void **state)
{
    (void)state;
    roofline *rf = NULL;
    tb_error err = {0};
    static const char text[] = "hw\tx\t1\t1\t-\t-\t4\tsource\n";
    assert_int_equal(roofline_parse(text, sizeof text - 1, "mem", &rf, &err), TB_OK);
    const char *presets[] = {"tiny", "small", "base", "7b"};
    for (int i = 0; i < 4; i++) {
        const roofline_dims *d = roofline_find_model(rf, presets[i]);
        assert_non_null(d);
        assert_int_equal(d->preset, 1);
        tf_config c;
        assert_int_equal(tf_preset(presets[i], &c, &err), TB_OK);
        c.vocab = 1000;
        roofline_dims m = *d;
        m.vocab = 1000;
        size_t n = c.context < 37 ? c.context : 37;
        for (int all = 0; all <= 1; all++) {
            tf_cost cost;
            tf_cost_forward(&c, n, 5, all, &cost);
            assert_true(near(roofline_flops(&m, n, 5, all), cost.gemm_flops, 1e-12));
        }
        assert_true(roofline_params(&m) == (double)tf_config_params(&c));
        /* decode bytes as bench/stage_model.c's bandwidth bound: layer
         * parameters (with the final norm) + V d head + 2 L pos d, fp32 */
        tf_mem mem;
        tf_cost_memory(&c, 0, &mem);
        roofline_hw h = hand_hw(1, 1, 0);
        h.wbytes = 4;
        double want = mem.params_layers + 4.0 * 1000 * c.d_model + 4.0 * 2 * c.n_layers * 20 * c.d_model;
        assert_true(near(roofline_decode_bytes(&m, &h, 20), want, 1e-12));
    }
    roofline_free(rf);
}

static roofline *load_real(void)
{
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    char path[1024];
    snprintf(path, sizeof path, "%s/model/hardware.tsv", root);
    roofline *rf = NULL;
    tb_error err = {0};
    if (roofline_new(path, &rf, &err))
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(rf);
    return rf;
}

static void test_data_file(void **state)
{
    (void)state;
    roofline *rf = load_real();
    const roofline_hw *g = roofline_find_hw(rf, "rtx4090");
    assert_non_null(g);
    assert_true(g->peak_flops == 165.2e12 && g->bw_bytes == 1008e9 && g->watts == 450 &&
                g->wbytes == 2 && g->mem_bytes == 24e9);
    assert_non_null(strstr(g->source, "FP32 Accumulate"));
    assert_non_null(roofline_find_hw(rf, "a100-sxm-80gb"));
    assert_non_null(roofline_find_hw(rf, "h100-sxm"));
    const roofline_hw *me = roofline_find_hw(rf, ROOFLINE_MACHINE);
    assert_non_null(me);
    assert_true(me->measured && me->peak_flops == 0 && me->wbytes == 4);
    /* published parameter counts (HF model cards: 6,738,415,616 and 7,615,616,512) */
    const roofline_dims *ll = roofline_find_model(rf, "llama2-7b");
    const roofline_dims *qw = roofline_find_model(rf, "qwen2-7b");
    assert_non_null(ll);
    assert_non_null(qw);
    assert_true(roofline_params(ll) == 6738415616.0);
    assert_true(roofline_params(qw) == 7615616512.0);
    assert_int_equal(qw->n_kv_heads, 4);
    /* file models first, then the four presets */
    assert_int_equal(roofline_n_models(rf), 6);
    assert_string_equal(roofline_model_at(rf, 0)->name, "llama2-7b");
    assert_string_equal(roofline_model_at(rf, 5)->name, "7b");

    /* llama2-7b decode on the RTX 4090 at cache 512, fp16: weights read
     * 6,476,271,616 (layers + final norm) + 131,072,000 (head), KV 2*32*512*4096:
     * 2 * 6,741,561,344 = 13,483,122,688 bytes / 1008e9 B/s = 13.376 ms */
    int cb;
    assert_true(roofline_decode_bytes(ll, g, 512) == 13483122688.0);
    assert_true(near(roofline_decode_ms(ll, g, 512, &cb), 13483122688.0 / 1008e9 * 1e3, 1e-12));
    assert_int_equal(cb, 0);
    /* a 2048-token prefill (logits everywhere): 2 N 2048 + 4 L 2048^2 d, N = 6,607,077,376 matmul
     * parameters: 27,062,588,932,096 + 2,199,023,255,552 FLOPs at 82.6e12 = 354 ms */
    assert_true(roofline_matmul_params(ll) == 6607077376.0);
    double f = 2 * 6607077376.0 * 2048 + 4 * 32 * 2048.0 * 2048 * 4096;
    assert_true(roofline_flops(ll, 2048, 0, 1) == f);
    assert_true(near(roofline_prefill_ms(ll, g, 2048, 0.5), f / 82.6e12 * 1e3, 1e-12));
    /* the same 2048 tokens as a prompt (logits at the last position): the
     * head once, 2047 * 2 * 4096 * 32000 FLOPs fewer */
    assert_true(roofline_flops(ll, 2048, 0, 0) == f - 2047.0 * 2 * 4096 * 32000);
    roofline_free(rf);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"", "no hw or model records"},
        {"# only a comment\n\n", "no hw or model records"},
        {"# c\ngpu\tx\n", "line 2: unknown record 'gpu'"},
        {"hw\tx\t1\t1\t-\t-\t4\n", "line 1: hw record has 7 TAB-separated fields, expected 8"},
        {"hw\tx\t1\t1\t-\t-\t4\ts\textra\n", "line 1: hw record has 9"},
        {"hw\tX\t1\t1\t-\t-\t4\ts\n", "line 1: hw name 'X'"},
        {"hw\ta_b\t1\t1\t-\t-\t4\ts\n", "hw name 'a_b'"},
        {"hw\tx\tfast\t1\t-\t-\t4\ts\n", "hw 'x': PEAK_TFLOPS 'fast' is not a number in 1e-6..1e7"},
        {"hw\tx\t-3\t1\t-\t-\t4\ts\n", "PEAK_TFLOPS '-3'"},
        {"hw\tx\tnan\t1\t-\t-\t4\ts\n", "PEAK_TFLOPS 'nan'"},
        {"hw\tx\t1e400\t1\t-\t-\t4\ts\n", "PEAK_TFLOPS '1e400'"},
        {"hw\tx\t1e-300\t1\t-\t-\t4\ts\n", "PEAK_TFLOPS '1e-300'"},
        {"hw\tx\t1\t0\t-\t-\t4\ts\n", "BW_GBS '0'"},
        {"hw\tx\t1\t1\t?\t-\t4\ts\n", "MEM_GB '?'"},
        {"hw\tx\t1\t1\t-\tmany\t4\ts\n", "WATTS 'many'"},
        {"hw\tx\t1\t1\t-\t-\t16\ts\n", "WBYTES '16'"},
        {"hw\tx\t1\t1\t-\t-\t4\t\n", "SOURCE is empty"},
        {"hw\tx\t1\t1\t-\t-\t4\tbad \xff byte\n", "SOURCE: invalid UTF-8 at byte 4"},
        {"hw\tx\t1\t1\t-\t-\t4\tbell\a\n", "SOURCE: control character"},
        {"hw\tx\tmeasured\t1\t-\t-\t4\ts\n", "must both be 'measured' or both numbers"},
        {"hw\tx\tmeasured\tmeasured\t-\t-\t4\ts\n", "only 'this-machine' is measured"},
        {"hw\tthis-machine\t1\t1\t-\t-\t4\ts\n", "only 'this-machine' is measured"},
        {"hw\tx\t1\t1\t-\t-\t4\ts\r\n\nhw\tx\t2\t2\t-\t-\t2\ts\n", "line 3: hw name 'x' is already defined"},
        {"model\tsmall\t1\t4\t1\t2\t2\t8\tgelu\tlayernorm\tall\tlearned\t4\t1\ts\n",
         "model name 'small' is a built-in model preset"},
        {"model\tm\t1\t4\t1\t3\t3\t8\tgelu\tlayernorm\tall\tlearned\t4\t1\ts\n",
         "N_HEADS 3 does not divide D_MODEL 4"},
        {"model\tm\t1\t4\t1\t4\t3\t8\tgelu\tlayernorm\tall\tlearned\t4\t1\ts\n",
         "N_KV_HEADS 3 does not divide N_HEADS 4"},
        {"model\tm\t0\t4\t1\t2\t2\t8\tgelu\tlayernorm\tall\tlearned\t4\t1\ts\n", "VOCAB '0'"},
        {"model\tm\t1\t4\t1\t2\t2\t8\trelu\tlayernorm\tall\tlearned\t4\t1\ts\n",
         "MLP 'relu' is not gelu or swiglu"},
        {"model\tm\t1\t4\t1\t2\t2\t8\tgelu\tbatchnorm\tall\tlearned\t4\t1\ts\n", "NORM 'batchnorm'"},
        {"model\tm\t1\t4\t1\t2\t2\t8\tgelu\tlayernorm\tsome\tlearned\t4\t1\ts\n", "BIAS 'some'"},
        {"model\tm\t1\t4\t1\t2\t2\t8\tgelu\tlayernorm\tall\talibi\t4\t1\ts\n", "POSITIONS 'alibi'"},
        {"model\tm\t1\t4\t1\t2\t2\t8\tgelu\tlayernorm\tall\tlearned\t0\t1\ts\n", "CONTEXT '0'"},
        {"model\tm\t1\t4\t1\t2\t2\t8\tgelu\tlayernorm\tall\tlearned\t4\t2\ts\n", "TIED '2'"},
        {"model\tm\t1\t4\t1\t2\t2\t8\tgelu\tlayernorm\tall\tlearned\t4\t1\n",
         "model record has 14 TAB-separated fields, expected 15"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        roofline *rf = NULL;
        tb_error err = {0};
        int rc = roofline_parse(cases[i].text, strlen(cases[i].text), "t.tsv", &rf, &err);
        if (rc != TB_EINPUT || !strstr(err.msg, cases[i].want) ||
            !strstr(err.msg, "hardware file 't.tsv'"))
            fail_msg("case %zu: rc %d, message '%s', wanted '%s'", i, rc, err.msg, cases[i].want);
        assert_null(rf);
    }
    /* a NUL byte and an over-long line */
    roofline *rf = NULL;
    tb_error err = {0};
    static const char nul[] = "# x\nhw\tx\0\n";
    assert_int_equal(roofline_parse(nul, sizeof nul - 1, "t.tsv", &rf, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "line 2: NUL byte"));
    char *big = malloc(5000);
    memset(big, 'a', 5000);
    assert_int_equal(roofline_parse(big, 5000, "t.tsv", &rf, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "line 1: line of 5000 bytes"));
    free(big);
    /* a missing file names itself */
    assert_int_equal(roofline_new("/nonexistent/hw.tsv", &rf, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "/nonexistent/hw.tsv"));
}

static const char k_small_file[] =
    "# two profiles, one model\n"
    "hw\tgpu-a\t100\t1000\t24\t500\t2\tmade up\n"
    "hw\tgpu-b\t200\t2000\t-\t-\t2\tmade up, no power\n"
    "model\tm4\t10\t4\t1\t2\t1\t8\tswiglu\trmsnorm\tnone\trope\t4\t0\thand dims\n";

static void test_project_and_rows(void **state)
{
    (void)state;
    roofline *rf = NULL;
    tb_error err = {0};
    assert_int_equal(roofline_parse(k_small_file, sizeof k_small_file - 1, "t", &rf, &err), TB_OK);
    const roofline_dims *m = roofline_find_model(rf, "m4");
    const roofline_hw *a = roofline_find_hw(rf, "gpu-a");
    const char *prices[] = {"2", "gpu-b=3"};
    roofline_config cfg = {0};
    cfg.prices = prices;
    cfg.n_prices = 2;
    cfg.budget = 10;
    cfg.utilisation = 0.5;
    cfg.prefill_efficiency = 0.25;
    cfg.decode_cache = 100; /* capped at context - 1 = 3 */
    /* 5 -> chunks 4 + 1, 0 skipped, 9 -> 4 + 4 + 1 */
    size_t lens[] = {5, 0, 9};
    roofline_proj p;
    assert_int_equal(roofline_project(m, 0, a, &cfg, lens, 3, &p, &err), TB_OK);
    double f4 = roofline_flops(m, 4, 0, 1), f1 = roofline_flops(m, 1, 0, 1);
    assert_true(p.tokens == 14);
    assert_true(p.prefill_flops == 3 * f4 + 2 * f1);
    assert_true(near(p.prefill_ms, (3 * f4 + 2 * f1) / (100e12 * 0.25) * 1e3, 1e-12));
    assert_int_equal(p.prompt_tokens, 4);
    /* the prompt (4 tokens, capped at context) needs logits at its last
     * position only. m4: d 4, L 1, kvd 2, f 8 SwiGLU, V 10:
     * qkvo 2*4*16 + 2*4*4*4 + 2*4*16 = 384, attn 4*4*4*4 = 256,
     * mlp 2*3*4*4*8 = 768, head 2*1*4*10 = 80: 1488 FLOPs; with logits at
     * all 4 positions the head is 320 (1728), (4 - 1) * 2 d V = 240 more */
    assert_true(p.prompt_flops == 1488);
    assert_true(roofline_flops(m, 4, 0, 1) == 1728);
    assert_true(roofline_flops(m, 4, 0, 1) - p.prompt_flops == (4 - 1) * 2 * 4 * 10);
    assert_true(near(p.prompt_ms, 1488 / (100e12 * 0.25) * 1e3, 1e-12));
    assert_int_equal(p.decode_cache, 3);
    assert_true(p.train_tokens == 140);
    assert_true(p.train_flops == 30 * (3 * f4 + 2 * f1));
    double hours = p.train_flops / (100e12 * 0.5) / 3600;
    assert_true(near(p.train_hours, hours, 1e-12));
    assert_true(near(p.train_kwh, hours * 0.5, 1e-12));
    assert_true(near(p.train_usd, hours * 2, 1e-12));
    /* 6 N D + 12 L d sum n^2: N = 184 matmul parameters, chunks 4,1,4,4,1 */
    assert_true(p.train_flops == 10 * (6 * 184 * 14 + 12 * 1 * 4 * (16 + 1 + 16 + 16 + 1)));

    /* rows: default pairs are m4 x {gpu-a, gpu-b}; the tokenizer's vocab 20 */
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(stage_roofline_rows(rf, &cfg, lens, 3, 20, r, "c", "test", "en", "tok", &err),
                     TB_OK);
    size_t n0 = results_count(r);
    long i0;
    /* 6 parameter rows + vocab_priced, 2 per model, per pair
     * prefill/prompt/decode/hours + kWh (gpu-a only) + USD (both) */
    assert_int_equal(n0, 7 + 2 + 2 * 5 + 1);
    i0 = results_find(r, "c", "test", "en", "tok", "vocab_priced");
    assert_true(i0 >= 0);
    result_row vrow;
    results_get(r, (size_t)i0, &vrow);
    assert_true(vrow.value == 20);
    assert_string_equal(vrow.unit, "entries");
    /* the prompt row: logits at the last position, V 20 */
    roofline_proj pa;
    assert_int_equal(roofline_project(m, 20, a, &cfg, lens, 3, &pa, &err), TB_OK);
    assert_true(pa.prompt_flops == 384 + 256 + 768 + 2 * 4 * 20);
    i0 = results_find(r, "c", "test", "en", "tok", "proj_ms_prompt_m4_gpu-a");
    results_get(r, (size_t)i0, &vrow);
    assert_true(near(vrow.value, pa.prompt_flops / (100e12 * 0.25) * 1e3, 1e-12));
    /* a vocab_priced row already there (the model stage's) is kept when it
     * agrees and refused when it does not */
    results *r2 = NULL;
    assert_int_equal(results_new(&r2, &err), TB_OK);
    assert_int_equal(results_add(r2, "c", "test", "en", "tok", "vocab_priced", 20, "entries", &err),
                     TB_OK);
    assert_int_equal(stage_roofline_rows(rf, &cfg, lens, 3, 20, r2, "c", "test", "en", "tok", &err),
                     TB_OK);
    assert_int_equal(results_count(r2), n0);
    assert_int_equal(results_add(r2, "c", "test", "ru", "tok", "vocab_priced", 30, "entries", &err),
                     TB_OK);
    assert_int_equal(stage_roofline_rows(rf, &cfg, lens, 3, 20, r2, "c", "test", "ru", "tok", &err),
                     TB_EINPUT);
    assert_non_null(strstr(err.msg, "priced vocabulary 20 differs"));
    results_free(r2);
    long i = results_find(r, "c", "test", "en", "tok", "proj_train_usd_m4_gpu-b");
    assert_true(i >= 0);
    result_row row;
    results_get(r, (size_t)i, &row);
    assert_string_equal(row.unit, "USD");
    roofline_proj pb;
    const roofline_hw *b = roofline_find_hw(rf, "gpu-b");
    assert_int_equal(roofline_project(m, 20, b, &cfg, lens, 3, &pb, &err), TB_OK);
    assert_true(near(row.value, pb.train_hours * 3, 1e-12));
    assert_true(results_find(r, "c", "test", "en", "tok", "proj_train_kwh_m4_gpu-b") < 0);
    assert_true(results_find(r, "c", "test", "en", "tok", "proj_ms_decode_token_m4_gpu-a") >= 0);
    assert_true(results_find(r, "c", "test", "en", "tok", "proj_params_m4") >= 0);
    i = results_find(r, "c", "test", "en", "tok", "proj_train_flops_m4");
    results_get(r, (size_t)i, &row);
    assert_true(row.value == pb.train_flops);
    /* no tokens, no rows */
    size_t zero[] = {0, 0};
    assert_int_equal(stage_roofline_rows(rf, &cfg, zero, 2, 20, r, "c", "test", "ru", "tok", &err),
                     TB_OK);
    assert_int_equal(results_count(r), n0);

    /* the machine: absent until set, then small x this-machine, no training rows */
    roofline_machine mach = {50, 10, 1, 1};
    assert_int_equal(roofline_set_machine(rf, &mach, &err), TB_OK);
    const roofline_hw *me = roofline_find_hw(rf, ROOFLINE_MACHINE);
    assert_non_null(me);
    assert_true(me->peak_flops == 50e9 && me->bw_bytes == 10e9 && me->wbytes == 4);
    assert_int_equal(stage_roofline_rows(rf, &cfg, lens, 3, 20, r, "c", "test", "zh", "tok", &err),
                     TB_OK);
    assert_true(results_find(r, "c", "test", "zh", "tok", "proj_ms_prefill_small_this-machine") >=
                0);
    assert_true(results_find(r, "c", "test", "zh", "tok",
                             "proj_train_gpu_hours_small_this-machine") < 0);
    /* the measured profile is priced at efficiency 1 */
    i = results_find(r, "c", "test", "zh", "tok", "proj_ms_prefill_small_this-machine");
    results_get(r, (size_t)i, &row);
    roofline_dims sm = *roofline_find_model(rf, "small");
    sm.vocab = 20;
    double fs = roofline_flops(&sm, 5, 0, 1) + roofline_flops(&sm, 9, 0, 1);
    assert_true(near(row.value, fs / 50e9 * 1e3, 1e-12));

    /* explicit lists: unknown names are usage errors naming the known ones */
    const char *bad_hw[] = {"tpu"};
    roofline_config c2 = cfg;
    c2.hw = bad_hw;
    c2.n_hw = 1;
    assert_int_equal(stage_roofline_rows(rf, &c2, lens, 3, 20, r, "c", "test", "en", "t2", &err),
                     TB_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown hardware profile 'tpu' (known: gpu-a, gpu-b"));
    const char *bad_price[] = {"gpu-a=cheap"};
    c2 = cfg;
    c2.prices = bad_price;
    c2.n_prices = 1;
    assert_int_equal(roofline_config_check(rf, &c2, &err), TB_EUSAGE);
    assert_non_null(strstr(err.msg, "price 'gpu-a=cheap'"));
    const char *models[] = {"small", "m4"}, *hws[] = {"gpu-b"};
    c2 = cfg;
    c2.models = models;
    c2.n_models = 2;
    c2.hw = hws;
    c2.n_hw = 1;
    c2.machine_model = "";
    const roofline_dims *pm[8];
    const roofline_hw *ph[8];
    assert_int_equal(roofline_pairs(rf, &c2, pm, ph, 8), 2);
    assert_string_equal(pm[0]->name, "small");
    assert_string_equal(ph[1]->name, "gpu-b");
    results_free(r);
    roofline_free(rf);
}

/* The projection for this machine against the reference transformer, both
 * measured in this process (roofline_check_run: the small preset, a prefill
 * of 512 tokens, vocabulary 8192, median of 3). Only what cannot move with
 * machine load is asserted here: every measurement is a positive finite
 * number, the error rows are exactly projected / measured - 1, and the
 * projection prices exactly the analytic FLOPs of the preset. How close the
 * projection comes to the measurement is a speed figure: perf/roofline.sh
 * (make bench) checks it against its bands, measured/projected in
 * [1/1.5, 1.6] for prefill and [1/1.5, 3.0] for decode. */
static void test_machine_projection_is_consistent(void **state)
{
    (void)state;
    roofline_check chk;
    tb_error err = {0};
    openblas_set_num_threads(1);
    assert_int_equal(roofline_check_run("small", 8192, 512, 512, 3, &chk, &err), TB_OK);
    const double measured[] = {chk.machine.sgemm_gflops, chk.machine.bandwidth_gbs,
                               chk.prefill_ms_measured,  chk.prefill_ms_projected,
                               chk.decode_ms_measured,   chk.decode_ms_projected};
    for (size_t i = 0; i < sizeof measured / sizeof measured[0]; i++)
        assert_true(isfinite(measured[i]) && measured[i] > 0);
    assert_true(near(chk.prefill_err, chk.prefill_ms_projected / chk.prefill_ms_measured - 1,
                     1e-12));
    assert_true(near(chk.decode_err, chk.decode_ms_projected / chk.decode_ms_measured - 1,
                     1e-12));
    assert_int_equal(chk.n, 512);
    assert_int_equal(chk.cache, 512);
    assert_int_equal(chk.repeats, 3);
    /* the projection prices exactly the analytic FLOPs of the small preset */
    roofline *rf = load_real();
    roofline_dims sm = *roofline_find_model(rf, "small");
    sm.vocab = 8192;
    double f = roofline_flops(&sm, 512, 0, 1);
    roofline_free(rf);
    assert_true(f == chk.prefill_flops);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flops_by_hand),
        cmocka_unit_test(test_params_by_hand),
        cmocka_unit_test(test_roofline_times_by_hand),
        cmocka_unit_test(test_presets_match_cost_model),
        cmocka_unit_test(test_data_file),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_project_and_rows),
        cmocka_unit_test(test_machine_projection_is_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
