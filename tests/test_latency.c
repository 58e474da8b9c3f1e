/* test_latency.c - the selector model (bench/latency.h) and the exact n-gram
 * entropy (ngram/entropy.h): the Hick-Hyman formula on hand-computed cases,
 * entropies and fork shares on a hand-built model whose entropies are known,
 * the O(children) entropy against brute force over the whole vocabulary on
 * random models, the mode arithmetic, and the rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/stage_latency.h"
#include "../results/results.h"
#include "../ngram/arpa.h"
#include "../ngram/entropy.h"
#include "../ngram/ngram.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* ---- Hick-Hyman ------------------------------------------------------------
 * RT = a + b log2(k + 1):
 *   a 0,   b 150, k 1: 150 * 1            = 150
 *   a 0,   b 150, k 3: 150 * 2            = 300
 *   a 0,   b 150, k 7: 150 * 3            = 450
 *   a 200, b 150, k 1: 200 + 150          = 350
 *   a 100, b 100, k 3: 100 + 100 * 2      = 300
 *   a 0,   b 150, k 5: 150 * log2 6       = 387.7443751081734 (log2 6 = 2.584962500721156)
 *   a 50,  b 0,   k 9: 50 */
static void test_hick_hyman(void **state)
{
    (void)state;
    NEAR(latency_hick_ms(0, 150, 1), 150, 1e-12);
    NEAR(latency_hick_ms(0, 150, 3), 300, 1e-12);
    NEAR(latency_hick_ms(0, 150, 7), 450, 1e-12);
    NEAR(latency_hick_ms(200, 150, 1), 350, 1e-12);
    NEAR(latency_hick_ms(100, 100, 3), 300, 1e-12);
    NEAR(latency_hick_ms(0, 150, 5), 387.7443751081734, 1e-9);
    NEAR(latency_hick_ms(50, 0, 9), 50, 1e-12);
    latency_config cfg;
    latency_config_init(&cfg);
    assert_int_equal(cfg.k, 5);
    NEAR(latency_hick_ms(cfg.hick_a_ms, cfg.hick_b_ms, cfg.k), 387.7443751081734, 1e-9);
}

/* ---- the hand-built model ----------------------------------------------------
 * Order 2, words <unk> <s> </s> a = 10, b = 20.
 * Unigrams: p(<unk>) = p(</s>) = p(a) = p(b) = 1/4 (p(<s>) = 0): H = 2 bits.
 * bo(<s>) = 10^-99, bo(a) = 2/3, bo(b) = 1.
 * Bigrams: p(a|<s>) = 1, p(b|a) = 1/2.
 *   after <s>: a has p 1, the rest 10^-99/4 each:     H = 0 (to 1e-90)
 *   after a:   b 1/2, <unk> </s> a (2/3)(1/4) = 1/6:  H = 1/2 + 3 (1/6) log2 6
 *                                                        = (1 + log2 6) / 2 = 1.792481250360578
 *   after b:   no children, bo 1: the unigrams:         H = 2 */
static const char k_hand_arpa[] = "\\data\\\n"
                                  "ngram 1=5\n"
                                  "ngram 2=2\n"
                                  "\n"
                                  "\\1-grams:\n"
                                  "-0.6020599913279624\t<unk>\t0\n"
                                  "-99\t<s>\t-99\n"
                                  "-0.6020599913279624\t</s>\t0\n"
                                  "-0.6020599913279624\t10\t-0.17609125905568124\n"
                                  "-0.6020599913279624\t20\t0\n"
                                  "\n"
                                  "\\2-grams:\n"
                                  "0\t<s> 10\n"
                                  "-0.3010299956639812\t10 20\n"
                                  "\n"
                                  "\\end\\\n";

static const double k_h_after_a = 1.792481250360578;

