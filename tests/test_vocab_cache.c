/* test_vocab_cache.c - the compiled-vocabulary cache (tokenizers/vocab_cache.h):
 * ids and pieces identical with and without it, for the production
 * vocabularies (tiktoken:cl100k_base, hf:qwen3 with its NFC normalizer and
 * regex split, hf:claude with its NFKC normalizer) and for users' files (bpe-file:, an hf: tokenizer.json with a
 * Sequence of Split stages); a second load comes from the cache; a stale
 * source, a truncated or bit-flipped file and another format version are
 * rebuilt (and give the source's ids); forged images with a valid checksum
 * but broken tables are refused by the reader; an unwritable cache only
 * skips the cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BPE_INTERNAL
#include "../common/tb.h"
#include "../tokenizers/bpe.h"
#include "../tokenizers/tokenizer.h"
#include "../tokenizers/vocab_cache.h"

static char g_dir[256], g_cache[300];

static int setup(void **state)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/test_vocab_cache.%d", (int)getpid());
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_dir);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static char *read_all(const char *path, size_t *n)
{
    char *d;
    tb_error err = {0};
    assert_int_equal(tb_read_file(path, &d, n, &err), TB_OK);
    return d;
}

/* Opens spec with cache folder cache (NULL: none); the cache's note into note. */
static tokenizer *open_spec(const char *spec, const char *cache, char *note, size_t cap)
{
    tokenizer_ctx ctx = {.lang = -1, .cache_dir = cache, .vocab_note = note,
                         .vocab_note_cap = cap};
    tokenizer *t = NULL;
    tb_error err = {0};
    int rc = tokenizer_new(spec, &ctx, &t, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", spec, err.msg);
    assert_int_equal(rc, TB_OK);
    return t;
}

static const char k_text[] =
    "The quick brown fox's 12345 jumps!!  \n\tover   the lazy dog. "
    "Всеобщая декларация прав человека, 1948 год. "
    "人人生而自由，在尊严和权利上一律平等。日本語のテキスト、カタカナ。"
    "e\xCC\x81t\xC3\xA9 caf\xC3\xA9 \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD "
    "'ll 've DON'T https://example.org/a?b=c  ";

/* ids and offsets of k_text, and every id's piece, must be equal. */
static void assert_same_model(const tokenizer *a, const tokenizer *b)
{
    assert_int_equal(tokenizer_vocab_size(a), tokenizer_vocab_size(b));
    enum { CAP = 4096 };
    static uint32_t ia[CAP], ib[CAP], oa[CAP], ob[CAP];
    size_t na, nb;
    tb_error err = {0};
    assert_int_equal(tokenizer_encode(a, k_text, strlen(k_text), ia, oa, CAP, &na, &err), TB_OK);
    assert_int_equal(tokenizer_encode(b, k_text, strlen(k_text), ib, ob, CAP, &nb, &err), TB_OK);
    assert_true(na > 20 && na < CAP);
    assert_int_equal(na, nb);
    assert_memory_equal(ia, ib, na * sizeof *ia);
    assert_memory_equal(oa, ob, na * sizeof *oa);
    char pa[300], pb[300];
    for (uint32_t id = 0; id < tokenizer_vocab_size(a); id++) {
        size_t la, lb;
        int ra = tokenizer_piece(a, id, pa, sizeof pa, &la, &err);
        int rb = tokenizer_piece(b, id, pb, sizeof pb, &lb, &err);
        assert_int_equal(ra, rb);
        if (ra == TB_OK) {
            assert_int_equal(la, lb);
            assert_memory_equal(pa, pb, la < sizeof pa ? la : sizeof pa);
        }
    }
}

/* Without the cache, then built, then loaded: the same model each time. */
static void round_trip(const char *spec)
{
    char note[5000];
    tokenizer *slow = open_spec(spec, NULL, note, sizeof note);
    assert_string_equal(note, "");
    tokenizer *built = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "vocabulary cache: built '"));
    tokenizer *mapped = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "vocabulary cache: loaded '"));
    assert_same_model(slow, built);
    assert_same_model(slow, mapped);
    tokenizer_free(slow);
    tokenizer_free(built);
    tokenizer_free(mapped);
}

