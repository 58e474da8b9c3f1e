/* manifest.h - the run manifest: what produced a results file (tokbench
 * version and commit, date, machine, command, corpora with their MANIFEST
 * hashes and sources, tokenizer specs, and per spec that reads a file its
 * vocabulary file's path, size and sha256 - "checked" when it is a packaged
 * name verified against tokenizers/vocab_files.c), and per corpus whose
 * MANIFEST names its languages their display names. Saved as manifest.json beside
 * results.csv; the report renders it as Markdown. */
#ifndef MANIFEST_H
#define MANIFEST_H

#include <stddef.h>

#include "../common/tb.h"
#include "run.h"

typedef struct manifest manifest;

/* Collects everything about this run (opens each corpus to read its
 * MANIFEST). argv is the command line, recorded as given. */
int manifest_new(const run_config *cfg, int argc, char **argv, manifest **out, tb_error *err);
void manifest_free(manifest *m);
/* Records that the rows were merged from n shards (`tokbench merge`) and,
 * timed, how each timing row was made of the shards' measurements
 * (bench/partial_model.h); the Markdown says so. */
int manifest_set_shards(manifest *m, size_t n, int timed, tb_error *err);
/* Atomic write of the JSON form. */
int manifest_save(const manifest *m, const char *path, tb_error *err);
/* Reads a saved manifest.json (for `tokbench report`). */
int manifest_load(const char *path, manifest **out, tb_error *err);
/* The display names of the corpora's languages ("lang_names" of a corpus in
 * manifest.json, from its MANIFEST's `lang: CODE ... name=NAME` lines): fn
 * for each (corpus, code, name), in file order; entries that are not strings
 * are skipped. Stops at the first nonzero return of fn and returns it, else
 * 0. */
typedef int (*manifest_name_fn)(void *ctx, const char *cname, const char *lang,
                                const char *name);
int manifest_lang_names(const manifest *m, manifest_name_fn fn, void *ctx);
/* Markdown rendering; malloc'd, caller frees. */
char *manifest_markdown(const manifest *m);

/* "0.1.0 (abc1234)" - the version and the commit it was built from. */
const char *manifest_tokbench_version(void);

#endif