static ngram_model *hand_model(void)
{
    ngram_model *m = NULL;
    tb_error err = {0};
    int rc = ngram_arpa_parse(k_hand_arpa, strlen(k_hand_arpa), "hand", &m, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    return m;
}

/* Brute force: every word but <s>, through ngram_score. */
static double brute_entropy(const ngram_model *m, const ngram_state *s)
{
    double h = 0;
    for (uint32_t w = 0; w < ngram_n_words(m); w++) {
        if (w == NGRAM_BOS)
            continue;
        double lp = ngram_score(m, s, w, NULL);
        double l2 = lp * log2(10.0);
        double p = exp2(l2);
        if (p > 0)
            h -= p * l2;
    }
    return h;
}

static void test_entropy_hand(void **state)
{
    (void)state;
    ngram_model *m = hand_model();
    ngram_entropy *e = NULL;
    tb_error err = {0};
    assert_int_equal(ngram_entropy_new(m, &e, &err), TB_OK);
    uint32_t a = ngram_word(m, 10), b = ngram_word(m, 20);
    ngram_state s, sa, sb, sab;
    ngram_state_begin(m, &s);
    NEAR(ngram_entropy_bits(e, &s), 0, 1e-90);
    ngram_score(m, &s, a, &sa);
    NEAR(ngram_entropy_bits(e, &sa), k_h_after_a, 1e-12);
    ngram_score(m, &sa, b, &sab);
    NEAR(ngram_entropy_bits(e, &sab), 2, 1e-12);
    ngram_score(m, &s, b, &sb); /* "<s> b" is absent: backs off to b */
    NEAR(ngram_entropy_bits(e, &sb), 2, 1e-12);
    ngram_state_empty(m, &s);
    NEAR(ngram_entropy_bits(e, &s), 2, 1e-12);
    /* the brute force agrees */
    NEAR(brute_entropy(m, &sa), k_h_after_a, 1e-12);
    NEAR(brute_entropy(m, &sab), 2, 1e-12);
    ngram_entropy_free(e);
    ngram_free(m);
}

/* Test segments "a b" and "b": steps <s>|a|b and <s>|b, entropies
 * 0, 1.7925, 2 and 0, 2: five steps. Forks (entropy > T):
 *   T 0.5: 3 (3/5)   T 1: 3 (3/5)   T 1.9: 2 (2/5)   T 2.5: 0
 * Top-1 (ngram_best) and the true next word at each step:
 *   "a b": <s>: a (p 1)    truth a     right
 *          a:   b (p 1/2)  truth b     right
 *          b:   </s> (1/4, tied with a, b, <unk>; </s> is the lowest word)
 *                          truth </s>  right
 *   "b":   <s>: a (p 1)    truth b     WRONG
 *          b:   </s> (1/4) truth </s>  right
 * Oracle forks: 1 (1/5). p_max forks (p_max < tau) and errors (no fork,
 * wrong top-1):
 *   tau 0.4: 2 (the two 1/4 steps), errors 1 (the p = 1 step of "b")
 *   tau 0.6: 3, errors 1        tau 0.9: 3, errors 1 */
static void test_fork_share_hand(void **state)
{
    (void)state;
    ngram_model *m = hand_model();
    static const uint32_t ids[] = {10, 20, 20};
    static const size_t first[] = {0, 2, 3};
    ngram_data test = {2, ids, first, NULL};
    latency_config cfg;
    latency_config_init(&cfg);
    cfg.n_thresholds = 4;
    cfg.thresholds[0] = 1.9;
    cfg.thresholds[1] = 0.5;
    cfg.thresholds[2] = 1;
    cfg.thresholds[3] = 2.5;
    cfg.n_taus = 3;
    cfg.taus[0] = 0.6;
    cfg.taus[1] = 0.4;
    cfg.taus[2] = 0.9;
    latency_profile p;
    tb_error err = {0};
    assert_int_equal(latency_profile_measure(m, &test, &cfg, &p, &err), TB_OK);
    assert_int_equal(p.segments, 2);
    assert_int_equal(p.tokens, 3);
    assert_int_equal(p.steps, 5);
    assert_int_equal(p.seg_tokens[0], 2);
    assert_int_equal(p.seg_tokens[1], 1);
    assert_int_equal(p.forks[0], 2);
    assert_int_equal(p.forks[1], 3);
    assert_int_equal(p.forks[2], 3);
    assert_int_equal(p.forks[3], 0);
    NEAR(p.entropy_bits, k_h_after_a + 2 + 2, 1e-12);
    assert_true(p.ms_topk >= 0 && p.ms_entropy >= 0 && p.ms_best >= 0);
    assert_int_equal(p.oracle_forks, 1);
    assert_int_equal(p.pforks[0], 3);
    assert_int_equal(p.pforks[1], 2);
    assert_int_equal(p.pforks[2], 3);
    assert_int_equal(p.perrors[0], 1);
    assert_int_equal(p.perrors[1], 1);
    assert_int_equal(p.perrors[2], 1);
    /* the use mask selects segments: only "b" */
    static const unsigned char use[] = {0, 1};
    ngram_data only_b = {2, ids, first, use};
    latency_profile q;
    assert_int_equal(latency_profile_measure(m, &only_b, &cfg, &q, &err), TB_OK);
    assert_int_equal(q.steps, 2);
    assert_int_equal(q.forks[0], 1);
    assert_int_equal(q.oracle_forks, 1);  /* <s>: a, truth b */
    assert_int_equal(q.pforks[0], 1);     /* b: </s> at 1/4 */
    assert_int_equal(q.perrors[0], 1);    /* the wrong a at p 1 is accepted */
    latency_profile_release(&q);
    /* rows: fork shares by threshold, ascending, with their tags */
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    latency_model_ms mm = {1, {1}, {10}, 1, {1}, {2}};
    latency_times t;
    latency_compute(&p, &mm, &cfg, &t);
    assert_int_equal(latency_emit(&p, &t, &cfg, 4, 10, "c", "xx", "tok", r, &err), TB_OK);
    static const struct {
        const char *metric;
        double v;
    } want[] = {{"latency_fork_share_t0p5", 0.6},
                {"latency_fork_share_t1", 0.6},
                {"latency_fork_share_t1p9", 0.4},
                {"latency_fork_share_t2p5", 0},
                {"latency_fork_share_p0p4", 0.4},
                {"latency_fork_share_p0p6", 0.6},
                {"latency_fork_share_p0p9", 0.6},
                {"latency_error_share_p0p4", 0.2},
                {"latency_error_share_p0p6", 0.2},
                {"latency_error_share_p0p9", 0.2},
                {"latency_fork_share_oracle", 0.2},
                {"latency_choices_per_segment_select", 2.5},
                {"latency_choices_per_segment_hybrid", 1.5}, /* p_max < 0.6: 3 / 2 */
                {"latency_threshold_bits", 1.9},
                {"latency_fork_tau", 0.6},
                {"latency_k", 5}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        long at = results_find(r, "c", "test", "xx", "tok", want[i].metric);
        assert_true(at >= 0);
        result_row row;
        results_get(r, (size_t)at, &row);
        NEAR(row.value, want[i].v, 1e-12);
    }
    long at = results_find(r, "c", "test", "xx", "tok", "latency_entropy_bits");
    assert_true(at >= 0);
    result_row row;
    results_get(r, (size_t)at, &row);
    NEAR(row.value, (k_h_after_a + 4) / 5, 1e-12);
    results_free(r);
    /* without model figures: only the deterministic rows */
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(latency_emit(&p, NULL, &cfg, 4, 10, "c", "xx", "tok", r, &err), TB_OK);
    /* choices 2, entropy shares 4, p_max and error shares 3 x 2, oracle 1,
     * entropy, threshold, tau, k, Hick-Hyman a and b */
    assert_int_equal(results_count(r), 2 + 4 + 6 + 1 + 4 + 2);
    double a = -1, b = -1;
    assert_true(results_value(r, "c", "test", "xx", "tok", "latency_hick_a_ms", &a));
    assert_true(results_value(r, "c", "test", "xx", "tok", "latency_hick_b_ms", &b));
    assert_true(a == cfg.hick_a_ms && b == cfg.hick_b_ms);
    for (size_t i = 0; i < results_count(r); i++) {
        results_get(r, i, &row);
        assert_false(results_unit_is_timing(row.unit));
    }
    results_free(r);
    latency_profile_release(&p);
    ngram_free(m);
}

/* ---- the long tail: why p_max, not entropy -----------------------------------
 * Order 2, words <unk>, </s> and the tokens 1 .. 99999: M = 100001 words
 * that can follow, the unigrams uniform (1/M each; <s> 0, bo(<s>) = 1).
 * One bigram "1 2" with p 0.9, and bo(1) = 0.1 / (1 - 1/M), so after token 1
 * every other word has 0.1 / (M - 1) = 1e-6 and the whole sums to 1:
 *   H(after 1) = -0.9 log2 0.9 - 0.1 log2 1e-6 = 0.1368 + 1.9932 = 2.1300 bits
 *   p_max      = 0.9 (token 2)
 * so the step is an entropy fork at T = 2 but no p_max fork at tau 0.5 (nor
 * at 0.9: 0.9 < 0.9 is false; at 0.95 it is one). The test segment "1 2" has three steps:
 *   <s>: uniform: H = log2 M = 16.61, top-1 </s> (p 1/M, the lowest word),
 *        truth 1: a fork by every rule, oracle fork too
 *   1:   the step above, top-1 2 = truth
 *   2:   uniform (bo 1), top-1 </s> = truth: a fork by p_max and entropy,
 *        no oracle fork
 * Forks: entropy > 2: 3; p_max < 0.5: 2; p_max < 0.95: 3; oracle: 1;
 * errors (accepted wrong top-1): 0. */
static ngram_model *long_tail_model(void)
{
    enum { V = 99999 };
    double M = V + 2.0;
    size_t cap = (size_t)V * 48 + 4096, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    double lu = log10(1.0 / M), bo1 = log10(0.1 / (1.0 - 1.0 / M));
    n += (size_t)snprintf(t + n, cap - n,
                          "\\data\\\nngram 1=%d\nngram 2=1\n\n\\1-grams:\n"
                          "%.17g\t<unk>\t0\n-99\t<s>\t0\n%.17g\t</s>\t0\n",
                          V + 3, lu, lu);
    for (int w = 1; w <= V; w++)
        n += (size_t)snprintf(t + n, cap - n, "%.17g\t%d\t%.17g\n", lu, w, w == 1 ? bo1 : 0.0);
    n += (size_t)snprintf(t + n, cap - n, "\n\\2-grams:\n%.17g\t1 2\n\n\\end\\\n", log10(0.9));
    assert_true(n < cap);
    ngram_model *m = NULL;
    tb_error err = {0};
    int rc = ngram_arpa_parse(t, n, "long-tail", &m, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    free(t);
    return m;
}

static void test_long_tail_fork(void **state)
{
    (void)state;
    ngram_model *m = long_tail_model();
    ngram_entropy *e = NULL;
    tb_error err = {0};
    assert_int_equal(ngram_entropy_new(m, &e, &err), TB_OK);
    ngram_state s0, s1;
    ngram_state_begin(m, &s0);
    ngram_score(m, &s0, ngram_word(m, 1), &s1);
    double h = ngram_entropy_bits(e, &s1);
    NEAR(h, -0.9 * log2(0.9) - 0.1 * log2(1e-6), 1e-6);
    assert_true(h > 2);
    uint32_t w;
    double p_max = pow(10.0, ngram_best(m, &s1, &w));
    NEAR(p_max, 0.9, 1e-12);
    assert_int_equal(w, ngram_word(m, 2));
    ngram_entropy_free(e);

    static const uint32_t ids[] = {1, 2};
    static const size_t first[] = {0, 2};
    ngram_data test = {1, ids, first, NULL};
    latency_config cfg;
    latency_config_init(&cfg);
    cfg.n_thresholds = 1;
    cfg.thresholds[0] = 2;
    cfg.n_taus = 2;
    cfg.taus[0] = 0.5;
    cfg.taus[1] = 0.95;
    latency_profile p;
    assert_int_equal(latency_profile_measure(m, &test, &cfg, &p, &err), TB_OK);
    assert_int_equal(p.steps, 3);
    assert_int_equal(p.forks[0], 3);   /* entropy > 2 bits: the tail counts */
    assert_int_equal(p.pforks[0], 2);  /* p_max < 0.5: the step after 1 is no fork */
    assert_int_equal(p.pforks[1], 3);  /* p_max < 0.95: now the 0.9 step is one too */
    assert_int_equal(p.oracle_forks, 1);
    assert_int_equal(p.perrors[0], 0);
    assert_int_equal(p.perrors[1], 0);
    latency_profile_release(&p);
    ngram_free(m);
}

/* ---- exact entropy against brute force on random models --------------------- */

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* A skewed id in 0..v-1 (small ids frequent), so n-grams repeat. */
static uint32_t skewed(uint64_t *s, uint32_t v)
{
    uint32_t a = (uint32_t)(rng_next(s) % v), b = (uint32_t)(rng_next(s) % v);
    return a < b ? a : b;
}

static void check_random_model(uint64_t seed, uint32_t vocab, size_t n_seg, int order,
                               double *worst)
{
    uint64_t s = seed;
    uint32_t *ids = malloc(n_seg * 16 * sizeof *ids);
    size_t *first = malloc((n_seg + 1) * sizeof *first);
    assert_non_null(ids);
    assert_non_null(first);
    size_t at = 0;
    for (size_t g = 0; g < n_seg; g++) {
        first[g] = at;
        size_t len = rng_next(&s) % 16;
        for (size_t i = 0; i < len; i++)
            ids[at++] = 100 + 7 * skewed(&s, vocab);
    }
    first[n_seg] = at;
    ngram_data d = {n_seg, ids, first, NULL};
    ngram_model *m = NULL;
    ngram_entropy *e = NULL;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, order, &m, &err), TB_OK);
    assert_int_equal(ngram_entropy_new(m, &e, &err), TB_OK);
    /* histories: the training segments themselves (long matches), random
     * walks with unseen ids (<unk>), and the empty state */
    for (int walk = 0; walk < 40; walk++) {
        ngram_state st;
        if (walk == 0)
            ngram_state_empty(m, &st);
        else
            ngram_state_begin(m, &st);
        size_t g = rng_next(&s) % n_seg;
        for (int i = 0; i < 12; i++) {
            double fast = ngram_entropy_bits(e, &st), slow = brute_entropy(m, &st);
            double diff = fabs(fast - slow);
            if (diff > *worst)
                *worst = diff;
            if (diff > 1e-9)
                fprintf(stderr, "seed %llu order %d vocab %u: fast %.15g brute %.15g\n",
                        (unsigned long long)seed, order, vocab, fast, slow);
            assert_true(diff <= 1e-9);
            uint32_t tok;
            if (walk % 2 && first[g] + (size_t)i < first[g + 1])
                tok = ids[first[g] + (size_t)i];
            else if (rng_next(&s) % 10 == 0)
                tok = 99999; /* never seen: <unk> */
            else
                tok = 100 + 7 * skewed(&s, vocab);
            ngram_score(m, &st, ngram_word(m, tok), &st);
        }
    }
    ngram_entropy_free(e);
    ngram_free(m);
    free(ids);
    free(first);
}

