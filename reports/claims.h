/* claims.h - the closing section of the report: each popular claim of
 * DESIGN.md ("Questions the report must answer"), the measured rows that
 * test it, and a verdict in words. A claim whose rows are not in the
 * results says so ("not measured in this run") rather than guessing. */
#ifndef CLAIMS_H
#define CLAIMS_H

#include <stdio.h>

#include "../results/results.h"

/* Writes "## Claims" and one subsection per claim. Uses split "test" (held
 * out from everything trained) for every corpus in the results. */
void claims_write_markdown(const results *r, FILE *f);

#endif
