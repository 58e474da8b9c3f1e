/* fuzz_partial.c - libFuzzer target: the shard partial reader on any bytes
 * returns TB_OK or TB_EINPUT with a message, never crashes or leaks; what
 * reads merges with itself only as a refusal (a shard given twice) or, for a
 * 1-shard partial, into rows, or (a symbol block, whose archivers' rows need
 * the corpus; model rows priced with a profiles file: neither is here) a
 * refusal saying so. The seeds hold every record: model, timing and train
 * header lines, J, R, T, M block lines, MP, MD, MS, K corpus lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bench/partial.h"
#include "../../results/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    partial *p = NULL;
    tb_error err = {0};
    int rc = partial_read_stream(f, "fuzz.tsv", &p, &err);
    fclose(f);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || err.msg[0] == '\0' || p)
            abort();
        return 0;
    }
    results *r = NULL;
    if (results_new(&r, &err))
        abort();
    partial *two[2] = {p, p};
    rc = partial_merge(two, 2, NULL, NULL, NULL, r, &err);
    if (rc != TB_EINPUT || err.msg[0] == '\0')
        abort(); /* twice the same shard, or a missing one: always refused */
    rc = partial_merge(&p, 1, NULL, NULL, NULL, r, &err);
    /* TB_EUSAGE: what a merge needs beyond the partial (no data folder, no
     * profiles file here), or a model line whose preset is not one */
    if (rc != TB_OK && (rc != TB_EINPUT || err.msg[0] == '\0') &&
        (rc != TB_EUSAGE || (!strstr(err.msg, "(--data)") &&
                             !strstr(err.msg, "hardware profiles") && !strstr(err.msg, "preset"))))
        abort();
    results_free(r);
    partial_free(p);
    return 0;
}
