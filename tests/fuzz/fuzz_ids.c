/* fuzz_ids.c - libFuzzer target for pre-tokenized id files (ngram/idfile.h,
 * `tokbench ngram --train FILE --test FILE`): any bytes parse to TB_OK or to
 * TB_EINPUT with a message naming the file, never a crash or a leak. What
 * parses is well formed (offsets from 0, non-decreasing, ending at the id
 * count), prints back to text that parses to the same ids, and trains a
 * normalised order-3 model that scores every segment. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ngram/idfile.h"
#include "../../ngram/ngram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngram_ids x;
    tb_error err = {0};
    int rc = ngram_ids_parse((const char *)data, size, "fuzz.ids", &x, &err);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || !strstr(err.msg, "fuzz.ids"))
            abort();
        return 0;
    }
    if (x.first[0] != 0)
        abort();
    for (size_t s = 0; s < x.n_segments; s++)
        if (x.first[s + 1] < x.first[s])
            abort();
    /* print back: one line a segment, ids separated by one space */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    for (size_t s = 0; s < x.n_segments; s++) {
        for (size_t i = x.first[s]; i < x.first[s + 1]; i++)
            fprintf(f, "%s%u", i > x.first[s] ? " " : "", x.ids[i]);
        fputc('\n', f);
    }
    fclose(f);
    ngram_ids y;
    if (ngram_ids_parse(buf, len, "again.ids", &y, &err) != TB_OK || y.n_segments != x.n_segments ||
        memcmp(y.first, x.first, (x.n_segments + 1) * sizeof *x.first) != 0 ||
        (x.first[x.n_segments] &&
         memcmp(y.ids, x.ids, x.first[x.n_segments] * sizeof *x.ids) != 0))
        abort();
    ngram_ids_release(&y);
    free(buf);
    /* a small model over what parsed */
    if (x.first[x.n_segments] <= 4096) {
        ngram_data d = {x.n_segments, x.ids, x.first, NULL};
        ngram_model *m = NULL;
        if (ngram_build(&d, 3, &m, &err) != TB_OK)
            abort();
        for (size_t s = 0; s < x.n_segments; s++) {
            double lp = ngram_score_segment(m, x.ids + x.first[s], x.first[s + 1] - x.first[s], NULL);
            if (!(lp <= 0))
                abort();
        }
        ngram_free(m);
    }
    ngram_ids_release(&x);
    return 0;
}
