/* test_metrics.c - token metrics on a corpus small enough to check by hand
 * (tests/fixtures/metrics: segment "s6" is test, "s2" train):
 *   en: "ab cd" | "a"      ru: "аб" | "в"  (Cyrillic letters are 2 bytes) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/stage_metrics.h"
#include "../results/results.h"
#include "../bench/run.h"

struct fx {
    corpus *c;
    words *w;
    results *r;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/metrics", root);
    tb_error err = {0};
    if (corpus_open(dir, &f->c, &err) || words_new(&f->w, &err) || results_new(&f->r, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    corpus_free(f->c);
    words_free(f->w);
    results_free(f->r);
    free(f);
    return 0;
}

static double get(const results *r, const char *split, const char *lang, const char *tok,
                  const char *metric)
{
    long i = results_find(r, "metrics", split, lang, tok, metric);
    if (i < 0)
        fail_msg("no row %s/%s/%s/%s", split, lang, tok, metric);
    result_row row;
    results_get(r, (size_t)i, &row);
    return row.value;
}

/* Measures spec in both languages and emits all three splits. */
static void measure(struct fx *f, const char *spec)
{
    tb_error err = {0};
    metrics_words *mw[2];
    metrics_tok *mt[2];
    tokenizer *t;
    tokenizer_ctx ctx = {.corpus = f->c, .lang = 0, .cache_dir = NULL};
    assert_int_equal(tokenizer_new(spec, &ctx, &t, &err), TB_OK);
    int en = corpus_find_lang(f->c, "en");
    assert_true(en >= 0);
    for (size_t l = 0; l < 2; l++) {
        assert_int_equal(metrics_words_new(f->c, l, f->w, &mw[l], &err), TB_OK);
        assert_int_equal(metrics_tok_measure(t, f->c, l, mw[l], &mt[l], &err), TB_OK);
    }
    for (size_t l = 0; l < 2; l++)
        for (int s = 0; s < 3; s++)
            assert_int_equal(metrics_tok_emit(mt[l], mt[en], f->c, (enum corpus_split)s, f->r,
                                              &err), TB_OK);
    for (size_t l = 0; l < 2; l++) {
        metrics_tok_free(mt[l]);
        metrics_words_free(mw[l]);
    }
    tokenizer_free(t);
}

static void test_split(void **state)
{
    struct fx *f = *state;
    assert_string_equal(corpus_id(f->c, 0), "s6");
    assert_true(corpus_in_split(f->c, 0, CORPUS_TEST));
    assert_true(corpus_in_split(f->c, 1, CORPUS_TRAIN));
    assert_false(corpus_in_split(f->c, 1, CORPUS_TEST));
}

static void test_bytes_metrics(void **state)
{
    struct fx *f = *state;
    measure(f, "bytes");
    const results *r = f->r;
    assert_true(get(r, "all", "en", "bytes", "segments") == 2);
    assert_true(get(r, "all", "en", "bytes", "tokens") == 6);
    assert_true(get(r, "all", "en", "bytes", "words") == 3);
    assert_true(get(r, "all", "en", "bytes", "chars") == 6);
    assert_true(get(r, "all", "en", "bytes", "fertility") == 2.0);
    /* "ab" and "cd" take two tokens each, "a" one */
    assert_true(fabs(get(r, "all", "en", "bytes", "continued_words") - 2.0 / 3.0) < 1e-12);
    assert_true(get(r, "all", "ru", "bytes", "tokens") == 6);
    assert_true(get(r, "all", "ru", "bytes", "chars") == 3);
    assert_true(get(r, "all", "ru", "bytes", "chars_per_token") == 0.5);
    assert_true(get(r, "all", "ru", "bytes", "continued_words") == 1.0);
    assert_true(get(r, "all", "ru", "bytes", "parity") == 1.0);
    /* per-segment ratios 4/5 and 2/1: median 1.4 */
    assert_true(fabs(get(r, "all", "ru", "bytes", "parity_median") - 1.4) < 1e-12);
    assert_true(get(r, "test", "ru", "bytes", "parity") == 0.8);
    assert_true(get(r, "train", "ru", "bytes", "parity") == 2.0);
    assert_true(get(r, "all", "en", "bytes", "vocab_size") == 256);
    assert_true(get(r, "all", "en", "bytes", "vocab_used") == 5);
    assert_true(get(r, "all", "en", "bytes", "unk_rate") == 0);
    /* en unigram: a 2/6, b c d ' ' 1/6 each */
    double sum = pow(2.0 / 6, 2.5) + 4 * pow(1.0 / 6, 2.5);
    double want = (log2(sum) / (1 - 2.5)) / 8.0;
    assert_true(fabs(get(r, "all", "en", "bytes", "renyi_efficiency") - want) < 1e-12);
}

static void test_chars_metrics(void **state)
{
    struct fx *f = *state;
    measure(f, "chars");
    const results *r = f->r;
    assert_true(get(r, "all", "ru", "chars", "tokens") == 3);
    assert_true(get(r, "all", "ru", "chars", "bytes_per_token") == 2.0);
    assert_true(get(r, "all", "ru", "chars", "continued_words") == 0.5);
    assert_true(get(r, "all", "ru", "chars", "parity") == 0.5);
    assert_true(get(r, "test", "en", "chars", "tokens") == 5);
    assert_true(get(r, "train", "en", "chars", "tokens") == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_bytes_metrics),
        cmocka_unit_test(test_chars_metrics),
    };
    return cmocka_run_group_tests_name("metrics", tests, setup, teardown);
}