static void test_round_trip_production(void **state)
{
    round_trip("tiktoken:cl100k_base");
    round_trip("hf:qwen3");
    /* NFKC: k_text's fullwidth comma (U+FF0C) becomes ',' only under NFKC, so
     * a mapped model that forgot the normalizer's kind would differ */
    round_trip("hf:claude");
}

/* A bpe-file model: bytes, then merges of "ab"-ish tokens, and the cyrillic
 * and CJK pairs of k_text. extra selects one more token (stale tests). */
static void write_model(const char *path, int extra)
{
    static const char *const toks[] = {"ab", "abab", " a", "th", "the", " the", "\xD0\xB0", "\xD0\xB0\xD1",
                                       "\xE4\xBA", "\xE4\xBA\xBA", "in", "ing", "qu"};
    enum { N = 256 + sizeof toks / sizeof toks[0] };
    uint8_t bytes[256];
    const uint8_t *tok[N + 1];
    size_t len[N + 1];
    for (int i = 0; i < 256; i++) {
        bytes[i] = (uint8_t)i;
        tok[i] = &bytes[i];
        len[i] = 1;
    }
    for (size_t i = 0; i < N - 256; i++) {
        tok[256 + i] = (const uint8_t *)toks[i];
        len[256 + i] = strlen(toks[i]);
    }
    tok[N] = (const uint8_t *)"ck";
    len[N] = 2;
    tb_error err = {0};
    int rc = bpe_model_save(path, "cl100k", tok, len, N + (extra != 0), &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
}

/* A tokenizer.json of the bytes and "ab", "abab", with a normalizer and a
 * Sequence of two Split stages (a custom pre-tokenizer, not a preset). */
static void write_hf(const char *path)
{
    char *s = malloc(65536);
    size_t k = (size_t)sprintf(s, "{\"normalizer\": {\"type\": \"NFC\"}, \"pre_tokenizer\": "
                                  "{\"type\": \"Sequence\", \"pretokenizers\": ["
                                  "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\p{N}{1,2}\"}, "
                                  "\"behavior\": \"Isolated\", \"invert\": false}, "
                                  "{\"type\": \"Split\", \"pattern\": {\"String\": \" \"}, "
                                  "\"behavior\": \"Removed\", \"invert\": false}]}, "
                                  "\"decoder\": {\"type\": \"ByteLevel\"}, \"added_tokens\": "
                                  "[{\"id\": 400, \"content\": \"<s>\"}], \"model\": {\"type\": "
                                  "\"BPE\", \"vocab\": {");
    /* GPT-2 byte-level alphabet */
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        int cp = keep ? b : 256 + n++;
        char u[8];
        int l = cp < 0x80 ? (u[0] = (char)cp, 1)
                          : (u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 63)), 2);
        s[k++] = '"';
        if (cp == '"' || cp == '\\')
            s[k++] = '\\';
        memcpy(s + k, u, (size_t)l);
        k += (size_t)l;
        k += (size_t)sprintf(s + k, "\": %d, ", b);
    }
    k += (size_t)sprintf(s + k, "\"ab\": 256, \"abab\": 257, \"12\": 258}, \"merges\": "
                                "[\"a b\", \"ab ab\", \"1 2\"]}}");
    write_file(path, s, k);
    free(s);
}

static void test_round_trip_user_files(void **state)
{
    char path[400], spec[450];
    snprintf(path, sizeof path, "%s/user.model", g_dir);
    write_model(path, 0);
    snprintf(spec, sizeof spec, "bpe-file:%s", path);
    round_trip(spec);
    snprintf(path, sizeof path, "%s/user.json", g_dir);
    write_hf(path);
    snprintf(spec, sizeof spec, "hf:%s", path);
    round_trip(spec);
    /* the same file under another loader is another compiled file */
    snprintf(path, sizeof path, "%s/user.model", g_dir);
    snprintf(spec, sizeof spec, "tiktoken:cl100k:%s", path);
    char note[5000];
    tokenizer_ctx ctx = {.lang = -1, .cache_dir = g_cache, .vocab_note = note,
                         .vocab_note_cap = sizeof note};
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(tokenizer_new(spec, &ctx, &t, &err), TB_EINPUT); /* not a rank file */
    assert_null(t);
}

/* The compiled file of spec: the path in note ("... 'PATH' ..."). */
static void compiled_path(const char *note, char *out, size_t cap)
{
    const char *a = strchr(note, '\'');
    assert_non_null(a);
    const char *b = strchr(a + 1, '\'');
    assert_non_null(b);
    snprintf(out, cap, "%.*s", (int)(b - a - 1), a + 1);
    assert_non_null(strstr(out, ".tbv"));
}

