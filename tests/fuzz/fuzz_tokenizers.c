/* fuzz_tokenizers.c - libFuzzer target: every scheme on any bytes. Valid
 * UTF-8 must round-trip exactly with increasing offsets; invalid UTF-8 must
 * fail with TB_EINPUT. The graphemes and symbol-space vocabularies come from
 * the tiny fixture corpus (TB_ROOT or the working directory). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/utf8.h"
#include "../../corpora/corpus.h"
#include "../../tokenizers/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_TOK 5
static tokenizer *g_tok[N_TOK];
static corpus *g_corpus;

static void init(void)
{
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/corpus_tiny", root);
    tb_error err = {0};
    if (corpus_open(dir, &g_corpus, &err)) {
        fprintf(stderr, "fuzz_tokenizers: %s\n", err.msg);
        abort();
    }
    static const char *const specs[N_TOK] = {"bytes", "chars", "graphemes", "symbol-space:all",
                                             "symbol-space:2:bytes"};
    tokenizer_ctx ctx = {.corpus = g_corpus, .lang = -1, .cache_dir = NULL};
    for (int i = 0; i < N_TOK; i++)
        if (tokenizer_new(specs[i], &ctx, &g_tok[i], &err)) {
            fprintf(stderr, "fuzz_tokenizers: %s\n", err.msg);
            abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_tok[0])
        init();
    const char *text = (const char *)data;
    int valid = utf8_valid(text, size, NULL);
    size_t cap = size + 1;
    uint32_t *ids = malloc(cap * sizeof *ids), *offs = malloc(cap * sizeof *offs);
    char *back = malloc(size + 1);
    for (int i = 0; i < N_TOK; i++) {
        tb_error err = {0};
        size_t n = 0, nb = 0;
        int rc = tokenizer_encode(g_tok[i], text, size, ids, offs, cap, &n, &err);
        if (!valid) {
            if (rc != TB_EINPUT || !strstr(err.msg, "invalid UTF-8"))
                abort();
            continue;
        }
        if (rc != TB_OK || n > cap)
            abort();
        for (size_t k = 0; k < n; k++)
            if (offs[k] >= size || (k && offs[k] <= offs[k - 1]))
                abort();
        if (tokenizer_decode(g_tok[i], ids, n, back, size + 1, &nb, &err) != TB_OK || nb != size ||
            memcmp(back, data, size) != 0)
            abort();
    }
    free(ids);
    free(offs);
    free(back);
    return 0;
}
