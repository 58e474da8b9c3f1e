/* test_ngram.c - the modified Kneser-Ney n-gram model (ngram/): hand-computed
 * probabilities, normalisation, exact suggestions, ARPA round trip,
 * determinism and malformed ARPA / id files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ngram/arpa.h"
#include "../ngram/complete.h"
#include "../ngram/idfile.h"
#include "../ngram/ngram.h"
#include "../ngram/ngram_impl.h" /* the probing table test looks inside */

/* ---- the tiny corpus -------------------------------------------------------
 * Tokens a = 10, b = 20, c = 30; four segments:
 *   S1 <s> a b </s>   S2 <s> a b c </s>   S3 <s> b a </s>   S4 <s> a </s>
 * |V| = 6 (<unk> <s> </s> a b c), uniform part 1/(|V|-1) = 1/5.
 *
 * Order 2. Bigram (highest order) counts are raw: <s>a 3, <s>b 1, ab 2,
 * b</s> 1, bc 1, c</s> 1, ba 1, a</s> 2. Counts-of-counts n1=5 n2=2 n3=1
 * n4=0: Y = 5/9, D1 = 1-2Y(2/5) = 5/9, D2 = 2-3Y(1/2) = 7/6, D3 = 3-4Y*0 = 3.
 * Unigram continuation counts (distinct left words): a 2 (<s>,b), b 2 (<s>,a),
 * c 1 (b), </s> 3 (b,c,a); <s> and <unk> 0. n1=1 n2=2 n3=1 n4=0: Y = 1/5,
 * D1 = 1-2Y*2 = 1/5, D2 = 2-3Y/2 = 17/10, D3 = 3.
 * Unigrams: sum 8, gamma() = (1/5*1 + 17/10*2 + 3*1)/8 = 0.825, 0.825/5 = 0.165:
 *   p(a) = p(b) = (2-1.7)/8 + 0.165 = 0.2025; p(c) = 0.8/8 + 0.165 = 0.265;
 *   p(</s>) = 0/8 + 0.165 = 0.165; p(<unk>) = 0.165 (sum 1).
 * Context <s>: <s>a 3, <s>b 1, sum 4, gamma = (5/9 + 3)/4 = 8/9:
 *   p(a|<s>) = 0 + 8/9*0.2025 = 0.18; p(b|<s>) = (4/9)/4 + 0.18 = 1/9 + 0.18;
 *   p(c|<s>) = 8/9*0.265.
 * Context a: ab 2, a</s> 2, sum 4, gamma = 2*7/6/4 = 7/12:
 *   p(b|a) = (5/6)/4 + 7/12*0.2025 = 0.3264583333...;
 *   p(</s>|a) = (5/6)/4 + 7/12*0.165.
 *
 * Order 3. Trigrams: <s>ab 2, ab</s> 1, abc 1, bc</s> 1, <s>ba 1, ba</s> 1,
 * <s>a</s> 1: n1=6 n2=1 n3=0, so KenLM's --discount_fallback D = (.5, 1, 1.5).
 * Bigrams: <s>a 3 and <s>b 1 keep raw counts (they start with <s>); others
 * count distinct left words: ab 1, b</s> 1, bc 1, c</s> 1, ba 1, a</s> 2.
 * n1=6 n2=1 n3=1: Y = 3/4, D2 = 2-3Y = -1/4 < 0: fallback (.5, 1, 1.5) too.
 * Unigrams are the same as for order 2.
 *   context <s>: sum 4, gamma = (.5+1.5)/4 = .5: p(a|<s>) = 1.5/4 + .5*.2025 = .47625
 *   context a: ab 1, a</s> 2, sum 3, gamma = (.5+1)/3 = .5:
 *     p(b|a) = .5/3 + .10125 = .2679166667; p(</s>|a) = 1/3 + .0825; p(c|a) = .5*.265
 *   context b: b</s> 1, bc 1, ba 1, sum 3, gamma = .5: p(c|b) = .5/3 + .5*.265
 *   context <s>a: <s>ab 2, <s>a</s> 1, sum 3, gamma = .5:
 *     p(b|<s>a) = 1/3 + .5 p(b|a); p(</s>|<s>a) = .5/3 + .5 p(</s>|a);
 *     p(c|<s>a) = .5 p(c|a) = .06625
 *   context ab: ab</s> 1, abc 1, sum 2, gamma = .5: p(c|ab) = .25 + .5 p(c|b)
 *
 * Order 1: raw counts a 4, b 3, c 1, </s> 4; n2 = 0: fallback; sum 12,
 * gamma = (.5*1 + 1.5*3)/12 = 5/12, /5 = 1/12: p(a) = 2.5/12 + 1/12,
 * p(b) = 1.5/12 + 1/12, p(c) = .5/12 + 1/12, p(</s>) = 2.5/12 + 1/12,
 * p(<unk>) = 1/12. */
static const uint32_t tiny_ids[] = {10, 20, 10, 20, 30, 20, 10, 10};
static const size_t tiny_first[] = {0, 2, 5, 7, 8};

static ngram_model *tiny(int order)
{
    ngram_data d = {4, tiny_ids, tiny_first, NULL};
    ngram_model *m = NULL;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, order, &m, &err), TB_OK);
    return m;
}

/* p(w | history of token ids; bos: history starts at <s>) */
static double prob(const ngram_model *m, int bos, const uint32_t *hist, size_t nh, uint32_t tok)
{
    ngram_state s;
    if (bos)
        ngram_state_begin(m, &s);
    else
        ngram_state_empty(m, &s);
    for (size_t i = 0; i < nh; i++)
        ngram_score(m, &s, ngram_word(m, hist[i]), &s);
    uint32_t w = tok == 0 ? NGRAM_EOS : tok == 1 ? NGRAM_UNK : ngram_word(m, tok);
    return pow(10.0, ngram_score(m, &s, w, NULL));
}

