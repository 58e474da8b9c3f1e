/* test_results.c - tidy results CSV (write, read back, malformed input) and
 * the Markdown report rendered from a fixed results table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../results/results.h"
#include "../reports/report.h"

static char tmpdir[] = "/tmp/tb-results-XXXXXX";

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *path_in_tmp(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

static void test_format_value(void **state)
{
    (void)state;
    char b[64];
    results_format_value(12345, b, sizeof b);
    assert_string_equal(b, "12345");
    results_format_value(0.5, b, sizeof b);
    assert_string_equal(b, "0.5");
    results_format_value(1.0 / 3.0, b, sizeof b);
    assert_string_equal(b, "0.3333333333");
    results_format_value(-2, b, sizeof b);
    assert_string_equal(b, "-2");
    results_format_value(-0.0, b, sizeof b);           /* never "-0" */
    assert_string_equal(b, "0");
    results_format_value(-1e-300 * 1e-300, b, sizeof b);
    assert_string_equal(b, "0");
    results_format_value(-1e-12, b, sizeof b);
    assert_string_equal(b, "-1e-12");
    assert_string_equal(results_format_count(-0.0, b, sizeof b), "0");
    assert_string_equal(results_format_count(-0.4, b, sizeof b), "0");
}

static void test_roundtrip_with_quoting(void **state)
{
    (void)state;
    results *r;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(results_add(r, "udhr", "all", "en", "cmd:./tok --a,b", "tokens", 42,
                                 "tokens", &err), TB_OK);
    assert_int_equal(results_add(r, "udhr", "test", "zh", "say \"hi\"", "parity", 0.625,
                                 "ratio", &err), TB_OK);
    char *p = strdup(path_in_tmp("rt.csv"));
    assert_int_equal(results_save_csv(r, p, &err), TB_OK);
    results *back;
    assert_int_equal(results_load_csv(p, &back, &err), TB_OK);
    assert_int_equal(results_count(back), 2);
    result_row row;
    results_get(back, 0, &row);
    assert_string_equal(row.tokenizer, "cmd:./tok --a,b");
    assert_true(row.value == 42);
    results_get(back, 1, &row);
    assert_string_equal(row.tokenizer, "say \"hi\"");
    assert_true(row.value == 0.625);
    assert_string_equal(row.unit, "ratio");
    assert_int_equal(results_find(back, "udhr", "test", "zh", "say \"hi\"", "parity"), 1);
    assert_int_equal(results_find(back, "udhr", "test", "zh", "say \"hi\"", "tokens"), -1);
    /* a key is in a table once: a second row of it is refused, the table
     * unchanged; a row of one table finds its key in another, value and
     * unit ignored */
    assert_int_equal(results_add(back, "udhr", "all", "en", "cmd:./tok --a,b", "tokens", 7,
                                 "tokens", &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "duplicate row udhr,all,en,cmd:./tok --a,b,tokens"));
    assert_non_null(strstr(err.msg, "rows 1 and 3"));
    assert_int_equal(results_count(back), 2);
    result_row key = {"udhr", "all", "en", "cmd:./tok --a,b", "tokens", -1, "other"};
    assert_int_equal(results_find_row(back, &key), 0);
    assert_int_equal(results_find_row(r, &key), 0);
    key.split = "test";
    assert_int_equal(results_find_row(back, &key), -1);
    /* the file itself: plain fields unquoted, special ones quoted */
    char *text = NULL;
    size_t len;
    assert_int_equal(tb_read_file(p, &text, &len, &err), TB_OK);
    assert_non_null(strstr(text, "corpus,split,lang,tokenizer,metric,value,unit\n"
                                 "udhr,all,en,\"cmd:./tok --a,b\",tokens,42,tokens\n"));
    free(text);
    free(p);
    results_free(r);
    results_free(back);
}

static void expect_load_error(const char *content, const char *needle)
{
    char *p = strdup(path_in_tmp("bad.csv"));
    write_text(p, content);
    results *r = NULL;
    tb_error err = {0};
    assert_int_equal(results_load_csv(p, &r, &err), TB_EINPUT);
    assert_null(r);
    if (!strstr(err.msg, needle))
        fail_msg("error '%s' lacks '%s'", err.msg, needle);
    assert_non_null(strstr(err.msg, "bad.csv"));
    free(p);
}

