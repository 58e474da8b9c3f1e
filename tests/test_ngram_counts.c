/* test_ngram_counts.c - raw n-gram counts (ngram/counts.h): what is counted,
 * the canonical order of the walk, the merge of counts made apart (the same
 * model bit for bit as counting everything at once) and the refusals of
 * ngram_counts_add. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ngram/counts.h"
#include "../ngram/ngram.h"

/* S1 <s> a b </s>  S2 <s> a b c </s>  S3 <s> b a </s>  S4 <s> a </s>, a = 10,
 * b = 20, c = 30 (the corpus of test_ngram.c). */
static const uint32_t k_ids[] = {10, 20, 10, 20, 30, 20, 10, 10};
static const size_t k_first[] = {0, 2, 5, 7, 8};

typedef struct walk {
    char text[4096];
    size_t len;
    ngram_counts *into; /* or NULL */
} walk;

static int record(void *ud, const uint64_t *w, int k, uint64_t count, tb_error *err)
{
    walk *x = ud;
    for (int i = 0; i < k; i++) {
        if (w[i] == NGRAM_COUNTS_BOS)
            x->len += (size_t)snprintf(x->text + x->len, sizeof x->text - x->len, "<s> ");
        else if (w[i] == NGRAM_COUNTS_EOS)
            x->len += (size_t)snprintf(x->text + x->len, sizeof x->text - x->len, "</s> ");
        else
            x->len += (size_t)snprintf(x->text + x->len, sizeof x->text - x->len, "%u ",
                                       (unsigned)w[i]);
    }
    x->len += (size_t)snprintf(x->text + x->len, sizeof x->text - x->len, "%llu\n",
                               (unsigned long long)count);
    return x->into ? ngram_counts_add(x->into, w, k, count, err) : TB_OK;
}

static ngram_counts *count(const unsigned char *use, int order)
{
    ngram_data d = {4, k_ids, k_first, use};
    ngram_counts *c = NULL;
    tb_error err = {0};
    assert_int_equal(ngram_counts_new(order, &c, &err), TB_OK);
    assert_int_equal(ngram_counts_add_data(c, &d, &err), TB_OK);
    return c;
}

static void test_what_is_counted(void **state)
{
    (void)state;
    ngram_counts *c = count(NULL, 2);
    walk w = {{0}, 0, NULL};
    tb_error err = {0};
    assert_int_equal(ngram_counts_each(c, record, &w, &err), TB_OK);
    /* unigrams by id then </s>; bigrams by last word, then first (<s> after
     * the ids) */
    assert_string_equal(w.text, "10 4\n20 3\n30 1\n</s> 4\n"
                                "20 10 1\n<s> 10 3\n"
                                "10 20 2\n<s> 20 1\n"
                                "20 30 1\n"
                                "10 </s> 2\n20 </s> 1\n30 </s> 1\n");
    assert_int_equal(ngram_counts_tokens(c), 8);
    assert_int_equal(ngram_counts_n(c, 1), 5); /* with <s> */
    assert_int_equal(ngram_counts_n(c, 2), 8);
    ngram_counts_free(c);
}

static int same_model(const ngram_model *a, const ngram_model *b)
{
    if (ngram_n_words(a) != ngram_n_words(b) || ngram_bytes(a) != ngram_bytes(b))
        return 0;
    for (int k = 1; k <= ngram_order(a); k++)
        if (ngram_count(a, k) != ngram_count(b, k))
            return 0;
    for (size_t s = 0; s < 4; s++) {
        size_t oa, ob;
        double x = ngram_score_segment(a, k_ids + k_first[s], k_first[s + 1] - k_first[s], &oa);
        double y = ngram_score_segment(b, k_ids + k_first[s], k_first[s + 1] - k_first[s], &ob);
        if (memcmp(&x, &y, sizeof x) || oa != ob)
            return 0;
    }
    ngram_stats sa, sb;
    ngram_get_stats(a, &sa);
    ngram_get_stats(b, &sb);
    return memcmp(&sa, &sb, sizeof sa) == 0;
}

/* Two halves counted apart and added up give the counts, and the model, of
 * the whole. */
