/* report.h - what people read: the Markdown report and the terminal table,
 * both made from a results table alone (so `tokbench report results.csv`
 * regenerates them from a file). Formatting only: the caller owns the
 * stream and decides where it goes. */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "../results/results.h"
#include "plot.h"
#include "langnames.h"
#include "../common/tb.h"

/* What goes into a report besides the rows. */
typedef struct report_extras {
    const char *manifest_md;        /* run manifest as Markdown, or NULL */
    const char *chart_dir;          /* charts folder relative to the report, e.g. "charts" */
    const plot_chart *charts;       /* charts drawn (PNG and SVG exist), or NULL */
    size_t n_charts;
    const langnames *names;         /* display names of languages (the atlas's rows), or NULL */
} report_extras;

/* Writes REPORT.md content, in reading order:
 *   a headline table per corpus (split "test": parity with English and n-gram
 *     bits per English byte for the production vocabularies and the schemes
 *     that have n-gram rows, the suite's main points), corpora that count
 *     toward the claims first;
 *   the claims at a glance (claims_write_overview);
 *   a table of contents linking to explicit <a id> anchors;
 *   the run manifest;
 *   per corpus: its charts (ex->charts whose corpus it is, in order, each
 *     image followed by its caption in italics when it has one), then one
 *     table per metric, pivoted tokenizers (rows) x languages (columns), for
 *     split "test", then split "all" folded in <details>;
 *   "Measured training" when r has train_* rows (per corpus: the evaluation
 *     set, then per regime, equal FLOPs train_* and one pass train_content_*,
 *     a table per (language, tokenizer) and the regime's "training_" charts);
 *   "Atlas: corpus C" for each corpus of more than ATLAS_MIN_LANGS languages
 *     (reports/atlas.h), whose own section and headline entry then point to it
 *     instead of tables with one column per language;
 *   charts of no corpus of the run; the published figures; the claims.
 * ex may be NULL. */
int report_write_markdown(const results *r, const report_extras *ex, FILE *f, tb_error *err);

/* Atomic write of the Markdown report to path. */
int report_save_markdown(const results *r, const report_extras *ex, const char *path,
                         tb_error *err);

/* The compact table `tokbench run` prints: per corpus (split all), one line
 * per tokenizer and language; for a corpus of more than ATLAS_MIN_LANGS
 * languages one line per tokenizer (median parity, cheapest and dearest
 * language). */
void report_print_summary(const results *r, FILE *f);

/* The README's Results block for corpus: a table of tokens, parity and
 * n-gram bits per English byte (split test) for the tokenizers the README
 * names, then the claims' verdicts judged on deterministic rows
 * (claims_write_summary). Deterministic rows only, so the block is the same
 * on every machine; tests/cli_readme.sh compares it with a fresh run. */
int report_write_readme(const results *r, const char *corpus, FILE *f, tb_error *err);

#endif
