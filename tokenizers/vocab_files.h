/* vocab_files.h - the packaged vocabulary files behind `tiktoken:NAME` and
 * `hf:NAME`, each with the byte size and sha256 of the file that the
 * versions pinned by deps/npm/package-lock.json install, and the one reader
 * of a vocabulary file that refuses any other content under a production
 * name (a cut or replaced file would load and give different ids).
 *
 * A user's own file (`tiktoken:PRESET:PATH`, `hf:PATH`, `bpe-file:PATH`) is
 * not in the table: it is read and hashed, never checked. */
#ifndef VOCAB_FILES_H
#define VOCAB_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

typedef struct vocab_file {
    const char *spec;       /* the production name: "tiktoken:cl100k_base", "hf:qwen3" */
    const char *package;    /* npm package@version that installs it (package-lock.json) */
    const char *path;       /* the file inside node_modules */
    uint64_t size;          /* bytes */
    const char *sha256;     /* lower-case hex of the whole file */
} vocab_file;

/* The table entry of a production name (spec without "joint:"), or NULL. */
const vocab_file *vocab_file_find(const char *spec);
/* Entry i of the table (i < vocab_file_count()), in table order. */
size_t vocab_file_count(void);
const vocab_file *vocab_file_at(size_t i);
/* "qwen3, llama3, ..." - the names after prefix ("hf:" or "tiktoken:") in
 * table order, comma separated, into out[cap]. */
void vocab_file_names(const char *prefix, char *out, size_t cap);

/* The file a spec reads ("joint:" ignored), as the loaders find it:
 * tiktoken:NAME and hf:NAME the packaged file (*v its entry),
 * tiktoken:PRESET:PATH, hf:PATH and bpe-file:PATH the PATH (*v NULL); any
 * other spec path "" (nothing checked: an unknown name is the loader's
 * error). Fails only when a path does not fit in cap. */
int vocab_file_resolve(const char *spec, char *path, size_t cap, const vocab_file **v,
                       tb_error *err);

/* The command that reinstalls the packaged files, for messages. */
#define VOCAB_FILE_REINSTALL "'make deps' (or '(cd deps/npm && npm ci)')"

/* Reads the whole file at path into *buf (NUL-terminated, not counted in
 * *len; the caller frees it) and writes its sha256 (lower-case hex) to hex.
 * A folder fails with TB_EINPUT saying so. With v (a packaged name) the
 * size and then the sha256 must be v's, else TB_EINPUT naming the file, the
 * found and the expected size and sha256, and VOCAB_FILE_REINSTALL. buf may
 * be NULL to hash only. */
int vocab_file_read(const char *path, const vocab_file *v, char **buf, size_t *len,
                    char hex[65], tb_error *err);

#endif