#define EOS_T 0  /* in prob(): token 0 means </s>, 1 means <unk> */
#define UNK_T 1
#define NEAR(x, y) assert_true(fabs((x) - (y)) < 1e-9)

static void test_hand_order2(void **state)
{
    (void)state;
    ngram_model *m = tiny(2);
    assert_int_equal(ngram_n_words(m), 6);
    assert_int_equal(ngram_count(m, 2), 8);
    ngram_stats st;
    ngram_get_stats(m, &st);
    NEAR(st.discount[1][1], 5.0 / 9);
    NEAR(st.discount[1][2], 7.0 / 6);
    NEAR(st.discount[1][3], 3.0);
    NEAR(st.discount[0][1], 0.2);
    NEAR(st.discount[0][2], 1.7);
    assert_int_equal(st.fallback[0], 0);
    assert_int_equal(st.fallback[1], 0);
    uint32_t a[] = {10}, b[] = {20}, x[] = {99};
    NEAR(prob(m, 0, NULL, 0, 10), 0.2025);
    NEAR(prob(m, 0, NULL, 0, 30), 0.265);
    NEAR(prob(m, 0, NULL, 0, EOS_T), 0.165);
    NEAR(prob(m, 0, NULL, 0, UNK_T), 0.165);
    NEAR(prob(m, 1, NULL, 0, 10), 0.18);
    NEAR(prob(m, 1, NULL, 0, 20), 1.0 / 9 + 0.18);
    NEAR(prob(m, 1, NULL, 0, 30), 8.0 / 9 * 0.265);
    NEAR(prob(m, 1, a, 1, 20), (5.0 / 6) / 4 + 7.0 / 12 * 0.2025);
    NEAR(prob(m, 1, a, 1, EOS_T), (5.0 / 6) / 4 + 7.0 / 12 * 0.165);
    /* unseen token: <unk> */
    NEAR(prob(m, 1, a, 1, 12345), 7.0 / 12 * 0.165);
    /* context b: b</s> 1, bc 1, ba 1, sum 3, gamma = 3*5/9/3 = 5/9 */
    NEAR(prob(m, 1, b, 1, 30), (1 - 5.0 / 9) / 3 + 5.0 / 9 * 0.265);
    /* history <unk>: no context, the unigram distribution */
    NEAR(prob(m, 1, x, 1, 30), 0.265);
    ngram_free(m);
}

static void test_hand_order3(void **state)
{
    (void)state;
    ngram_model *m = tiny(3);
    assert_int_equal(ngram_count(m, 3), 7);
    ngram_stats st;
    ngram_get_stats(m, &st);
    assert_int_equal(st.fallback[0], 0);
    assert_int_equal(st.fallback[1], 1);
    assert_int_equal(st.fallback[2], 1);
    assert_int_equal(st.coc[1][1], 6);
    assert_int_equal(st.coc[1][2], 1);
    assert_int_equal(st.coc[1][3], 1);
    uint32_t a[] = {10}, ab[] = {10, 20}, b[] = {20};
    double pba = 0.5 / 3 + 0.10125, pea = 1.0 / 3 + 0.0825, pca = 0.5 * 0.265;
    double pcb = 0.5 / 3 + 0.5 * 0.265;
    NEAR(prob(m, 1, NULL, 0, 10), 0.47625);
    NEAR(prob(m, 1, a, 1, 20), 1.0 / 3 + 0.5 * pba);
    NEAR(prob(m, 1, a, 1, EOS_T), 0.5 / 3 + 0.5 * pea);
    NEAR(prob(m, 1, a, 1, 30), 0.06625);
    NEAR(prob(m, 1, ab, 2, 30), 0.25 + 0.5 * pcb);
    /* without <s>: bigram contexts */
    NEAR(prob(m, 0, a, 1, 20), pba);
    NEAR(prob(m, 0, a, 1, 30), pca);
    NEAR(prob(m, 0, b, 1, 30), pcb);
    NEAR(prob(m, 0, NULL, 0, 30), 0.265);
    ngram_free(m);
}

static void test_hand_order1(void **state)
{
    (void)state;
    ngram_model *m = tiny(1);
    NEAR(prob(m, 1, NULL, 0, 10), 3.5 / 12);
    NEAR(prob(m, 1, NULL, 0, 20), 2.5 / 12);
    NEAR(prob(m, 1, NULL, 0, 30), 1.5 / 12);
    NEAR(prob(m, 1, NULL, 0, EOS_T), 3.5 / 12);
    NEAR(prob(m, 1, NULL, 0, UNK_T), 1.0 / 12);
    ngram_free(m);
}

/* A pseudo-random corpus with a skewed distribution over vocab ids. */
static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

typedef struct rcorpus {
    uint32_t ids[4000];
    size_t first[401];
    size_t n;
} rcorpus;

static void random_corpus(rcorpus *c, size_t nseg, uint32_t vocab, uint64_t seed)
{
    rng_state = seed;
    size_t n = 0;
    c->first[0] = 0;
    for (size_t s = 0; s < nseg; s++) {
        size_t len = rnd(9);
        for (size_t i = 0; i < len; i++) {
            uint32_t r = rnd(vocab);
            c->ids[n++] = 100 + (rnd(2) ? r : r / 4) * 7;
        }
        c->first[s + 1] = n;
    }
    c->n = nseg;
}

/* Every history of length 0..order-1 over the vocabulary (with and without
 * <s>): the probabilities over all words except <s> sum to 1. */