static void test_merge_equals_whole(void **state)
{
    (void)state;
    static const unsigned char h1[] = {1, 0, 1, 0}, h2[] = {0, 1, 0, 1};
    tb_error err = {0};
    for (int order = 1; order <= 4; order++) {
        ngram_counts *whole = count(NULL, order), *a = count(h1, order), *b = count(h2, order);
        ngram_counts *sum = NULL;
        assert_int_equal(ngram_counts_new(order, &sum, &err), TB_OK);
        walk wa = {{0}, 0, sum}, wb = {{0}, 0, sum}, ws = {{0}, 0, NULL}, ww = {{0}, 0, NULL};
        /* the second half first: the order of the merge does not matter */
        assert_int_equal(ngram_counts_each(b, record, &wb, &err), TB_OK);
        assert_int_equal(ngram_counts_each(a, record, &wa, &err), TB_OK);
        assert_int_equal(ngram_counts_each(sum, record, &ws, &err), TB_OK);
        assert_int_equal(ngram_counts_each(whole, record, &ww, &err), TB_OK);
        assert_string_equal(ws.text, ww.text);
        assert_int_equal(ngram_counts_tokens(sum), 8);
        for (int k = 1; k <= order; k++) {
            ngram_model *m1 = NULL, *m2 = NULL, *m3 = NULL;
            ngram_data d = {4, k_ids, k_first, NULL};
            assert_int_equal(ngram_build_counts(whole, k, &m1, &err), TB_OK);
            assert_int_equal(ngram_build_counts(sum, k, &m2, &err), TB_OK);
            assert_int_equal(ngram_build(&d, k, &m3, &err), TB_OK);
            assert_true(same_model(m1, m2));
            assert_true(same_model(m1, m3));
            ngram_free(m1);
            ngram_free(m2);
            ngram_free(m3);
        }
        ngram_counts_free(whole);
        ngram_counts_free(a);
        ngram_counts_free(b);
        ngram_counts_free(sum);
    }
}

static void test_add_refusals(void **state)
{
    (void)state;
    ngram_counts *c = NULL;
    tb_error err = {0};
    assert_int_equal(ngram_counts_new(3, &c, &err), TB_OK);
    uint64_t a = 10, b = 20;
    uint64_t ab[] = {a, b}, bos_a[] = {NGRAM_COUNTS_BOS, a}, a_bos[] = {a, NGRAM_COUNTS_BOS},
             eos_a[] = {NGRAM_COUNTS_EOS, a}, bos[] = {NGRAM_COUNTS_BOS}, big[] = {1ull << 40};
    assert_int_equal(ngram_counts_add(c, ab, 2, 1, &err), TB_EINPUT); /* a, b not counted */
    assert_non_null(strstr(err.msg, "not counted"));
    assert_int_equal(ngram_counts_add(c, &a, 1, 2, &err), TB_OK);
    assert_int_equal(ngram_counts_add(c, &b, 1, 1, &err), TB_OK);
    assert_int_equal(ngram_counts_add(c, ab, 2, 1, &err), TB_OK);
    assert_int_equal(ngram_counts_add(c, bos_a, 2, 1, &err), TB_OK);
    assert_int_equal(ngram_counts_add(c, a_bos, 2, 1, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "<s> not first"));
    assert_int_equal(ngram_counts_add(c, eos_a, 2, 1, &err), TB_EINPUT);
    assert_int_equal(ngram_counts_add(c, bos, 1, 1, &err), TB_EINPUT);
    assert_int_equal(ngram_counts_add(c, big, 1, 1, &err), TB_EINPUT);
    assert_int_equal(ngram_counts_add(c, &a, 1, 0, &err), TB_EINPUT);
    assert_int_equal(ngram_counts_add(c, &a, 1, 1ull << 62, &err), TB_EINPUT);
    assert_int_equal(ngram_counts_add(c, &a, 1, (1ull << 62) - 1, &err), TB_EINPUT); /* sum */
    assert_non_null(strstr(err.msg, "above 2^62"));
    uint64_t abab[] = {a, b, a, b};
    assert_int_equal(ngram_counts_add(c, abab, 4, 1, &err), TB_EINPUT); /* above the order */
    ngram_model *m = NULL;
    assert_int_equal(ngram_build_counts(c, 4, &m, &err), TB_EUSAGE);
    assert_null(m);
    ngram_counts_free(c);
    assert_int_equal(ngram_counts_new(0, &c, &err), TB_EUSAGE);
    assert_null(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_what_is_counted),
        cmocka_unit_test(test_merge_equals_whole),
        cmocka_unit_test(test_add_refusals),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
