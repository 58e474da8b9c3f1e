/* test_tb.c - the shared helpers of common/tb.h: FNV-1a-64 (published test
 * vectors, and equality with the loops each module used to write by hand,
 * whose values feed the train/test split and the indexes), tb_pathf and
 * tb_copy_str. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../common/tb.h"

/* corpus.c corpus_id_is_test, corpus_builder.c fnv1a, strset.c, cmd.c */
static uint64_t ref_plain(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* results.c key_hash */
static uint64_t ref_results(const char *const key[5])
{
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < 5; k++) {
        for (const unsigned char *p = (const unsigned char *)key[k]; *p; p++)
            h = (h ^ *p) * 1099511628211ull;
        h = (h ^ 0xFF) * 1099511628211ull;
    }
    return h ^ (h >> 29);
}

/* check.c key_hash */
static uint64_t ref_check(const char *const parts[5])
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int k = 0; k < 5; k++) {
        for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++) {
            h ^= *p;
            h *= 0x100000001b3ULL;
        }
        h ^= 0x1f;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void test_fnv_vectors(void **state)
{
    (void)state;
    /* from the FNV reference (isthe.com/chongo/tech/comp/fnv) */
    assert_true(tb_fnv1a64("", 0) == 0xcbf29ce484222325ULL);
    assert_true(tb_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(tb_fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
    /* update: a then b is a.b */
    uint64_t h = tb_fnv1a64_update(TB_FNV1A64_INIT, "foo", 3);
    assert_true(tb_fnv1a64_update(h, "bar", 3) == tb_fnv1a64("foobar", 6));
}

static void test_fnv_same_as_before(void **state)
{
    (void)state;
    static const char *const ids[] = {"", "art1.p2", "preamble.3", "text/shared/01/x.html#par_id3",
                                      "\xe4\xb8\xad\xe6\x96\x87", "\xff\x80 high bytes"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        size_t n = strlen(ids[i]);
        assert_true(tb_fnv1a64(ids[i], n) == ref_plain(ids[i], n));
    }
    const char *const keys[][5] = {
        {"udhr", "test", "en", "bpe:8k", "tokens"},
        {"", "", "", "", ""},
        {"libreoffice", "all", "zh", "cmd:./tok --a,b", "parity"},
        {"a", "bc", "d", "e", "f"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        uint64_t r = tb_fnv1a64_fields(1469598103934665603ull, keys[i], 5, 0xFF);
        assert_true((r ^ (r >> 29)) == ref_results(keys[i]));
        assert_true(tb_fnv1a64_fields(TB_FNV1A64_INIT, keys[i], 5, 0x1f) == ref_check(keys[i]));
    }
    /* the separator tells the fields apart */
    const char *const ab_c[] = {"ab", "c"}, *const a_bc[] = {"a", "bc"};
    assert_true(tb_fnv1a64_fields(TB_FNV1A64_INIT, ab_c, 2, 0x1f) !=
                tb_fnv1a64_fields(TB_FNV1A64_INIT, a_bc, 2, 0x1f));
}

static void test_pathf_copy_str(void **state)
{
    (void)state;
    char out[8];
    tb_error err = {0};
    assert_int_equal(tb_pathf(&err, out, sizeof out, "%s/%s", "ab", "cd"), TB_OK);
    assert_string_equal(out, "ab/cd");
    assert_int_equal(tb_pathf(&err, out, sizeof out, "%s/%s", "abcd", "efgh"), TB_EINPUT);
    assert_string_equal(err.msg, "path too long: 'abcd/ef...'");
    tb_copy_str(out, sizeof out, "0123456789");
    assert_string_equal(out, "0123456");
    tb_copy_str(out, 1, "x");
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv_vectors),
        cmocka_unit_test(test_fnv_same_as_before),
        cmocka_unit_test(test_pathf_copy_str),
    };
    return cmocka_run_group_tests_name("tb", tests, NULL, NULL);
}