static void test_entropy_brute_random(void **state)
{
    (void)state;
    double worst = 0;
    static const uint32_t vocabs[] = {2, 5, 30, 300};
    static const size_t segs[] = {20, 200, 60, 400};
    for (int order = 1; order <= 5; order++)
        for (size_t v = 0; v < 4; v++)
            for (uint64_t seed = 1; seed <= 3; seed++)
                check_random_model(seed * 7919 + (uint64_t)order, vocabs[v], segs[v], order,
                                   &worst);
    assert_true(worst <= 1e-9);
}

/* The exported ARPA of a random model gives the same entropies (the same
 * doubles, the same child index rebuilt by the reader). */
static void test_entropy_arpa_roundtrip(void **state)
{
    (void)state;
    uint64_t s = 42;
    enum { NSEG = 150 };
    uint32_t ids[NSEG * 16];
    size_t first[NSEG + 1], at = 0;
    for (size_t g = 0; g < NSEG; g++) {
        first[g] = at;
        size_t len = rng_next(&s) % 16;
        for (size_t i = 0; i < len; i++)
            ids[at++] = skewed(&s, 20);
    }
    first[NSEG] = at;
    ngram_data d = {NSEG, ids, first, NULL};
    ngram_model *m = NULL, *back = NULL;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, 3, &m, &err), TB_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(ngram_arpa_write(m, f, &err), TB_OK);
    fclose(f);
    assert_int_equal(ngram_arpa_parse(buf, len, "mem", &back, &err), TB_OK);
    ngram_entropy *e1 = NULL, *e2 = NULL;
    assert_int_equal(ngram_entropy_new(m, &e1, &err), TB_OK);
    assert_int_equal(ngram_entropy_new(back, &e2, &err), TB_OK);
    ngram_state s1, s2;
    ngram_state_begin(m, &s1);
    ngram_state_begin(back, &s2);
    for (size_t i = first[3]; i < first[NSEG]; i += 3) {
        double h1 = ngram_entropy_bits(e1, &s1), h2 = ngram_entropy_bits(e2, &s2);
        NEAR(h1, h2, 1e-12);
        NEAR(h2, brute_entropy(back, &s2), 1e-9);
        ngram_score(m, &s1, ngram_word(m, ids[i]), &s1);
        ngram_score(back, &s2, ngram_word(back, ids[i]), &s2);
    }
    ngram_entropy_free(e1);
    ngram_entropy_free(e2);
    ngram_free(m);
    ngram_free(back);
    free(buf);
}

