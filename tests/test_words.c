/* test_words.c - ICU word segmentation: which segments are words, spans as
 * UTF-8 byte offsets, dictionary segmentation of Chinese, and the
 * too-small-buffer protocol. Expected spans were checked by hand against
 * ICU 72 (root locale). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../corpora/words.h"

static int setup(void **state)
{
    words *w = NULL;
    tb_error err = {0};
    if (words_new(&w, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    words_free(*state);
    return 0;
}

/* Splits s and checks that the words are exactly want[0..n), by the bytes
 * their spans slice out of s; spans must be in order and not overlap. */
static void expect_words(words *w, const char *s, const char *const *want, size_t n)
{
    word_span sp[64];
    size_t got = 0;
    tb_error err = {0};
    assert_int_equal(words_split(w, s, strlen(s), sp, 64, &got, &err), TB_OK);
    if (got != n) {
        for (size_t i = 0; i < got && i < 64; i++)
            fprintf(stderr, "  word %zu: [%u,%u) '%.*s'\n", i, sp[i].start, sp[i].end,
                    (int)(sp[i].end - sp[i].start), s + sp[i].start);
        fail_msg("'%s': %zu words, want %zu", s, got, n);
    }
    for (size_t i = 0; i < n; i++) {
        assert_true(sp[i].start < sp[i].end);
        assert_true(sp[i].end <= strlen(s));
        if (i > 0)
            assert_true(sp[i - 1].end <= sp[i].start);
        size_t l = sp[i].end - sp[i].start;
        if (l != strlen(want[i]) || memcmp(s + sp[i].start, want[i], l) != 0)
            fail_msg("word %zu: got '%.*s', want '%s'", i, (int)l, s + sp[i].start, want[i]);
    }
}

static void test_english(void **state)
{
    const char *s = "Hello, world! It's 2024.";
    static const char *const want[] = {"Hello", "world", "It's", "2024"};
    expect_words(*state, s, want, 4);
    word_span sp[4];
    size_t n = 0;
    tb_error err = {0};
    assert_int_equal(words_split(*state, s, strlen(s), sp, 4, &n, &err), TB_OK);
    /* byte offsets: H=0, w=7, I=14, 2=19, '.'=23 */
    word_span want_sp[] = {{0, 5}, {7, 12}, {14, 18}, {19, 23}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(sp[i].start, want_sp[i].start);
        assert_int_equal(sp[i].end, want_sp[i].end);
    }
}

static void test_russian_inflected(void **state)
{
    /* One noun in five cases, a preposition: 6 words; Cyrillic letters are
     * 2 bytes, so spans are byte offsets, not code point offsets. */
    const char *s = "Человек, человека, человеку, человеком — о человеке!";
    static const char *const want[] = {"Человек", "человека", "человеку", "человеком", "о",
                                       "человеке"};
    expect_words(*state, s, want, 6);
    word_span sp[8];
    size_t n = 0;
    tb_error err = {0};
    assert_int_equal(words_split(*state, s, strlen(s), sp, 8, &n, &err), TB_OK);
    assert_int_equal(sp[0].start, 0);
    assert_int_equal(sp[0].end, 14);
    assert_int_equal(sp[1].start, 16);

    const char *s2 = "Каждый человек имеет право на жизнь, на свободу и на личную неприкосновенность.";
    assert_int_equal(words_split(*state, s2, strlen(s2), NULL, 0, &n, &err), TB_OK);
    assert_int_equal(n, 12);
}

static void test_chinese_dictionary(void **state)
{
    /* No spaces: only ICU's dictionary can split it, into more than one
     * word, and the words cover every Han character. */
    const char *s = "我们是中国人";
    static const char *const want[] = {"我们", "是", "中国人"};
    expect_words(*state, s, want, 3);
    word_span sp[8];
    size_t n = 0;
    tb_error err = {0};
    assert_int_equal(words_split(*state, s, strlen(s), sp, 8, &n, &err), TB_OK);
    assert_true(n > 1);
    size_t covered = 0, at = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sp[i].start, at); /* contiguous: no Han byte left out */
        at = sp[i].end;
        covered += sp[i].end - sp[i].start;
    }
    assert_int_equal(covered, strlen(s));
    assert_int_equal(at, 18);

    /* Full-width punctuation is not a word. */
    const char *s2 = "我们是中国人，我们爱和平。";
    static const char *const want2[] = {"我们", "是", "中国人", "我们", "爱", "和平"};
    expect_words(*state, s2, want2, 6);
}

static void test_no_words(void **state)
{
    static const char *const none[] = {"", " ", "...!?, —", "\t \n", "。，！", "-- ( ) --"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        word_span sp[4];
        size_t n = 99;
        tb_error err = {0};
        assert_int_equal(words_split(*state, none[i], strlen(none[i]), sp, 4, &n, &err), TB_OK);
        if (n != 0)
            fail_msg("'%s': %zu words, want 0", none[i], n);
    }
}

static void test_numbers_and_mixed(void **state)
{
    const char *s = "3.14 и 1,000 — 日本語 x2";
    static const char *const want[] = {"3.14", "и", "1,000", "日本語", "x2"};
    expect_words(*state, s, want, 5);
}

static void test_buffer_too_small(void **state)
{
    const char *s = "one two three four";
    word_span sp[4];
    memset(sp, 0xAB, sizeof sp);
    size_t n = 0;
    tb_error err = {0};
    assert_int_equal(words_split(*state, s, strlen(s), sp, 2, &n, &err), TB_OK);
    assert_int_equal(n, 4);
    assert_int_equal(sp[0].start, 0);
    assert_int_equal(sp[0].end, 3);
    assert_int_equal(sp[1].start, 4);
    assert_int_equal(sp[1].end, 7);
    assert_int_equal(sp[2].start, 0xABABABABu); /* nothing written past cap */
    assert_int_equal(words_split(*state, s, strlen(s), NULL, 0, &n, &err), TB_OK);
    assert_int_equal(n, 4);
    assert_int_equal(words_split(*state, s, strlen(s), sp, 4, &n, &err), TB_OK);
    assert_int_equal(n, 4);
    assert_int_equal(sp[3].start, 14);
    assert_int_equal(sp[3].end, 18);
}

/* The handle is reusable: a long text after a short one and back. */
static void test_reuse(void **state)
{
    size_t len = 3 * 5000;
    char *big = malloc(len + 1);
    for (size_t i = 0; i < 5000; i++)
        memcpy(big + 3 * i, "ab ", 3);
    big[len] = '\0';
    size_t n = 0;
    tb_error err = {0};
    assert_int_equal(words_split(*state, big, len, NULL, 0, &n, &err), TB_OK);
    assert_int_equal(n, 5000);
    free(big);
    static const char *const want[] = {"x"};
    expect_words(*state, "x", want, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_russian_inflected),
        cmocka_unit_test(test_chinese_dictionary),
        cmocka_unit_test(test_no_words),
        cmocka_unit_test(test_numbers_and_mixed),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_reuse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