static void test_stale_source(void **state)
{
    char path[400], spec[450], note[5000], cpath[4200];
    snprintf(path, sizeof path, "%s/stale.model", g_dir);
    write_model(path, 0);
    snprintf(spec, sizeof spec, "bpe-file:%s", path);
    tokenizer *t = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "built"));
    compiled_path(note, cpath, sizeof cpath);
    size_t v0 = tokenizer_vocab_size(t);
    tokenizer_free(t);
    /* the same content again under a new inode and time: re-verified by
     * its sha256, used, and the header rewritten for the next load */
    size_t n;
    char *old = read_all(path, &n);
    unlink(path);
    write_file(path, old, n);
    free(old);
    t = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "loaded"));
    tokenizer_free(t);
    t = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "loaded"));
    tokenizer_free(t);
    /* another content: rebuilt, with the new token */
    write_model(path, 1);
    t = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "rebuilt"));
    assert_non_null(strstr(note, "the source changed"));
    assert_int_equal(tokenizer_vocab_size(t), v0 + 1);
    tokenizer *slow = open_spec(spec, NULL, note, sizeof note);
    assert_same_model(slow, t);
    tokenizer_free(t);
    t = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "loaded"));
    assert_same_model(slow, t);
    tokenizer_free(t);
    tokenizer_free(slow);
}

/* Builds the compiled file of a bpe-file model; its path into cpath and
 * the source's spec into spec. */
static void build_one(const char *name, char *spec, size_t scap, char *cpath, size_t ccap)
{
    char path[400], note[5000];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    write_model(path, 0);
    snprintf(spec, scap, "bpe-file:%s", path);
    tokenizer *t = open_spec(spec, g_cache, note, sizeof note);
    compiled_path(note, cpath, ccap);
    tokenizer_free(t);
}

/* Loads spec expecting a rebuild for reason why, then a plain load. */
static void expect_rebuilt(const char *spec, const char *why)
{
    char note[5000];
    tokenizer *slow = open_spec(spec, NULL, note, sizeof note);
    tokenizer *t = open_spec(spec, g_cache, note, sizeof note);
    if (!strstr(note, "rebuilt") || !strstr(note, why))
        fprintf(stderr, "note: %s (expected rebuilt: %s)\n", note, why);
    assert_non_null(strstr(note, "rebuilt"));
    assert_non_null(strstr(note, why));
    assert_same_model(slow, t);
    tokenizer_free(t);
    t = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "loaded"));
    tokenizer_free(t);
    tokenizer_free(slow);
}

static void test_damaged_file(void **state)
{
    char spec[450], cpath[4200];
    build_one("damaged.model", spec, sizeof spec, cpath, sizeof cpath);
    size_t n;
    char *img = read_all(cpath, &n);
    /* cut short */
    write_file(cpath, img, n / 2);
    expect_rebuilt(spec, "cut short");
    write_file(cpath, img, 100);
    expect_rebuilt(spec, "shorter than its header");
    write_file(cpath, "", 0);
    expect_rebuilt(spec, "empty");
    /* one bit flipped: in the source identity, in the tables, the last byte */
    size_t at[] = {40, 1500, n / 2, n - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        img[at[i]] ^= 0x10;
        write_file(cpath, img, n);
        img[at[i]] ^= 0x10;
        expect_rebuilt(spec, "checksum");
    }
    /* the magic */
    img[0] ^= 1;
    write_file(cpath, img, n);
    img[0] ^= 1;
    expect_rebuilt(spec, "bad magic");
    free(img);
}

static void test_version_mismatch(void **state)
{
    char spec[450], cpath[4200];
    build_one("version.model", spec, sizeof spec, cpath, sizeof cpath);
    size_t n;
    char *img = read_all(cpath, &n);
    uint32_t v = VOCAB_CACHE_VERSION + 1;
    memcpy(img + 8, &v, 4);
    vocab_cache_seal(img, n);
    write_file(cpath, img, n);
    expect_rebuilt(spec, "format version 2");
    free(img);
}

