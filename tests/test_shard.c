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
    "tokbench-partial 3\nshard 0 2\nspec bytes\nC\tt\tabc\t2\ten\n"
    "V\tbytes\ten\t4\t1\t1\t1\t0\nS\t0\t0\t4\t4\t1\t2\t1\t0\nH\t0\t1\t2\nE\n"
    "V\tbytes\tru\t4\t1\t1\t1\t1\nS\t0\t0\t6\t3\t1\t3\t1\t1\t0\t1\nH\t0\t2\t3\nE\n";
static const char *const k_p1 =
    "tokbench-partial 3\nshard 1 2\nspec bytes\nC\tt\tabc\t2\ten\n"
    "V\tbytes\ten\t4\t1\t1\t1\t0\nS\t1\t1\t2\t2\t1\t1\t0\t0\nH\t1\t3\t1\nE\n"
    "V\tbytes\tru\t4\t1\t1\t1\t1\nS\t1\t1\t4\t2\t1\t4\t1\t0\t1\t0\nH\t1\t2\t4\nE\n";

/* A symbol scheme's blocks (D, Y lines): en and ru, 2 segments, shard 0 holds
 * segment 0 (train), shard 1 segment 1 (test). */
static const char *const k_s0 =
    "tokbench-partial 3\nshard 0 2\nspec symbol:2\nC\tt\tabc\t2\ten\n"
    "V\tsymbol:2\ten\t9\t1\t1\t1\t0\nS\t0\t0\t4\t4\t1\t2\t1\t0\nH\t0\t1\t2\n"
    "D\t17\nY\t0\t1\t0\t3\t3\nE\n"
    "V\tsymbol:2\tru\t9\t1\t1\t1\t0\nS\t0\t0\t6\t3\t2\t3\t1\t1\nH\t0\t2\t3\n"
    "D\t17\nY\t0\t2\t1\t5\t4\nE\n";
static const char *const k_s1 =
    "tokbench-partial 3\nshard 1 2\nspec symbol:2\nC\tt\tabc\t2\ten\n"
    "V\tsymbol:2\ten\t9\t1\t1\t1\t0\nS\t1\t1\t2\t2\t1\t1\t0\t0\nH\t1\t3\t1\n"
    "D\t17\nY\t1\t1\t1\t2\t2\nE\n"
    "V\tsymbol:2\tru\t9\t1\t1\t1\t0\nS\t1\t1\t4\t2\t3\t4\t1\t0\nH\t1\t2\t4\n"
    "D\t17\nY\t1\t3\t2\t7\t5\nE\n";

static int parse(const char *text, const char *name, partial **out, tb_error *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    int rc = partial_read_stream(f, name, out, err);
    fclose(f);
    return rc;
}

static double row_of(const results *r, const char *tok, const char *split, const char *lang,
                     const char *metric)
{
    long at = results_find(r, "t", split, lang, tok, metric);
    if (at < 0)
        fail_msg("no row %s %s %s %s", tok, split, lang, metric);
    assert_true(at >= 0);
    result_row x;
    results_get(r, (size_t)at, &x);
    return x.value;
}

static double row(const results *r, const char *split, const char *lang, const char *metric)
{
    return row_of(r, "bytes", split, lang, metric);
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
    assert_int_equal(partial_merge(p, 2, NULL, NULL, NULL, r, &err), TB_OK);
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
    /* ru decodes: segment 0 lost one of its 3 chars, segment 1 came back */
    assert_true(row(r, "all", "ru", "roundtrip_exact") == 0.5);
    assert_true(fabs(row(r, "all", "ru", "roundtrip_char_loss") - 1.0 / 5) < 1e-12);
    assert_true(row(r, "test", "ru", "roundtrip_exact") == 1);
    assert_true(row(r, "test", "ru", "roundtrip_char_loss") == 0);
    assert_true(row(r, "train", "ru", "roundtrip_char_loss") == 1.0 / 3);
    assert_true(results_find(r, "t", "all", "en", "bytes", "roundtrip_exact") < 0);
    results_free(r);
    partial_free(p[0]);
    partial_free(p[1]);
}

