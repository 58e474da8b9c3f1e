/* hf_load.c - `hf:<name-or-path>`: byte-level BPE from a HuggingFace
 * tokenizer.json (supported subset in bpe.h); a SentencePiece-style file
 * (byte_fallback or Metaspace) goes to spbpe.h. */
#define BPE_INTERNAL
#include "bpe.h"
#include "spbpe.h"
#include "vocab_files.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/utf8.h"

/* GPT-2 bytes_to_unicode: byte b <-> code point. */
static void byte_level_tables(int32_t b2u[256], int16_t u2b[324])
{
    for (int i = 0; i < 324; i++)
        u2b[i] = -1;
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        b2u[b] = keep ? b : 256 + n++;
        u2b[b2u[b]] = (int16_t)b;
    }
}

/* Decodes a byte-level string to bytes; returns length or -1 when a code
 * point is outside the byte-level alphabet. out has room for strlen(s). */
static long byte_level_decode(const int16_t u2b[324], const char *s, size_t n, uint8_t *out)
{
    size_t o = 0, i = 0;
    while (i < n) {
        int32_t cp;
        int k = utf8_decode((const uint8_t *)s + i, n - i, &cp);
        if (k <= 0 || cp >= 324 || u2b[cp] < 0)
            return -1;
        out[o++] = (uint8_t)u2b[cp];
        i += (size_t)k;
    }
    return (long)o;
}

static const char *type_of(json_t *o)
{
    json_t *t = json_object_get(o, "type");
    return json_is_string(t) ? json_string_value(t) : "?";
}

/* *nfc: 1 NFC, 2 NFKC; two of them in a Sequence are refused (the second
 * would normalize text the first already did, which one pass does not
 * reproduce unless they are the same) */
static int check_normalizer(json_t *n, int *nfc, tb_error *err)
{
    if (!n || json_is_null(n))
        return TB_OK;
    const char *ty = type_of(n);
    if (strcmp(ty, "NFC") == 0 || strcmp(ty, "NFKC") == 0) {
        int want = ty[2] == 'K' ? 2 : 1;
        if (*nfc && *nfc != want)
            return tb_fail(err, TB_EINPUT, "normalizer Sequence of NFC and NFKC is not "
                                           "supported in a byte-level file");
        *nfc = want;
        return TB_OK;
    }
    if (strcmp(ty, "Sequence") == 0) {
        json_t *arr = json_object_get(n, "normalizers");
        size_t i;
        json_t *x;
        if (!json_is_array(arr))
            return tb_fail(err, TB_EINPUT, "normalizer Sequence without \"normalizers\"");
        json_array_foreach(arr, i, x) {
            int rc = check_normalizer(x, nfc, err);
            if (rc)
                return rc;
        }
        return TB_OK;
    }
    return tb_fail(err, TB_EINPUT, "normalizer '%s' is not supported in a byte-level file "
                                   "(only NFC and NFKC)", ty);
}

