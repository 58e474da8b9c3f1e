/* test_spbpe_cache.c - compiled SentencePiece-style BPE vocabularies
 * (tokenizers/spbpe_cache.h): the production hf:llama2 and the three
 * hand-made tokenizer.json files of tests/fixtures/spbpe give identical ids,
 * offsets and pieces without the cache, built and mapped; a mapped file is
 * the TBSPBPE form; a bit-flipped, cut or changed one is rebuilt with the
 * source's ids; forged images with a valid checksum and one broken
 * invariant are refused by the reader, naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/tb.h"
#include "../tokenizers/spbpe_cache.h"
#include "../tokenizers/spbpe_impl.h"
#include "../tokenizers/tokenizer.h"

static char g_dir[256], g_cache[300];

static int setup(void **state)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/test_spbpe_cache.%d", (int)getpid());
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

static void fixture(const char *name, char *spec, size_t cap)
{
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    snprintf(spec, cap, "hf:%s/tests/fixtures/spbpe/%s.json", root, name);
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

/* Every fixture's characters, its added tokens, an unknown character (the
 * unk and byte fallback), runs of spaces and the Split pattern of affix. */
static const char k_text[] =
    "ab ab <s>ab abc c-ab  cab \xC3\xA9\xC3\xA9 \xE4\xB8\xAD\xE4\xB8\xAD <mask> "
    "The quick brown fox, 12345 jumps!!  \n\tover   the lazy dog. "
    "\xD0\x92\xD1\x81\xD0\xB5\xD0\xBE\xD0\xB1\xD1\x89\xD0\xB0\xD1\x8F "
    "\xE4\xBA\xBA\xE4\xBA\xBA\xE7\x94\x9F\xE8\x80\x8C "
    "\xF0\x9F\x98\x80 e\xCC\x81 ";

