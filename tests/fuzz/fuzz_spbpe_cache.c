/* fuzz_spbpe_cache.c - libFuzzer target for the reader of compiled
 * SentencePiece-style BPE vocabularies (spbpe_cache_parse,
 * tokenizers/spbpe_cache.h). The base images are those of the hand-made
 * tokenizer.json files of tests/fixtures/spbpe (TB_ROOT or the working
 * directory): first (Metaspace first, added tokens raw and normalized, byte
 * fallback, fused unk, split_meta with whole), never (ignore_merges, no
 * prepend), affix (Prepend + Replace normalizers, Split, prefix and suffix,
 * decoder Replace, Strip). The first byte picks what the rest is:
 *   bit 0 clear  the whole file: the bytes as they are
 *   bit 0 set    patches to the base image picked by (byte >> 3) % 3:
 *                records of u32 offset (mod the image size), u8 length, that
 *                many bytes, each written over the image
 *   bit 1        then recompute the checksum (vocab_cache_seal), so the
 *                table checks behind it are reached
 *   bit 2        then cut the image at a length taken from the next 4 bytes
 * The reader must refuse with TB_EINPUT and a "compiled vocabulary" message,
 * or accept; an accepted model must encode a fixed multilingual text and
 * the input's bytes (when valid UTF-8) with ids below its vocabulary size
 * and offsets inside the text that never decrease, or refuse with TB_EINPUT
 * (a patched model may have lost its unk token); decoding what it gave may
 * fail only with TB_EINPUT. When nothing was changed it must give exactly
 * the ids and the decode of the model it was made from. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/utf8.h"
#include "../../tokenizers/spbpe_cache.h"
#include "../../tokenizers/spbpe_impl.h"
#include "../../tokenizers/tokenizer.h"
#include "../../tokenizers/tokenizer_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_BASE 3
static tokenizer *g_ref[N_BASE];    /* the models of the base images */
static uint8_t *g_base[N_BASE];
static size_t g_len[N_BASE], g_max;
static uint8_t *g_img;              /* 64-byte aligned scratch image */

static const char k_text[] = "ab ab <s>ab c-ab abc  \xC3\xA9\xE4\xB8\xAD <mask> "
                             "\xD0\x92\xD1\x81\xD0\xB5 \xF0\x9F\x98\x80 12-3!\n";

static void init(void)
{
    static const char *const names[N_BASE] = {"first", "never", "affix"};
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    for (int i = 0; i < N_BASE; i++) {
        char spec[1200];
        tb_error err = {0};
        snprintf(spec, sizeof spec, "hf:%s/tests/fixtures/spbpe/%s.json", root, names[i]);
        if (tokenizer_new(spec, NULL, &g_ref[i], &err)) {
            fprintf(stderr, "fuzz_spbpe_cache: %s\n", err.msg);
            abort();
        }
        const struct spbpe *m = spbpe_of(g_ref[i]);
        vocab_cache_source src = {.loader = "hf", .size = 1};
        memset(src.sha256, 'a', 64);
        if (!m || spbpe_cache_image(m, &src, &g_base[i], &g_len[i], &err)) {
            fprintf(stderr, "fuzz_spbpe_cache: %s: no image: %s\n", names[i], err.msg);
            abort();
        }
        if (g_len[i] > g_max)
            g_max = g_len[i];
    }
    g_img = aligned_alloc(64, (g_max + 4096 + 63) / 64 * 64);
    if (!g_img)
        abort();
}

/* Encodes text[0..n) with t (ids below the vocabulary size, offsets inside
 * the text, never decreasing) and decodes it back. Returns the encode's
 * status; ids, count and the decode's status and bytes go to the out
 * parameters when they are not NULL. */
