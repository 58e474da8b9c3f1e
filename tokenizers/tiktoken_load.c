/* tiktoken_load.c - `tiktoken:<name>` from the js-tiktoken rank files (the
 * format is documented in bpe.h), and the npm root lookup. */
#define BPE_INTERNAL
#include "bpe.h"
#include "vocab_files.h"

#include "../common/base64.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bpe_npm_path(const char *rel, char *out, size_t cap, tb_error *err)
{
    const char *env = getenv("TOKBENCH_NPM");
    if (env && *env) {
        if ((size_t)snprintf(out, cap, "%s/node_modules/%s", env, rel) >= cap)
            return tb_fail(err, TB_EINPUT, "npm path too long");
        return TB_OK;
    }
    struct stat st;
    if ((size_t)snprintf(out, cap, "deps/npm/node_modules/%s", rel) >= cap)
        return tb_fail(err, TB_EINPUT, "npm path too long");
    if (stat(out, &st) == 0)
        return TB_OK;
    /* <repo>/build/<tree>/tokbench or <repo>/build/<tree>/tests/x */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *dir = dirname(exe);
        char cand[PATH_MAX + 64];
        for (int up = 2; up <= 3; up++) {
            int k = snprintf(cand, sizeof cand, "%s", dir);
            for (int i = 0; i < up; i++)
                k += snprintf(cand + k, sizeof cand - (size_t)k, "/..");
            snprintf(cand + k, sizeof cand - (size_t)k, "/deps/npm/node_modules/%s", rel);
            if (stat(cand, &st) == 0 && strlen(cand) < cap) {
                strcpy(out, cand);
                return TB_OK;
            }
        }
    }
    /* not found: report the cwd-relative path, the documented default */
    snprintf(out, cap, "deps/npm/node_modules/%s", rel);
    return TB_OK;
}

struct rank_tok {
    uint32_t rank;
    uint32_t len;
    size_t off;     /* into the decoded bytes */
};

/* Parses the bpe_ranks string (bpe.h) into toks / bytes. */
static int parse_ranks(const char *s, size_t n, struct rank_tok **out, size_t *n_out,
                       uint8_t **bytes_out, tb_error *err)
{
    size_t cap = 1024, cnt = 0;
    struct rank_tok *t = tb_malloc(cap * sizeof *t, err);
    uint8_t *bytes = tb_malloc(n + 1, err);   /* decoded base64 is shorter */
    size_t nb = 0;
    if (!t || !bytes)
        goto fail;
    size_t pos = 0, group = 0;
    while (pos < n) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - s) : n;
        if (end > pos) {
            group++;
            size_t f = 0, a = pos;
            uint64_t first = 0;
            while (a <= end) {
                const char *sp = memchr(s + a, ' ', end - a);
                size_t b = sp ? (size_t)(sp - s) : end;
                if (f == 1) {
                    if (b == a || b - a > 10) {
                        tb_fail(err, TB_EINPUT, "bpe_ranks group %zu: bad first rank", group);
                        goto fail;
                    }
                    for (size_t k = a; k < b; k++) {
                        if (s[k] < '0' || s[k] > '9') {
                            tb_fail(err, TB_EINPUT, "bpe_ranks group %zu: bad first rank '%.*s'",
                                    group, (int)(b - a), s + a);
                            goto fail;
                        }
                        first = first * 10 + (uint64_t)(s[k] - '0');
                    }
                } else if (f >= 2) {
                    uint64_t rank = first + (f - 2);
                    if (rank >= UINT32_MAX - 1) {
                        tb_fail(err, TB_EINPUT, "bpe_ranks group %zu: rank %llu too large", group,
                                (unsigned long long)rank);
                        goto fail;
                    }
                    long dl = base64_decode(s + a, b - a, bytes + nb);
                    if (dl <= 0) {
                        tb_fail(err, TB_EINPUT,
                                "bpe_ranks group %zu, token %zu (rank %llu): bad base64 '%.*s'",
                                group, f - 1, (unsigned long long)rank,
                                (int)(b - a > 40 ? 40 : b - a), s + a);
                        goto fail;
                    }
                    if (cnt == cap) {
                        cap *= 2;
                        struct rank_tok *nt = tb_realloc(t, cap * sizeof *t, err);
                        if (!nt)
                            goto fail;
                        t = nt;
                    }
                    t[cnt++] = (struct rank_tok){(uint32_t)rank, (uint32_t)dl, nb};
                    nb += (size_t)dl;
                }
                f++;
                a = b + 1;
            }
            if (f < 2) {
                tb_fail(err, TB_EINPUT, "bpe_ranks group %zu: no first rank", group);
                goto fail;
            }
        }
        pos = end + 1;
    }
    *out = t;
    *n_out = cnt;
    *bytes_out = bytes;
    return TB_OK;
