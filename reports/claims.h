/* claims.h - the closing section of the report: each popular claim of
 * DESIGN.md ("Questions the report must answer"), the measured rows that
 * test it, and a verdict in words. A claim whose rows are not in the
 * results says so ("not measured in this run") rather than guessing. */
#ifndef CLAIMS_H
#define CLAIMS_H

#include <stdio.h>

#include "../common/tb.h"
#include "../results/results.h"

/* A corpus counts toward the verdicts when its test split has at least this
 * many segments; smaller corpora (udhr's test split has 8) are context. */
#define CLAIMS_MIN_SEGMENTS 100

/* Writes "## Claims" (anchor "claims") and one subsection per claim (anchor
 * "claim-N"): the statement, one line on what was measured, the tables of
 * distinct findings and a verdict per part. Uses split "test" (held out from everything trained). TB_EINPUT
 * only when out of memory. */
int claims_write_markdown(const results *r, FILE *f, tb_error *err);

/* One Markdown list line per verdict of a claim part judged on deterministic
 * rows only (counts, FLOPs, bytes, datasheet projections, fixed parameters),
 * the same words as in claims_write_markdown: identical on every machine for
 * the same corpora and code, so a README can quote it and a test can compare. */
int claims_write_summary(const results *r, FILE *f, tb_error *err);

/* The claims at a glance, for the top of the report: which corpora count,
 * then a table with one row per claim (its number links to the anchor
 * "claim-N" that claims_write_markdown writes before the claim's heading),
 * its statement and every part's verdict in a few words with the tally of
 * distinct measurements it rests on; parts judged on timing rows are
 * included and marked "(timed)". The verdicts are claims_write_markdown's. */
int claims_write_overview(const results *r, FILE *f, tb_error *err);

#endif
