/* test_dtoa.c - shortest round-trip double text (common/dtoa.h): hand-checked
 * strings, then properties on millions of doubles (random bit patterns,
 * subnormals, log10 probabilities, powers of ten and of two): the text reads
 * back as the same double, has no more significant digits than the shortest
 * %.Pg that reads back (fewer only where v is a power of two, whose rounding
 * interval is lopsided), and equals the slow path's text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/dtoa.h"

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static int is_pow2(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return (b & ((1ULL << 52) - 1)) == 0;
}

/* Significant digits of a text: mantissa digits without leading zeros, and
 * without trailing zeros of an integer. */
static int sig_digits(const char *s)
{
    int n = 0, lead = 1, zeros = 0, point = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s == '.') {
            point = 1;
            continue;
        }
        if (*s < '0' || *s > '9')
            continue;
        if (lead && *s == '0')
            continue;
        lead = 0;
        n++;
        zeros = *s == '0' ? zeros + 1 : 0;
    }
    return point ? n : n - zeros;
}

/* Fewest %.Pg digits that read back (the %.17g-then-shorten reference). */
static int ref_digits(double v)
{
    char t[330]; /* %.*g of a double; GCC cannot see that p <= 17 */
    int p = 15;
    snprintf(t, sizeof t, "%.*g", p, v);
    if (strtod(t, NULL) == v) {
        while (p > 1) {
            snprintf(t, sizeof t, "%.*g", p - 1, v);
            if (strtod(t, NULL) != v)
                break;
            p--;
        }
        return p;
    }
    for (p = 16; p < 17; p++) {
        snprintf(t, sizeof t, "%.*g", p, v);
        if (strtod(t, NULL) == v)
            return p;
    }
    return 17;
}

/* Checks one finite double; returns 1 when it is shorter than the reference.
 * With slow, also compares with the slow path (which costs up to 34 snprintf
 * and strtod calls, so the random loops ask for it on every 16th value). */
static int check_one(double v, int slow)
{
    char a[DTOA_BUFSIZE], b[DTOA_BUFSIZE];
    size_t n = dtoa_shortest(v, a);
    assert_int_equal(n, strlen(a));
    assert_true(n < DTOA_BUFSIZE);
    char *end;
    double r = strtod(a, &end);
    if (r != v || *end || signbit(r) != signbit(v))
        fail_msg("%.17g printed as '%s' reads back as %.17g", v, a, r);
    int mine = sig_digits(a), ref = ref_digits(v);
    if (mine > ref || (mine < ref && !is_pow2(v)))
        fail_msg("%.17g: '%s' has %d digits, the %%.Pg reference %d", v, a, mine, ref);
    if (!slow)
        return mine < ref;
    dtoa_shortest_slow(v, b);
    if (strcmp(a, b) != 0)
        fail_msg("%.17g: fast '%s' but slow '%s'", v, a, b);
    return mine < ref;
}

static void expect(double v, const char *want)
{
    char a[DTOA_BUFSIZE];
    dtoa_shortest(v, a);
    assert_string_equal(a, want);
    dtoa_shortest_slow(v, a);
    assert_string_equal(a, want);
}

static void test_hand(void **state)
{
    expect(-0.30103, "-0.30103");
    expect(0.1, "0.1");
    expect(0.3, "0.3");
    expect(0.1 + 0.2, "0.30000000000000004");
    expect(-99, "-99");
    expect(0, "0");
    expect(-0.0, "-0");
    expect(1, "1");
    expect(123.456, "123.456");
    expect(1e20, "100000000000000000000");
    expect(1e21, "1e21");
    expect(1e23, "1e23");
    expect(0.000001, "0.000001");
    expect(1.5e-7, "1.5e-7");
    expect(-1.2345678901234567e-100, "-1.2345678901234567e-100");
    expect(5e-324, "5e-324");
    expect(DBL_MIN, "2.2250738585072014e-308");
    expect(DBL_MAX, "1.7976931348623157e308");
    expect(9007199254740993.0, "9007199254740992");
    expect(4294967295.0, "4294967295");
    expect(M_PI, "3.141592653589793");
    expect(-log10(2.0), "-0.3010299956639812");
    expect(INFINITY, "inf");
    expect(-INFINITY, "-inf");
    expect(NAN, "nan");
    /* 2^-44: the shortest reading back is one digit shorter than %.Pg's
     * (its lower neighbour is half as far as its upper one) */
    char a[DTOA_BUFSIZE];
    dtoa_shortest(ldexp(1, -44), a);
    assert_true(strtod(a, NULL) == ldexp(1, -44));
}

static void test_powers(void **state)
{
    for (int k = -323; k <= 308; k++) {
        char t[32], a[DTOA_BUFSIZE];
        snprintf(t, sizeof t, "1e%d", k);
        double v = strtod(t, NULL);
        check_one(v, 1);
        dtoa_shortest(v, a);
        assert_int_equal(sig_digits(a), 1);
    }
    int shorter = 0;
    for (int e = -1074; e <= 1023; e++) {
        shorter += check_one(ldexp(1, e), 1);
        shorter += check_one(-ldexp(1, e), 1);
        check_one(nextafter(ldexp(1, e), 0), 1);
        check_one(nextafter(ldexp(1, e), INFINITY), 1);
    }
    /* the lopsided intervals do give shorter texts somewhere */
    assert_true(shorter > 0);
}

static void test_random_bits(void **state)
{
    uint64_t s = 17;
    int done = 0;
    while (done < 1000000) {
        double v = from_bits(splitmix(&s));
        if (!isfinite(v))
            continue;
        check_one(v, done % 16 == 0);
        done++;
    }
}

static void test_subnormals(void **state)
{
    uint64_t s = 18;
    for (int i = 0; i < 300000; i++) {
        uint64_t m = splitmix(&s) & ((1ULL << 52) - 1);
        check_one(from_bits(m >> (i % 53)), i % 16 == 0);
        check_one(from_bits(m | 1ULL << 63), i % 16 == 0);
    }
    for (uint64_t m = 1; m < 20000; m++)
        check_one(from_bits(m), m % 16 == 0);
}

/* What ARPA files hold: log10 probabilities and backoffs, and values with few
 * digits such as -0.30103 (read from other tools' files). */
static void test_log_probs(void **state)
{
    uint64_t s = 19;
    for (int i = 0; i < 400000; i++) {
        double u = (double)(splitmix(&s) >> 11) / 9007199254740992.0;
        check_one(log10(u + 1e-300), i % 16 == 0);
        check_one(-7 * u, i % 16 == 0);
        char t[32];
        snprintf(t, sizeof t, "-%.*f", 1 + i % 8, 10 * u);
        check_one(strtod(t, NULL), i % 16 == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand),
        cmocka_unit_test(test_powers),
        cmocka_unit_test(test_random_bits),
        cmocka_unit_test(test_subnormals),
        cmocka_unit_test(test_log_probs),
    };
    return cmocka_run_group_tests_name("dtoa", tests, NULL, NULL);
}
