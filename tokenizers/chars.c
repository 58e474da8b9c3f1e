/* chars.c - the code point scheme: one token per code point, id = code
 * point, |V| = 0x110000 (the whole code space, so nothing is unknown or
 * fallback). Ids in the vocabulary that are not scalar values (the
 * surrogates U+D800..U+DFFF) cannot be decoded. Stateless. */
#include "tokenizer_impl.h"

#include "../common/utf8.h"

static int chars_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                        uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    const uint8_t *s = (const uint8_t *)text;
    size_t n = 0, i = 0;
    while (i < len) {
        int32_t cp = s[i];
        int l = s[i] < 0x80 ? 1 : utf8_decode(s + i, len - i, &cp);
        if (l == 0) /* unreachable: tokenizer_encode validated the text */
            return tb_fail(err, TB_EINPUT, "invalid UTF-8 at byte %zu", i + 1);
        if (n < cap) {
            ids[n] = (uint32_t)cp;
            if (offs)
                offs[n] = (uint32_t)i;
        }
        n++;
        i += (size_t)l;
    }
    *n_tokens = n;
    return TB_OK;
}

static int chars_piece(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *pos,
                       tb_error *err)
{
    if (id > 0x10FFFF)
        return tb_fail(err, TB_EINPUT, "id %u out of range (vocabulary size %u)", id, 0x110000u);
    if (id >= 0xD800 && id <= 0xDFFF)
        return tb_fail(err, TB_EINPUT, "id %u is a surrogate code point (U+%04X), not a character",
                       id, id);
    uint8_t b[4];
    int l = utf8_encode((int32_t)id, b);
    tokenizer_append(out, cap, pos, b, (size_t)l);
    return TB_OK;
}

static const struct tokenizer_ops chars_ops = {
    .scheme = "chars",
    .encode = chars_encode,
    .piece = chars_piece,
    .is_fallback = NULL,
    .free = NULL,
};

int chars_tokenizer_new(tokenizer *t, tb_error *err)
{
    t->ops = &chars_ops;
    t->vocab_size = 0x110000;
    t->state = NULL;
    return TB_OK;
}
