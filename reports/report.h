/* report.h - what people read: the Markdown report and the terminal table,
 * both made from a results table alone (so `tokbench report results.csv`
 * regenerates them from a file). Formatting only: the caller owns the
 * stream and decides where it goes. */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "../bench/results.h"
#include "../common/tb.h"

/* Writes REPORT.md content: the run manifest (manifest_md, Markdown text,
 * may be NULL), then per corpus one table per metric, pivoted tokenizers
 * (rows) x languages (columns), for split "all" and then "test". */
int report_write_markdown(const results *r, const char *manifest_md, FILE *f, tb_error *err);

/* Atomic write of the Markdown report to path. */
int report_save_markdown(const results *r, const char *manifest_md, const char *path,
                         tb_error *err);

/* The compact table `tokbench run` prints: per corpus (split all), one line
 * per tokenizer and language. */
void report_print_summary(const results *r, FILE *f);

#endif
