/* fuzz_results.c - libFuzzer target: the results CSV loader on any bytes
 * must return TB_OK or TB_EINPUT with a message, never crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../results/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/tb-fuzz-results-%ld.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    results *r = NULL;
    tb_error err = {0};
    int rc = results_load_csv(path, &r, &err);
    if (rc == TB_OK) {
        /* what loads must write and load again to the same rows */
        char out[80];
        snprintf(out, sizeof out, "%s.out", path);
        results *back = NULL;
        if (results_save_csv(r, out, &err) != TB_OK || results_load_csv(out, &back, &err) != TB_OK ||
            results_count(back) != results_count(r))
            abort();
        results_free(back);
        unlink(out);
    } else if (rc != TB_EINPUT || err.msg[0] == '\0') {
        abort();
    }
    results_free(r);
    unlink(path);
    return 0;
}
