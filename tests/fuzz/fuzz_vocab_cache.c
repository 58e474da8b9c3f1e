/* fuzz_vocab_cache.c - libFuzzer target for the compiled-vocabulary reader
 * (vocab_cache_parse, tokenizers/vocab_cache.h). A real image is over a
 * megabyte (the byte-pair table alone is 1 MB) and inputs are a few kB, so
 * the first byte picks what the rest is:
 *   bit 0 clear  the whole file: the bytes as they are
 *   bit 0 set    patches to the image of a small model (built once): records
 *                of u32 offset (mod the image size), u8 length, that many
 *                bytes, each written over the image
 *   bit 1        then recompute the checksum (vocab_cache_seal), so the
 *                table checks behind it are reached, not only the checksum
 *   bit 2        then cut the image at a length taken from the next 4 bytes
 * The reader must refuse with TB_EINPUT and a "compiled vocabulary" message,
 * or accept; an accepted model must encode a fixed multilingual text and
 * the input's bytes (when valid UTF-8) with strictly increasing offsets
 * inside the text and decode every id it gave; when nothing was changed
 * (no patch, no cut) it must give exactly the ids of the model it was made
 * from. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BPE_INTERNAL
#include "../../common/utf8.h"
#include "../../tokenizers/bpe.h"
#include "../../tokenizers/tokenizer.h"
#include "../../tokenizers/tokenizer_impl.h"
#include "../../tokenizers/vocab_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tokenizer *g_ref;        /* the model of the base image */
static uint8_t *g_base, *g_img; /* the base image and a 64-byte aligned copy */
static size_t g_len;

static const char k_text[] = "the abab ing in Всеобщая 人人生而自由 e\xCC\x81 \xF0\x9F\x98\x80 12345!!";

static void init(void)
{
    static const char *const extra[] = {"ab",   "abab", " a",   "th",    "the",  " the",
                                        "in",   "ing",  "\xD0\x92", "\xD1\x81", "\xE4\xBA",
                                        "\xE4\xBA\xBA", " \xD0\x92", "12", "!!"};
    enum { N = 256 + sizeof extra / sizeof extra[0] };
    static uint8_t bytes[256];
    const uint8_t *tok[N];
    size_t len[N];
    for (int i = 0; i < 256; i++) {
        bytes[i] = (uint8_t)i;
        tok[i] = &bytes[i];
        len[i] = 1;
    }
    for (size_t i = 0; i < N - 256; i++) {
        tok[256 + i] = (const uint8_t *)extra[i];
        len[256 + i] = strlen(extra[i]);
    }
    tb_error err = {0};
    tokenizer *t;
    char dir[] = "/tmp/fuzz_vocab_cache.XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char path[200], spec[260];
    snprintf(path, sizeof path, "%s/m.model", dir);
    if (bpe_model_save(path, "o200k", tok, len, N, &err))
        abort();
    snprintf(spec, sizeof spec, "bpe-file:%s", path);
    if (tokenizer_new(spec, NULL, &t, &err))
        abort();
    remove(path);
    remove(dir);
    vocab_cache_source src = {.loader = "bpe-file", .size = 1};
    memset(src.sha256, 'a', 64);
    if (vocab_cache_image(bpe_of(t), &src, &g_base, &g_len, &err))
        abort();
    g_ref = t;
    g_img = aligned_alloc(64, (g_len + 4096 + 63) / 64 * 64);
    if (!g_img)
        abort();
}

/* Encodes text with t: offsets strictly increasing inside text, every id
 * decodes; ids into out (cap) when out is not NULL. Returns the count. */
static size_t check_encode(const tokenizer *t, const char *text, size_t n, uint32_t *out,
                           size_t cap)
{
    size_t c = n + 1, nt = 0, nb;
    uint32_t *ids = malloc(c * sizeof *ids), *offs = malloc(c * sizeof *offs);
    char *back = malloc(n * 4 + 64);
    tb_error err = {0};
    if (tokenizer_encode(t, text, n, ids, offs, c, &nt, &err) != TB_OK || nt > c)
        abort();
    for (size_t k = 0; k < nt; k++)
        if (offs[k] >= n || (k && offs[k] <= offs[k - 1]))
            abort();
    if (tokenizer_decode(t, ids, nt, back, n * 4 + 64, &nb, &err) != TB_OK)
        abort();
    if (out)
        memcpy(out, ids, (nt < cap ? nt : cap) * sizeof *ids);
    free(ids);
    free(offs);
    free(back);
    return nt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_ref)
        init();
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *p = data + 1, *end = data + size;
    size_t len;
    int changed = 1;
    if (!(mode & 1)) {
        len = size - 1;
        memcpy(g_img, p, len);
        p = end;
    } else {
        memcpy(g_img, g_base, g_len);
        len = g_len;
        changed = 0;
        while (end - p >= 5) {
            uint32_t off;
            memcpy(&off, p, 4);
            size_t k = p[4];
            p += 5;
            if (k > (size_t)(end - p))
                k = (size_t)(end - p);
            off %= (uint32_t)g_len;
            if (k > g_len - off)
                k = g_len - off;
            if (memcmp(g_img + off, p, k) != 0)
                changed = 1;
            memcpy(g_img + off, p, k);
            p += k;
        }
        if (mode & 2)
            vocab_cache_seal(g_img, len);
        if ((mode & 4) && end - p >= 4) {
            uint32_t cut;
            memcpy(&cut, p, 4);
            p += 4;
            if (cut % (g_len + 1) != g_len)
                changed = 1;
            len = cut % (g_len + 1);
        }
    }
    struct bpe *m;
    vocab_cache_source src;
    tb_error err = {0};
    int rc = vocab_cache_parse(g_img, len, &src, &m, &err);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || !strstr(err.msg, "compiled vocabulary"))
            abort();
        return 0;
    }
    struct tokenizer handle = {.name = "fuzz"};
    tokenizer *t = &handle;
    bpe_attach(t, m);
    uint32_t a[256], b[256];
    size_t na = check_encode(t, k_text, strlen(k_text), a, 256);
    if (!changed) {
        size_t nb = check_encode(g_ref, k_text, strlen(k_text), b, 256);
        if (na != nb || memcmp(a, b, (na < 256 ? na : 256) * sizeof *a) != 0)
            abort();
    }
    if (utf8_valid((const char *)data, size, NULL))
        check_encode(t, (const char *)data, size, NULL, 0);
    bpe_free(m);
    return 0;
}
