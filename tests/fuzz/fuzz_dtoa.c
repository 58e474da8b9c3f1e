/* fuzz_dtoa.c - libFuzzer target for common/dtoa.h: each 8 input bytes are a
 * double (raw bits; the tail, if any, is also read as text by strtod). Its
 * text must read back as the same double (sign of zero included), fit the
 * buffer, equal the slow path's text and have no more significant digits
 * than the fewest %.Pg that read back (fewer only for a power of two). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/dtoa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sig_digits(const char *s)
{
    int n = 0, lead = 1, zeros = 0, point = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s == '.') {
            point = 1;
            continue;
        }
        if (*s < '0' || *s > '9' || (lead && *s == '0'))
            continue;
        lead = 0;
        n++;
        zeros = *s == '0' ? zeros + 1 : 0;
    }
    return point ? n : n - zeros;
}

static void check(double v)
{
    char a[DTOA_BUFSIZE], b[DTOA_BUFSIZE], t[40];
    size_t n = dtoa_shortest(v, a);
    if (n >= DTOA_BUFSIZE || n != strlen(a))
        abort();
    dtoa_shortest_slow(v, b);
    if (strcmp(a, b) != 0)
        abort();
    if (isnan(v)) {
        if (strcmp(a, "nan") != 0)
            abort();
        return;
    }
    char *end;
    double r = strtod(a, &end);
    if (*end || r != v || signbit(r) != signbit(v))
        abort();
    if (!isfinite(v) || v == 0)
        return;
    int p = 1;
    for (; p < 17; p++) {
        snprintf(t, sizeof t, "%.*g", p, v);
        if (strtod(t, NULL) == v)
            break;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int mine = sig_digits(a);
    if (mine > p || (mine < p && (bits & ((1ULL << 52) - 1)) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        double v;
        memcpy(&v, data + i, sizeof v);
        check(v);
    }
    if (i < size) {
        char t[16];
        memcpy(t, data + i, size - i);
        t[size - i] = '\0';
        check(strtod(t, NULL));
    }
    return 0;
}