static int check_encode(const tokenizer *t, const char *text, size_t n, uint32_t *out,
                        size_t cap, size_t *n_out, int *drc, char *dec, size_t dcap,
                        size_t *n_dec)
{
    size_t c = 4 * n + 16, nt = 0, nb = 0;
    uint32_t *ids = malloc(c * sizeof *ids), *offs = malloc(c * sizeof *offs);
    size_t bcap = 64 * n + 256;
    char *back = malloc(bcap);
    tb_error err = {0};
    int rc = tokenizer_encode(t, text, n, ids, offs, c, &nt, &err);
    if (rc == TB_OK && nt > c) {
        /* normalizers may lengthen the text: the count told is the size */
        c = nt;
        ids = realloc(ids, c * sizeof *ids);
        offs = realloc(offs, c * sizeof *offs);
        if (!ids || !offs)
            abort();
        size_t again;
        rc = tokenizer_encode(t, text, n, ids, offs, c, &again, &err);
        if (rc != TB_OK || again != nt)
            abort();
        bcap = 64 * nt + 256;
        back = realloc(back, bcap);
        if (!back)
            abort();
    }
    if (rc != TB_OK && rc != TB_EINPUT)
        abort();
    if (rc == TB_OK) {
        for (size_t k = 0; k < nt; k++)
            if (ids[k] >= tokenizer_vocab_size(t) || offs[k] > n ||
                (k && offs[k] < offs[k - 1]))
                abort();
        tb_error derr = {0};
        int d = tokenizer_decode(t, ids, nt, back, bcap, &nb, &derr);
        if (d != TB_OK && d != TB_EINPUT)
            abort();
        if (drc)
            *drc = d;
        if (dec && d == TB_OK) {
            size_t k = nb < bcap ? nb : bcap;
            memcpy(dec, back, k < dcap ? k : dcap);
            *n_dec = nb;
        }
        if (out)
            memcpy(out, ids, (nt < cap ? nt : cap) * sizeof *ids);
        if (n_out)
            *n_out = nt;
    }
    free(ids);
    free(offs);
    free(back);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_ref[0])
        init();
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    int which = (mode >> 3) % N_BASE;
    const uint8_t *p = data + 1, *end = data + size;
    size_t len;
    int changed = 1;
    if (!(mode & 1)) {
        len = size - 1;
        memcpy(g_img, p, len);
        p = end;
    } else {
        size_t bl = g_len[which];
        memcpy(g_img, g_base[which], bl);
        len = bl;
        changed = 0;
        while (end - p >= 5) {
            uint32_t off;
            memcpy(&off, p, 4);
            size_t k = p[4];
            p += 5;
            if (k > (size_t)(end - p))
                k = (size_t)(end - p);
            off %= (uint32_t)bl;
            if (k > bl - off)
                k = bl - off;
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
            if (cut % (bl + 1) != bl)
                changed = 1;
            len = cut % (bl + 1);
        }
    }
    struct spbpe *m;
    vocab_cache_source src;
    tb_error err = {0};
    int rc = spbpe_cache_parse(g_img, len, &src, &m, &err);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || !strstr(err.msg, "compiled vocabulary"))
            abort();
        return 0;
    }
    struct tokenizer handle = {.name = "fuzz"};
    tokenizer *t = &handle;
    spbpe_attach(t, m);
    enum { CAP = 512 };
    uint32_t a[CAP], b[CAP];
    static char da[8192], db[8192];
    size_t na = 0, nb = 0, la = 0, lb = 0;
    int dra = -1, drb = -1;
    int ra = check_encode(t, k_text, strlen(k_text), a, CAP, &na, &dra, da, sizeof da, &la);
    if (!changed) {
        int rb = check_encode(g_ref[which], k_text, strlen(k_text), b, CAP, &nb, &drb, db,
                              sizeof db, &lb);
        if (ra != rb || na != nb || memcmp(a, b, (na < CAP ? na : CAP) * sizeof *a) != 0 ||
            dra != drb || la != lb || memcmp(da, db, la < sizeof da ? la : sizeof da) != 0)
            abort();
    }
    if (utf8_valid((const char *)data, size, NULL))
        check_encode(t, (const char *)data, size, NULL, 0, NULL, NULL, NULL, 0, NULL);
    spbpe_model_free(m);
    return 0;
}
