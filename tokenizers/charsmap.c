/* charsmap.c - the precompiled_charsmap reader of charsmap.h. */
#include "charsmap.h"

#include <stdlib.h>
#include <string.h>

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int charsmap_init(charsmap *c, const unsigned char *blob, size_t len, tb_error *err)
{
    memset(c, 0, sizeof *c);
    if (len == 0)
        return TB_OK;
    if (len < 4)
        return tb_fail(err, TB_EINPUT, "precompiled_charsmap of %zu bytes has no trie size", len);
    uint32_t tsize = le32(blob);
    if (tsize >= len - 4 + 1 || tsize % 4)
        return tb_fail(err, TB_EINPUT,
                       "precompiled_charsmap: trie of %u bytes does not fit its %zu bytes (or "
                       "is not whole 4-byte units)",
                       tsize, len - 4);
    c->n_units = tsize / 4;
    c->units = tb_malloc((c->n_units ? c->n_units : 1) * sizeof *c->units, err);
    c->repl_len = len - 4 - tsize;
    c->repl = tb_malloc(c->repl_len + 1, err);
    if (!c->units || !c->repl) {
        charsmap_release(c);
        return TB_EINPUT;
    }
    for (size_t i = 0; i < c->n_units; i++)
        c->units[i] = le32(blob + 4 + 4 * i);
    memcpy(c->repl, blob + 4 + tsize, c->repl_len);
    c->repl[c->repl_len] = 0;
    return TB_OK;
}

/* Darts-clone's commonPrefixSearch, matches in order of length. */
size_t charsmap_match(const charsmap *c, const char *key, size_t n, int rule, const char **out,
                      size_t *out_len)
{
    if (!c->n_units)
        return 0;
    size_t longest = 0, found = 0;
    uint32_t value = 0;
    uint32_t unit = c->units[0];
    size_t pos = (unit >> 10) << ((unit & (1U << 9)) >> 6);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)key[i];
        pos ^= ch;
        if (pos >= c->n_units)
            break;
        unit = c->units[pos];
        if ((unit & 0x800000FFU) != ch)
            break;
        pos ^= (unit >> 10) << ((unit & (1U << 9)) >> 6);
        if ((unit >> 8) & 1) {
            if (pos >= c->n_units)
                break;
            if (found < 32) {
                longest = i + 1;
                value = c->units[pos] & 0x7FFFFFFFU;
            }
            found++;
            if (rule == CHARSMAP_FIRST)
                break;
        }
    }
    if (longest) {
        if (value >= c->repl_len) {
            *out = c->repl + c->repl_len;
            *out_len = 0;
        } else {
            *out = c->repl + value;
            *out_len = strlen(c->repl + value);
        }
    }
    return longest;
}

void charsmap_release(charsmap *c)
{
    free(c->units);
    free(c->repl);
    memset(c, 0, sizeof *c);
}