static void test_malformed(void **state)
{
    (void)state;
    const char *hdr = "corpus,split,lang,tokenizer,metric,value,unit\n";
    char buf[512];
    expect_load_error("", "empty file");
    expect_load_error("a,b,c\n", "line 1");
    expect_load_error("corpus,split,lang,tokenizer,metric,number,unit\n", "column 6 is 'number'");
    snprintf(buf, sizeof buf, "%sudhr,all,en,bytes,tokens,12\n", hdr);
    expect_load_error(buf, "line 2: expected 7 fields, found 6");
    snprintf(buf, sizeof buf, "%sudhr,all,en,bytes,tokens,1,tokens\nudhr,all,en,bytes,x,1e,u\n",
             hdr);
    expect_load_error(buf, "line 3: value '1e' is not a number");
    snprintf(buf, sizeof buf, "%sudhr,all,en,\"bytes,tokens,1,tokens\n", hdr);
    expect_load_error(buf, "malformed CSV");
    snprintf(buf, sizeof buf, "%sudhr,all,en,bytes,tokens,1,tokens,extra\n", hdr);
    expect_load_error(buf, "found 8");
    /* a duplicated key: refused naming both lines (check would use the first) */
    snprintf(buf, sizeof buf,
             "%sudhr,all,en,bytes,tokens,1,tokens\nudhr,all,en,bytes,x,1,u\n"
             "udhr,all,en,bytes,tokens,2,tokens\n", hdr);
    expect_load_error(buf, "line 4: duplicate key (corpus, split, lang, tokenizer, metric) "
                           "udhr,all,en,bytes,tokens, first on line 2");
    tb_error err = {0};
    results *r = NULL;
    assert_int_equal(results_load_csv(path_in_tmp("does-not-exist.csv"), &r, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "does-not-exist.csv"));
}

static void test_timing_units(void **state)
{
    (void)state;
    assert_true(results_unit_is_timing("ms"));
    assert_true(results_unit_is_timing("MB/s"));
    assert_false(results_unit_is_timing("tokens"));
    assert_false(results_unit_is_timing("ratio"));
}

/* The report of a fixed results table is exactly the golden Markdown. */
/* results_value finds the first row of a key; results_names keeps distinct
 * strings in first-seen order and grows past any fixed size (500 languages
 * must not be cut to 256). */
static void test_value_and_names(void **state)
{
    (void)state;
    tb_error err = {0};
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(results_add(r, "c", "test", "en", "bytes", "tokens", 42, "tokens", &err),
                     TB_OK);
    double v = -7;
    assert_int_equal(results_value(r, "c", "test", "en", "bytes", "tokens", &v), 1);
    assert_true(v == 42);
    v = -7;
    assert_int_equal(results_value(r, "c", "test", "ru", "bytes", "tokens", &v), 0);
    assert_true(v == -7); /* untouched when absent */
    results_free(r);
    char buf[32];
    assert_string_equal(results_format_count(144118, buf, sizeof buf), "144,118");
    assert_string_equal(results_format_count(999, buf, sizeof buf), "999");
    assert_string_equal(results_format_count(1000, buf, sizeof buf), "1,000");
    assert_string_equal(results_format_count(-1234567, buf, sizeof buf), "-1,234,567");
    assert_string_equal(results_format_count(0, buf, sizeof buf), "0");

    static char names[600][16];
    results_names k = {0};
    for (int round = 0; round < 2; round++)
        for (unsigned i = 0; i < 600; i++) {
            snprintf(names[i], sizeof names[i], "l%u", i);
            assert_int_equal(results_names_add(&k, names[i]), TB_OK);
        }
    assert_int_equal(k.n, 600);
    assert_string_equal(k.v[0], "l0");
    assert_string_equal(k.v[599], "l599");
    assert_true(results_names_has(&k, "l300"));
    assert_false(results_names_has(&k, "l600"));
    results_names_release(&k);
    assert_int_equal(k.n, 0);
    assert_null(k.v);
}

static void test_report_golden(void **state)
{
    (void)state;
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    char in[1024], gold[1024];
    snprintf(in, sizeof in, "%s/tests/fixtures/report/results.csv", root);
    snprintf(gold, sizeof gold, "%s/tests/golden/report.md", root);
    results *r;
    tb_error err = {0};
    assert_int_equal(results_load_csv(in, &r, &err), TB_OK);
    char *out = strdup(path_in_tmp("REPORT.md"));
    report_extras ex = {.manifest_md = "- tokbench: test\n"};
    assert_int_equal(report_save_markdown(r, &ex, out, &err), TB_OK);
    char *got, *want;
    size_t gl, wl;
    assert_int_equal(tb_read_file(out, &got, &gl, &err), TB_OK);
    if (getenv("TB_UPDATE_GOLDEN"))
        write_text(gold, got);
    assert_int_equal(tb_read_file(gold, &want, &wl, &err), TB_OK);
    assert_string_equal(got, want);
    /* the summary table names every tokenizer and language */
    char *sum = NULL;
    size_t sl = 0;
    FILE *f = open_memstream(&sum, &sl);
    report_print_summary(r, f);
    fclose(f);
    assert_non_null(strstr(sum, "corpus udhr (split all)"));
    assert_non_null(strstr(sum, "graphemes"));
    free(sum);
    free(got);
    free(want);
    free(out);
    results_free(r);
}

/* Verdicts come from the rows: crafted values on both sides of each range. */
int main(void)
{
    if (!mkdtemp(tmpdir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_value),
        cmocka_unit_test(test_roundtrip_with_quoting),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_timing_units),
        cmocka_unit_test(test_value_and_names),
        cmocka_unit_test(test_report_golden),
    };
    int failed = cmocka_run_group_tests_name("results", tests, NULL, NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
