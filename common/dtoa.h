/* dtoa.h - the shortest decimal text of a double that reads back (strtod) as
 * the same double.
 *
 * dtoa_shortest gives the fewest significant digits that round-trip; among
 * representations with that many digits, the one nearest the value. It is
 * Grisu3 (Loitsch, "Printing floating-point numbers quickly and accurately
 * with integers", PLDI 2010) over exact 64-bit powers of ten
 * (dtoa_pow10.h, written by tools/gen-dtoa-pow10), with a fast path for
 * integers below 2^53 and, for the ~0.5% of values where Grisu3 cannot prove
 * its answer shortest, a fallback that tries 1..17 digits with snprintf and
 * strtod (and the neighbour on the other side of the value at each length).
 *
 * Text layout (JavaScript's Number-to-String rules): with digits d1..dn and
 * the value 0.d1..dn * 10^p, an integer "d1..dn00" when n <= p <= 21,
 * "d1..dp.dp+1..dn" when 0 < p < n, "0.00d1..dn" when -6 < p <= 0, otherwise
 * "d1.d2..dne[-]X" with X = p - 1. Negative values get '-', -0.0 is "-0";
 * infinities are "inf" and "-inf", NaN is "nan". */
#ifndef DTOA_H
#define DTOA_H

#include <stddef.h>

/* Bytes of output buffer dtoa_shortest needs, NUL included. */
#define DTOA_BUFSIZE 32

/* Writes the text of v and a NUL to out[DTOA_BUFSIZE]; returns its length. */
size_t dtoa_shortest(double v, char *out);

/* The same text by the slow path alone (snprintf and strtod for 1..17
 * digits): the reference the tests and the fuzz target check against. */
size_t dtoa_shortest_slow(double v, char *out);

#endif