/* ---- the mode arithmetic ----------------------------------------------------
 * Two segments of 2 and 1 tokens (5 steps, 3 tokens), top-k 0.5 ms, entropy
 * 0.1 ms, top-1 0.2 ms, prompt 1 token, prefill(1) = 10 ms, decode 2 ms at
 * position 1 and 4 ms at 3 (3 ms at 2 by interpolation), RT = 150 log2 6:
 *   model  = (10 + d(1) + d(2)) + (10 + d(1)) = 15 + 12 = 27
 *   auto   = 27 machine, 0 human
 *   select = 27 + 5 * 0.5 = 29.5 machine, 5 RT human
 * entropy forks 3 (T 2) and 1 (T 8):
 *   hybrid_t2 = 27 + 5 * 0.1 + 3 * 0.5 = 29 machine, 3 RT
 *   hybrid_t8 = 27 + 0.5 + 0.5 = 28 machine, 1 RT
 * p_max forks 3 (tau 0.5, 1 error) and 4 (tau 0.9, 0 errors); the check
 * 27 + 5 * 0.2 = 28:
 *   hybrid (= hybrid_p0p5) = 28 + 3 * 0.5 = 29.5 machine, 3 RT
 *   hybrid_p0p9            = 28 + 4 * 0.5 = 30 machine, 4 RT
 *   corrected_p0p5         = 29.5 machine, (3 + 1) RT
 *   corrected_p0p9         = 30 machine, 4 RT
 * oracle forks 2: 28 + 1 = 29 machine, 2 RT.
 * projected, 4 ms and 10 ms a step: 5 * 4 = 20 and 5 * 10 = 50 machine, 3 RT
 * (the forks at tau 0.5). */
