/* fuzz_arpa.c - libFuzzer target: the ARPA reader on any bytes returns TB_OK
 * or TB_EINPUT with a message, never crashes or leaks; what loads scores any
 * history without crashing, suggests, and writes and reads back to the same
 * scores; a segment's score is the sum of its token queries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ngram/arpa.h"
#include "../../ngram/ngram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngram_model *m = NULL;
    tb_error err = {0};
    int rc = ngram_arpa_parse((const char *)data, size, "fuzz.arpa", &m, &err);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || err.msg[0] == '\0' || m)
            abort();
        return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f || ngram_arpa_write(m, f, &err) != TB_OK)
        abort();
    fclose(f);
    ngram_model *back = NULL;
    if (ngram_arpa_parse(buf, len, "again.arpa", &back, &err) != TB_OK)
        abort();
    /* score a sequence built from the input bytes with both models */
    uint32_t ids[16];
    size_t n = size < 16 ? size : 16;
    for (size_t i = 0; i < n; i++)
        ids[i] = data[i] % 8;
    double a = ngram_score_segment(m, ids, n, NULL), b = ngram_score_segment(back, ids, n, NULL);
    if (!(a == b || (a != a && b != b)))
        abort();
    /* the segment scorer (loads in flight across tokens) is the sum of the
     * token queries, in the same order */
    ngram_state s;
    ngram_state_begin(m, &s);
    double c = 0;
    for (size_t i = 0; i <= n; i++)
        c += ngram_score(m, &s, i < n ? ngram_word(m, ids[i]) : NGRAM_EOS, &s);
    if (!(a == c || (a != a && c != c)))
        abort();
    ngram_state_begin(m, &s);
    uint32_t top[5];
    ngram_suggest(m, &s, 5, top, NULL);
    free(buf);
    ngram_free(back);
    ngram_free(m);
    return 0;
}