static void check_sums(const ngram_model *m)
{
    size_t nv = ngram_n_words(m);
    int N = ngram_order(m);
    size_t nh = N > 2 ? 2 : (size_t)N - 1;
    for (int bos = 0; bos < 2; bos++)
        for (size_t len = 0; len <= nh; len++) {
            size_t combos = 1;
            for (size_t i = 0; i < len; i++)
                combos *= nv;
            for (size_t c = 0; c < combos; c++) {
                ngram_state s;
                if (bos)
                    ngram_state_begin(m, &s);
                else
                    ngram_state_empty(m, &s);
                size_t x = c, skip = 0;
                for (size_t i = 0; i < len; i++) {
                    uint32_t w = (uint32_t)(x % nv);
                    x /= nv;
                    if (w == NGRAM_BOS)
                        skip = 1;
                    ngram_score(m, &s, w, &s);
                }
                if (skip)
                    continue;
                double sum = 0;
                for (uint32_t w = 0; w < nv; w++)
                    if (w != NGRAM_BOS)
                        sum += pow(10.0, ngram_score(m, &s, w, NULL));
                if (fabs(sum - 1.0) > 1e-6)
                    fail_msg("order %d bos %d len %zu combo %zu: sum %.12f", N, bos, len, c, sum);
            }
        }
}

static void test_sums_to_one(void **state)
{
    (void)state;
    for (int order = 1; order <= 3; order++) {
        ngram_model *m = tiny(order);
        check_sums(m);
        ngram_free(m);
    }
    static rcorpus rc;
    random_corpus(&rc, 400, 12, 7);
    for (int order = 1; order <= 6; order++) {
        ngram_data d = {rc.n, rc.ids, rc.first, NULL};
        ngram_model *m;
        tb_error err = {0};
        assert_int_equal(ngram_build(&d, order, &m, &err), TB_OK);
        check_sums(m);
        /* histories taken from the data itself reach the longest contexts */
        for (size_t s = 0; s < rc.n; s++) {
            ngram_state st;
            ngram_state_begin(m, &st);
            for (size_t i = rc.first[s]; i <= rc.first[s + 1]; i++) {
                double sum = 0;
                for (uint32_t w = 0; w < ngram_n_words(m); w++)
                    if (w != NGRAM_BOS)
                        sum += pow(10.0, ngram_score(m, &st, w, NULL));
                if (fabs(sum - 1.0) > 1e-6)
                    fail_msg("order %d segment %zu pos %zu: sum %.12f", order, s, i, sum);
                if (i < rc.first[s + 1])
                    ngram_score(m, &st, ngram_word(m, rc.ids[i]), &st);
            }
        }
        ngram_free(m);
    }
}

static void test_suggest_exact(void **state)
{
    (void)state;
    static rcorpus rc;
    random_corpus(&rc, 400, 30, 11);
    ngram_data d = {rc.n, rc.ids, rc.first, NULL};
    ngram_model *m;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, 4, &m, &err), TB_OK);
    size_t nv = ngram_n_words(m);
    for (size_t s = 0; s < 60; s++) {
        ngram_state st;
        ngram_state_begin(m, &st);
        for (size_t i = rc.first[s]; i < rc.first[s + 1]; i++) {
            uint32_t got[5];
            double glp[5];
            size_t n = ngram_suggest(m, &st, 5, got, glp);
            assert_int_equal(n, 5);
            /* brute force: every word, same order rule */
            uint32_t best[5];
            double blp[5];
            size_t nb = 0;
            for (uint32_t w = NGRAM_FIRST_WORD; w < nv; w++) {
                double lp = ngram_score(m, &st, w, NULL);
                size_t pos = nb;
                while (pos > 0 && (blp[pos - 1] < lp ||
                                   (blp[pos - 1] == lp &&
                                    ngram_word_token(m, best[pos - 1]) > ngram_word_token(m, w))))
                    pos--;
                if (pos >= 5)
                    continue;
                size_t end = nb < 5 ? nb : 4;
                memmove(best + pos + 1, best + pos, (end - pos) * sizeof *best);
                memmove(blp + pos + 1, blp + pos, (end - pos) * sizeof *blp);
                best[pos] = w;
                blp[pos] = lp;
                if (nb < 5)
                    nb++;
            }
            for (size_t j = 0; j < 5; j++) {
                assert_int_equal(got[j], best[j]);
                assert_true(glp[j] == blp[j]);
            }
            ngram_score(m, &st, ngram_word(m, rc.ids[i]), &st);
        }
    }
    ngram_free(m);
}

/* Prefix suggestions, fast (mark) and plain paths, against brute force over
 * every word: same words, same order, bit-identical scores. Word w's text is
 * the decimal of w % 37, so prefixes "1", "2", ... select overlapping sets. */
/* ngram_best is the brute-force argmax over </s> and every token word
 * (never <s> or <unk>), ties by lower dense word, along true and random
 * histories, and on a model so small that </s> often wins; ngram_best_marked
 * gives the same word and the same bits. */
