/* test_run.c - run_suite's per-corpus subsets (run_corpus_specs, bench/run.h):
 * the corpus a subset names runs only those of the run's specs the subset
 * lists, in the run's order, and a spec the subset lists that the run has
 * not is ignored; the other corpora run every spec; a subset that meets none
 * of the run's specs leaves its corpus out. The rows of the subset corpus
 * are the rows a run of those specs alone gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/run.h"
#include "../results/results.h"

static char g_data[4096], g_tiny[4096];

static int setup(void **state)
{
    (void)state;
    const char *root = getenv("TB_ROOT");
    snprintf(g_data, sizeof g_data, "%s/corpora/data", root ? root : ".");
    snprintf(g_tiny, sizeof g_tiny, "%s/tests/fixtures/corpus_tiny", root ? root : ".");
    return 0;
}

/* Rows of corpus c with tokenizer t. */
static size_t count(const results *r, const char *c, const char *t)
{
    size_t n = 0;
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        n += strcmp(row.corpus, c) == 0 && strcmp(row.tokenizer, t) == 0;
    }
    return n;
}

/* The tokenizers of corpus c in row order, first appearances, joined by ' '. */
static void order_of(const results *r, const char *c, char *out, size_t cap)
{
    out[0] = 0;
    const char *last = "";
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        if (strcmp(row.corpus, c) != 0 || strcmp(row.tokenizer, last) == 0)
            continue;
        last = row.tokenizer;
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", l ? " " : "", row.tokenizer);
    }
}

static results *run(const char *const *corpora, size_t nc, const char *const *specs, size_t ns,
                    const run_corpus_specs *sub, size_t nsub)
{
    run_config cfg = {.data_dir = g_data, .corpora = corpora, .n_corpora = nc, .specs = specs,
                      .n_specs = ns, .subsets = sub, .n_subsets = nsub, .jobs = 2};
    tb_error err = {0};
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    if (run_suite(&cfg, r, &err))
        fail_msg("%s", err.msg);
    return r;
}

static void test_subset(void **state)
{
    (void)state;
    const char *const corpora[] = {"udhr", g_tiny};
    static const char *const specs[] = {"bytes", "chars", "graphemes"};
    /* listed out of the run's order, and with a spec the run has not */
    static const char *const only[] = {"graphemes", "tiktoken:cl100k_base", "bytes"};
    const run_corpus_specs sub = {"udhr", only, 3};
    results *r = run(corpora, 2, specs, 3, &sub, 1);
    assert_true(count(r, "udhr", "bytes") > 0);
    assert_true(count(r, "udhr", "graphemes") > 0);
    assert_int_equal(count(r, "udhr", "chars"), 0);
    assert_int_equal(count(r, "udhr", "tiktoken:cl100k_base"), 0);
    char order[256];
    order_of(r, "udhr", order, sizeof order);
    assert_string_equal(order, "bytes graphemes"); /* the run's order */
    for (size_t s = 0; s < 3; s++) /* the other corpus runs every spec */
        assert_true(count(r, "corpus_tiny", specs[s]) > 0);

    /* the subset corpus's rows are those of a run of its specs alone */
    static const char *const alone_specs[] = {"bytes", "graphemes"};
    const char *const udhr[] = {"udhr"};
    results *alone = run(udhr, 1, alone_specs, 2, NULL, 0);
    size_t n_udhr = count(r, "udhr", "bytes") + count(r, "udhr", "graphemes");
    assert_int_equal(results_count(alone), n_udhr);
    for (size_t i = 0; i < results_count(alone); i++) {
        result_row a, b;
        results_get(alone, i, &a);
        long j = results_find_row(r, &a);
        assert_true(j >= 0);
        results_get(r, (size_t)j, &b);
        assert_memory_equal(&a.value, &b.value, sizeof a.value);
    }
    results_free(alone);
    results_free(r);

    /* a subset that meets none of the run's specs leaves its corpus out */
    static const char *const none[] = {"symbol:32k"};
    const run_corpus_specs sub2 = {"udhr", none, 1};
    r = run(corpora, 2, specs, 3, &sub2, 1);
    for (size_t s = 0; s < 3; s++) {
        assert_int_equal(count(r, "udhr", specs[s]), 0);
        assert_true(count(r, "corpus_tiny", specs[s]) > 0);
    }
    results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_subset, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
