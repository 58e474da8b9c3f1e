/* stage_roofline.h - the roofline stage of a run: projection rows
 * (proj_ms_*, proj_train_*, proj_params_*) and the this-machine check rows
 * (proj_machine_*, proj_check_*, proj_err_*). Formulas and profiles live in
 * model/roofline.h, which knows nothing of rows; this file only emits them. */
#ifndef STAGE_ROOFLINE_H
#define STAGE_ROOFLINE_H

#include <stddef.h>

#include "../common/tb.h"
#include "../model/roofline.h"
#include "../results/results.h"

/* Appends the projection rows for the pairs of cfg, for the sequences
 * lens[0..n_seqs) (tokens each) of one (corpus, split, lang, tokenizer) whose
 * vocabulary is vocab: the priced vocabulary (bench/stage_model.h,
 * stage_model_vocab_priced), which every model of the pairs takes. Also the
 * vocab_priced row, unless r holds it for this key already (then it must
 * equal vocab: TB_EINPUT). Nothing when the sequences hold no token. */
int stage_roofline_rows(const roofline *rf, const roofline_config *cfg, const size_t *lens,
                        size_t n_seqs, size_t vocab, results *r, const char *corpus,
                        const char *split, const char *lang, const char *tokenizer,
                        tb_error *err);

/* The pairs of a run's projection rows (tokbench run and merge): the model
 * sizes from the presets to the 7B-class configurations (small, base, 7b,
 * llama2-7b, qwen2-7b) on every datasheet profile, no machine model. */
void stage_roofline_run_config(roofline_config *cfg);

/* Appends the check rows of chk (roofline_check_run) under the given key. */
int stage_roofline_check_rows(const roofline_check *chk, results *r, const char *corpus,
                              const char *split, const char *lang, const char *tokenizer,
                              tb_error *err);

#endif
