/* bytes.c - the byte scheme: one token per UTF-8 byte, id = byte value,
 * |V| = 256, nothing is fallback. Stateless. */
#include "tokenizer_impl.h"

static int bytes_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                        uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    size_t m = len < cap ? len : cap;
    for (size_t i = 0; i < m; i++) {
        ids[i] = (uint8_t)text[i];
        if (offs)
            offs[i] = (uint32_t)i;
    }
    *n_tokens = len;
    return TB_OK;
}

static int bytes_piece(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *pos,
                       tb_error *err)
{
    if (id > 0xFF)
        return tb_fail(err, TB_EINPUT, "id %u out of range (vocabulary size 256)", id);
    char b = (char)(uint8_t)id;
    tokenizer_append(out, cap, pos, &b, 1);
    return TB_OK;
}

static const struct tokenizer_ops bytes_ops = {
    .scheme = "bytes",
    .encode = bytes_encode,
    .piece = bytes_piece,
    .is_fallback = NULL,
    .free = NULL,
};

int bytes_tokenizer_new(tokenizer *t, tb_error *err)
{
    t->ops = &bytes_ops;
    t->vocab_size = 256;
    t->state = NULL;
    return TB_OK;
}