static void test_best_exact(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        static rcorpus rc;
        random_corpus(&rc, round ? 40 : 400, round ? 3 : 30, 17 + (unsigned)round);
        ngram_data d = {rc.n, rc.ids, rc.first, NULL};
        ngram_model *m;
        tb_error err = {0};
        assert_int_equal(ngram_build(&d, 3, &m, &err), TB_OK);
        size_t nv = ngram_n_words(m), eos_wins = 0;
        uint32_t *mark = calloc(nv, sizeof *mark), epoch = 0;
        assert_non_null(mark);
        ngram_pieces marked = {NULL, NULL, mark, &epoch, NULL};
        for (size_t s = 0; s < 40; s++) {
            ngram_state st;
            ngram_state_begin(m, &st);
            for (size_t i = rc.first[s]; i <= rc.first[s + 1]; i++) {
                uint32_t w, mw;
                double lp = ngram_best(m, &st, &w);
                double mlp = ngram_best_marked(m, &st, &marked, &mw);
                assert_int_equal(mw, w); /* the marked path: same word, same bits */
                assert_true(mlp == lp);
                uint32_t bw = NGRAM_EOS;
                double blp = ngram_score(m, &st, NGRAM_EOS, NULL);
                for (uint32_t x = NGRAM_FIRST_WORD; x < nv; x++) {
                    double l = ngram_score(m, &st, x, NULL);
                    if (l > blp)
                        bw = x, blp = l;
                }
                assert_int_equal(w, bw);
                assert_true(lp == blp);
                eos_wins += w == NGRAM_EOS;
                if (i < rc.first[s + 1])
                    ngram_score(m, &st, ngram_word(m, rc.ids[i]), &st);
            }
        }
        if (round)
            assert_true(eos_wins > 0); /* the </s> branch ran */
        free(mark);
        ngram_free(m);
    }
}

static void test_suggest_prefix_exact(void **state)
{
    (void)state;
    static rcorpus rc;
    random_corpus(&rc, 400, 60, 5);
    ngram_data d = {rc.n, rc.ids, rc.first, NULL};
    ngram_model *m;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, 4, &m, &err), TB_OK);
    size_t nv = ngram_n_words(m);
    char(*buf)[8] = calloc(nv, sizeof *buf);
    const char **text = calloc(nv, sizeof *text);
    uint32_t *len = calloc(nv, sizeof *len), *mark = calloc(nv, sizeof *mark), epoch = 0;
    assert_non_null(buf);
    assert_non_null(text);
    assert_non_null(len);
    assert_non_null(mark);
    for (uint32_t w = 0; w < nv; w++) {
        len[w] = w < NGRAM_FIRST_WORD ? 0 : (uint32_t)snprintf(buf[w], 8, "%u", w % 37);
        text[w] = buf[w];
    }
    ngram_pieces slow = {text, len, NULL, NULL, NULL}, fast = {text, len, mark, &epoch, NULL};
    uint32_t *sorted = ngram_pieces_sort(&slow, nv);
    assert_non_null(sorted);
    ngram_pieces indexed = {text, len, mark, &epoch, sorted};
    static const char *const prefixes[] = {"", "1", "2", "3", "12", "9", "36", "4", "x"};
    size_t checked = 0;
    for (size_t s = 0; s < 80; s++) {
        ngram_state st;
        ngram_state_begin(m, &st);
        for (size_t i = rc.first[s]; i < rc.first[s + 1]; i++) {
            for (size_t q = 0; q < sizeof prefixes / sizeof *prefixes; q++) {
                const char *pre = prefixes[q];
                size_t pl = strlen(pre);
                uint32_t a[5], b[5], best[5];
                double blp[5];
                size_t na = ngram_suggest_prefix(m, &st, &slow, pre, pl, 5, a);
                size_t nf = ngram_suggest_prefix(m, &st, &fast, pre, pl, 5, b);
                uint32_t x[5];
                size_t nx = ngram_suggest_prefix(m, &st, &indexed, pre, pl, 5, x);
                size_t nb = 0;
                for (uint32_t w = NGRAM_FIRST_WORD; w < nv; w++) {
                    if (len[w] < pl || memcmp(text[w], pre, pl) != 0)
                        continue;
                    double lp = ngram_score(m, &st, w, NULL);
                    size_t pos = nb;
                    while (pos > 0 && (blp[pos - 1] < lp ||
                                       (blp[pos - 1] == lp && ngram_word_token(m, best[pos - 1]) >
                                                                  ngram_word_token(m, w))))
                        pos--;
                    if (pos >= 5)
                        continue;
                    size_t end = nb < 5 ? nb : 4;
                    memmove(best + pos + 1, best + pos, (end - pos) * sizeof *best);
                    memmove(blp + pos + 1, blp + pos, (end - pos) * sizeof *blp);
                    best[pos] = w;
                    blp[pos] = lp;
                    if (nb < 5)
                        nb++;
                }
                assert_int_equal(na, nb);
                assert_int_equal(nf, nb);
                assert_int_equal(nx, nb);
                assert_memory_equal(x, best, nb * sizeof *x);
                if (pl == 0) { /* no texts needed: ngram_suggest's list */
                    ngram_pieces none = {NULL, NULL, mark, &epoch, NULL};
                    uint32_t c[5], g[5];
                    assert_int_equal(ngram_suggest_prefix(m, &st, &none, "", 0, 5, c), nb);
                    assert_int_equal(ngram_suggest(m, &st, 5, g, NULL), nb);
                    assert_memory_equal(c, best, nb * sizeof *c);
                    assert_memory_equal(g, best, nb * sizeof *g);
                }
                for (size_t j = 0; j < nb; j++) {
                    assert_int_equal(a[j], best[j]);
                    assert_int_equal(b[j], best[j]);
                }
                checked += nb;
            }
            ngram_score(m, &st, ngram_word(m, rc.ids[i]), &st);
        }
    }
    assert_true(checked > 1000);
    free(buf);
    free(text);
    free(len);
    free(mark);
    free(sorted);
    ngram_free(m);
}

static char *arpa_text(const ngram_model *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    tb_error err = {0};
    assert_int_equal(ngram_arpa_write(m, f, &err), TB_OK);
    fclose(f);
    return buf;
}

/* A model whose ARPA text is several times the writer's 1 MiB buffer: the
 * text reads back to bit-identical scores and writes the same text again,
 * and a device that is full gives an error, not a short file. */
