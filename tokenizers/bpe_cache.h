/* bpe_cache.h - the bpe:<N>[k][:<preset>] tokenizer spec (and joint:bpe:...):
 * parsing the spec, training the model with bpe_train.h on the corpus of the
 * tokenizer_ctx, and the cache of trained models (model files of
 * bpe_model.h, each with a time file) that lets one trained model answer
 * every smaller N. Encoding goes through bpe.h (bpe_tokenizer_from_ranks);
 * bpe.c itself knows nothing of training.
 *
 * Vocabulary sizes: BPE_TRAIN_MIN_VOCAB..BPE_TRAIN_MAX_VOCAB of bpe_train.h. */
#ifndef BPE_CACHE_H
#define BPE_CACHE_H

#include <stddef.h>

#include "../common/tb.h"
#include "tokenizer.h"

struct corpus;

/* Constructor for tokenizer_new: arg is "<N>", "<N>k" (N * 1000) or
 * "<N>[k]:<preset>" (N in 257..1,000,000, preset a pretok.h name, default
 * "gpt2"). Trains on the train split of ctx->corpus in ctx->lang (-1: joint,
 * all languages) and encodes through tokenizers/bpe.c
 * (bpe_tokenizer_from_ranks). Bad N or preset, or no corpus: TB_EINPUT.
 * ctx->s_train (when not NULL) gets the training seconds (see the cache).
 *
 * Cache (with ctx->cache_dir): one folder per corpus and language,
 *   <cache_dir>/<manifest hash>/<lang|joint>/
 * holding, per trained target M and preset P,
 *   bpe-<M>-<P>.model   the model file (bpe_model.h), written atomically
 *   bpe-<M>-<P>.time    its training time, written atomically after it:
 *       tokbench-bpe-time 1
 *       s_count <seconds>        splitting and counting the train split
 *       at <V> <seconds>         merging: seconds from the start of
 *       ...                      bpe_trainer_train until the vocabulary had V
 *                                entries, V ascending: every multiple of
 *                                BPE_TRAIN_TIME_STEP reached, then the final
 *                                vocabulary (the whole of bpe_trainer_train)
 * Training is greedy and deterministic and never looks at the target except
 * to stop, so the model trained to N is the first N entries of the model
 * trained to any M >= N, and a model that stopped early (fewer entries than
 * its M) is the whole answer for every target (tests/test_bpe_train.c checks
 * both against fresh training). Hence the rule for bpe:N with preset P: a
 * cached pair (model, time file) of target M with E entries answers it when
 * the model validates, has preset P, E <= M, and M >= N or E < M (stopped
 * early); the tokenizer is its first min(N, E) entries. bpe-<N>-<P> is tried
 * first, then the other targets in the folder: those above N smallest first,
 * then those below N largest first. A pair that does not validate (or a model
 * without its time file, as left by versions before the time file) is
 * skipped; with no usable pair the model is trained and bpe-<N>-<P>.model and
 * .time are (re)written; a cache that cannot be written is skipped.
 * s_train = s_count + the first "at" time whose V >= min(N, E): the real
 * training seconds of the run that trained it, to within BPE_TRAIN_TIME_STEP
 * merges (rounded up) for a model cut from a larger one. */
int bpe_cache_tokenizer_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                            tb_error *err);

/* For the suite runner: makes sure the cache answers every bpe:<N>:<preset>
 * with N <= n for corpus c and lang (-1: joint), by training bpe:<n> once
 * (unless a usable model is there already, the rule above). Call it with the
 * largest N of a vocabulary sweep before the sweep. Unlike the spec, a cache
 * that cannot be written is an error (TB_EINPUT naming the path). preset NULL
 * = "gpt2"; cache_dir NULL or "": nothing to do. */
int bpe_cache_warm(const struct corpus *c, int lang, const char *cache_dir, size_t n,
                   const char *preset, tb_error *err);

/* For the suite runner: when spec is "bpe:<arg>" or "joint:bpe:<arg>" with a
 * valid arg (as above), sets *n, copies the preset (default "gpt2") into
 * preset[0..cap), sets *joint (1 for the joint: form) and returns 1; returns
 * 0 for any other or malformed spec (tokenizer_new reports those). */
int bpe_cache_spec_parse(const char *spec, size_t *n, char *preset, size_t cap, int *joint);

#endif
