/* test_editdist.c - code point Levenshtein distance (common/editdist.h):
 * hand-checked pairs, then random strings over a small alphabet of 1- to
 * 4-byte code points (and invalid bytes) against the textbook O(n*m) table,
 * lengths crossing the 64-row band edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../common/editdist.h"
#include "../common/utf8.h"

static uint64_t dist(const char *a, const char *b)
{
    tb_error err = {0};
    uint64_t d = 99999;
    assert_int_equal(editdist_utf8(a, strlen(a), b, strlen(b), &d, &err), TB_OK);
    return d;
}

static void test_hand(void **state)
{
    (void)state;
    assert_int_equal(dist("", ""), 0);
    assert_int_equal(dist("abc", "abc"), 0);
    assert_int_equal(dist("", "abc"), 3);
    assert_int_equal(dist("abc", ""), 3);
    assert_int_equal(dist("kitten", "sitting"), 3);
    assert_int_equal(dist("Hello World", "hello world"), 2);
    assert_int_equal(dist("Hello, world!", "hello , world !"), 3);
    /* code points, not bytes: one substitution of a 2-byte by a 1-byte letter */
    assert_int_equal(dist("caf\xc3\xa9", "cafe"), 1);
    /* two code points sharing their lead byte */
    assert_int_equal(dist("\xd0\x90", "\xd0\x91"), 1);
    assert_int_equal(dist("\xf0\x9f\x98\x80x", "\xf0\x9f\x98\x81x"), 1);
    /* an invalid byte is one unit */
    assert_int_equal(dist("a\xff" "b", "ab"), 1);
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* n units of the alphabet into out; their values into cps. */
static size_t gen(uint64_t *s, size_t n, char *out, int32_t *cps)
{
    static const int32_t alpha[] = {'a', 'b', 'c', 0xE9, 0x430, 0x4E2D, 0x1F600};
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = splitmix(s) % 8;
        if (r == 7) {
            out[k++] = (char)0xFF;
            cps[i] = 0x110000 + 0xFF;
        } else {
            k += (size_t)utf8_encode(alpha[r], (uint8_t *)out + k);
            cps[i] = alpha[r];
        }
    }
    return k;
}

static uint64_t naive(const int32_t *a, size_t n, const int32_t *b, size_t m)
{
    uint64_t *row = malloc((m + 1) * sizeof *row);
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        uint64_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            uint64_t up = row[j];
            uint64_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    uint64_t d = row[m];
    free(row);
    return d;
}

static void test_random(void **state)
{
    (void)state;
    uint64_t s = 42;
    char a[4 * 300], b[4 * 300];
    int32_t ca[300], cb[300];
    for (int it = 0; it < 3000; it++) {
        size_t n = splitmix(&s) % 300, m = splitmix(&s) % 300;
        if (it % 3 == 0) /* near-equal: b is a with a few edits */
            m = n;
        size_t la = gen(&s, n, a, ca), lb;
        if (it % 3 == 0) {
            memcpy(cb, ca, n * sizeof *ca);
            for (int e = 0; e < 4 && n; e++)
                cb[splitmix(&s) % n] = 'z';
            lb = 0;
            for (size_t i = 0; i < m; i++)
                lb += cb[i] >= 0x110000 ? (b[lb] = (char)0xFF, 1)
                                        : (size_t)utf8_encode(cb[i], (uint8_t *)b + lb);
        } else {
            lb = gen(&s, m, b, cb);
        }
        tb_error err = {0};
        uint64_t d;
        assert_int_equal(editdist_utf8(a, la, b, lb, &d, &err), TB_OK);
        assert_int_equal(d, naive(ca, n, cb, m));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests_name("editdist", tests, NULL, NULL);
}
