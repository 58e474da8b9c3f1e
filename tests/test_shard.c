/* test_shard.c - shard partials (bench/partial.h): hand-made partials parse
 * and merge to the rows worked out by hand; a real shard run (run_suite with
 * --shard) merges to the unsharded rows; the refusals (version, missing,
 * duplicated, overlapping shards, cut files) name what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/partial.h"
#include "../bench/run.h"
#include "../results/results.h"

static const char *const k_p0 =
    "tokbench-partial 2\nshard 0 2\nspec bytes\nC\tt\tabc\t2\ten\n"
    "V\tbytes\ten\t4\t1\t1\t1\nS\t0\t0\t4\t4\t1\t2\t1\t0\nH\t0\t1\t2\nE\n"
    "V\tbytes\tru\t4\t1\t1\t1\nS\t0\t0\t6\t3\t1\t3\t1\t1\nH\t0\t2\t3\nE\n";
static const char *const k_p1 =
    "tokbench-partial 2\nshard 1 2\nspec bytes\nC\tt\tabc\t2\ten\n"
    "V\tbytes\ten\t4\t1\t1\t1\nS\t1\t1\t2\t2\t1\t1\t0\t0\nH\t1\t3\t1\nE\n"
    "V\tbytes\tru\t4\t1\t1\t1\nS\t1\t1\t4\t2\t1\t4\t1\t0\nH\t1\t2\t4\nE\n";

static int parse(const char *text, const char *name, partial **out, tb_error *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    int rc = partial_read_stream(f, name, out, err);
    fclose(f);
    return rc;
}

static double row(const results *r, const char *split, const char *lang, const char *metric)
{
    long at = results_find(r, "t", split, lang, "bytes", metric);
    assert_true(at >= 0);
    result_row x;
    results_get(r, (size_t)at, &x);
    return x.value;
}

static void test_hand_merge(void **state)
{
    (void)state;
    tb_error err = {0};
    partial *p[2] = {NULL, NULL};
    assert_int_equal(parse(k_p1, "p1", &p[0], &err), TB_OK); /* any order */
    assert_int_equal(parse(k_p0, "p0", &p[1], &err), TB_OK);
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(partial_merge(p, 2, NULL, r, &err), TB_OK);
    assert_true(row(r, "all", "ru", "tokens") == 7);
    assert_true(row(r, "all", "ru", "bytes") == 10);
    assert_true(fabs(row(r, "all", "ru", "parity") - 7.0 / 3) < 1e-12);
    assert_true(row(r, "all", "ru", "parity_median") == 2.75); /* (3/2 + 4/1) / 2 */
    assert_true(row(r, "all", "ru", "vocab_used") == 1);       /* id 2 only */
    assert_true(fabs(row(r, "all", "ru", "unk_rate") - 1.0 / 7) < 1e-12);
    assert_true(row(r, "test", "ru", "tokens") == 4);
    assert_true(row(r, "train", "en", "tokens") == 2);
    assert_true(row(r, "all", "en", "vocab_used") == 2); /* ids 1 and 3 */
    assert_true(fabs(row(r, "all", "ru", "byte_premium") - 10.0 / 6) < 1e-12);
    results_free(r);
    partial_free(p[0]);
    partial_free(p[1]);
}

static void expect_merge_fails(const char *a, const char *b, const char *needle)
{
    tb_error err = {0};
    partial *p[2] = {NULL, NULL};
    assert_int_equal(parse(a, "a.tsv", &p[0], &err), TB_OK);
    assert_int_equal(parse(b, "b.tsv", &p[1], &err), TB_OK);
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(partial_merge(p, 2, NULL, r, &err), TB_EINPUT);
    if (!strstr(err.msg, needle))
        fail_msg("'%s' lacks '%s'", err.msg, needle);
    results_free(r);
    partial_free(p[0]);
    partial_free(p[1]);
}