static void test_compute_hand(void **state)
{
    (void)state;
    size_t seg[] = {2, 1};
    latency_profile p = {0};
    p.segments = 2;
    p.tokens = 3;
    p.steps = 5;
    p.seg_tokens = seg;
    p.n_thresholds = 2;
    p.thresholds[0] = 2;
    p.thresholds[1] = 8;
    p.forks[0] = 3;
    p.forks[1] = 1;
    p.n_taus = 2;
    p.taus[0] = 0.5;
    p.taus[1] = 0.9;
    p.pforks[0] = 3;
    p.pforks[1] = 4;
    p.perrors[0] = 1;
    p.perrors[1] = 0;
    p.oracle_forks = 2;
    p.ms_topk = 0.5;
    p.ms_entropy = 0.1;
    p.ms_best = 0.2;
    latency_model_ms mm = {1, {1}, {10}, 2, {1, 3}, {2, 4}};
    NEAR(latency_decode_ms(&mm, 0), 2, 1e-12);
    NEAR(latency_decode_ms(&mm, 2), 3, 1e-12);
    NEAR(latency_decode_ms(&mm, 100), 4, 1e-12);
    NEAR(latency_prefill_ms(&mm, 1), 10, 1e-12);
    latency_model_ms m16 = {2, {16, 64}, {8, 20}, 1, {128}, {1}};
    NEAR(latency_prefill_ms(&m16, 4), 2, 1e-12);
    NEAR(latency_prefill_ms(&m16, 40), 14, 1e-12);
    NEAR(latency_prefill_ms(&m16, 1000), 20, 1e-12);
    latency_config cfg;
    latency_config_init(&cfg);
    cfg.n_thresholds = 2;
    cfg.thresholds[0] = 2;
    cfg.thresholds[1] = 8;
    cfg.n_taus = 2;
    cfg.taus[0] = 0.5;
    cfg.taus[1] = 0.9;
    tb_error err = {0};
    assert_int_equal(latency_config_add_proj(&cfg, "llama2-7b_h100-sxm", 4, &err), TB_OK);
    assert_int_equal(latency_config_add_proj(&cfg, "qwen2-7b_rtx4090", 10, &err), TB_OK);
    latency_times t;
    latency_compute(&p, &mm, &cfg, &t);
    double rt = 150 * log2(6.0);
    NEAR(t.ms_model, 27, 1e-12);
    NEAR(t.ms_choice, rt, 1e-9);
    NEAR(t.mode[LATENCY_AUTO].machine_ms, 27, 1e-12);
    NEAR(t.mode[LATENCY_AUTO].human_ms, 0, 0);
    NEAR(t.mode[LATENCY_SELECT].machine_ms, 29.5, 1e-12);
    NEAR(t.mode[LATENCY_SELECT].human_ms, 5 * rt, 1e-9);
    NEAR(t.mode[LATENCY_SELECT].choices, 5, 0);
    NEAR(t.mode[LATENCY_HYBRID].machine_ms, 29.5, 1e-12);
    NEAR(t.mode[LATENCY_HYBRID].human_ms, 3 * rt, 1e-9);
    NEAR(t.mode[LATENCY_HYBRID].choices, 3, 0);
    NEAR(t.hybrid[0].machine_ms, 29, 1e-12);
    NEAR(t.hybrid[0].human_ms, 3 * rt, 1e-9);
    NEAR(t.hybrid[1].machine_ms, 27 + 0.5 + 0.5, 1e-12);
    NEAR(t.hybrid[1].human_ms, rt, 1e-9);
    NEAR(t.hybrid_p[1].machine_ms, 30, 1e-12);
    NEAR(t.hybrid_p[1].human_ms, 4 * rt, 1e-9);
    NEAR(t.corrected_p[0].machine_ms, 29.5, 1e-12);
    NEAR(t.corrected_p[0].human_ms, 4 * rt, 1e-9);
    NEAR(t.corrected_p[1].human_ms, 4 * rt, 1e-9);
    NEAR(t.oracle.machine_ms, 29, 1e-12);
    NEAR(t.oracle.human_ms, 2 * rt, 1e-9);
    NEAR(t.proj[0].machine_ms, 20, 1e-12);
    NEAR(t.proj[0].human_ms, 3 * rt, 1e-9);
    NEAR(t.proj[1].machine_ms, 50, 1e-12);
    /* a longer prompt moves every decode step */
    cfg.prompt_tokens = 2;
    latency_compute(&p, &mm, &cfg, &t);
    /* prefill(2) = 10 (one point: constant above it); decodes at 2, 3 and 2 */
    NEAR(t.ms_model, (10 + 3 + 4) + (10 + 3), 1e-12);

    /* rows: per segment, word, English byte and token; shares */
    cfg.prompt_tokens = 1;
    latency_compute(&p, &mm, &cfg, &t);
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(latency_emit(&p, &t, &cfg, 4, 10, "c", "xx", "tok", r, &err), TB_OK);
    static const struct {
        const char *metric;
        double v;
    } want[] = {
        {"latency_ms_per_segment_auto", 13.5},
        {"latency_ms_per_word_auto", 6.75},
        {"latency_ms_per_en_byte_auto", 2.7},
        {"latency_ms_per_token_auto", 9},
        {"latency_ms_per_segment_select", (29.5 + 5 * 387.7443751081734) / 2},
        {"latency_ms_per_token_hybrid", (29.5 + 3 * 387.7443751081734) / 3},
        {"latency_ms_per_token_human_hybrid", 387.7443751081734},
        {"latency_ms_per_token_machine_hybrid", 29.5 / 3},
        {"latency_ms_per_segment_hybrid", (29.5 + 3 * 387.7443751081734) / 2},
        {"latency_choices_per_segment_hybrid", 1.5},
        {"latency_ms_per_token_hybrid_p0p5", (29.5 + 3 * 387.7443751081734) / 3},
        {"latency_ms_per_segment_hybrid_p0p9", (30 + 4 * 387.7443751081734) / 2},
        {"latency_ms_per_token_hybrid_p0p9", (30 + 4 * 387.7443751081734) / 3},
        {"latency_ms_per_token_hybrid_corrected_p0p5", (29.5 + 4 * 387.7443751081734) / 3},
        {"latency_ms_per_token_hybrid_corrected_p0p9", (30 + 4 * 387.7443751081734) / 3},
        {"latency_ms_per_token_hybrid_oracle", (29 + 2 * 387.7443751081734) / 3},
        {"latency_ms_per_token_hybrid_llama2-7b_h100-sxm", (20 + 3 * 387.7443751081734) / 3},
        {"latency_ms_per_token_hybrid_qwen2-7b_rtx4090", (50 + 3 * 387.7443751081734) / 3},
        {"latency_fork_share_p0p5", 0.6},
        {"latency_fork_share_p0p9", 0.8},
        {"latency_error_share_p0p5", 0.2},
        {"latency_error_share_p0p9", 0},
        {"latency_fork_share_oracle", 0.4},
        {"latency_fork_tau", 0.5},
        {"latency_ms_best", 0.2},
        {"latency_human_share_select", 5 * 387.7443751081734 / (29.5 + 5 * 387.7443751081734)},
        {"latency_ms_per_segment_hybrid_t8", (28 + 387.7443751081734) / 2},
        {"latency_ms_per_token_hybrid_t2", (29 + 3 * 387.7443751081734) / 3},
        {"latency_ms_step", 27.0 / 5},
        {"latency_ms_topk", 0.5},
        {"latency_ms_entropy", 0.1},
        {"latency_ms_choice", 387.7443751081734},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        long at = results_find(r, "c", "test", "xx", "tok", want[i].metric);
        if (at < 0)
            fprintf(stderr, "missing row %s\n", want[i].metric);
        assert_true(at >= 0);
        result_row row;
        results_get(r, (size_t)at, &row);
        NEAR(row.value, want[i].v, 1e-9);
    }
    assert_true(results_find(r, "c", "test", "xx", "tok", "latency_human_share_auto") < 0);
    /* human + machine per token = the hybrid per token, as rows */
    double hv[3];
    static const char *const split[3] = {"latency_ms_per_token_human_hybrid",
                                         "latency_ms_per_token_machine_hybrid",
                                         "latency_ms_per_token_hybrid"};
    for (int i = 0; i < 3; i++) {
        long at = results_find(r, "c", "test", "xx", "tok", split[i]);
        assert_true(at >= 0);
        result_row row;
        results_get(r, (size_t)at, &row);
        hv[i] = row.value;
    }
    NEAR(hv[0] + hv[1], hv[2], 1e-9 * hv[2]);
    size_t n_rows = results_count(r);
    results_free(r);
    /* without English bytes and words: those rows are left out */
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(latency_emit(&p, &t, &cfg, 0, 0, "c", "xx", "tok", r, &err), TB_OK);
    assert_int_equal(results_count(r), n_rows - 6);
    assert_true(results_find(r, "c", "test", "xx", "tok", "latency_ms_per_en_byte_auto") < 0);
    results_free(r);
}

