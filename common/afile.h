/* afile.h - write a file atomically: data goes to a temporary file beside the
 * target, which is renamed over it only on commit. An aborted or crashed
 * write leaves the old target (or nothing) in place, never half a file. */
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

/* Creates a directory and its parents (mode 0755); existing ones are fine. */
int tb_mkdirs(const char *path, tb_error *err);

#endif
