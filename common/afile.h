/* afile.h - write a file or a folder atomically. A file: data goes to a
 * temporary file beside the target, which is renamed over it only on commit.
 * A folder (afolder): a set of files goes to a temporary sibling folder that
 * is switched in place of the target in one step on commit, so a reader sees
 * the whole old set or the whole new set, never a mix. An aborted or crashed
 * write leaves the old target (or nothing) in place, never half of it; what a
 * crash leaves beside it ("<name>.tmp.<pid>", "<name>.old.<pid>") is removed
 * by afolder_clean_stale once that process is gone. */
#ifndef AFILE_H
#define AFILE_H

#include <stdio.h>

#include "tb.h"

typedef struct afile {
    FILE *fp;            /* write through this between open and commit */
    char path[4096];     /* final name */
    char tmp[4096];      /* temporary name, "<path>.tmp.<pid>" */
} afile;

int afile_open(afile *af, const char *path, tb_error *err);
/* Flushes, fsyncs and renames into place. Closes in every case. */
int afile_commit(afile *af, tb_error *err);
/* Closes and removes the temporary file. Safe to call twice. */
void afile_abort(afile *af);

/* ---- atomic folders ------------------------------------------------- */

typedef struct afolder {
    char path[4096];     /* final folder, trailing '/' removed */
    char tmp[4128];      /* "<path>.tmp.<pid>": the caller writes the new set here */
    char old[4128];      /* "<path>.old.<pid>": the previous set during a fallback switch */
    int open;            /* 1 between open and commit/abort/keep */
    int no_exchange;     /* 1: skip renameat2(RENAME_EXCHANGE) and use the fallback
                          * (set after open; the tests use it) */
} afolder;

/* Creates the parents of path and an empty af->tmp (a leftover with our pid,
 * from a dead process that had it before, is removed first). Nothing at path
 * is touched. */
int afolder_open(afolder *af, const char *path, tb_error *err);
/* Links (copies where a link fails) every entry of the current path folder
 * into af->tmp, recursively, except the top-level names in skip[0..n_skip):
 * for a writer that replaces some outputs of a folder and keeps the rest.
 * A missing path carries nothing. */
int afolder_carry(afolder *af, const char *const *skip, size_t n_skip, tb_error *err);
/* Switches af->tmp in place of af->path: renameat2(RENAME_EXCHANGE) where the
 * file system has it, else rename path aside to af->old, tmp to path (and
 * back if that fails). Then removes the previous set. Fails, touching
 * nothing, when path exists and is not a folder. Closes in every case (on
 * failure af->tmp is removed). */
int afolder_commit(afolder *af, tb_error *err);
/* Removes af->tmp and everything in it. Safe to call twice. */
void afolder_abort(afolder *af);
/* Closes without removing af->tmp (to keep a failure's evidence there; the
 * next afolder_clean_stale removes it once this process is gone). */
void afolder_keep(afolder *af);

/* Removes the leftovers of dead writers in folder dir: entries named
 * "<base>.tmp.<pid>" or "<base>.old.<pid>", or "<base>.<x>.tmp.<pid>" (any
 * name ending in ".tmp.<pid>" or ".old.<pid>" when base is NULL), whose pid
 * is not a live process (kill(pid, 0) fails with ESRCH) and not ours. The
 * names removed go to names[cap] joined by ", " (cut with "..."), their count
 * to *n_removed. A missing dir is not an error; one that cannot be removed is. */
int afolder_clean_stale(const char *dir, const char *base, char *names, size_t cap,
                        size_t *n_removed, tb_error *err);

/* Removes path and everything below it (symbolic links are not followed).
 * Returns 0, or -1 with errno set; a missing path is not an error. */
int tb_remove_tree(const char *path);

/* Creates a directory and its parents (mode 0755); existing ones are fine. */
int tb_mkdirs(const char *path, tb_error *err);

#endif
