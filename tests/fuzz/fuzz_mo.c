/* fuzz_mo.c - libFuzzer target for the .mo reader (corpora/mo.h) and the
 * gettext text rules: any bytes parse to TB_OK or to TB_EINPUT with a
 * message naming the file and a byte offset, never a crash or a read
 * outside the file (the bytes are copied to a buffer of exactly their size,
 * so ASan sees any over-read). What parses gives entries whose strings lie
 * inside the file with the lengths mo_get reports; the accelerator stripper
 * and the placeholder counter run on each. Seeds: hand-made catalogs
 * (little- and big-endian, context, plural, header, empty). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../corpora/import.h"
#include "../../corpora/mo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *p, size_t len, const char *buf, size_t size)
{
    if (p < buf || p + len >= buf + size || p[len] != '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    tb_error err = {0};
    mo_catalog *m = NULL;
    int rc = mo_parse("fuzz.mo", buf, size, &m, &err);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || m || !strstr(err.msg, "fuzz.mo: byte "))
            abort();
        free(buf);
        return 0;
    }
    for (size_t i = 0; i < mo_count(m); i++) {
        mo_entry e;
        mo_get(m, i, &e);
        if (e.ctx) {
            if (e.ctx < buf || e.ctx + e.ctx_len >= buf + size || e.ctx + e.ctx_len + 1 != e.id || e.ctx[e.ctx_len] != 0x04 ||
                memchr(e.ctx, 0, e.ctx_len))
                abort();
        }
        inside(e.id, e.id_len, buf, size);
        if (strlen(e.id) != e.id_len)
            abort();
        if (e.id_plural)
            inside(e.id_plural, strlen(e.id_plural), buf, size);
        inside(e.str, e.str_len, buf, size);
        if (strlen(e.str) != e.str_len || e.n_forms < 1)
            abort();
        const char *texts[] = {e.id, e.str};
        size_t lens[] = {e.id_len, e.str_len};
        for (int k = 0; k < 2; k++) {
            size_t stripped = 0;
            char hint = gettext_mnemonic_hint(texts[k], lens[k]);
            char *s = gettext_strip_accel(texts[k], lens[k], hint, &stripped, &err);
            if (!s || strlen(s) + stripped > lens[k])
                abort();
            (void)gettext_count_placeholders(s);
            free(s);
        }
    }
    mo_free(m);
    free(buf);
    return 0;
}
