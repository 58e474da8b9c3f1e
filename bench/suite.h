/* suite.h - the default suite, defined in one place: what `make run` (and
 * `tokbench run --suite default`) measures. Each capability adds itself to
 * the tables in suite.c. */
#ifndef SUITE_H
#define SUITE_H

#include <stddef.h>

typedef struct suite {
    const char *name;
    const char *const *corpora;     /* corpus names under the data folder */
    size_t n_corpora;
    const char *const *tokenizers;  /* tokenizer specs */
    size_t n_tokenizers;
} suite;

/* The suite called name, or NULL. */
const suite *suite_find(const char *name);
/* Comma-separated suite names, for help. */
const char *suite_names(void);

#endif
