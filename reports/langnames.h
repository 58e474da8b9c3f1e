/* langnames.h - display names of the languages of a run's corpora
 * ("Russian" for `rus_Cyrl` of udhr-all). They come from each corpus's
 * MANIFEST `lang: CODE ... name=NAME` lines, which the run manifest carries
 * (manifest.json, bench/manifest.h); the atlas labels its rows with them. A
 * report on a bare results.csv has none: its labels are the codes. */
#ifndef LANGNAMES_H
#define LANGNAMES_H

#include <stddef.h>

#include "../common/tb.h"

typedef struct langnames langnames;

int langnames_new(langnames **out, tb_error *err);
void langnames_free(langnames *ln);
/* Adds a copy of name for lang of corpus; a later add of the same pair
 * replaces it, an empty name is ignored. TB_EINPUT when out of memory. */
int langnames_add(langnames *ln, const char *corpus, const char *lang, const char *name,
                  tb_error *err);
/* The name of lang in corpus, NULL when none (or ln is NULL). Borrowed: valid
 * until ln is freed. */
const char *langnames_get(const langnames *ln, const char *corpus, const char *lang);
size_t langnames_count(const langnames *ln);

/* "CODE NAME" into buf (cap bytes), at most max_cp code points in all (0: no
 * limit): NAME is cut to fit, ending in "…" (a space or comma before the cut
 * dropped), and left out when not one code point of it fits; just CODE when
 * name is NULL or empty. CODE is never cut, except at a code point boundary
 * when buf is too small. Returns buf. */
char *langnames_label(const char *code, const char *name, size_t max_cp, char *buf, size_t cap);

#endif