static void test_model_from_results(void **state)
{
    (void)state;
    results *r = NULL;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(results_add(r, "c", "test", "en", "bytes", "ms_prefill", 99, "ms", &err), 0);
    assert_int_equal(results_add(r, "c", "test", "en", "bytes", "ms_prefill_16", 3, "ms", &err), 0);
    assert_int_equal(results_add(r, "c", "test", "en", "bytes", "ms_prefill_1", 1, "ms", &err), 0);
    assert_int_equal(results_add(r, "c", "test", "en", "bytes", "ms_prefill_vs_en", 1, "time_ratio",
                                 &err), 0);
    assert_int_equal(results_add(r, "c", "test", "en", "bytes", "ms_decode_token_512", 6, "ms",
                                 &err), 0);
    assert_int_equal(results_add(r, "c", "test", "en", "bytes", "ms_decode_token_128", 5, "ms",
                                 &err), 0);
    assert_int_equal(results_add(r, "c", "test", "ru", "bytes", "ms_decode_token_64", 7, "ms",
                                 &err), 0);
    assert_int_equal(results_add(r, "c", "all", "en", "bytes", "ms_decode_token_64", 7, "ms",
                                 &err), 0);
    latency_model_ms mm;
    assert_int_equal(latency_model_from_results(r, "c", "en", "bytes", &mm, &err), TB_OK);
    assert_int_equal(mm.n_prefill, 2);
    assert_int_equal(mm.prefill_len[0], 1);
    assert_int_equal(mm.prefill_len[1], 16);
    NEAR(mm.prefill_ms[0], 1, 0);
    NEAR(mm.prefill_ms[1], 3, 0);
    assert_int_equal(mm.n_decode, 2);
    assert_int_equal(mm.decode_pos[0], 128);
    assert_int_equal(mm.decode_pos[1], 512);
    NEAR(mm.decode_ms[0], 5, 0);
    NEAR(mm.decode_ms[1], 6, 0);
    assert_int_equal(latency_model_from_results(r, "c", "zh", "bytes", &mm, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "ms_decode_token_C"));
    results_free(r);
}

