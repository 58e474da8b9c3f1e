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
    /* every name found, in an order-independent index: reversing v (as a
     * caller that sorts it does) keeps every lookup and add right */
    for (unsigned i = 0; i < 600; i++)
        assert_true(results_names_has(&k, names[i]));
    for (size_t i = 0; i < k.n / 2; i++) {
        const char *t = k.v[i];
        k.v[i] = k.v[k.n - 1 - i];
        k.v[k.n - 1 - i] = t;
    }
    char again[16];
    snprintf(again, sizeof again, "l%u", 17u);
    assert_int_equal(results_names_add(&k, again), TB_OK);
    assert_int_equal(k.n, 600);
    assert_true(results_names_has(&k, "l0") && results_names_has(&k, "l599"));
    results_names_release(&k);
    assert_int_equal(k.n, 0);
    assert_null(k.v);
    assert_null(k.slot);
    /* a small set is scanned, no index */
    results_names s = {0};
    assert_int_equal(results_names_add(&s, "en"), TB_OK);
    assert_int_equal(results_names_add(&s, "en"), TB_OK);
    assert_int_equal(s.n, 1);
    assert_null(s.slot);
    results_names_release(&s);
}

/* Charts as plot_all would report them: one with a caption, one without,
 * one of a corpus the results do not have. */
static const plot_chart k_charts[] = {
    {.name = "tokens_udhr", .corpus = "udhr",
     .caption = "Tokens for the same content per language."},
    {.name = "fertility_udhr", .corpus = "udhr", .caption = ""},
    {.name = "overview_other", .corpus = "other",
     .caption = "A chart of no corpus in the results."},
};

/* The offset of the first occurrence of needle in md (it must occur). */
static size_t at(const char *md, const char *needle)
{
    const char *p = strstr(md, needle);
    if (!p)
        fail_msg("report lacks '%s'", needle);
    return (size_t)(p - md);
}

/* The reading order of REPORT.md: headline, claims at a glance and the
 * table of contents before the run and every long table, test split before
 * all; every in-page link names an anchor the file has; every chart is in
 * the section of its corpus, its image line followed by its caption in
 * italics when it has one and by no caption line when it has none. */
static void report_structure_ok(const char *md, const plot_chart *ch, size_t n)
{
    size_t head = at(md, "\n## Headline"), glance = at(md, "\n## Claims at a glance"),
           toc = at(md, "\n## Contents"), run = at(md, "\n## Run"),
           test = at(md, "### Content (split `test`)"), all = at(md, "Content (split `all`)"),
           first_long = at(md, "**Tokens (each segment encoded alone)**"),
           claims = at(md, "\n## Claims\n");
    assert_true(head < glance);
    assert_true(glance < toc);
    assert_true(toc < run);
    assert_true(run < test);
    assert_true(test < first_long);
    assert_true(test < all);
    assert_true(all < claims);
    /* every "](#id)" resolves to an explicit anchor */
    size_t links = 0;
    for (const char *p = strstr(md, "](#"); p; p = strstr(p + 1, "](#")) {
        const char *e = strchr(p + 3, ')');
        assert_non_null(e);
        char want[300];
        snprintf(want, sizeof want, "<a id=\"%.*s\"></a>", (int)(e - p - 3), p + 3);
        if (!strstr(md, want))
            fail_msg("link to #%.*s has no anchor", (int)(e - p - 3), p + 3);
        links++;
    }
    assert_true(links >= 8);
    /* the table of contents links to itself no more than once, to each corpus */
    assert_non_null(strstr(md + toc, "- [Corpus `udhr`](#corpus-udhr):"));
    for (size_t i = 0; i < n; i++) {
        char img[3000];
        snprintf(img, sizeof img, "\n![%.255s](charts/%.255s.png)\n\n", ch[i].name, ch[i].name);
        const char *p = strstr(md, img);
        if (!p)
            fail_msg("chart %s not embedded", ch[i].name);
        const char *next = p + strlen(img);
        if (ch[i].caption[0]) {
            char cap[1200];
            snprintf(cap, sizeof cap, "*%.511s*\n", ch[i].caption);
            assert_memory_equal(next, cap, strlen(cap));
        } else {
            assert_true(next[0] != '*');
        }
        char sec[400];
        snprintf(sec, sizeof sec, "\n## Corpus `%.127s`", ch[i].corpus);
        const char *s = strstr(md, sec), *o = strstr(md, "\n## Charts across corpora");
        if (s) { /* after its corpus's heading, before the next top-level section */
            assert_true(s < p);
            const char *nx = strstr(s + 1, "\n## ");
            assert_true(nx && p < nx);
        } else {
            assert_true(o && o < p);
        }
    }
}

