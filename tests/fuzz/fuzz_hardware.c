/* fuzz_hardware.c - libFuzzer target: the roofline data-file parser
 * (model/hardware.tsv format, model/roofline.h) on any bytes must return
 * TB_OK or TB_EINPUT with a message naming the file, never crash or leak;
 * what it accepts must hold the invariants the formulas rely on. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../model/roofline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= ROOFLINE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
              s[i] == '-'))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roofline *rf = NULL;
    tb_error err = {0};
    int rc = roofline_parse((const char *)data, size, "fuzz.tsv", &rf, &err);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || rf != NULL || strstr(err.msg, "hardware file 'fuzz.tsv'") == NULL)
            abort();
        return 0;
    }
    roofline_config cfg = {0};
    size_t lens[] = {1, 5000, 0, 77};
    for (size_t i = 0; i < roofline_n_hw(rf); i++) {
        const roofline_hw *h = roofline_hw_at(rf, i);
        if (!valid_name(h->name) || !(h->wbytes > 0) || h->source[0] == '\0')
            abort();
        if (h->measured != (strcmp(h->name, ROOFLINE_MACHINE) == 0))
            abort();
        if (!h->measured && !(h->peak_flops > 0 && isfinite(h->peak_flops) && h->bw_bytes > 0 &&
                              isfinite(h->bw_bytes)))
            abort();
    }
    for (size_t i = 0; i < roofline_n_models(rf); i++) {
        const roofline_dims *m = roofline_model_at(rf, i);
        if (!valid_name(m->name) || m->d_model % m->n_heads || m->n_heads % m->n_kv_heads ||
            !m->context)
            abort();
        /* every accepted model projects to finite, positive numbers */
        for (size_t j = 0; j < roofline_n_hw(rf); j++) {
            const roofline_hw *h = roofline_hw_at(rf, j);
            if (h->measured)
                continue;
            roofline_proj p;
            if (roofline_project(m, m->vocab ? 0 : 1000, h, &cfg, lens, 4, &p, &err) != TB_OK)
                abort();
            if (!(p.prefill_ms > 0 && isfinite(p.prefill_ms) && p.decode_ms > 0 &&
                  isfinite(p.decode_ms) && p.train_hours > 0 && isfinite(p.train_hours)))
                abort();
        }
    }
    roofline_free(rf);
    return 0;
}