/* The symbol rows are sums of the Y lines, in run_spec's order: per split the
 * token rows, then oov_words, oov_word_count, then (not train) the four
 * symbol_text rows. The archivers' rows need the corpus: no data folder is a
 * usage error saying so. */
static void test_hand_merge_symbol(void **state)
{
    (void)state;
    tb_error err = {0};
    partial *p[2] = {NULL, NULL};
    assert_int_equal(parse(k_s0, "s0", &p[0], &err), TB_OK);
    assert_int_equal(parse(k_s1, "s1", &p[1], &err), TB_OK);
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(partial_merge(p, 2, NULL, NULL, NULL, r, &err), TB_EUSAGE);
    assert_non_null(strstr(err.msg, "corpus 't': the archivers' rows of a symbol scheme need "
                                    "the corpus (--data)"));
    const char *t = "symbol:2";
    assert_true(row_of(r, t, "all", "ru", "oov_word_count") == 3);
    assert_true(fabs(row_of(r, t, "all", "ru", "oov_words") - 3.0 / 5) < 1e-12);
    assert_true(row_of(r, t, "train", "en", "oov_word_count") == 0);
    assert_true(row_of(r, t, "test", "ru", "oov_word_count") == 2);
    assert_true(row_of(r, t, "all", "ru", "symbol_text_bytes") == 12);
    assert_true(row_of(r, t, "all", "ru", "symbol_text_chars") == 9);
    assert_true(row_of(r, t, "test", "en", "symbol_text_bytes") == 2);
    assert_true(row_of(r, t, "test", "en", "symbol_dict_bytes") == 17);
    assert_true(row_of(r, t, "all", "en", "symbol_text_dict_bytes") == 5 + 17);
    assert_true(results_find(r, "t", "train", "en", t, "symbol_text_bytes") < 0);
    /* the order: all's token rows, then its oov rows, then its symbol rows */
    long a = results_find(r, "t", "all", "en", t, "tokens");
    long b = results_find(r, "t", "all", "en", t, "oov_words");
    long c = results_find(r, "t", "all", "en", t, "symbol_text_dict_bytes");
    long d = results_find(r, "t", "train", "en", t, "tokens");
    assert_true(a >= 0 && a < b && b < c && c < d);
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
    assert_int_equal(partial_merge(p, 2, NULL, NULL, NULL, r, &err), TB_EINPUT);
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
    /* another vocabulary (dictionary bytes) in one shard */
    char *dict = strdup(k_s1);
    memcpy(strstr(dict, "D\t17"), "D\t18", 4);
    expect_merge_fails(k_s0, dict, "block 1 (symbol:2 en) differs");
    free(dict);

    tb_error err = {0};
    partial *p = NULL;
    assert_int_equal(parse(k_p0, "p0", &p, &err), TB_OK);
    results *r = NULL;
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(partial_merge(&p, 1, NULL, NULL, NULL, r, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "shard 1/2 is missing"));
    assert_int_equal(results_count(r), 0);
    results_free(r);
    partial_free(p);

    static const struct {
        const char *text, *needle;
    } bad[] = {
        {"tokbench-partial 1\nshard 0 1\n", "format version '1'"},
        {"tokbench-partial 2\nshard 0 1\n", "format version '2'; this tokbench reads version 3"},
        {"hello\n", "not a tokbench partial"},
        {"tokbench-partial 3\nshard 2 2\n", "0 <= K < N"},
        {"tokbench-partial 3\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\t0\n"
         "S\t2\t0\t1\t1\t1\t1\t1\t0\nE\n",
         "'p.tsv':6: bad segment line"},
        /* a decoding block's segment line without, or with a bad, round trip */
        {"tokbench-partial 3\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\t1\n"
         "S\t0\t0\t1\t1\t1\t1\t1\t0\nE\n",
         "'p.tsv':6: bad segment line (S seg test bytes chars words tokens continued fallback "
         "rt_exact rt_edits"},
        {"tokbench-partial 3\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\t1\n"
         "S\t0\t0\t1\t1\t1\t1\t1\t0\t2\t0\nE\n",
         "'p.tsv':6: bad segment line"},
        {"tokbench-partial 3\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\n",
         "'p.tsv':5: expected a block line"},
        {"tokbench-partial 3\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\t0\n"
         "H\t0\t4\t1\nE\n",
         "'p.tsv':6: bad id count line"},
        {"tokbench-partial 3\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\t0\n",
         "ends early"},
        {"tokbench-partial 3\nshard 0 1\nspec bytes\nC\tt\tabc\t2\ten\nV\tbytes\ten\t4\t1\t1\t1\t0\nE",
         "line without its newline"},
#define SYM_HEAD "tokbench-partial 3\nshard 0 1\nspec s\nC\tt\tabc\t2\ten\nV\ts\ten\t4\t1\t1\t1\t0\n"
#define SYM_S "S\t0\t0\t4\t4\t2\t2\t1\t0\n"
        {SYM_HEAD SYM_S "D\t5\nY\t0\t2\t3\t3\t3\nE\n", "'p.tsv':8: bad symbol line"},
        {SYM_HEAD SYM_S "D\t5\nY\t1\t2\t1\t3\t3\nE\n", "'p.tsv':8: bad symbol line"},
        {SYM_HEAD SYM_S "Y\t0\t2\t1\t3\t3\nE\n", "'p.tsv':7: bad symbol line"},
        {SYM_HEAD SYM_S "D\t5\nD\t5\nE\n", "'p.tsv':8: bad dictionary line"},
        {SYM_HEAD SYM_S "D\t5\nE\n", "has 1 segment lines but 0 symbol lines"},
        {SYM_HEAD "D\t5\n" SYM_S "E\n", "'p.tsv':7: bad segment line"},
        {"tokbench-partial 3\nshard 0 1\nspec s\nC\tt\tabc\t2\ten\nV\ts\ten\t4\t1\t1\t0\t0\n"
         "D\t5\nE\n", "'p.tsv':6: bad dictionary line"},
        /* the model, timing and training records (bench/partial_model.h) */
#define B_HEAD "tokbench-partial 3\nshard 0 2\nspec b\nC\tt\tabc\t2\ten\nV\tb\ten\t4\t1\t1\t1\t0\n"
#define B_S "S\t0\t0\t4\t4\t2\t2\t1\t0\n"
        {"tokbench-partial 3\nshard 0 1\nspec b\nmodel\ttiny\tabc\n", "'p.tsv':4: expected 'model"},
        {"tokbench-partial 3\nshard 0 1\nspec b\nmodel\ttiny\t-\nmodel\ttiny\t-\n",
         "'p.tsv':5: a second 'model' line"},
        {"tokbench-partial 3\nshard 0 1\nspec b\ntiming\t2\n", "'p.tsv':4: expected one 'timing 1'"},
        {B_HEAD B_S "J\t1\nR\t0\ttest\ttrain_loss\t4\tnats/token\nE\n",
         "'p.tsv':8: bad training row line"},
        {B_HEAD B_S "J\t0\nR\t0\ttest\tloss\t4\tnats/token\nE\n", "'p.tsv':8: bad training row"},
        {B_HEAD B_S "J\t0\nR\t0\ttest\ttrain_loss\tnan\tnats/token\nE\n",
         "'p.tsv':8: bad training row"},
        {B_HEAD B_S "J\t0\nE\n", "'p.tsv':8: the block is a training job of this shard (J 0) but "
                                 "holds none"},
        {B_HEAD B_S "J\t0\nJ\t0\nE\n", "'p.tsv':8: bad training job line"},
        {B_HEAD "J\t1\n" B_S "E\n", "'p.tsv':7: bad segment line"},
        {B_HEAD B_S "T\t4\t1e-6\t5\t1e-6\t0\nE\n", "'p.tsv':7: bad timing line"},
        {B_HEAD B_S "T\t4\t-1\t4\t1e-6\t0\nE\n", "'p.tsv':7: bad timing line"},
        {B_HEAD B_S "M\t0\t1\t1\nE\n", "'p.tsv':7: bad model head line"},
        {B_HEAD B_S "E\nMD\t63\t1\n", "'p.tsv':8: bad corpus timing line (MD"},
        {B_HEAD B_S "E\nMP\t1\t1\nMS\t1\t1\t1\nMP\t2\t1\n", "'p.tsv':10: bad corpus timing line (MP"},
        {B_HEAD B_S "E\nK\ttiny\t64\n", "'p.tsv':8: bad corpus timing line (K"},
        {B_HEAD B_S "E\nMP\t1\t1\nV\tb\ten\t4\t1\t1\t1\t0\n", "'p.tsv':9: unexpected line"},
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
static void round_trip(const char *const *specs, size_t n_specs, const char *cache)
{
    const char *root = getenv("TB_ROOT");
    char data[4096];
    snprintf(data, sizeof data, "%s/corpora/data", root ? root : ".");
    static const char *const corpora[] = {"udhr"};
    run_config cfg = {.data_dir = data, .corpora = corpora, .n_corpora = 1, .specs = specs,
                      .n_specs = n_specs, .jobs = 2, .cache_dir = cache};
    tb_error err = {0};
    if (cache) {
        /* a shard never counts: before prepare it fails saying so */
        run_config sc = cfg;
        sc.shard_k = 0;
        sc.shard_n = 2;
        char *buf = NULL;
        size_t len = 0;
        sc.partial = open_memstream(&buf, &len);
        results *none = NULL;
        assert_int_equal(results_new(&none, &err), TB_OK);
        assert_int_equal(run_suite(&sc, none, &err), TB_EINPUT);
        if (!strstr(err.msg, "run 'tokbench prepare'"))
            fail_msg("'%s' does not say to prepare", err.msg);
        fclose(sc.partial);
        free(buf);
        results_free(none);
        run_config pc = cfg;
        pc.prepare_only = 1;
        assert_int_equal(results_new(&none, &err), TB_OK);
        if (run_suite(&pc, none, &err))
            fail_msg("%s", err.msg);
        results_free(none);
    }
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
        assert_int_equal(partial_write_header(f, k, N, specs, n_specs, &err), TB_OK);
        if (run_suite(&sc, none, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(results_count(none), 0); /* a shard makes no rows */
        fclose(f);
        results_free(none);
        assert_int_equal(parse(buf, "shard", &p[k], &err), TB_OK);
        free(buf);
    }
    assert_int_equal(results_new(&merged, &err), TB_OK);
    if (partial_merge(p, N, data, NULL, NULL, merged, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(results_count(merged), results_count(full));
    assert_true(results_count(full) > 0);
    for (size_t i = 0; i < results_count(full); i++) {
        result_row a, b;
        results_get(full, i, &a);
        results_get(merged, i, &b);
        assert_string_equal(a.lang, b.lang);
        assert_string_equal(a.tokenizer, b.tokenizer);
        assert_string_equal(a.metric, b.metric);
        assert_string_equal(a.split, b.split);
        assert_memory_equal(&a.value, &b.value, sizeof a.value); /* bit for bit */
    }
    for (size_t k = 0; k < N; k++)
        partial_free(p[k]);
    results_free(full);
    results_free(merged);
}

static void test_run_round_trip(void **state)
{
    (void)state;
    static const char *const specs[] = {"bytes", "chars"};
    round_trip(specs, 2, NULL);
}

/* symbol schemes: prepare counts the units into the cache, the shards load
 * them; the merged rows (archivers' too) equal the unsharded run's */
static void test_run_round_trip_symbol(void **state)
{
    (void)state;
    char cache[] = "/tmp/tokbench-test-shard.XXXXXX";
    assert_non_null(mkdtemp(cache));
    static const char *const specs[] = {"symbol:all", "bytes", "symbol-stem:50"};
    round_trip(specs, 3, cache);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_merge),
        cmocka_unit_test(test_hand_merge_symbol),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_run_round_trip),
        cmocka_unit_test(test_run_round_trip_symbol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
