/* fuzz_corpus.c - libFuzzer target: the corpus reader on any folder. The
 * input is split at the first two 0xFF bytes into en.txt, ru.txt and
 * ids.txt; corpus_open must succeed or fail with TB_EINPUT and a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../corpora/corpus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(p, 1, n, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/tb-fuzz-corpus-%ld", (long)getpid());
    mkdir(dir, 0755);
    const uint8_t *parts[3] = {data, NULL, NULL};
    size_t lens[3] = {size, 0, 0};
    int k = 0;
    for (size_t i = 0; i < size && k < 2; i++)
        if (data[i] == 0xFF) {
            lens[k] = (size_t)(data + i - parts[k]);
            k++;
            parts[k] = data + i + 1;
            lens[k] = size - i - 1;
        }
    static const char *const names[3] = {"en.txt", "ru.txt", "ids.txt"};
    for (int j = 0; j < 3; j++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[j]);
        unlink(path);
        if (j <= k)
            put(dir, names[j], parts[j], lens[j]);
    }
    corpus *c = NULL;
    tb_error err = {0};
    int rc = corpus_open(dir, &c, &err);
    if (rc == TB_OK) {
        for (size_t s = 0; s < corpus_n_segments(c); s++) {
            size_t len;
            for (size_t l = 0; l < corpus_n_langs(c); l++)
                if (!corpus_segment(c, l, s, &len) || memchr(corpus_segment(c, l, s, &len), '\n', len))
                    abort();
            (void)corpus_in_split(c, s, CORPUS_TEST);
            if (!corpus_id(c, s))
                abort();
        }
        corpus_free(c);
    } else if (rc != TB_EINPUT || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
