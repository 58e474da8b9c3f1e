/* plot.h - charts from a results table, drawn by gnuplot run as an external
 * program on data files tokbench writes. Each chart is a .dat file, a .gp
 * script and its PNG (pngcairo) and SVG, in one folder. A chart whose rows
 * are not in the results is skipped, so charts appear as capabilities land.
 * Languages keep one colour everywhere (en blue, ru red, zh gold, others
 * from a fixed palette in order of appearance in the corpus).
 *
 * Size: every chart is at most 1600 px wide (pngcairo and SVG alike), text at
 * 13 pt or more. Charts with one bar per tokenizer are drawn once per
 * tokenizer group, as horizontal bars (tokenizer names on the y axis), and
 * named "<kind>_<group>_<corpus>". Groups, by the tokenizer's name (a
 * "joint:" prefix is ignored):
 *   production  tiktoken:*, hf:*            production vocabularies
 *   trained     bpe:*                       BPE trained here (per language, joint)
 *   symbol      symbol:*, symbol-space:*, symbol-stem:*
 *   base        bytes, chars, graphemes
 *   other       anything else (cmd:*, bpe-file:*)
 * A log value axis is the same in every group of a corpus, so groups
 * compare; a linear one fits its group. Values spanning orders of magnitude (FLOPs, memory, ms,
 * hours) are on log axes; large values use SI prefixes (k, M, G, T), never
 * e-notation.
 *
 * A corpus of more than ATLAS_MIN_LANGS languages (reports/atlas.h), with
 * more than that many selected, gets one chart instead of all of the above:
 * "atlas_<corpus>", every language of the corpus a row sorted by cost
 * (cheapest at the top; rank, code and display name - the name cut so the
 * label has at most 36 code points - in its script family's colour), one
 * panel per tokenizer column (names of one vocabulary share a panel, titled
 * "a" over "= b") with the byte premium first, parity of split all on a log
 * axis shared by the panels, 16 px a row.
 *
 * Measured training (rows train_* and train_content_*, bench/stage_train.h)
 * gives line charts across groups named "training_flops_<corpus>",
 * "training_s_<corpus>" (seconds: a timing) and "training_content_flops_" /
 * "training_content_s_<corpus>" for the one-pass regime: test bits per
 * English byte at each checkpoint against the FLOPs counted (or the step
 * seconds) up to it, log x, one panel per language (titled in its colour),
 * one line per tokenizer (colour and point type), the axes shared and fitted
 * to the checkpoints after step 1 (the untrained model). The report places
 * charts whose name starts with "training_" in its Measured training
 * section. */
#ifndef PLOT_H
#define PLOT_H

#include <stddef.h>

#include "../results/results.h"
#include "../common/tb.h"
#include "langnames.h"

typedef struct plot_config {
    const char *out_dir;    /* charts go here (created) */
    const char *gnuplot;    /* program to run, "gnuplot" when NULL */
    const char *split;      /* which split the charts show, "test" when NULL */
    const char *const *tokenizers; /* only these tokenizers (n_tokenizers 0: all) */
    size_t n_tokenizers;
    const char *const *langs;      /* only these languages (n_langs 0: all) */
    size_t n_langs;
    const langnames *names;        /* display names of the languages (the atlas's
                                    * labels), or NULL: codes alone */
} plot_config;

/* One chart drawn: NAME.png, NAME.svg, NAME.dat and NAME.gp in out_dir. */
typedef struct plot_chart {
    char name[256];         /* base name, "<kind>[_<group>]_<corpus>" */
    char corpus[128];       /* the corpus it shows */
    char group[32];         /* tokenizer group ("production", "trained", "symbol",
                             * "base", "other"), "" for a chart across groups */
    char title[512];        /* the title drawn on the chart */
    char caption[512];      /* one sentence saying what it shows, for the report */
} plot_chart;

typedef struct plot_report {
    size_t drawn;           /* charts written (each as .png and .svg) */
    size_t skipped;         /* chart kinds with no data in the results (per corpus) */
    plot_chart *charts;     /* the drawn charts in drawing order (drawn entries) */
    size_t cap;
} plot_report;

/* Draws every chart the results have data for. Fails with TB_EINPUT when
 * gnuplot cannot be run (the message says how to install it) or fails, and
 * when out of memory. rep is filled even on failure; free it with
 * plot_report_free. */
int plot_all(const results *r, const plot_config *cfg, plot_report *rep, tb_error *err);

void plot_report_free(plot_report *rep);

/* The group key of a tokenizer name (the list above). */
const char *plot_group_of(const char *tokenizer);

#endif