fail:
    free(t);
    free(bytes);
    return TB_EINPUT;
}

/* The encodings and their pretok.h presets; the file of each, its size
 * and sha256 are in vocab_files.c. */
static const struct {
    const char *name;
    const char *preset;
} k_tiktoken[] = {
    {"r50k_base", "gpt2"},     {"gpt2", "gpt2"},          {"p50k_base", "gpt2"},
    {"cl100k_base", "cl100k"}, {"o200k_base", "o200k"},
};

/* The message for a file that ends before its JSON object does (a cut
 * download or copy): where it really ends, and inside what. */
static int cut_short(const char *buf, size_t blen, size_t off, tb_error *err)
{
    const char *end = buf + blen;
    const char *br = memmem(buf + off, blen - off, "\"bpe_ranks\"", 11);
    const char *q = br ? memchr(br + 11, '"', (size_t)(end - (br + 11))) : NULL;
    if (q) {
        /* the rank string: an unescaped closing quote ends it */
        size_t lines = 1;
        const char *p = q + 1;
        for (; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end) {
                lines += p[1] == 'n';
                p++;
            }
        }
        if (p >= end)
            return tb_fail(err, TB_EINPUT,
                           "ends at byte %zu in the middle of a line (line %zu of \"bpe_ranks\", "
                           "no closing '\"' or '}'): the file is cut short",
                           blen, lines);
    }
    return tb_fail(err, TB_EINPUT,
                   "ends at byte %zu in the middle of the JSON object (no closing '}'): the file "
                   "is cut short",
                   blen);
}

/* Loads a rank file; path and preset given; v: the packaged file it must be
 * (vocab_files.h), or NULL for a user's file. */
static int tiktoken_load(const char *path, const vocab_file *v, const char *preset,
                         struct bpe **out, tb_error *err)
{
    *out = NULL;
    char *buf;
    size_t blen;
    char hex[65];
    int rc = vocab_file_read(path, v, &buf, &blen, hex, err);
    if (rc)
        return rc;
    struct rank_tok *toks = NULL;
    uint8_t *bytes = NULL;
    struct bpe *m = NULL;
    size_t ntok = 0;
    json_t *root = NULL;
    const char *a = memchr(buf, '{', blen);
    if (!a) {
        tb_fail(err, TB_EINPUT, "no JSON object in the file");
        goto fail;
    }
    size_t off = (size_t)(a - buf);
    /* `export default {...};` - the object must close where the file does */
    size_t end = blen;
    while (end > off && (buf[end - 1] == ';' || buf[end - 1] == ' ' || buf[end - 1] == '\n' ||
                         buf[end - 1] == '\r' || buf[end - 1] == '\t'))
        end--;
    if (end <= off + 1 || buf[end - 1] != '}') {
        cut_short(buf, blen, off, err);
        goto fail;
    }
    json_error_t je;
    root = json_loadb(a, end - off, 0, &je);
    if (!root) {
        if ((size_t)je.position >= end - off)
            cut_short(buf, blen, off, err);
        else
            tb_fail(err, TB_EINPUT, "byte %zu: %s", off + (size_t)je.position + 1, je.text);
        goto fail;
    }
    json_t *ranks = json_object_get(root, "bpe_ranks");
    json_t *specials = json_object_get(root, "special_tokens");
    if (!json_is_string(ranks)) {
        tb_fail(err, TB_EINPUT, "no \"bpe_ranks\" string");
        goto fail;
    }
    if (specials && !json_is_object(specials)) {
        tb_fail(err, TB_EINPUT, "\"special_tokens\" is not an object");
        goto fail;
    }
    if ((rc = parse_ranks(json_string_value(ranks), json_string_length(ranks), &toks, &ntok,
                          &bytes, err)))
        goto fail;
    uint64_t max_id = 0;
    for (size_t i = 0; i < ntok; i++)
        if (toks[i].rank > max_id)
            max_id = toks[i].rank;
    const char *key;
    json_t *val;
    json_object_foreach(specials, key, val) {
        if (!json_is_integer(val) || json_integer_value(val) < 0 ||
            json_integer_value(val) >= UINT32_MAX - 1) {
            tb_fail(err, TB_EINPUT, "special token '%s': bad id", key);
            goto fail;
        }
        if ((uint64_t)json_integer_value(val) > max_id)
            max_id = (uint64_t)json_integer_value(val);
    }
    size_t n_entries = ntok + json_object_size(specials);
    if (max_id >= bpe_id_bound(n_entries)) {
        rc = tb_fail(err, TB_EINPUT,
                     "rank or special id %llu is far beyond the %zu entries (ranks must be "
                     "dense: below %llu)",
                     (unsigned long long)max_id, n_entries,
                     (unsigned long long)bpe_id_bound(n_entries));
        goto fail;
    }
    if ((rc = bpe_alloc(&m, (uint32_t)max_id + 1, err)))
        goto fail;
    for (size_t i = 0; i < ntok; i++) {
        if (m->kind[toks[i].rank]) {
            tb_fail(err, TB_EINPUT, "bpe_ranks: rank %u appears twice", toks[i].rank);
            goto fail;
        }
        if ((rc = bpe_set_token(m, toks[i].rank, bytes + toks[i].off, toks[i].len,
                                BPE_ORDINARY, err)))
            goto fail;
    }
    json_object_foreach(specials, key, val) {
        uint32_t id = (uint32_t)json_integer_value(val);
        if (m->kind[id]) {
            tb_fail(err, TB_EINPUT, "special token '%s': id %u is already a token", key, id);
            goto fail;
        }
        if (!*key) {
            tb_fail(err, TB_EINPUT, "special token of id %u is empty", id);
            goto fail;
        }
        if ((rc = bpe_set_token(m, id, key, strlen(key), BPE_SPECIAL, err)))
            goto fail;
    }
    if ((rc = bpe_index_tokens(m, err)) || (rc = bpe_pairs_from_ranks(m, err)) ||
        (rc = pretok_new_preset(preset, &m->pt, err)))
        goto fail;
    m->direct = 1;
    free(toks);
    free(bytes);
    json_decref(root);
    free(buf);
    *out = m;
    return TB_OK;
fail:
    tb_wrap(err, "%s: ", path);
    free(toks);
    free(bytes);
    json_decref(root);
    free(buf);
    bpe_free(m);
    return TB_EINPUT;
}