/* The headline: production vocabularies first, then the schemes with n-gram
 * rows (a sweep point without them is left to the long tables), one model
 * under two names one row, the split named, the counted corpus first. */
static void test_report_headline(void **state)
{
    (void)state;
    static const struct {
        const char *corpus, *lang, *tok, *metric;
        double v;
    } rows[] = {
        {"small", "en", "bytes", "segments", 8},
        {"small", "en", "bytes", "tokens", 100},
        {"small", "ru", "bytes", "tokens", 200},
        {"small", "ru", "bytes", "parity", 2},
        {"big", "en", "bytes", "segments", 500},
        {"big", "en", "bpe:1k", "tokens", 90},
        {"big", "en", "bpe:32k", "tokens", 50},
        {"big", "ru", "bpe:32k", "tokens", 60},
        {"big", "ru", "bpe:32k", "parity", 1.2},
        {"big", "en", "bpe:32k", "ngram_bits_per_en_byte", 1.5},
        {"big", "ru", "bpe:32k", "ngram_bits_per_en_byte", 1.75},
        {"big", "en", "hf:b", "tokens", 40},
        {"big", "ru", "hf:b", "tokens", 80},
        {"big", "ru", "hf:b", "parity", 2},
        {"big", "en", "tiktoken:a", "tokens", 40},
        {"big", "ru", "tiktoken:a", "tokens", 80},
        {"big", "ru", "tiktoken:a", "parity", 2},
    };
    results *r = NULL;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(results_add(r, rows[i].corpus, "test", rows[i].lang, rows[i].tok,
                                     rows[i].metric, rows[i].v, "x", &err),
                         TB_OK);
    char *md = NULL;
    size_t ml = 0;
    FILE *f = open_memstream(&md, &ml);
    assert_int_equal(report_write_markdown(r, NULL, f, &err), TB_OK);
    fclose(f);
    size_t h = at(md, "## Headline: parity with English and n-gram bits per English byte "
                      "(split `test`)");
    char *end = md + at(md, "\n## Claims at a glance");
    *end = '\0'; /* the headline alone */
    const char *hl = md + h;
    const char *big = strstr(hl, "**Corpus `big`**"), *small = strstr(hl, "**Corpus `small`**");
    assert_non_null(big);
    assert_non_null(small);
    assert_true(big < small);
    assert_non_null(strstr(small, "fewer than 100: context, not evidence"));
    assert_non_null(strstr(big, "| tokenizer | ru parity | en bits | ru bits |\n"));
    const char *prod = strstr(big, "| `hf:b`, `tiktoken:a` | 2.000 | – | – |\n");
    const char *bpe = strstr(big, "| `bpe:32k` | 1.200 | 1.500 | 1.750 |\n");
    assert_non_null(prod);
    assert_non_null(bpe);
    assert_true(prod < bpe);
    assert_null(strstr(hl, "| `bpe:1k`"));
    /* a corpus without n-gram rows: every scheme, no bits columns */
    assert_non_null(strstr(small, "| tokenizer | ru parity |\n|---|---:|\n| `bytes` | 2.000 |\n"));
    free(md);
    results_free(r);
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
    report_extras ex = {.manifest_md = "- tokbench: test\n", .chart_dir = "charts",
                        .charts = k_charts, .n_charts = sizeof k_charts / sizeof k_charts[0]};
    assert_int_equal(report_save_markdown(r, &ex, out, &err), TB_OK);
    char *got, *want;
    size_t gl, wl;
    assert_int_equal(tb_read_file(out, &got, &gl, &err), TB_OK);
    if (getenv("TB_UPDATE_GOLDEN"))
        write_text(gold, got);
    assert_int_equal(tb_read_file(gold, &want, &wl, &err), TB_OK);
    assert_string_equal(got, want);
    report_structure_ok(got, k_charts, sizeof k_charts / sizeof k_charts[0]);
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
        cmocka_unit_test(test_report_headline),
    };
    int failed = cmocka_run_group_tests_name("results", tests, NULL, NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
