/* fuzz_hf_models.c - libFuzzer target for the tokenizer.json Unigram and
 * WordPiece encoders (tokenizers/unigram.c, wordpiece.c through spbpe.c)
 * and their normalizers, pre-tokenizers and decoders, on any text. The
 * first byte picks one of the files of tests/fixtures/hf_models (TB_ROOT or
 * the working directory), the rest is the text:
 *   uni_precompiled  Precompiled charsmap (spm_train rules), Metaspace always
 *   uni_never        no normalizer, Metaspace never, no split
 *   uni_bf           byte fallback, NFKC, WhitespaceSplit + Metaspace first
 *   wp_bert          BertNormalizer, BertPreTokenizer, WordPiece decoder
 *   wp_parts         NFD + Lowercase + StripAccents, WhitespaceSplit +
 *                    Punctuation + Digits, max 8 characters, no cleanup
 *   wp_ws            BertNormalizer (cased, accents stripped), Whitespace
 * (made by tests/parity/spm2json.mjs and wp_json.mjs from small spm_train
 * models; every file gives HF tokenizers' ids on tests/parity/adversarial.mjs).
 * Valid UTF-8 must encode with ids below the vocabulary size and offsets
 * inside the text that never decrease (byte-fallback tokens of one
 * character share its offset); a short buffer must report the same count
 * and the same leading ids; decode must succeed and give valid UTF-8 (both
 * models are lossy: no exact round trip). Invalid UTF-8 must fail with
 * TB_EINPUT. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/utf8.h"
#include "../../tokenizers/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_TOK 6
static tokenizer *g_tok[N_TOK];

static void init(void)
{
    static const char *const names[N_TOK] = {"uni_precompiled", "uni_never", "uni_bf",
                                             "wp_bert",         "wp_parts",  "wp_ws"};
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    for (int i = 0; i < N_TOK; i++) {
        char spec[1200];
        tb_error err = {0};
        snprintf(spec, sizeof spec, "hf:%s/tests/fixtures/hf_models/%s.json", root, names[i]);
        if (tokenizer_new(spec, NULL, &g_tok[i], &err)) {
            fprintf(stderr, "fuzz_hf_models: %s\n", err.msg);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_tok[0])
        init();
    if (size == 0)
        return 0;
    const tokenizer *t = g_tok[data[0] % N_TOK];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    /* a first guess; NFKC can make many tokens of one character (U+FDFA),
     * then the reported count is the retry's size */
    size_t cap = len + 8, n = 0;
    uint32_t *ids = malloc(cap * sizeof *ids), *offs = malloc(cap * sizeof *offs);
    tb_error err = {0};
    int rc = tokenizer_encode(t, text, len, ids, offs, cap, &n, &err);
    if (rc == TB_OK && n > cap) {
        cap = n;
        ids = realloc(ids, cap * sizeof *ids);
        offs = realloc(offs, cap * sizeof *offs);
        size_t n2 = 0;
        rc = tokenizer_encode(t, text, len, ids, offs, cap, &n2, &err);
        if (rc == TB_OK && n2 != n)
            abort();
    }
    if (!utf8_valid(text, len, NULL)) {
        if (rc != TB_EINPUT || !strstr(err.msg, "invalid UTF-8"))
            abort();
        free(ids);
        free(offs);
        return 0;
    }
    if (rc != TB_OK || n > cap)
        abort();
    size_t v = tokenizer_vocab_size(t);
    for (size_t k = 0; k < n; k++)
        if (ids[k] >= v || offs[k] >= len || (k && offs[k] < offs[k - 1]))
            abort();
    if (n > 1) {
        size_t half = n / 2, m = 0;
        uint32_t *short_ids = malloc(half * sizeof *short_ids);
        if (tokenizer_encode(t, text, len, short_ids, NULL, half, &m, &err) != TB_OK || m != n ||
            memcmp(short_ids, ids, half * sizeof *ids) != 0)
            abort();
        free(short_ids);
    }
    size_t nb = 0;
    char one;
    if (tokenizer_decode(t, ids, n, &one, 0, &nb, &err) != TB_OK)
        abort();
    char *back = malloc(nb + 1);
    size_t nb2 = 0;
    if (tokenizer_decode(t, ids, n, back, nb + 1, &nb2, &err) != TB_OK || nb2 != nb ||
        !utf8_valid(back, nb, NULL))
        abort();
    free(back);
    free(ids);
    free(offs);
    return 0;
}
