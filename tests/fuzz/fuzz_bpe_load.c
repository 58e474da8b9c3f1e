/* fuzz_bpe_load.c - libFuzzer target for the BPE loaders and encoder. The
 * first byte picks what the rest is:
 *   0  a bpe-file model (bpe_model.h)        -> bpe_model_data_parse (the one
 *                                               reader) and bpe-file:, which
 *                                               must agree
 *   1  a js-tiktoken rank file (bpe.h)       -> tiktoken:gpt2:<file>
 *   2  a tokenizer.json                      -> hf:<file> (BPE, SentencePiece
 *                                               style BPE, Unigram, WordPiece)
 *   3+ text, encoded by small models with the gpt2, cl100k, o200k and qwen2
 *      presets (byte % 4 picks)
 * Loaders must fail with TB_EINPUT and a message, or succeed and then
 * encode a fixed text that round-trips (hf: encodes and decodes, offsets
 * never decrease, or refuses it naming the missing unk_token / unk_id). Valid UTF-8 text must round-trip with strictly increasing
 * offsets; invalid UTF-8 must fail with TB_EINPUT. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/utf8.h"
#include "../../tokenizers/bpe.h"
#include "../../tokenizers/bpe_model.h"
#include "../../tokenizers/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tokenizer *g_tok[4];
static char g_path[128];    /* scratch file, removed at exit */

static void remove_scratch(void)
{
    unlink(g_path);
}

/* Ranks: the 256 bytes, then merges that exercise long and crossing
 * merges: "ab", "abab", " a", "aa", "aaaa", "\xe4\xb8", "\xe4\xb8\xad",
 * "th", "the", " the", "in", "ing". */
static void init(void)
{
    static const char *const extra[] = {"ab",       "abab",         " a",  "aa",
                                        "aaaa",     "\xe4\xb8",     "\xe4\xb8\xad",
                                        "th",       "the",          " the", "in", "ing"};
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
    snprintf(g_path, sizeof g_path, "/tmp/fuzz_bpe_load.%d", (int)getpid());
    atexit(remove_scratch);
    static const char *const presets[4] = {"gpt2", "cl100k", "o200k", "qwen2"};
    for (int p = 0; p < 4; p++) {
        tb_error err = {0};
        char spec[200];
        if (bpe_model_save(g_path, presets[p], tok, len, N, &err))
            abort();
        snprintf(spec, sizeof spec, "bpe-file:%s", g_path);
        if (tokenizer_new(spec, NULL, &g_tok[p], &err))
            abort();
    }
}

/* exact: decode must give text back (a fuzzed tokenizer.json may remove
 * text by design, so for hf only encode/decode success is checked). */
static void round_trip(const tokenizer *t, const char *text, size_t size, int exact)
{
    int valid = utf8_valid(text, size, NULL);
    size_t cap = size + 1, n = 0, nb = 0;
    uint32_t *ids = malloc(cap * sizeof *ids), *offs = malloc(cap * sizeof *offs);
    char *back = malloc(size + 1);
    tb_error err = {0};
    int rc = tokenizer_encode(t, text, size, ids, offs, cap, &n, &err);
    if (!valid) {
        if (rc != TB_EINPUT || !strstr(err.msg, "invalid UTF-8"))
            abort();
    } else {
        /* hf: a model with no unknown token refuses text it cannot cover
         * (as HF does), naming unk_token / unk_id */
        if (!exact && rc == TB_EINPUT && strstr(err.msg, "unk")) {
            free(ids);
            free(offs);
            free(back);
            return;
        }
        if (rc != TB_OK || n > cap)
            abort();
        /* hf: offsets never decrease (a U+2581 or byte-fallback token shares
         * the offset of the character after it); byte-level BPE: they grow */
        for (size_t k = 0; k < n; k++)
            if (offs[k] >= size || (k && (exact ? offs[k] <= offs[k - 1] : offs[k] < offs[k - 1])))
                abort();
        if (tokenizer_decode(t, ids, n, back, size + 1, &nb, &err) != TB_OK)
            abort();
        if (exact && (nb != size || memcmp(back, text, size) != 0))
            abort();
    }
    free(ids);
    free(offs);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_tok[0])
        init();
    if (size == 0)
        return 0;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    if (data[0] >= 3) {
        round_trip(g_tok[data[0] % 4], rest, n, 1);
        return 0;
    }
    FILE *f = fopen(g_path, "wb");
    if (!f)
        abort();
    if (n && fwrite(rest, 1, n, f) != n)
        abort();
    fclose(f);
    /* 0: the reader on the buffer; an accepted model keeps its invariants,
     * and bpe-file: on the same bytes fails with the same message, or (the
     * reader does not look the preset up) names line 2 for an unknown
     * preset, or succeeds. */
    bpe_model_data md;
    tb_error perr = {0};
    int prc = -1;
    if (data[0] == 0) {
        prc = bpe_model_data_parse(g_path, rest, n, &md, &perr);
        if (prc == TB_OK) {
            if (md.n < 256 || md.n > BPE_MODEL_MAX_VOCAB || md.off[0] != 0)
                abort();
            for (size_t k = 0; k < md.n; k++) {
                size_t l = md.off[k + 1] - md.off[k];
                if (k < 256 ? (l != 1 || md.bytes[md.off[k]] != k) : l < 2)
                    abort();
            }
            bpe_model_data_release(&md);
        } else if (prc != TB_EINPUT || !strstr(perr.msg, "line ") || md.bytes || md.off) {
            abort();
        }
    }
    char spec[200];
    static const char *const prefix[3] = {"bpe-file:", "tiktoken:gpt2:", "hf:"};
    snprintf(spec, sizeof spec, "%s%s", prefix[data[0]], g_path);
    tokenizer *t = NULL;
    tb_error err = {0};
    int rc = tokenizer_new(spec, NULL, &t, &err);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || !err.msg[0] || t)
            abort();
        if (data[0] == 0 && prc != TB_OK && strcmp(perr.msg, err.msg) != 0)
            abort();
        if (data[0] == 0 && prc == TB_OK && !strstr(err.msg, "': line 2: unknown pre-tokenizer"))
            abort();
        return 0;
    }
    if (data[0] == 0 && prc != TB_OK)
        abort();
    static const char text[] = "the thing abab  \xe4\xb8\xad\xe6\x96\x87 I'M 123";
    round_trip(t, text, sizeof text - 1, data[0] != 2);
    tokenizer_free(t);
    return 0;
}