static void test_arpa_big(void **state)
{
    (void)state;
    size_t nseg = 40000, cap = nseg * 24;
    uint32_t *ids = malloc(cap * sizeof *ids);
    size_t *first = malloc((nseg + 1) * sizeof *first);
    assert_non_null(ids);
    assert_non_null(first);
    rng_state = 23;
    size_t n = 0;
    first[0] = 0;
    for (size_t s = 0; s < nseg; s++) {
        size_t len = 1 + rnd(23);
        for (size_t i = 0; i < len; i++)
            ids[n++] = (uint32_t)(rnd(2) ? rnd(40) : 40 + rnd(6000));
        first[s + 1] = n;
    }
    ngram_data d = {nseg, ids, first, NULL};
    ngram_model *m, *back;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, 4, &m, &err), TB_OK);
    size_t l1, l2;
    char *t1 = arpa_text(m, &l1);
    assert_true(l1 > 3u << 20);
    assert_int_equal(ngram_arpa_parse(t1, l1, "big.arpa", &back, &err), TB_OK);
    for (size_t s = 0; s < nseg; s++) {
        size_t o1, o2;
        double x = ngram_score_segment(m, ids + first[s], first[s + 1] - first[s], &o1);
        double y = ngram_score_segment(back, ids + first[s], first[s + 1] - first[s], &o2);
        assert_true(x == y);
        assert_int_equal(o1, o2);
    }
    char *t2 = arpa_text(back, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(t1, t2, l1);
    FILE *full = fopen("/dev/full", "w");
    assert_non_null(full);
    tb_error e2 = {0};
    assert_int_equal(ngram_arpa_write(m, full, &e2), TB_EINPUT);
    assert_non_null(strstr(e2.msg, "writing ARPA"));
    fclose(full);
    free(t1);
    free(t2);
    ngram_free(m);
    ngram_free(back);
    free(ids);
    free(first);
}

/* Node of key (suffix << 32 | first) in order k by a scan of the node
 * arrays, or NGRAM_NONE. */
static uint32_t scan_node(const ngram_model *m, int k, uint64_t key)
{
    const ngram_tab *t = &m->tab[k];
    for (size_t x = 0; x < t->n; x++)
        if (t->key[x] == key)
            return (uint32_t)x;
    return NGRAM_NONE;
}

/* Word hash of node x of order k (k = 1: the word x), from its words. */
static uint64_t node_hash(const ngram_model *m, int k, uint32_t x)
{
    if (k == 1)
        return ngram_hash_word(x);
    uint64_t key = m->tab[k].key[x];
    return ngram_hash_ext(node_hash(m, k - 1, (uint32_t)(key >> 32)), (uint32_t)key);
}

/* The probing tables of a finished model (KenLM's layout: >= 1.5 buckets an
 * n-gram, lp and lbo beside the key, bucket from the words' hash) find every
 * node of the orders below the model's by its words and nothing else: each
 * answer is checked against a scan of the node keys; a wrong hash can only
 * miss. The highest order's entries (key, lp) hold every n-gram's lp. */
static void test_probe_table(void **state)
{
    (void)state;
    static rcorpus rc;
    random_corpus(&rc, 400, 40, 29);
    ngram_data d = {rc.n, rc.ids, rc.first, NULL};
    ngram_model *m;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, 4, &m, &err), TB_OK);
    assert_int_equal(m->max_k, 4);
    assert_int_equal(m->prefix_closed, 1);
    rng_state = 31;
    for (int k = 2; k <= 4; k++) {
        const ngram_tab *t = &m->tab[k];
        assert_true(t->n > 100);
        assert_null(t->slot);
        assert_true(t->n_probe * 2 >= t->n * 3);
        if (k == 4) {
            assert_null(t->probe);
            assert_non_null(t->top);
            size_t used = 0;
            for (size_t i = 0; i < t->n_probe; i++) {
                if (t->top[i].key == NGRAM_KEY_EMPTY)
                    continue;
                used++;
                uint32_t x = scan_node(m, k, t->top[i].key);
                assert_int_not_equal(x, NGRAM_NONE);
                assert_true(t->top[i].lp == t->lp[x]);
            }
            assert_int_equal(used, t->n);
            continue;
        }
        assert_non_null(t->probe);
        assert_null(t->top);
        for (size_t x = 0; x < t->n; x++) {
            uint32_t suffix = (uint32_t)(t->key[x] >> 32), first = (uint32_t)t->key[x];
            assert_int_equal(ngram_tab_lookup(t, node_hash(m, k, (uint32_t)x), suffix, first), x);
        }
        size_t n_lower = k == 2 ? ngram_n_words(m) : m->tab[k - 1].n;
        for (int i = 0; i < 20000; i++) {
            uint32_t suffix = rnd((uint32_t)n_lower), first = rnd((uint32_t)ngram_n_words(m) + 2);
            uint64_t key = (uint64_t)suffix << 32 | first;
            uint32_t want = scan_node(m, k, key);
            uint64_t g = ngram_hash_ext(node_hash(m, k - 1, suffix), first);
            assert_int_equal(ngram_tab_lookup(t, g, suffix, first), want);
            uint32_t got = ngram_tab_lookup(t, (uint64_t)rnd(UINT32_MAX) << 32 | rnd(UINT32_MAX),
                                            suffix, first);
            assert_true(got == want || got == NGRAM_NONE);
        }
    }
    ngram_free(m);
}

/* ARPA's backoff rule computed from the node arrays alone (scans, no
 * probing table): the longest present "h_k w", its lp, plus the lbo of every
 * present context of lengths k..|h| (h: the last order-1 words). */
