/* editdist.h - Levenshtein distance between two UTF-8 strings, counted in
 * code points (insertions, deletions and substitutions of one code point
 * each cost 1). An invalid byte counts as one unit of its own, unequal to
 * every code point, so any input has a distance.
 *
 * Algorithm: the common prefix and suffix are cut first (linear), then the
 * rest is Myers' bit-parallel algorithm in Hyyro's multi-block form, one
 * band of 64 rows of the shorter string at a time over the longer one, so
 * time is O(n * ceil(m / 64)) word operations and memory O(n + m) for the
 * n and m code points left after the cut (m <= n). Exact; two equal strings
 * cost one linear pass. */
#ifndef TB_EDITDIST_H
#define TB_EDITDIST_H

#include <stddef.h>
#include <stdint.h>

#include "tb.h"

/* Stores the distance of a[0..na) and b[0..nb) in *out. Fails only when
 * memory runs out (TB_EINPUT). */
int editdist_utf8(const char *a, size_t na, const char *b, size_t nb, uint64_t *out,
                  tb_error *err);

#endif