/* Images with a valid checksum and one broken invariant: refused. */
static void test_forged_tables(void **state)
{
    char spec[450], cpath[4200];
    build_one("forged.model", spec, sizeof spec, cpath, sizeof cpath);
    size_t n;
    char *file = read_all(cpath, &n);
    uint8_t *img = aligned_alloc(64, (n + 63) / 64 * 64);
    assert_non_null(img);
    memcpy(img, file, n);
    struct bpe *m;
    vocab_cache_source src;
    tb_error err = {0};
    assert_int_equal(vocab_cache_parse(img, n, &src, &m, &err), TB_OK);
    assert_string_equal(src.loader, "bpe-file");
    bpe_free(m);
    /* offsets of the header fields (vocab_cache.h) */
    const size_t off_byte_id = 232, off_sec = 1256;
    uint64_t sec[11][2];
    memcpy(sec, img + off_sec, sizeof sec);
    struct {
        size_t at;
        uint32_t value;
        const char *why;
    } k[] = {
        {off_byte_id + 4 * 'a', 300000, "byte 0x61"},           /* byte id out of range */
        {off_byte_id + 4 * 'a', 'b', "byte 0x61"},              /* the wrong byte's id */
        {sec[2][0] + 4 * 256, 70000, "token 256"},              /* tok_len past the arena */
        {sec[3][0] + 97, 7, "token 97"},                        /* kind */
        {sec[4][0], 0xFFFFFFFFu, "token hash slot 0"},          /* vslot id */
        {sec[6][0], 1, "pair index"},                           /* pidx[0] */
        {sec[7][0] + 8, 97, "pair 0"},                          /* a merge of the wrong length */
        {sec[9][0] + 16 * ('a' << 8 | 'b') + 12, 98, "byte pair 0x6162"},
        {sec[10][0], 63, "pretok"},                             /* preset name length */
        {200, 10, "n_ids"},                                     /* n_ids below 256 */
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        uint32_t keep;
        memcpy(&keep, img + k[i].at, 4);
        memcpy(img + k[i].at, &k[i].value, 4);
        vocab_cache_seal(img, n);
        tb_error e = {0};
        int rc = vocab_cache_parse(img, n, &src, &m, &e);
        if (rc != TB_EINPUT || !strstr(e.msg, k[i].why))
            fprintf(stderr, "case %zu: rc %d: %s\n", i, rc, e.msg);
        assert_int_equal(rc, TB_EINPUT);
        assert_non_null(strstr(e.msg, k[i].why));
        memcpy(img + k[i].at, &keep, 4);
    }
    /* a hash table without a free slot would never end a lookup */
    uint32_t *vslot = (uint32_t *)(img + sec[4][0]);
    size_t slots = sec[4][1] / 4;
    uint32_t *keep = malloc(sec[4][1]);
    memcpy(keep, vslot, sec[4][1]);
    for (size_t i = 0; i < slots; i++)
        if (!vslot[i])
            vslot[i] = 1;
    vocab_cache_seal(img, n);
    err = (tb_error){0};
    assert_int_equal(vocab_cache_parse(img, n, &src, &m, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "free slot"));
    memcpy(vslot, keep, sec[4][1]);
    free(keep);
    vocab_cache_seal(img, n);
    assert_int_equal(vocab_cache_parse(img, n, &src, &m, &err), TB_OK);
    bpe_free(m);
    free(img);
    free(file);
}

/* A cache folder that cannot be made: the slow load, and a note. */
static void test_unwritable_cache(void **state)
{
    char path[400], spec[450], note[5000], blocker[400];
    snprintf(path, sizeof path, "%s/ro.model", g_dir);
    write_model(path, 0);
    snprintf(spec, sizeof spec, "bpe-file:%s", path);
    snprintf(blocker, sizeof blocker, "%s/not-a-folder", g_dir);
    write_file(blocker, "x", 1);
    tokenizer *t = open_spec(spec, blocker, note, sizeof note);
    assert_non_null(strstr(note, "not cached"));
    tokenizer *slow = open_spec(spec, NULL, note, sizeof note);
    assert_same_model(slow, t);
    tokenizer_free(t);
    tokenizer_free(slow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_production),
        cmocka_unit_test(test_round_trip_user_files),
        cmocka_unit_test(test_stale_source),
        cmocka_unit_test(test_damaged_file),
        cmocka_unit_test(test_version_mismatch),
        cmocka_unit_test(test_forged_tables),
        cmocka_unit_test(test_unwritable_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