static int add_pretok(json_t *p, pretok *pt, tb_error *err)
{
    if (!p || json_is_null(p))
        return TB_OK;
    const char *ty = type_of(p);
    if (strcmp(ty, "Sequence") == 0) {
        json_t *arr = json_object_get(p, "pretokenizers");
        size_t i;
        json_t *x;
        if (!json_is_array(arr))
            return tb_fail(err, TB_EINPUT, "pre_tokenizer Sequence without \"pretokenizers\"");
        json_array_foreach(arr, i, x) {
            int rc = add_pretok(x, pt, err);
            if (rc)
                return rc;
        }
        return TB_OK;
    }
    if (strcmp(ty, "ByteLevel") == 0) {
        if (json_is_true(json_object_get(p, "add_prefix_space")))
            return tb_fail(err, TB_EINPUT,
                           "pre_tokenizer 'ByteLevel' with add_prefix_space is not supported");
        json_t *ur = json_object_get(p, "use_regex");
        if (!ur || json_is_true(ur)) {
            static const char gpt2[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| "
                                       "?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
            return pretok_add_split(pt, gpt2, strlen(gpt2), 0, PRETOK_ISOLATED, 0, err);
        }
        return TB_OK;
    }
    if (strcmp(ty, "Split") == 0) {
        json_t *pat = json_object_get(p, "pattern");
        json_t *re = json_object_get(pat, "Regex"), *str = json_object_get(pat, "String");
        const char *beh = json_string_value(json_object_get(p, "behavior"));
        int invert = json_is_true(json_object_get(p, "invert"));
        enum pretok_behavior b;
        if (beh && strcmp(beh, "Isolated") == 0)
            b = PRETOK_ISOLATED;
        else if (beh && strcmp(beh, "Removed") == 0)
            b = PRETOK_REMOVED;
        else
            return tb_fail(err, TB_EINPUT, "pre_tokenizer Split behavior '%s' is not supported",
                           beh ? beh : "?");
        if (json_is_string(re))
            return pretok_add_split(pt, json_string_value(re), json_string_length(re), 0, b,
                                    invert, err);
        if (json_is_string(str))
            return pretok_add_split(pt, json_string_value(str), json_string_length(str), 1, b,
                                    invert, err);
        return tb_fail(err, TB_EINPUT, "pre_tokenizer Split without a Regex or String pattern");
    }
    return tb_fail(err, TB_EINPUT, "pre_tokenizer '%s' is not supported", ty);
}

static int check_model(json_t *model, tb_error *err)
{
    if (!json_is_object(model))
        return tb_fail(err, TB_EINPUT, "no \"model\" object");
    const char *ty = type_of(model);
    if (strcmp(ty, "BPE") != 0)
        return tb_fail(err, TB_EINPUT,
                       "model type '%s' is not supported (BPE, Unigram, WordPiece)", ty);
    if (json_is_true(json_object_get(model, "byte_fallback")))
        return tb_fail(err, TB_EINPUT,
                       "model BPE with byte_fallback (SentencePiece style) is not supported");
    json_t *d = json_object_get(model, "dropout");
    if (d && !json_is_null(d))
        return tb_fail(err, TB_EINPUT, "model BPE with dropout is not supported");
    static const char *const affix[] = {"continuing_subword_prefix", "end_of_word_suffix"};
    for (int i = 0; i < 2; i++) {
        json_t *x = json_object_get(model, affix[i]);
        if (json_is_string(x) && json_string_length(x) > 0)
            return tb_fail(err, TB_EINPUT, "model BPE with %s is not supported", affix[i]);
    }
    if (!json_is_object(json_object_get(model, "vocab")))
        return tb_fail(err, TB_EINPUT, "model has no \"vocab\" object");
    if (!json_is_array(json_object_get(model, "merges")))
        return tb_fail(err, TB_EINPUT, "model has no \"merges\" array");
    return TB_OK;
}

/* The two halves of merges[i]: "a b" or ["a", "b"]. Returns 0 on success. */
static int merge_parts(json_t *x, char *buf, size_t cap, const char **a, const char **b)
{
    if (json_is_string(x)) {
        size_t n = json_string_length(x);
        if (n + 1 > cap)
            return -1;
        memcpy(buf, json_string_value(x), n + 1);
        char *sp = strchr(buf, ' ');
        if (!sp || strchr(sp + 1, ' ') || sp == buf || !sp[1])
            return -1;
        *sp = 0;
        *a = buf;
        *b = sp + 1;
        return 0;
    }
    if (json_is_array(x) && json_array_size(x) == 2 && json_is_string(json_array_get(x, 0)) &&
        json_is_string(json_array_get(x, 1))) {
        *a = json_string_value(json_array_get(x, 0));
        *b = json_string_value(json_array_get(x, 1));
        return 0;
    }
    return -1;
}

/* v: the packaged file path must be (vocab_files.h), or NULL for a user's.
 * Byte-level files give *out; SentencePiece-style ones build t themselves
 * (*out stays NULL). */
static int hf_load(const char *path, const vocab_file *v, tokenizer *t, struct bpe **out,
                   tb_error *err)
{
    *out = NULL;
    char *text, hex[65];
    size_t tlen;
    int vrc = vocab_file_read(path, v, &text, &tlen, hex, err);
    if (vrc)
        return vrc;
    json_error_t je;
    json_t *root = json_loadb(text, tlen, 0, &je);
    free(text);
    if (!root) {
        if ((size_t)je.position >= tlen)
            return tb_fail(err, TB_EINPUT,
                           "%s:%d:%d: %s: the file ends at byte %zu before its JSON does (cut "
                           "short?)",
                           path, je.line, je.column, je.text, tlen);
        return tb_fail(err, TB_EINPUT, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    }
    if (spbpe_json_wanted(root)) {
        int src = spbpe_new_from_json(t, root, err);
        json_decref(root);
        return src ? tb_wrap(err, "%s: ", path) : TB_OK;
    }
    struct bpe *m = NULL;
    pretok *pt = NULL;
    uint8_t *tmp = NULL;
    char *mbuf = NULL;
    int rc = TB_EINPUT, nfc = 0;
    json_t *model = json_object_get(root, "model");
    if ((rc = check_model(model, err)) ||
        (rc = check_normalizer(json_object_get(root, "normalizer"), &nfc, err)))
        goto fail;
    json_t *dec = json_object_get(root, "decoder");
    if (dec && !json_is_null(dec) && strcmp(type_of(dec), "ByteLevel") != 0) {
        rc = tb_fail(err, TB_EINPUT, "decoder '%s' is not supported (only ByteLevel)",
                     type_of(dec));
        goto fail;
    }
    if ((rc = pretok_new(&pt, err)) ||
        (rc = add_pretok(json_object_get(root, "pre_tokenizer"), pt, err)))
        goto fail;
    json_t *vocab = json_object_get(model, "vocab");
    json_t *merges = json_object_get(model, "merges");
    json_t *added = json_object_get(root, "added_tokens");
    uint64_t max_id = 0;
    size_t max_len = 0;
    const char *key, *max_key = "";
    json_t *val;
    json_object_foreach(vocab, key, val) {
        json_int_t id = json_integer_value(val);
        if (!json_is_integer(val) || id < 0 || id >= UINT32_MAX - 1) {
            rc = tb_fail(err, TB_EINPUT, "vocab entry '%.60s': bad id", key);
            goto fail;
        }
        if ((uint64_t)id > max_id) {
            max_id = (uint64_t)id;
            max_key = key;
        }
        if (strlen(key) > max_len)
            max_len = strlen(key);
    }
    size_t i;
    json_t *x;
    json_array_foreach(added, i, x) {
        json_t *idj = json_object_get(x, "id"), *c = json_object_get(x, "content");
        if (!json_is_integer(idj) || json_integer_value(idj) < 0 ||
            json_integer_value(idj) >= UINT32_MAX - 1 || !json_is_string(c) ||
            json_string_length(c) == 0) {
            rc = tb_fail(err, TB_EINPUT, "added_tokens[%zu]: needs an id and a content", i);
            goto fail;
        }
        if ((uint64_t)json_integer_value(idj) > max_id) {
            max_id = (uint64_t)json_integer_value(idj);
            max_key = json_string_value(c);
        }
    }
    size_t n_entries = json_object_size(vocab) + json_array_size(added);
    if (max_id >= bpe_id_bound(n_entries)) {
        rc = tb_fail(err, TB_EINPUT,
                     "entry '%.60s': id %llu is far beyond the %zu entries (ids must be "
                     "dense: below %llu)",
                     max_key, (unsigned long long)max_id, n_entries,
                     (unsigned long long)bpe_id_bound(n_entries));
        goto fail;
    }
    if ((rc = bpe_alloc(&m, (uint32_t)max_id + 1, err)))
        goto fail;
    m->pt = pt;
    pt = NULL;
    m->nfc = nfc;
    m->direct = json_is_true(json_object_get(model, "ignore_merges"));
    int32_t b2u[256];
    int16_t u2b[324];
    byte_level_tables(b2u, u2b);
    tmp = tb_malloc(max_len + 1, err);
    if (!tmp)
        goto fail;
    json_object_foreach(vocab, key, val) {
        uint32_t id = (uint32_t)json_integer_value(val);
        size_t kl = strlen(key);
        long dl = byte_level_decode(u2b, key, kl, tmp);
        if (m->kind[id]) {
            rc = tb_fail(err, TB_EINPUT, "vocab: id %u appears twice", id);
            goto fail;
        }
        if (kl == 0) {
            rc = tb_fail(err, TB_EINPUT, "vocab: empty token for id %u", id);
            goto fail;
        }
        /* a token outside the byte-level alphabet can never be merged to:
         * kept for decoding only */
        rc = dl > 0 ? bpe_set_token(m, id, tmp, (size_t)dl, BPE_ORDINARY, err)
                    : bpe_set_token(m, id, key, kl, BPE_SPECIAL, err);
        if (rc)
            goto fail;
    }
    json_array_foreach(added, i, x) {
        uint32_t id = (uint32_t)json_integer_value(json_object_get(x, "id"));
        json_t *c = json_object_get(x, "content");
        if (m->kind[id] == BPE_UNUSED &&
            (rc = bpe_set_token(m, id, json_string_value(c), json_string_length(c),
                                BPE_SPECIAL, err)))
            goto fail;
    }
    if ((rc = bpe_index_tokens(m, err)))
        goto fail;
    /* byte_id must be the byte-level characters' ids (bpe_index_tokens found
     * them by bytes, which is the same thing for a byte-level vocabulary) */
    if ((rc = bpe_pairs_init(m, json_array_size(merges), err)))
        goto fail;
    size_t mcap = 2 * max_len + 2;
    mbuf = tb_malloc(2 * mcap, err);
    if (!mbuf)
        goto fail;
    json_array_foreach(merges, i, x) {
        const char *a, *b;
        if (merge_parts(x, mbuf, mcap, &a, &b)) {
            rc = tb_fail(err, TB_EINPUT, "merges[%zu]: expected \"a b\" or [\"a\", \"b\"]", i);
            goto fail;
        }
        json_t *ja = json_object_get(vocab, a), *jb = json_object_get(vocab, b);
        size_t la = strlen(a), lb = strlen(b);
        if (!ja || !jb || la + lb + 1 > mcap) {
            rc = tb_fail(err, TB_EINPUT, "merges[%zu]: '%.60s %.60s' uses a token not in vocab",
                         i, a, b);
            goto fail;
        }
        char *cat = mbuf + mcap;
        memcpy(cat, a, la);
        memcpy(cat + la, b, lb + 1);
        json_t *jc = json_object_get(vocab, cat);
        if (!jc) {
            rc = tb_fail(err, TB_EINPUT, "merges[%zu]: merged token '%.120s' is not in vocab", i,
                         cat);
            goto fail;
        }
        uint32_t ia = (uint32_t)json_integer_value(ja), ib = (uint32_t)json_integer_value(jb),
                 ic = (uint32_t)json_integer_value(jc);
        if (m->kind[ia] == BPE_ORDINARY && m->kind[ib] == BPE_ORDINARY &&
            m->kind[ic] == BPE_ORDINARY)
            bpe_pair_put(m, ia, ib, (uint32_t)i, ic);
    }
    if ((rc = bpe_pairs_done(m, err)))
        goto fail;
    free(mbuf);
    free(tmp);
    json_decref(root);
    *out = m;
    return TB_OK;
fail:
    tb_wrap(err, "%s: ", path);
    free(mbuf);
    free(tmp);
    pretok_free(pt);
    bpe_free(m);
    json_decref(root);
    return rc ? rc : TB_EINPUT;
}

int bpe_hf_new(tokenizer *t, const char *name, const tokenizer_ctx *ctx, tb_error *err)
{
    char path[4096], pspec[128];
    int rc = TB_OK;
    snprintf(pspec, sizeof pspec, "hf:%s", name);
    const vocab_file *v = vocab_file_find(pspec);
    if (v) {
        rc = bpe_npm_path(v->path, path, sizeof path, err);
    } else {
        char known[256];
        vocab_file_names("hf:", known, sizeof known);
        if (!*name || strlen(name) >= sizeof path)
            return tb_fail(err, TB_EINPUT,
                           "hf: needs one of the packaged names (%s) or a path to a "
                           "tokenizer.json",
                           known);
        struct stat st;
        if (stat(name, &st) != 0)
            return tb_fail(err, TB_EINPUT,
                           "hf '%s': not a packaged name (known: %s) and no file of that name "
                           "(%s); a path to a tokenizer.json is also accepted",
                           name, known, strerror(errno));
        if (S_ISDIR(st.st_mode))
            return tb_fail(err, TB_EINPUT,
                           "hf '%s': is a directory; give the path of a tokenizer.json file (or "
                           "one of %s)",
                           name, known);
        strcpy(path, name);
    }
    struct bpe *m = NULL;
    if (!rc)
        rc = hf_load(path, v, t, &m, err);
    if (rc) {
        tb_wrap(err, "hf '%s': ", name);
        return rc;
    }
    if (m)
        bpe_attach(t, m);
    return TB_OK;
}