int bpe_tiktoken_new(tokenizer *t, const char *name, const tokenizer_ctx *ctx, tb_error *err)
{
    for (size_t i = 0; i < sizeof k_tiktoken / sizeof k_tiktoken[0]; i++) {
        if (strcmp(name, k_tiktoken[i].name) != 0)
            continue;
        char path[4096];
        char pspec[64];
        snprintf(pspec, sizeof pspec, "tiktoken:%s", name);
        const vocab_file *v = vocab_file_find(pspec);
        if (!v)
            return tb_fail(err, TB_EINPUT, "tiktoken '%s': no size and sha256 recorded for it "
                           "in tokenizers/vocab_files.c", name);
        int rc = bpe_npm_path(v->path, path, sizeof path, err);
        struct bpe *m;
        if (!rc)
            rc = tiktoken_load(path, v, k_tiktoken[i].preset, &m, err);
        if (rc) {
            tb_wrap(err, "tiktoken '%s': ", name);
            return rc;
        }
        bpe_attach(t, m);
        return TB_OK;
    }
    /* a path to a rank file in the same format: tiktoken:<preset>:<path> */
    const char *colon = strchr(name, ':');
    if (colon) {
        char preset[32];
        size_t pl = (size_t)(colon - name);
        if (pl < sizeof preset) {
            memcpy(preset, name, pl);
            preset[pl] = 0;
            pretok *pt;
            int rc = pretok_new_preset(preset, &pt, err);
            if (rc)
                return tb_wrap(err, "tiktoken '%s': ", name), rc;
            pretok_free(pt);
            struct bpe *m;
            if ((rc = tiktoken_load(colon + 1, NULL, preset, &m, err)))
                return tb_wrap(err, "tiktoken '%s': ", name), rc;
            bpe_attach(t, m);
            return TB_OK;
        }
    }
    char known[256];
    vocab_file_names("tiktoken:", known, sizeof known);
    return tb_fail(err, TB_EINPUT,
                   "unknown tiktoken encoding '%s' (known: %s, or <preset>:<rank file>)", name,
                   known);
}