static double reference_score(const ngram_model *m, const uint32_t *h, uint32_t nh, uint32_t w)
{
    int N = ngram_order(m);
    if (w == NGRAM_BOS)
        return -99.0;
    uint32_t node = w, k = 1;
    double lp = m->lp1[w];
    for (uint32_t j = 2; j <= nh + 1 && (int)j <= N; j++) {
        uint32_t x = scan_node(m, (int)j, (uint64_t)node << 32 | h[nh - (j - 1)]);
        if (x == NGRAM_NONE)
            break;
        node = x;
        k = j;
        lp = m->tab[j].lp[x];
    }
    /* contexts: the suffixes of h of lengths 1.. (present ones form a chain) */
    uint32_t c = 0;
    for (uint32_t j = 1; j <= nh && (int)j < N; j++) {
        c = j == 1 ? h[nh - 1] : scan_node(m, (int)j, (uint64_t)c << 32 | h[nh - j]);
        if (c == NGRAM_NONE)
            break;
        if (j >= k)
            lp += j == 1 ? m->lbo1[c] : m->tab[j].lbo[c];
    }
    return lp;
}

/* ngram_score and ngram_score_segment (probing tables, loads in flight
 * across tokens) equal the reference scorer bit for bit: on the training
 * segments (long matches), held-out ones and random word sequences with
 * unseen words, orders 1..6. */
static void test_score_reference(void **state)
{
    (void)state;
    static rcorpus rc;
    random_corpus(&rc, 400, 30, 41);
    for (int order = 1; order <= 6; order++) {
        ngram_data d = {300, rc.ids, rc.first, NULL};
        ngram_model *m;
        tb_error err = {0};
        assert_int_equal(ngram_build(&d, order, &m, &err), TB_OK);
        for (size_t s = 0; s < rc.n + 100; s++) {
            uint32_t ids[12];
            size_t n;
            if (s < rc.n) {
                n = rc.first[s + 1] - rc.first[s];
                memcpy(ids, rc.ids + rc.first[s], n * sizeof *ids);
            } else { /* random tokens, some never seen */
                n = 1 + rnd(11);
                for (size_t i = 0; i < n; i++)
                    ids[i] = rnd(4) ? rc.ids[rnd((uint32_t)rc.first[rc.n])] : 5 + rnd(50);
            }
            uint32_t h[16] = {NGRAM_BOS};
            uint32_t nh = 1;
            ngram_state st;
            ngram_state_begin(m, &st);
            double sum = 0, ref = 0;
            for (size_t i = 0; i <= n; i++) {
                uint32_t w = i < n ? ngram_word(m, ids[i]) : NGRAM_EOS;
                uint32_t keep = nh < (uint32_t)order - 1 ? nh : (uint32_t)order - 1;
                double want = reference_score(m, h + nh - keep, keep, w);
                double got = ngram_score(m, &st, w, &st);
                if (got != want)
                    fail_msg("order %d segment %zu token %zu: %.17g, reference %.17g", order, s, i,
                             got, want);
                sum += got;
                ref += want;
                h[nh++] = w;
            }
            size_t oov;
            double seg = ngram_score_segment(m, ids, n, &oov);
            if (seg != sum)
                fail_msg("order %d segment %zu: segment %.17g, tokens %.17g", order, s, seg, sum);
            assert_true(ref == sum);
        }
        ngram_free(m);
    }
}

/* An ARPA file may list an n-gram without its prefix ("10 20 30" without
 * "10 20"): the query after "10 20" then has no context of length 2 in its
 * state and must still find the trigram (the model is not prefix-closed, so
 * the search is not cut at the state's longest context + 1). */
static void test_score_open_prefix(void **state)
{
    (void)state;
    static const char text[] = "\\data\\\nngram 1=6\nngram 2=3\nngram 3=1\n\n"
                               "\\1-grams:\n-1.0\t<unk>\t0\n-99\t<s>\t-0.25\n-0.5\t</s>\t0\n"
                               "-0.75\t10\t-0.125\n-0.875\t20\t-0.0625\n-1.25\t30\t-0.5\n\n"
                               "\\2-grams:\n-0.3\t<s> 10\t-0.2\n-0.4\t20 30\t-0.1\n-0.45\t30 </s>\t0\n\n"
                               "\\3-grams:\n-0.015625\t10 20 30\n\n\\end\\\n";
    ngram_model *m;
    tb_error err = {0};
    assert_int_equal(ngram_arpa_parse(text, sizeof text - 1, "open.arpa", &m, &err), TB_OK);
    assert_int_equal(m->prefix_closed, 0);
    const uint32_t toks[] = {10, 20, 30};
    uint32_t h[8] = {NGRAM_BOS};
    uint32_t nh = 1;
    ngram_state st;
    ngram_state_begin(m, &st);
    double sum = 0;
    for (size_t i = 0; i <= 3; i++) {
        uint32_t w = i < 3 ? ngram_word(m, toks[i]) : NGRAM_EOS;
        uint32_t keep = nh < 2 ? nh : 2;
        double want = reference_score(m, h + nh - keep, keep, w);
        double got = ngram_score(m, &st, w, &st);
        if (got != want)
            fail_msg("token %zu: %.17g, reference %.17g", i, got, want);
        if (i == 2)
            assert_true(got == -0.015625);
        sum += got;
        h[nh++] = w;
    }
    size_t oov;
    assert_true(ngram_score_segment(m, toks, 3, &oov) == sum);
    ngram_free(m);
}

