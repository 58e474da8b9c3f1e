/* arpa.h - the ARPA back-off format (Doug Paul's; what SRILM, KenLM and
 * every decoder read) for an ngram_model.
 *
 * Written: "\data\", "ngram k=COUNT" lines, then for each order "\k-grams:"
 * and one line per n-gram "log10p<TAB>w1 .. wk[<TAB>log10backoff]" (backoff
 * on every order below the highest, 0 where the n-gram is no context), then
 * "\end\". Words are <unk>, <s>, </s> and token ids in decimal. Numbers
 * are the shortest text that reads back as the stored double (dtoa.h), so
 * reading the file back gives the same doubles and the same scores; p(<s>)
 * is written as -99. The text is built in one buffer and written with
 * fwrite in 1 MiB pieces.
 *
 * Read: that format with any float syntax strtod accepts, blank lines
 * between sections, orders 1..NGRAM_MAX_ORDER. Every word must be <unk>,
 * <s>, </s> or a decimal token id below 2^32 listed among the unigrams;
 * every n-gram's suffix (its last k-1 words) must be present (KenLM's
 * requirement too). Errors name the file and line. */
#ifndef NGRAM_ARPA_H
#define NGRAM_ARPA_H

#include <stdio.h>

#include "ngram.h"

int ngram_arpa_write(const ngram_model *m, FILE *f, tb_error *err);
/* Atomic write to path (temporary file, then rename). */
int ngram_arpa_save(const ngram_model *m, const char *path, tb_error *err);
/* Parses text[0..len) (need not be NUL-terminated); name is used in errors. */
int ngram_arpa_parse(const char *text, size_t len, const char *name, ngram_model **out,
                     tb_error *err);
int ngram_arpa_load(const char *path, ngram_model **out, tb_error *err);

#endif