/* ids and offsets of k_text, its decode and every id's piece must be equal. */
static void assert_same_model(const tokenizer *a, const tokenizer *b)
{
    assert_int_equal(tokenizer_vocab_size(a), tokenizer_vocab_size(b));
    enum { CAP = 4096 };
    static uint32_t ia[CAP], ib[CAP], oa[CAP], ob[CAP];
    static char da[CAP * 8], db[CAP * 8];
    size_t na, nb, la, lb;
    tb_error err = {0};
    assert_int_equal(tokenizer_encode(a, k_text, strlen(k_text), ia, oa, CAP, &na, &err), TB_OK);
    assert_int_equal(tokenizer_encode(b, k_text, strlen(k_text), ib, ob, CAP, &nb, &err), TB_OK);
    assert_true(na > 20 && na < CAP);
    assert_int_equal(na, nb);
    assert_memory_equal(ia, ib, na * sizeof *ia);
    assert_memory_equal(oa, ob, na * sizeof *oa);
    assert_int_equal(tokenizer_decode(a, ia, na, da, sizeof da, &la, &err), TB_OK);
    assert_int_equal(tokenizer_decode(b, ib, nb, db, sizeof db, &lb, &err), TB_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    char pa[300], pb[300];
    for (uint32_t id = 0; id < tokenizer_vocab_size(a); id++) {
        size_t ka, kb;
        int ra = tokenizer_piece(a, id, pa, sizeof pa, &ka, &err);
        int rb = tokenizer_piece(b, id, pb, sizeof pb, &kb, &err);
        assert_int_equal(ra, rb);
        if (ra == TB_OK) {
            assert_int_equal(ka, kb);
            assert_memory_equal(pa, pb, ka < sizeof pa ? ka : sizeof pa);
        }
        assert_int_equal(tokenizer_is_fallback(a, id), tokenizer_is_fallback(b, id));
    }
}

/* The path of the compiled file named in a note into out. */
static void compiled_path(const char *note, char *out, size_t cap)
{
    const char *a = strchr(note, '\'');
    assert_non_null(a);
    const char *b = strchr(a + 1, '\'');
    assert_non_null(b);
    snprintf(out, cap, "%.*s", (int)(b - a - 1), a + 1);
    assert_non_null(strstr(out, ".tbv"));
}

/* Without the cache, then built, then loaded: the same model each time;
 * the file is the TBSPBPE form. Its path into cpath. */
static void round_trip(const char *spec, char *cpath, size_t ccap)
{
    char note[5000];
    tokenizer *slow = open_spec(spec, NULL, note, sizeof note);
    assert_string_equal(note, "");
    tokenizer *built = open_spec(spec, g_cache, note, sizeof note);
    if (!strstr(note, "vocabulary cache: built '"))
        fprintf(stderr, "%s: %s\n", spec, note);
    assert_non_null(strstr(note, "vocabulary cache: built '"));
    compiled_path(note, cpath, ccap);
    tokenizer *mapped = open_spec(spec, g_cache, note, sizeof note);
    assert_non_null(strstr(note, "vocabulary cache: loaded '"));
    size_t n;
    char *img = read_all(cpath, &n);
    assert_true(n > 8);
    assert_memory_equal(img, "TBSPBPE\n", 8);
    free(img);
    assert_same_model(slow, built);
    assert_same_model(slow, mapped);
    tokenizer_free(slow);
    tokenizer_free(built);
    tokenizer_free(mapped);
}

static void test_round_trip(void **state)
{
    char spec[1200], cpath[4200];
    round_trip("hf:llama2", cpath, sizeof cpath);
    static const char *const names[] = {"first", "never", "affix"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        fixture(names[i], spec, sizeof spec);
        round_trip(spec, cpath, sizeof cpath);
    }
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
    assert_same_model(slow, t);
    tokenizer_free(t);
    tokenizer_free(slow);
}

/* A user's copy of first.json: damaged, then changed. */
static void test_rebuilt(void **state)
{
    char src[1200], path[400], spec[450], cpath[4200];
    fixture("first", src, sizeof src);
    size_t n;
    char *json = NULL;
    tb_error err = {0};
    assert_int_equal(tb_read_file(src + 3, &json, &n, &err), TB_OK);
    snprintf(path, sizeof path, "%s/user.json", g_dir);
    write_file(path, json, n);
    snprintf(spec, sizeof spec, "hf:%s", path);
    round_trip(spec, cpath, sizeof cpath);
    size_t len;
    char *img = read_all(cpath, &len);
    write_file(cpath, img, len / 2);
    expect_rebuilt(spec, "cut short");
    size_t at[] = {40, 1500, len / 2, len - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        img[at[i]] ^= 0x10;
        write_file(cpath, img, len);
        img[at[i]] ^= 0x10;
        expect_rebuilt(spec, "checksum");
    }
    uint32_t v = SPBPE_CACHE_VERSION + 1;
    memcpy(img + 8, &v, 4);
    vocab_cache_seal(img, len);
    write_file(cpath, img, len);
    expect_rebuilt(spec, "format version");
    free(img);
    /* the same file with another merge order: other ids for "ab" pieces */
    char *swap = strstr(json, "\"merges\"");
    assert_non_null(swap);
    char *abp = strstr(swap, "\"a\",\n    \"b\"");
    assert_non_null(abp);
    memcpy(abp, "\"b\",\n    \"c\"", 12);
    char *bcp = strstr(abp + 12, "\"b\",\n    \"c\"");
    assert_non_null(bcp);
    memcpy(bcp, "\"a\",\n    \"b\"", 12);
    write_file(path, json, n);
    expect_rebuilt(spec, "the source changed");
    free(json);
}

/* Images with a valid checksum and one broken invariant: refused. */
static void test_forged_tables(void **state)
{
    char spec[1200], cpath[4200], note[5000];
    fixture("first", spec, sizeof spec);
    tokenizer *t = open_spec(spec, g_cache, note, sizeof note);   /* built or loaded */
    compiled_path(note, cpath, sizeof cpath);
    size_t n;
    char *file = read_all(cpath, &n);
    uint8_t *img = aligned_alloc(64, (n + 63) / 64 * 64);
    assert_non_null(img);
    memcpy(img, file, n);
    struct spbpe *m;
    vocab_cache_source src;
    tb_error err = {0};
    assert_int_equal(spbpe_cache_parse(img, n, &src, &m, &err), TB_OK);
    assert_string_equal(src.loader, "hf");
    spbpe_model_free(m);
    /* header fields and sections (spbpe_cache.h) */
    const size_t off_flags = 204, off_unk = 208, off_prefix_len = 212, off_byte_tok = 408,
                 off_sec = 1432;
    enum { S_ARENA, S_VOFF, S_VLEN, S_INVOCAB, S_DOFF, S_DLEN, S_DEFINED, S_ISFB, S_VSLOT,
           S_PAIRS, S_BMP, S_WHOLE, S_STAGES, S_ADDED };
    uint64_t sec[14][2];
    memcpy(sec, img + off_sec, sizeof sec);
    uint32_t n_ids = (uint32_t)tokenizer_vocab_size(t), flags;
    memcpy(&flags, img + off_flags, 4);
    assert_true(flags & 16);    /* split_meta: first.json cuts at U+2581 */
    /* a used merge slot */
    size_t pair = 0;
    for (size_t i = 0; i < sec[S_PAIRS][1] / 16; i++) {
        uint64_t key;
        memcpy(&key, img + sec[S_PAIRS][0] + 16 * i, 8);
        if (key != UINT64_MAX) {
            pair = sec[S_PAIRS][0] + 16 * i;
            break;
        }
    }
    assert_true(pair > 0);
    struct {
        size_t at;
        uint32_t value;
        const char *why;
    } k[] = {
        {off_flags, flags | 128, "flags"},                        /* an unknown flag */
        {off_prefix_len, 1, "affixes"},                           /* a prefix with split_meta */
        {off_prefix_len, 65, "affixes"},                          /* longer than 64 */
        {off_unk, 15, "unk id 15"},                               /* <mask>: no vocab entry */
        {off_byte_tok, n_ids, "byte token <0x00>"},               /* out of range */
        {sec[S_VOFF][0] + 8 * 6, (uint32_t)sec[S_ARENA][1], "tokens"},   /* past the arena */
        {sec[S_VLEN][0] + 4 * 6, 0, "tokens"},                    /* an empty vocab entry */
        {sec[S_INVOCAB][0] + 15, 1, "tokens"},                    /* entry without a string */
        {sec[S_DEFINED][0] + 6, 0, "tokens"},                     /* vocab entry not defined */
        {sec[S_VSLOT][0], n_ids + 1, "vocab hash"},               /* slot id out of range */
        {pair + 12, n_ids, "merge hash"},                         /* merged id out of range */
        {pair + 4, n_ids, "merge hash"},                          /* left id out of range */
        {sec[S_BMP][0] + 4 * 'a', 15, "character U+0061"},        /* not a vocab entry */
        {sec[S_STAGES][0] + 4, 2, "stages"},                      /* one more pre-tokenizer */
        {sec[S_STAGES][0] + 8, 99, "pre-tokenizer 1"},            /* its kind */
        {sec[S_STAGES][0] + 8 + 20, 9, "pre-tokenizer 1"},        /* Metaspace: 9-byte U+2581 */
        {sec[S_ADDED][0] + 4, n_ids, "added tokens"},             /* an id out of range */
        {off_sec, 0, "section arena"},                            /* inside the header */
        {off_sec + 16 * S_WHOLE + 8, 0, "section whole"},         /* whole flag, no table */
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        uint32_t keep;
        memcpy(&keep, img + k[i].at, 4);
        memcpy(img + k[i].at, &k[i].value, 4);
        vocab_cache_seal(img, n);
        tb_error e = {0};
        int rc = spbpe_cache_parse(img, n, &src, &m, &e);
        if (rc != TB_EINPUT || !strstr(e.msg, k[i].why))
            fprintf(stderr, "case %zu: rc %d: %s\n", i, rc, e.msg);
        assert_int_equal(rc, TB_EINPUT);
        assert_non_null(strstr(e.msg, "compiled vocabulary: "));
        assert_non_null(strstr(e.msg, k[i].why));
        memcpy(img + k[i].at, &keep, 4);
    }
    /* a vocab hash without a free slot would never end a lookup */
    uint32_t *vslot = (uint32_t *)(img + sec[S_VSLOT][0]);
    size_t slots = sec[S_VSLOT][1] / 4;
    for (size_t i = 0; i < slots; i++)
        if (!vslot[i])
            vslot[i] = 1;
    vocab_cache_seal(img, n);
    err = (tb_error){0};
    assert_int_equal(spbpe_cache_parse(img, n, &src, &m, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "free slot"));
    /* restored: accepted again, the same model */
    memcpy(img, file, n);
    assert_int_equal(spbpe_cache_parse(img, n, &src, &m, &err), TB_OK);
    tokenizer *mapped = open_spec(spec, g_cache, note, sizeof note);
    assert_same_model(t, mapped);
    tokenizer_free(mapped);
    spbpe_model_free(m);
    tokenizer_free(t);
    free(img);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_rebuilt),
        cmocka_unit_test(test_forged_tables),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