static void test_arpa_roundtrip(void **state)
{
    (void)state;
    static rcorpus rc;
    random_corpus(&rc, 400, 25, 3);
    ngram_data train = {300, rc.ids, rc.first, NULL};
    for (int order = 1; order <= 5; order += 2) {
        ngram_model *m, *back;
        tb_error err = {0};
        assert_int_equal(ngram_build(&train, order, &m, &err), TB_OK);
        char path[] = "/tmp/tb-ngram-arpa-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(ngram_arpa_save(m, path, &err), TB_OK);
        assert_int_equal(ngram_arpa_load(path, &back, &err), TB_OK);
        unlink(path);
        assert_int_equal(ngram_order(back), order);
        for (int k = 1; k <= order; k++)
            assert_int_equal(ngram_count(back, k), ngram_count(m, k));
        /* every segment (train and held-out) scores bit-identically */
        for (size_t s = 0; s < rc.n; s++) {
            size_t o1, o2;
            const uint32_t *ids = rc.ids + rc.first[s];
            size_t n = rc.first[s + 1] - rc.first[s];
            double x = ngram_score_segment(m, ids, n, &o1);
            double y = ngram_score_segment(back, ids, n, &o2);
            assert_true(x == y);
            assert_int_equal(o1, o2);
        }
        /* and writes the same text */
        size_t l1, l2;
        char *t1 = arpa_text(m, &l1), *t2 = arpa_text(back, &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(t1, t2, l1);
        free(t1);
        free(t2);
        ngram_free(m);
        ngram_free(back);
    }
}

static void test_arpa_tiny_text(void **state)
{
    (void)state;
    ngram_model *m = tiny(2);
    size_t len;
    char *t = arpa_text(m, &len);
    assert_non_null(strstr(t, "\\data\\\nngram 1=6\nngram 2=8\n\n\\1-grams:\n"));
    assert_non_null(strstr(t, "\n-99\t<s>\t"));
    assert_non_null(strstr(t, "\t<s> 10\n"));
    assert_non_null(strstr(t, "\n\\end\\\n"));
    free(t);
    ngram_free(m);
}

static void test_determinism(void **state)
{
    (void)state;
    static rcorpus rc;
    random_corpus(&rc, 400, 40, 5);
    ngram_data d = {rc.n, rc.ids, rc.first, NULL};
    ngram_model *a, *b;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, 4, &a, &err), TB_OK);
    assert_int_equal(ngram_build(&d, 4, &b, &err), TB_OK);
    size_t la, lb;
    char *ta = arpa_text(a, &la), *tb = arpa_text(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ta, tb, la);
    assert_int_equal(ngram_bytes(a), ngram_bytes(b));
    free(ta);
    free(tb);
    ngram_free(a);
    ngram_free(b);
}

static void expect_arpa_error(const char *text, const char *msg)
{
    ngram_model *m = NULL;
    tb_error err = {0};
    int rc = ngram_arpa_parse(text, strlen(text), "t.arpa", &m, &err);
    if (rc != TB_EINPUT || !strstr(err.msg, msg))
        fail_msg("expected '%s', got %d '%s'", msg, rc, err.msg);
    assert_null(m);
}

#define HDR "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1\t<unk>\t0\n-99\t<s>\t-0.5\n-0.3\t</s>\t0\n"

static void test_arpa_malformed(void **state)
{
    (void)state;
    expect_arpa_error("", "no \\data\\ line");
    expect_arpa_error("\\data\\\n", "line 1: file ends in the \\data\\ section");
    expect_arpa_error("\\data\\\nngram 2=1\n", "line 2: expected the next order");
    expect_arpa_error("\\data\\\nngram 1=0\n", "line 2: n-gram count must be");
    expect_arpa_error("\\data\\\nngram 1=1\n\\2-grams:\n", "line 3: expected '\\1-grams:'");
    expect_arpa_error(HDR "\n\\2-grams:\n-0.1\t<s> </s>\n", "missing \\end\\");
    expect_arpa_error(HDR "\n\\2-grams:\n-0.1\t<s> </s>\n\\end\n", "line 12: expected \\end\\");
    expect_arpa_error(HDR "\n\\2-grams:\nx\t<s> </s>\n\\end\\\n", "line 11: probability is not");
    expect_arpa_error(HDR "\n\\2-grams:\n-0.1\t<s> 7\n\\end\\\n", "line 11: word not among");
    expect_arpa_error(HDR "\n\\2-grams:\n-0.1\t<s> x7\n\\end\\\n", "line 11: word is not");
    expect_arpa_error(HDR "\n\\2-grams:\n-0.1\t<s>\n\\end\\\n", "line 11: expected log10 probability, 2 word");
    expect_arpa_error(HDR "\n\\2-grams:\n-0.1\t<s> </s> -1\n\\end\\\n", "line 11: expected log10");
    expect_arpa_error(HDR "\n\\2-grams:\n", "file ends inside the 2-grams");
    expect_arpa_error("\\data\\\nngram 1=2\n\n\\1-grams:\n-1\t<unk>\n-1\t<unk>\n\\end\\\n",
                      "line 6: duplicate unigram");
    expect_arpa_error("\\data\\\nngram 1=2\n\n\\1-grams:\n-1\t<unk>\n-1\t5\n\\end\\\n",
                      "must include <unk>, <s> and </s>");
    expect_arpa_error("\\data\\\nngram 1=4\nngram 2=1\n\n\\1-grams:\n-1\t<unk>\t0\n-99\t<s>\t0\n"
                      "-1\t</s>\t0\n-1\t5\t0\n\n\\2-grams:\n-1\t<s> 5 5\n\\end\\\n",
                      "line 12: expected log10");
    /* a valid one loads */
    ngram_model *m = NULL;
    tb_error err = {0};
    const char *ok = HDR "\n\\2-grams:\n-0.1\t<s> </s>\n\n\\end\\\n";
    assert_int_equal(ngram_arpa_parse(ok, strlen(ok), "ok.arpa", &m, &err), TB_OK);
    ngram_state s;
    ngram_state_begin(m, &s);
    assert_true(ngram_score(m, &s, NGRAM_EOS, NULL) == -0.1);
    assert_true(ngram_score(m, &s, NGRAM_UNK, NULL) == -1 + -0.5);
    ngram_free(m);
}

