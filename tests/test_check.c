/* test_check.c - the CI gate's pieces: glob, tolerance parsing, metric
 * directions and the comparison on small tables built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../bench/check.h"

static void test_glob(void **state)
{
    (void)state;
    assert_true(check_glob("tokens", "tokens"));
    assert_false(check_glob("tokens", "tokens_x"));
    assert_true(check_glob("ms_*", "ms_prefill"));
    assert_true(check_glob("*", ""));
    assert_true(check_glob("*_per_*", "bytes_per_token"));
    assert_false(check_glob("*_per_*", "fertility"));
    assert_true(check_glob("a*b*c", "aXXbYYbc"));
    assert_false(check_glob("a*b*c", "aXXbYYb"));
}

static void test_parse_tol(void **state)
{
    (void)state;
    check_tol t;
    tb_error err = {0};
    assert_int_equal(check_parse_tol("tokens=0.5%", &t, &err), TB_OK);
    assert_string_equal(t.pattern, "tokens");
    assert_true(fabs(t.rel - 0.005) < 1e-15);
    assert_int_equal(check_parse_tol("ms_*=0.25", &t, &err), TB_OK);
    assert_true(t.rel == 0.25);
    assert_int_equal(check_parse_tol("tokens", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("=1%", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens=-1%", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens=1%%", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens=x", &t, &err), TB_EUSAGE);
    assert_non_null(strstr(err.msg, "'x'"));
}

static void test_directions(void **state)
{
    (void)state;
    assert_int_equal(check_metric_direction("tokens"), -1);
    assert_int_equal(check_metric_direction("fertility"), -1);
    assert_int_equal(check_metric_direction("parity_median"), -1);
    assert_int_equal(check_metric_direction("ms_prefill"), -1);
    assert_int_equal(check_metric_direction("ngram_bits_per_en_byte"), -1);
    assert_int_equal(check_metric_direction("bytes_per_token"), 1);
    assert_int_equal(check_metric_direction("encode_mb_per_s"), 1);
    assert_int_equal(check_metric_direction("segments"), 0);
    assert_int_equal(check_metric_direction("vocab_size"), 0);
    assert_int_equal(check_metric_direction("bytes"), 0);
}

static results *table(const char *const *metrics, const double *values, int n)
{
    results *r;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(results_add(r, "c", "all", "en", "bytes", metrics[i], values[i],
                                     strcmp(metrics[i], "encode_mb_per_s") ? "x" : "MB/s", &err),
                         TB_OK);
    return r;
}

static void test_compare(void **state)
{
    (void)state;
    const char *const m[] = {"tokens", "bytes_per_token", "segments", "encode_mb_per_s", "words"};
    const double bv[] = {100, 2.0, 10, 50, 7};
    const double cv[] = {99, 1.9, 10, 10};
    results *base = table(m, bv, 5), *cur = table(m, cv, 4);
    tb_error err = {0};
    check_report rep;
    assert_int_equal(check_compare(base, cur, NULL, &rep, &err), TB_OK);
    assert_int_equal(rep.compared, 3);
    assert_int_equal(rep.skipped_timing, 1);
    assert_int_equal(rep.n_improved, 1);   /* tokens 100 -> 99 */
    assert_int_equal(rep.n_regressed, 1);  /* bytes_per_token 2.0 -> 1.9 */
    assert_int_equal(rep.n_missing, 1);    /* words */
    assert_true(check_failed(&rep));
    assert_true(fabs(rep.items[0].rel_change - -0.01) < 1e-12);
    check_report_release(&rep);
    check_config cfg = {.n_tols = 2};
    assert_int_equal(check_parse_tol("bytes_per_*=10%", &cfg.tols[0], &err), TB_OK);
    assert_int_equal(check_parse_tol("encode_*=50%", &cfg.tols[1], &err), TB_OK);
    assert_int_equal(check_compare(base, cur, &cfg, &rep, &err), TB_OK);
    assert_int_equal(rep.n_regressed, 1); /* now the timing row: 50 -> 10 MB/s */
    assert_int_equal(rep.skipped_timing, 0);
    check_report_release(&rep);
    results_free(base);
    results_free(cur);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_parse_tol),
        cmocka_unit_test(test_directions),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
