/* anchors.h - published parity figures beside the run's: for the tokenizers
 * tokbench can run, the parity with English that published studies report
 * (Petrov, La Malfa, Torr, Bibi 2023, NeurIPS, on FLORES-200 devtest;
 * TokSuite 2025 on FLORES dev), next to the same tokenizer's parity on each
 * corpus of the run (split "all": these tokenizers were not trained here).
 * The figures are the papers', with their sources in anchors.c; they are
 * context for the reader, never an input to a verdict. */
#ifndef ANCHORS_H
#define ANCHORS_H

#include <stdio.h>

#include "../common/tb.h"
#include "../results/results.h"

/* Writes "## Published figures beside this run" (anchor "published-figures")
 * when the run has a tokenizer with a published figure, and nothing
 * otherwise. The published ru and zh are a run's "ru" and "zh", or on a
 * corpus with FLORES-style names (udhr-all) "rus_Cyrl" and "cmn_Hans". Per
 * corpus with 3 or more (tokenizer, language) pairs that both have (each
 * pair once, from the first source listed), Spearman's rho between the
 * published and the measured parity (atlas_spearman), overall and per
 * language, with the count and the domain caveat. TB_EINPUT only when out
 * of memory. */
int anchors_write_markdown(const results *r, FILE *f, tb_error *err);

#endif