static void test_ids_file(void **state)
{
    (void)state;
    ngram_ids x;
    tb_error err = {0};
    const char *ok = "1 2 3\n\n4\t5\r\n6";
    assert_int_equal(ngram_ids_parse(ok, strlen(ok), "f", &x, &err), TB_OK);
    assert_int_equal(x.n_segments, 4);
    assert_int_equal(x.first[1], 3);
    assert_int_equal(x.first[2], 3);
    assert_int_equal(x.first[3], 5);
    assert_int_equal(x.first[4], 6);
    assert_int_equal(x.ids[5], 6);
    ngram_ids_release(&x);
    const char *bad1 = "1 2\n3 x4\n";
    assert_int_equal(ngram_ids_parse(bad1, strlen(bad1), "f.ids", &x, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "id file 'f.ids': line 2, column 3"));
    const char *bad2 = "4294967296\n";
    assert_int_equal(ngram_ids_parse(bad2, strlen(bad2), "f.ids", &x, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "line 1, column 1"));
    const char *bad3 = "12a\n";
    assert_int_equal(ngram_ids_parse(bad3, strlen(bad3), "f.ids", &x, &err), TB_EINPUT);
    const char *edge = "4294967295\n";
    assert_int_equal(ngram_ids_parse(edge, strlen(edge), "f", &x, &err), TB_OK);
    assert_int_equal(x.ids[0], 4294967295u);
    assert_int_equal(x.n_segments, 1);
    ngram_ids_release(&x);
    assert_int_equal(ngram_ids_load("/nonexistent/x.ids", &x, &err), TB_EINPUT);
}

static void test_bad_order(void **state)
{
    (void)state;
    ngram_data d = {4, tiny_ids, tiny_first, NULL};
    ngram_model *m = NULL;
    tb_error err = {0};
    assert_int_equal(ngram_build(&d, 0, &m, &err), TB_EUSAGE);
    assert_int_equal(ngram_build(&d, 7, &m, &err), TB_EUSAGE);
    /* an empty training set still gives a normalised model */
    ngram_data e = {0, tiny_ids, tiny_first, NULL};
    assert_int_equal(ngram_build(&e, 3, &m, &err), TB_OK);
    check_sums(m);
    ngram_free(m);
}

/* Simulated typing on the order-2 tiny model with pieces a = "xyz", b = "xz",
 * c = "w"; segment "a b" then an unseen token "qq".
 * Window 2. Token a (3 keys) after <s>: p(b|<s>) = .2911 > p(c|<s>) = .2356 >
 * p(a|<s>) = .18, so the empty-prefix list is {b, c}: miss; after typing
 * "x" the matching words are a and b: list {b, a}: hit, cost 1 + 1 = 2.
 * Token b (2 keys) after a: p(b|a) = .3265 > p(c|a) = .1546 > p(a|a) = .1181:
 * list {b, c}: hit at once, cost 1. Token "qq" is <unk>: 2 keys typed.
 * keys_without = 3 + 2 + 2 = 7, keys_with = 2 + 1 + 2 = 5, 2 selections.
 * Window 1: a is never first ({b}, then {b} for "x"): 3 keys; b: 1 key;
 * "qq": 2; keys_with = 6. */
static void test_ksr_hand(void **state)
{
    (void)state;
    ngram_model *m = tiny(2);
    const char *text[6] = {"", "", "", "xyz", "xz", "w"};
    uint32_t len[6] = {0, 0, 0, 3, 2, 1};
    ngram_pieces p = {text, len, NULL, NULL, NULL};
    uint32_t ids[] = {10, 20, 99};
    const char *stext[] = {"xyz", "xz", "qq"};
    uint32_t slen[] = {3, 2, 2};
    ngram_ksr acc = {0};
    ngram_ksr_segment(m, &p, ids, stext, slen, 3, 2, &acc);
    assert_int_equal(acc.keys_without, 7);
    assert_int_equal(acc.keys_with, 5);
    assert_int_equal(acc.selections, 2);
    ngram_ksr one = {0};
    ngram_ksr_segment(m, &p, ids, stext, slen, 3, 1, &one);
    assert_int_equal(one.keys_with, 6);
    assert_int_equal(one.selections, 1);
    /* prefix lists directly */
    ngram_state s;
    ngram_state_begin(m, &s);
    uint32_t w[4];
    assert_int_equal(ngram_suggest_prefix(m, &s, &p, "x", 1, 4, w), 2);
    assert_int_equal(ngram_word_token(m, w[0]), 20);
    assert_int_equal(ngram_word_token(m, w[1]), 10);
    assert_int_equal(ngram_suggest_prefix(m, &s, &p, "q", 1, 4, w), 0);
    assert_int_equal(ngram_suggest_prefix(m, &s, &p, "", 0, 4, w), 3);
    assert_int_equal(ngram_word_token(m, w[2]), 10);
    assert_int_equal(ngram_keys("\xe4\xb8\xad\xe6\x96\x87" "a", 7), 3);
    ngram_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_order2),
        cmocka_unit_test(test_hand_order3),
        cmocka_unit_test(test_hand_order1),
        cmocka_unit_test(test_sums_to_one),
        cmocka_unit_test(test_suggest_exact),
        cmocka_unit_test(test_best_exact),
        cmocka_unit_test(test_suggest_prefix_exact),
        cmocka_unit_test(test_arpa_roundtrip),
        cmocka_unit_test(test_arpa_big),
        cmocka_unit_test(test_probe_table),
        cmocka_unit_test(test_score_reference),
        cmocka_unit_test(test_score_open_prefix),
        cmocka_unit_test(test_arpa_tiny_text),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_arpa_malformed),
        cmocka_unit_test(test_ids_file),
        cmocka_unit_test(test_bad_order),
        cmocka_unit_test(test_ksr_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
