/* words.c - ICU word segmentation (UAX #29, root locale).
 *
 * The text is handed to ICU as a UTF-8 UText, so every index the break
 * iterator returns is a byte offset into the caller's buffer: no UTF-16 copy
 * and no offset mapping. One break iterator per handle, re-targeted at each
 * call with ubrk_setUText. */
#include "words.h"

#include <stdlib.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <unicode/utypes.h>

struct words {
    UBreakIterator *bi;   /* UBRK_WORD, root locale; owned; retargeted per call */
};

int words_new(words **out, tb_error *err)
{
    *out = NULL;
    words *w = tb_calloc(1, sizeof *w, err);
    if (!w)
        return TB_EINPUT;
    UErrorCode status = U_ZERO_ERROR;
    w->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &status);
    if (U_FAILURE(status)) {
        free(w);
        return tb_fail(err, TB_EINPUT,
                       "words: cannot open the ICU word break iterator: %s "
                       "(is the ICU data package libicu installed?)",
                       u_errorName(status));
    }
    *out = w;
    return TB_OK;
}

void words_free(words *w)
{
    if (!w)
        return;
    ubrk_close(w->bi);
    free(w);
}

int words_split(words *w, const char *s, size_t n, word_span *spans, size_t cap,
                size_t *n_words, tb_error *err)
{
    *n_words = 0;
    if (n >= (size_t)1 << 32)
        return tb_fail(err, TB_EUSAGE, "words: text of %zu bytes is too long (limit 2^32 - 1)", n);
    if (n == 0)
        return TB_OK;
    UErrorCode status = U_ZERO_ERROR;
    UText ut = UTEXT_INITIALIZER;
    utext_openUTF8(&ut, s, (int64_t)n, &status);
    if (U_FAILURE(status))
        return tb_fail(err, TB_EINPUT, "words: ICU utext_openUTF8 failed: %s", u_errorName(status));
    ubrk_setUText(w->bi, &ut, &status);
    if (U_FAILURE(status)) {
        utext_close(&ut);
        return tb_fail(err, TB_EINPUT, "words: ICU ubrk_setUText failed: %s", u_errorName(status));
    }
    size_t count = 0;
    int32_t start = ubrk_first(w->bi);
    for (int32_t end = ubrk_next(w->bi); end != UBRK_DONE; start = end, end = ubrk_next(w->bi)) {
        /* The rule status describes the segment that ends at `end`. */
        if (ubrk_getRuleStatus(w->bi) < UBRK_WORD_NONE_LIMIT)
            continue;
        if (count < cap) {
            spans[count].start = (uint32_t)start;
            spans[count].end = (uint32_t)end;
        }
        count++;
    }
    /* Detach the iterator from the caller's text before the UText goes away. */
    static const UChar empty[1] = {0};
    ubrk_setText(w->bi, empty, 0, &status);
    utext_close(&ut);
    *n_words = count;
    return TB_OK;
}
