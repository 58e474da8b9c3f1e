/* idfile.h - pre-tokenized streams: one segment per line, token ids in
 * decimal separated by spaces or tabs (the output of `tokbench tokenize`).
 * An empty line is a segment without tokens; a final newline does not start
 * another segment; CR before LF is ignored. */
#ifndef NGRAM_IDFILE_H
#define NGRAM_IDFILE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

typedef struct ngram_ids {
    size_t n_segments;
    uint32_t *ids;          /* all ids, segment after segment */
    size_t *first;          /* (n_segments + 1) offsets */
} ngram_ids;

/* Parses text[0..len); errors name the file (name), line and column. */
int ngram_ids_parse(const char *text, size_t len, const char *name, ngram_ids *out,
                    tb_error *err);
int ngram_ids_load(const char *path, ngram_ids *out, tb_error *err);
void ngram_ids_release(ngram_ids *x);

#endif
