/* atlas.h - the parity atlas of a corpus with many languages (udhr-all: 434
 * declarations): what every language costs with every tokenizer of a run,
 * read from its rows alone.
 *
 * Definitions (corpus c, split ATLAS_SPLIT unless named):
 *   tokenizers     every tokenizer of c with a parity row, in order of first
 *                  appearance, except `bytes`: its parity is the byte premium.
 *                  Names that are one vocabulary (tiktoken:o200k_base and
 *                  hf:gpt4o) are one column: a name whose rows equal an
 *                  earlier name's in every language - tokens and parity on
 *                  splits all and test, unk_rate on all, each present in both
 *                  or absent in both - joins that name's column
 *   name           the language's display name ("Russian"), from the run's
 *                  manifest (langnames.h); none without one
 *   parity         the tokenizer's `parity` row (tokens(lang) / tokens(pivot))
 *                  on split all, and on split test beside it
 *   byte premium   the `byte_premium` row (UTF-8 bytes(lang) / bytes(pivot)),
 *                  the script's encoding cost, the same for every tokenizer
 *   cost           the median of the language's parity over the columns (a
 *                  vocabulary under two names counts once)
 *                  (the byte premium when the run has no tokenizer but bytes);
 *                  languages are sorted by cost, then byte premium, then name
 *   script         the ISO 15924 part of a FLORES-style name: "Cyrl" of
 *                  "rus_Cyrl", "Hani" of "cmn_Hani-hans_beijing"; "" when the
 *                  name has none ("en"); each script belongs to one family
 *                  (atlas_family_*), the chart's colours
 *   fallback       the `unk_rate` row: the share of tokens that are byte
 *                  fallback or unknown (SentencePiece-style vocabularies;
 *                  byte-level BPE has none: every byte is an ordinary token)
 * A median of an even count is the mean of the middle two (tb_median's rule).
 * Split all is the headline: no tokenizer of the atlas is trained here, and
 * udhr-all's test split is 5 segments of 63. */
#ifndef ATLAS_H
#define ATLAS_H

#include <stddef.h>
#include <stdio.h>

#include "../common/tb.h"
#include "../results/results.h"
#include "langnames.h"
#include "plot.h"

#define ATLAS_MIN_LANGS 10   /* a corpus with more languages than this gets the atlas */
#define ATLAS_SPLIT "all"
#define ATLAS_TOP_FALLBACK 10 /* languages listed per tokenizer in the fallback table */

typedef struct atlas atlas;

/* The atlas of corpus in r: TB_OK and *out, or *out NULL when the corpus has
 * no parity rows (no pivot). names (may be NULL) gives the languages' display
 * names; it must outlive the atlas. TB_EINPUT only when out of memory. */
int atlas_new(const results *r, const char *corpus, const langnames *names, atlas **out,
              tb_error *err);
void atlas_free(atlas *a);

const char *atlas_corpus(const atlas *a);
size_t atlas_n_langs(const atlas *a);
/* Columns: tokenizers, one per vocabulary; atlas_tok is a column's first
 * name, atlas_tok_name(a, t, k) its k-th of atlas_tok_n_names (k = 0 is
 * atlas_tok), in order of appearance. */
size_t atlas_n_toks(const atlas *a);
const char *atlas_tok(const atlas *a, size_t t);
size_t atlas_tok_n_names(const atlas *a, size_t t);
const char *atlas_tok_name(const atlas *a, size_t t, size_t k);
/* Names that joined an earlier name's column (0: every name is a column). */
size_t atlas_n_merged(const atlas *a);
/* The language of rank i (0: the cheapest). */
const char *atlas_lang(const atlas *a, size_t i);
const char *atlas_lang_script(const atlas *a, size_t i);   /* "" when none */
const char *atlas_lang_name(const atlas *a, size_t i);     /* NULL when none */
double atlas_cost(const atlas *a, size_t i);
double atlas_byte_premium(const atlas *a, size_t i);       /* NAN when absent */
/* Parity of language i with tokenizer t on split all (test = 0) or test
 * (test = 1); NAN when absent. */
double atlas_parity(const atlas *a, size_t i, size_t t, int test);
double atlas_unk(const atlas *a, size_t i, size_t t);      /* NAN when absent */

/* Scripts, sorted by median cost, then code. */
size_t atlas_n_scripts(const atlas *a);
const char *atlas_script(const atlas *a, size_t s);        /* "" for names without one */
size_t atlas_script_langs(const atlas *a, size_t s);
double atlas_script_cost(const atlas *a, size_t s);        /* median of its languages' costs */
double atlas_script_byte_premium(const atlas *a, size_t s);
double atlas_script_parity(const atlas *a, size_t s, size_t t); /* median, split all */

/* The languages of tokenizer t with the highest fallback share (> 0), at
 * most cap, highest first, ties by name: fills idx with language ranks and
 * returns how many; *n_any gets how many languages have any fallback. */
size_t atlas_fallback_top(const atlas *a, size_t t, size_t *idx, size_t cap, size_t *n_any);

/* The script of a language name into buf ("" when none); returns buf. */
const char *atlas_script_of(const char *lang, char *buf, size_t cap);
/* Script families, the chart's colours: index of a script's family, its
 * name and colour ("#rrggbb"); the last family is "other". */
size_t atlas_n_families(void);
size_t atlas_family_of(const char *script);
const char *atlas_family_name(size_t f);
const char *atlas_family_colour(size_t f);

/* Spearman's rank correlation of x and y (n >= 2): the Pearson correlation
 * of their ranks, tied values sharing their mean rank; NAN when n < 2 or
 * either has all values tied. */
double atlas_spearman(const double *x, const double *y, size_t n);

/* "## Atlas: corpus `C`": the intro (with the names merged into one column
 * and why), the charts of charts[0..n) whose name
 * starts with "atlas" and whose corpus is a's (as images under chart_dir),
 * the table of every language by cost (split all; test folded; each language
 * its code and its whole name), the
 * per-script medians and the fallback table. id is the section's anchor. */
void atlas_write_markdown(const atlas *a, const char *id, const char *chart_dir,
                          const plot_chart *charts, size_t n_charts, FILE *f);

#endif