static void test_config_and_tags(void **state)
{
    (void)state;
    char tag[40];
    latency_threshold_tag(2, tag, sizeof tag);
    assert_string_equal(tag, "t2");
    latency_threshold_tag(1.5, tag, sizeof tag);
    assert_string_equal(tag, "t1p5");
    latency_threshold_tag(0.25, tag, sizeof tag);
    assert_string_equal(tag, "t0p25");
    latency_tau_tag(0.5, tag, sizeof tag);
    assert_string_equal(tag, "p0p5");
    latency_tau_tag(0.9, tag, sizeof tag);
    assert_string_equal(tag, "p0p9");
    latency_tau_tag(1, tag, sizeof tag);
    assert_string_equal(tag, "p1");
    latency_config cfg;
    tb_error err = {0};
    latency_config_init(&cfg);
    assert_int_equal(latency_config_check(&cfg, &err), TB_OK);
    NEAR(cfg.thresholds[0], 2, 0);
    assert_int_equal(cfg.n_taus, 3);
    NEAR(cfg.taus[0], 0.5, 0);
    NEAR(cfg.taus[1], 0.7, 0);
    NEAR(cfg.taus[2], 0.9, 0);
    assert_int_equal(cfg.n_proj, 0);
    cfg.taus[1] = 1.5;
    assert_int_equal(latency_config_check(&cfg, &err), TB_EUSAGE);
    cfg.taus[1] = -0.1;
    assert_int_equal(latency_config_check(&cfg, &err), TB_EUSAGE);
    latency_config_init(&cfg);
    cfg.n_taus = 0;
    assert_int_equal(latency_config_check(&cfg, &err), TB_EUSAGE);
    latency_config_init(&cfg);
    assert_int_equal(latency_config_add_proj(&cfg, "llama2-7b_h100-sxm", 1.5, &err), TB_OK);
    assert_string_equal(cfg.proj[0].name, "llama2-7b_h100-sxm");
    assert_int_equal(latency_config_add_proj(&cfg, "nounderscore", 1, &err), TB_EUSAGE);
    assert_int_equal(latency_config_add_proj(&cfg, "a_b_c", 1, &err), TB_EUSAGE);
    assert_int_equal(latency_config_add_proj(&cfg, "_h100", 1, &err), TB_EUSAGE);
    assert_int_equal(latency_config_add_proj(&cfg, "Big_h100", 1, &err), TB_EUSAGE);
    assert_int_equal(latency_config_add_proj(&cfg, "m_hw", -1, &err), TB_EUSAGE);
    assert_int_equal(cfg.n_proj, 1);
    assert_int_equal(latency_config_check(&cfg, &err), TB_OK);
    for (int i = 1; i < LATENCY_MAX_PROJ; i++)
        assert_int_equal(latency_config_add_proj(&cfg, "m_hw", 1, &err), TB_OK);
    assert_int_equal(latency_config_add_proj(&cfg, "m_hw", 1, &err), TB_EUSAGE);
    latency_config_init(&cfg);
    cfg.k = 0;
    assert_int_equal(latency_config_check(&cfg, &err), TB_EUSAGE);
    latency_config_init(&cfg);
    cfg.k = LATENCY_MAX_K + 1;
    assert_int_equal(latency_config_check(&cfg, &err), TB_EUSAGE);
    latency_config_init(&cfg);
    cfg.thresholds[1] = -1;
    assert_int_equal(latency_config_check(&cfg, &err), TB_EUSAGE);
    latency_config_init(&cfg);
    cfg.hick_b_ms = NAN;
    assert_int_equal(latency_config_check(&cfg, &err), TB_EUSAGE);
    latency_config_init(&cfg);
    cfg.order = 7;
    assert_int_equal(latency_config_check(&cfg, &err), TB_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hick_hyman),
        cmocka_unit_test(test_entropy_hand),
        cmocka_unit_test(test_fork_share_hand),
        cmocka_unit_test(test_long_tail_fork),
        cmocka_unit_test(test_entropy_brute_random),
        cmocka_unit_test(test_entropy_arpa_roundtrip),
        cmocka_unit_test(test_compute_hand),
        cmocka_unit_test(test_model_from_results),
        cmocka_unit_test(test_config_and_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
