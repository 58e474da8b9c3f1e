/* fuzz_spm_model.c - libFuzzer target for the SentencePiece .model reader
 * (tokenizers/spm.c; BPE models run through spm_bpe.c: the seeds
 * seed_bpe*.model are BPE, seed_id and seed_bf Unigram). The input is a
 * model file: spm:<file> must fail with TB_EINPUT and a message naming the
 * file, or load; a loaded model then encodes fixed texts (long runs, spaces,
 * unseen scripts, user-defined symbols) with offsets that never decrease and
 * stay inside the text, reports the same count into a short buffer, and
 * decodes its own ids. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tokenizers/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char g_path[128];    /* scratch file, removed at exit */

static void remove_scratch(void)
{
    unlink(g_path);
}

static void encode_one(const tokenizer *t, const char *text)
{
    size_t len = strlen(text), cap = 4 * len + 8, n = 0, n2 = 0, nb = 0;
    uint32_t *ids = malloc(cap * sizeof *ids), *offs = malloc(cap * sizeof *offs), small[2];
    char *back = malloc(64 * len + 64);
    tb_error err = {0};
    if (tokenizer_encode(t, text, len, ids, offs, cap, &n, &err) != TB_OK || n > cap)
        abort();
    for (size_t k = 0; k < n; k++)
        if (ids[k] >= tokenizer_vocab_size(t) || (len && offs[k] >= len) ||
            (k && offs[k] < offs[k - 1]))
            abort();
    if (tokenizer_encode(t, text, len, small, NULL, 2, &n2, &err) != TB_OK || n2 != n)
        abort();
    if (tokenizer_decode(t, ids, n, back, 64 * len + 64, &nb, &err) != TB_OK)
        abort();
    free(ids);
    free(offs);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_path[0]) {
        snprintf(g_path, sizeof g_path, "/tmp/fuzz_spm_model.%d", (int)getpid());
        atexit(remove_scratch);
    }
    FILE *f = fopen(g_path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    char spec[200];
    snprintf(spec, sizeof spec, "spm:%s", g_path);
    tokenizer *t = NULL;
    tb_error err = {0};
    int rc = tokenizer_new(spec, NULL, &t, &err);
    if (rc != TB_OK) {
        if (rc != TB_EINPUT || !strstr(err.msg, g_path) || t)
            abort();
        return 0;
    }
    static const char *const texts[] = {
        "", " ", "hello world", "  two  spaces  ", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "\xe4\xb8\xad\xe6\x96\x87 \xd1\x80\xd1\x83\xd1\x81", "e\xcc\x81 \xef\xbe\x8a\xef\xbe\x9d",
        "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 \xe2\x96\x81x <unk>",
        "the <mask>ab abab 12345 the quick fox ababab the \xe2\x96\x81\xe2\x96\x81",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        encode_one(t, texts[i]);
    tokenizer_free(t);
    return 0;
}