static void test_refusals(void **state)
{
    (void)state;
    expect_merge_fails(k_p0, k_p0, "shard 0/2 is given twice: 'a.tsv' and 'b.tsv'");
    char *other = strdup(k_p1);
    memcpy(strstr(other, "abc"), "abd", 3);
    expect_merge_fails(k_p0, other, "MANIFEST sha256 abd differs");
    free(other);
    /* shard 1 claims segment 0 too */
    char *overlap = strdup(k_p1);
    char *s = strstr(overlap, "S\t1\t1\t2");
    s[2] = '0';
    s = strstr(overlap, "S\t1\t1\t4");
    s[2] = '0';
    expect_merge_fails(k_p0, overlap, "also in another shard");
    free(overlap);

    tb_error err = {0};
    partial *p = NULL;
    assert_int_equal(parse(k_p0, "p0", &p, &err), TB_OK);
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(partial_merge(&p, 1, NULL, r, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "shard 1/2 is missing"));
    assert_int_equal(results_count(r), 0);
    results_free(r);
    partial_free(p);

    static const struct {
        const char *text, *needle;
    } bad[] = {
        {"tokbench-partial 1\nshard 0 1\n", "format version '1'"},
        {"hello\n", "not a tokbench partial"},
        {"tokbench-partial 2\nshard 2 2\n", "0 <= K < N"},
        {"tokbench-partial 2\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\n"
         "S\t2\t0\t1\t1\t1\t1\t1\t0\nE\n",
         "'p.tsv':6: bad segment line"},
        {"tokbench-partial 2\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\n"
         "H\t0\t4\t1\nE\n",
         "'p.tsv':6: bad id count line"},
        {"tokbench-partial 2\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\n",
         "ends early"},
        {"tokbench-partial 2\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\nE",
         "line without its newline"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tb_error e = {0};
        partial *q = NULL;
        assert_int_equal(parse(bad[i].text, "p.tsv", &q, &e), TB_EINPUT);
        assert_null(q);
        if (!strstr(e.msg, bad[i].needle))
            fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].needle);
    }
}

/* A real run: 3 shards written by run_suite, read back, merged == unsharded. */
static void test_run_round_trip(void **state)
{
    (void)state;
    const char *root = getenv("TB_ROOT");
    char data[4096];
    snprintf(data, sizeof data, "%s/corpora/data", root ? root : ".");
    static const char *const corpora[] = {"udhr"};
    static const char *const specs[] = {"bytes", "chars"};
    run_config cfg = {.data_dir = data, .corpora = corpora, .n_corpora = 1, .specs = specs,
                      .n_specs = 2, .jobs = 2};
    tb_error err = {0};
    results *full = NULL, *merged = NULL;
    assert_int_equal(results_new(&full, &err), TB_OK);
    if (run_suite(&cfg, full, &err))
        fail_msg("%s", err.msg);
    enum { N = 3 };
    partial *p[N];
    for (size_t k = 0; k < N; k++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        results *none = NULL;
        assert_int_equal(results_new(&none, &err), TB_OK);
        run_config sc = cfg;
        sc.shard_k = k;
        sc.shard_n = N;
        sc.partial = f;
        assert_int_equal(partial_write_header(f, k, N, specs, 2, &err), TB_OK);
        if (run_suite(&sc, none, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(results_count(none), 0); /* a shard makes no rows */
        fclose(f);
        results_free(none);
        assert_int_equal(parse(buf, "shard", &p[k], &err), TB_OK);
        free(buf);
    }
    assert_int_equal(results_new(&merged, &err), TB_OK);
    if (partial_merge(p, N, data, merged, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(results_count(merged), results_count(full));
    assert_true(results_count(full) > 0);
    for (size_t i = 0; i < results_count(full); i++) {
        result_row a, b;
        results_get(full, i, &a);
        results_get(merged, i, &b);
        assert_string_equal(a.lang, b.lang);
        assert_string_equal(a.metric, b.metric);
        assert_string_equal(a.split, b.split);
        assert_memory_equal(&a.value, &b.value, sizeof a.value); /* bit for bit */
    }
    for (size_t k = 0; k < N; k++)
        partial_free(p[k]);
    results_free(full);
    results_free(merged);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_merge),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_run_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
