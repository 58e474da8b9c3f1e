/* test_tokenizers.c - the factory and the bytes, chars and graphemes schemes.
 *
 * Fixture corpus tests/fixtures/corpus_tiny (ids s1 s2 s3 s6; FNV-1a-64 of
 * the id bytes % 10 is 9, 6, 7, 0, so s6 is test and the rest train):
 *
 *   id  en             ru    zh
 *   s1  "abba"         да    我们
 *   s2  "cab"          дом   我
 *   s3  "cq\u0301q"    я     人们
 *   s6  "zzz"  (test)  ёж    中
 *
 * Train cluster counts, and the vocabularies they give (id 256 first; ties
 * by bytes, a prefix first):
 *   en: a 3, b 3, c 2, q 1, q\u0301 1     -> a b c q q\u0301
 *   ru: д 2, а м о я 1 (D0B0 D0BC D0BE D18F) -> д а м о я
 *   zh: 我 2 (E68891), 们 2 (E4BBAC), 人 1  -> 们 我 人
 *   joint: a b | c д 们 我 | q q\u0301 а м о я 人
 */
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

#include "../common/afile.h"
#include "../corpora/corpus.h"
#include "../tokenizers/tokenizer.h"
#include "../tokenizers/vocab_files.h"

/* Round-trip and count fixtures: text and its length (may contain NUL-free
 * control characters; all valid UTF-8). */
static const char *const k_lines[] = {
    "我们是中国人，我们爱和平。",
    "Каждый человек имеет право на жизнь; человека, человеку, человеком, о человеке.",
    "All human beings are born free and equal in dignity and rights.",
    "Family \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7\xE2\x80\x8D"
    "\xF0\x9F\x91\xA6 flags \xF0\x9F\x87\xBA\xF0\x9F\x87\xA6\xF0\x9F\x87\xA8\xF0\x9F\x87\xB3 "
    "thumb \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
    "e\xCC\x81 cafe\xCC\x81 \xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8 \xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB",
    "0123456789 3.14159 1,000,000 ٣٤٥",
    "a  \t\t  b\r\n\n c   \r\r\n  ",
    "",
};
#define N_LINES (sizeof k_lines / sizeof k_lines[0])

/* 👨‍👩‍👧‍👦: 4 emoji (4 bytes) joined by 3 ZWJ (3 bytes): 7 code points, 25 bytes. */
static const char k_family[] = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D"
                               "\xF0\x9F\x91\xA7\xE2\x80\x8D\xF0\x9F\x91\xA6";
static const char k_flags[] = "\xF0\x9F\x87\xBA\xF0\x9F\x87\xA6\xF0\x9F\x87\xA8\xF0\x9F\x87\xB3";
static const char k_jamo[] = "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"; /* ᄀ ᅡ ᆨ = 각 */

struct fx {
    corpus *c;          /* corpus_tiny */
    char tmp[256];      /* scratch folder, removed in teardown */
};

static void rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", path);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/corpus_tiny", root);
    tb_error err = {0};
    if (corpus_open(dir, &f->c, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        free(f);
        return -1;
    }
    const char *td = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(f->tmp, sizeof f->tmp, "%s/test_tokenizers.XXXXXX", td);
    if (!mkdtemp(f->tmp)) {
        corpus_free(f->c);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    corpus_free(f->c);
    rm_rf(f->tmp);
    free(f);
    return 0;
}

static tokenizer *make(const char *spec, const corpus *c, int lang, const char *cache)
{
    tokenizer_ctx ctx = {.corpus = c, .lang = lang, .cache_dir = cache};
    tokenizer *t = NULL;
    tb_error err = {0};
    int rc = tokenizer_new(spec, &ctx, &t, &err);
    if (rc)
        fprintf(stderr, "tokenizer_new(%s): %s\n", spec, err.msg);
    assert_int_equal(rc, TB_OK);
    assert_non_null(t);
    return t;
}

/* Encodes s (sized exactly) and returns the count; ids/offs get malloc'd. */
static size_t encode(const tokenizer *t, const char *s, size_t len, uint32_t **ids, uint32_t **offs)
{
    size_t cap = len + 1, n = 0;
    *ids = malloc(cap * sizeof **ids);
    *offs = malloc(cap * sizeof **offs);
    tb_error err = {0};
    int rc = tokenizer_encode(t, s, len, *ids, *offs, cap, &n, &err);
    if (rc)
        fprintf(stderr, "encode: %s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    assert_true(n <= cap);
    return n;
}

static size_t count_tokens(const tokenizer *t, const char *s)
{
    uint32_t *ids, *offs;
    size_t n = encode(t, s, strlen(s), &ids, &offs);
    free(ids);
    free(offs);
    return n;
}

/* Checks decode(encode(s)) == s and that token i is exactly the bytes
 * s[offs[i], offs[i+1]) (offsets start at 0, increase strictly, end at len). */
static void check_round_trip(const tokenizer *t, const char *s, size_t len)
{
    uint32_t *ids, *offs;
    size_t n = encode(t, s, len, &ids, &offs);
    tb_error err = {0};
    char *out = malloc(len * 8 + 1);
    size_t nb = 0;
    assert_int_equal(tokenizer_decode(t, ids, n, out, len * 8 + 1, &nb, &err), TB_OK);
    assert_int_equal(nb, len);
    assert_memory_equal(out, s, len);
    if (len > 0) {
        assert_true(n > 0);
        assert_int_equal(offs[0], 0);
    }
    for (size_t i = 0; i < n; i++) {
        size_t end = i + 1 < n ? offs[i + 1] : len;
        assert_true(offs[i] < end);
        char piece[256];
        size_t pn = 0;
        assert_int_equal(tokenizer_piece(t, ids[i], piece, sizeof piece, &pn, &err), TB_OK);
        assert_int_equal(pn, end - offs[i]);
        assert_memory_equal(piece, s + offs[i], pn);
    }
    free(out);
    free(ids);
    free(offs);
}

/* ---- bytes and chars --------------------------------------------------- */

static size_t count_code_points(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static void test_bytes_chars_counts(void **state)
{
    (void)state;
    tokenizer *b = make("bytes", NULL, -1, NULL), *c = make("chars", NULL, -1, NULL);
    assert_int_equal(tokenizer_vocab_size(b), 256);
    assert_int_equal(tokenizer_vocab_size(c), 0x110000);
    assert_string_equal(tokenizer_name(b), "bytes");
    assert_string_equal(tokenizer_name(c), "chars");
    for (size_t i = 0; i < N_LINES; i++) {
        assert_int_equal(count_tokens(b, k_lines[i]), strlen(k_lines[i]));
        assert_int_equal(count_tokens(c, k_lines[i]), count_code_points(k_lines[i]));
    }
    /* Counted by hand. */
    assert_int_equal(count_tokens(b, "我们"), 6);
    assert_int_equal(count_tokens(c, "我们"), 2);
    assert_int_equal(count_tokens(b, k_family), 25);
    assert_int_equal(count_tokens(c, k_family), 7);
    assert_int_equal(count_tokens(c, "Привет"), 6);
    assert_int_equal(count_tokens(b, "Привет"), 12);

    uint32_t *ids, *offs;
    size_t n = encode(c, "aя😀", strlen("aя😀"), &ids, &offs);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 'a');
    assert_int_equal(ids[1], 0x44F);
    assert_int_equal(ids[2], 0x1F600);
    assert_int_equal(offs[1], 1);
    assert_int_equal(offs[2], 3);
    free(ids);
    free(offs);
    n = encode(b, "\xD1\x8F", 2, &ids, &offs);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 0xD1);
    assert_int_equal(ids[1], 0x8F);
    free(ids);
    free(offs);
    for (uint32_t id = 0; id < 256; id++) {
        assert_false(tokenizer_is_fallback(b, id));
        assert_false(tokenizer_is_fallback(c, id));
    }
    tokenizer_free(b);
    tokenizer_free(c);
}

static void test_round_trip_all_schemes(void **state)
{
    struct fx *f = *state;
    tokenizer *t[] = {
        make("bytes", NULL, -1, NULL),
        make("chars", NULL, -1, NULL),
        make("graphemes", f->c, corpus_find_lang(f->c, "en"), NULL),
        make("graphemes", f->c, corpus_find_lang(f->c, "zh"), NULL),
        make("graphemes", f->c, -1, NULL),
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        for (size_t i = 0; i < N_LINES; i++)
            check_round_trip(t[k], k_lines[i], strlen(k_lines[i]));
        /* Every line of the corpus itself, in every language. */
        for (size_t li = 0; li < corpus_n_langs(f->c); li++)
            for (size_t s = 0; s < corpus_n_segments(f->c); s++) {
                size_t len;
                const char *text = corpus_segment(f->c, li, s, &len);
                check_round_trip(t[k], text, len);
            }
        /* An embedded NUL is valid UTF-8 too. */
        check_round_trip(t[k], "a\0b", 3);
        tokenizer_free(t[k]);
    }
}

/* ---- graphemes ---------------------------------------------------------- */

static void expect_vocab(const tokenizer *t, const char *const *want, size_t n)
{
    assert_int_equal(tokenizer_vocab_size(t), 256 + n);
    tb_error err = {0};
    for (size_t k = 0; k < n; k++) {
        char piece[64];
        size_t pn = 0;
        assert_int_equal(tokenizer_piece(t, (uint32_t)(256 + k), piece, sizeof piece, &pn, &err),
                         TB_OK);
        if (pn != strlen(want[k]) || memcmp(piece, want[k], pn) != 0)
            fail_msg("id %zu: got '%.*s', want '%s'", 256 + k, (int)pn, piece, want[k]);
        assert_false(tokenizer_is_fallback(t, (uint32_t)(256 + k)));
    }
    char piece[4];
    size_t pn = 0;
    assert_int_equal(tokenizer_piece(t, (uint32_t)(256 + n), piece, sizeof piece, &pn, &err),
                     TB_EINPUT);
    assert_non_null(strstr(err.msg, "out of range"));
}

static const char *const k_en_vocab[] = {"a", "b", "c", "q", "q\xCC\x81"};
static const char *const k_ru_vocab[] = {"д", "а", "м", "о", "я"};
static const char *const k_zh_vocab[] = {"们", "我", "人"};
static const char *const k_joint_vocab[] = {"a", "b", "c", "д", "们", "我", "q", "q\xCC\x81",
                                            "а", "м", "о", "я", "人"};

static void test_graphemes_vocab_order(void **state)
{
    struct fx *f = *state;
    assert_int_equal(corpus_n_langs(f->c), 3);
    tokenizer *en = make("graphemes", f->c, corpus_find_lang(f->c, "en"), NULL);
    tokenizer *ru = make("graphemes", f->c, corpus_find_lang(f->c, "ru"), NULL);
    tokenizer *zh = make("graphemes", f->c, corpus_find_lang(f->c, "zh"), NULL);
    tokenizer *jt = make("graphemes", f->c, -1, NULL);
    expect_vocab(en, k_en_vocab, 5);
    expect_vocab(ru, k_ru_vocab, 5);
    expect_vocab(zh, k_zh_vocab, 3);
    expect_vocab(jt, k_joint_vocab, 13);
    for (uint32_t id = 0; id < 256; id++)
        assert_true(tokenizer_is_fallback(en, id));

    /* Known clusters are single tokens. */
    uint32_t *ids, *offs;
    size_t n = encode(zh, "我们", strlen("我们"), &ids, &offs);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 257);
    assert_int_equal(ids[1], 256);
    assert_int_equal(offs[1], 3);
    free(ids);
    free(offs);
    n = encode(en, "cq\xCC\x81qa", 6, &ids, &offs);
    assert_int_equal(n, 4);
    uint32_t want[] = {258, 260, 259, 256}, want_off[] = {0, 1, 4, 5};
    assert_memory_equal(ids, want, sizeof want);
    assert_memory_equal(offs, want_off, sizeof want_off);
    free(ids);
    free(offs);

    /* The test line "zzz" was not trained on: bytes, all fallback. */
    n = encode(en, "zzz", 3, &ids, &offs);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ids[i], 'z');
        assert_int_equal(offs[i], i);
        assert_true(tokenizer_is_fallback(en, ids[i]));
    }
    free(ids);
    free(offs);
    /* 中 is only in the test split: its three bytes, between known clusters. */
    n = encode(zh, "我中人", strlen("我中人"), &ids, &offs);
    uint32_t want2[] = {257, 0xE4, 0xB8, 0xAD, 258}, want2_off[] = {0, 3, 4, 5, 6};
    assert_int_equal(n, 5);
    assert_memory_equal(ids, want2, sizeof want2);
    assert_memory_equal(offs, want2_off, sizeof want2_off);
    size_t fb = 0;
    for (size_t i = 0; i < n; i++)
        fb += (size_t)tokenizer_is_fallback(zh, ids[i]);
    assert_int_equal(fb, 3);
    free(ids);
    free(offs);
    /* An unseen cluster is never split into smaller known clusters: "qq\u0301"
     * is q then q\u0301; an unseen "a\u0301" is 3 fallback bytes, not "a". */
    n = encode(en, "a\xCC\x81", 3, &ids, &offs);
    uint32_t want3[] = {'a', 0xCC, 0x81};
    assert_int_equal(n, 3);
    assert_memory_equal(ids, want3, sizeof want3);
    free(ids);
    free(offs);

    tokenizer_free(en);
    tokenizer_free(ru);
    tokenizer_free(zh);
    tokenizer_free(jt);
}

/* Writes lines to <dir>/<name> (LF after each). */
static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Clusters that are one token once they are in the vocabulary: a corpus
 * whose train split holds them (ids s1 s2 s3 s4 are all train). */
static void test_graphemes_clusters(void **state)
{
    struct fx *f = *state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/clusters", f->tmp);
    tb_error err = {0};
    assert_int_equal(tb_mkdirs(dir, &err), TB_OK);
    char text[512];
    int tl = snprintf(text, sizeof text, "%s\ne\xCC\x81\n%s\n%s\n", k_family, k_flags, k_jamo);
    write_file(dir, "en.txt", text, (size_t)tl);
    write_file(dir, "ids.txt", "s1\ns2\ns3\ns4\n", 12);
    corpus *c = NULL;
    if (corpus_open(dir, &c, &err))
        fail_msg("%s", err.msg);
    tokenizer *t = make("graphemes", c, 0, NULL);
    /* family, e\u0301, two flags, the jamo syllable */
    assert_int_equal(tokenizer_vocab_size(t), 256 + 5);

    uint32_t *ids, *offs;
    size_t n = encode(t, k_family, strlen(k_family), &ids, &offs);
    assert_int_equal(n, 1);
    assert_false(tokenizer_is_fallback(t, ids[0]));
    free(ids);
    free(offs);
    assert_int_equal(count_tokens(t, "e\xCC\x81"), 1);
    assert_int_equal(count_tokens(t, k_jamo), 1);
    /* Regional indicators pair up: two flags, not one cluster of four. */
    n = encode(t, k_flags, strlen(k_flags), &ids, &offs);
    assert_int_equal(n, 2);
    assert_int_equal(offs[1], 8);
    assert_false(tokenizer_is_fallback(t, ids[0]));
    assert_false(tokenizer_is_fallback(t, ids[1]));
    free(ids);
    free(offs);
    /* Known clusters inside a longer text, offsets on cluster starts. */
    char mixed[256];
    int ml = snprintf(mixed, sizeof mixed, "x%se\xCC\x81", k_family);
    n = encode(t, mixed, (size_t)ml, &ids, &offs);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 'x');
    assert_true(tokenizer_is_fallback(t, ids[0]));
    assert_int_equal(offs[1], 1);
    assert_int_equal(offs[2], 26);
    free(ids);
    free(offs);
    /* An unseen cluster (thumbs up + skin tone, 8 bytes) falls back to bytes. */
    n = encode(t, "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", 8, &ids, &offs);
    assert_int_equal(n, 8);
    for (size_t i = 0; i < n; i++)
        assert_true(tokenizer_is_fallback(t, ids[i]));
    free(ids);
    free(offs);
    check_round_trip(t, mixed, (size_t)ml);
    tokenizer_free(t);
    corpus_free(c);
}

static void read_all(const char *path, char *buf, size_t cap, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    *len = fread(buf, 1, cap, fp);
    fclose(fp);
}

static const char k_en_cache[] = "tokbench graphemes vocab 1\n"
                                 "clusters 5\n"
                                 "3 1 a\n"
                                 "3 1 b\n"
                                 "2 1 c\n"
                                 "1 1 q\n"
                                 "1 3 q\xCC\x81\n";

static void test_graphemes_cache(void **state)
{
    struct fx *f = *state;
    char cache[512], path[1024];
    snprintf(cache, sizeof cache, "%s/cache", f->tmp);
    snprintf(path, sizeof path, "%s/%s/en/graphemes.vocab", cache, corpus_manifest_hash(f->c));
    int en = corpus_find_lang(f->c, "en");

    /* First use builds and writes the cache, in the documented format. */
    tokenizer *t = make("graphemes", f->c, en, cache);
    expect_vocab(t, k_en_vocab, 5);
    tokenizer_free(t);
    char buf[4096];
    size_t len;
    read_all(path, buf, sizeof buf, &len);
    assert_int_equal(len, sizeof k_en_cache - 1);
    assert_memory_equal(buf, k_en_cache, len);

    /* The joint vocabulary goes to .../joint/. */
    t = make("graphemes", f->c, -1, cache);
    tokenizer_free(t);
    char jpath[1024];
    snprintf(jpath, sizeof jpath, "%s/%s/joint/graphemes.vocab", cache, corpus_manifest_hash(f->c));
    struct stat st;
    assert_int_equal(stat(jpath, &st), 0);

    /* A valid cache file is what gets loaded (here: a hand-made vocabulary
     * holding "\r\n", which no corpus can contain, and two flags). */
    char hand[256];
    int hl = snprintf(hand, sizeof hand,
                      "tokbench graphemes vocab 1\nclusters 3\n9 2 \r\n\n5 8 %.8s\n5 8 %.8s\n",
                      k_flags + 8, k_flags);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite(hand, 1, (size_t)hl, fp);
    fclose(fp);
    t = make("graphemes", f->c, en, cache);
    assert_int_equal(tokenizer_vocab_size(t), 259);
    uint32_t *ids, *offs;
    size_t n = encode(t, "\r\r\n", 3, &ids, &offs);
    uint32_t want[] = {'\r', 256}, want_off[] = {0, 1};
    assert_int_equal(n, 2);
    assert_memory_equal(ids, want, sizeof want);
    assert_memory_equal(offs, want_off, sizeof want_off);
    free(ids);
    free(offs);
    assert_int_equal(count_tokens(t, "\r\n"), 1);
    n = encode(t, k_flags, strlen(k_flags), &ids, &offs);
    uint32_t want_f[] = {258, 257}; /* 🇨🇳 (F09F87A8) sorts before 🇺🇦 (F09F87BA) */
    assert_int_equal(n, 2);
    assert_memory_equal(ids, want_f, sizeof want_f);
    free(ids);
    free(offs);
    tokenizer_free(t);

    /* Corrupt files are ignored: the vocabulary is rebuilt and rewritten. */
    static const char *const corrupt[] = {
        "garbage",
        "tokbench graphemes vocab 1\nclusters 5\n3 1 a\n3 1 b\n",        /* truncated */
        "tokbench graphemes vocab 1\nclusters 2\n3 1 b\n3 1 a\n",        /* wrong order */
        "tokbench graphemes vocab 1\nclusters 2\n3 1 a\n3 1 a\n",        /* duplicate */
        "tokbench graphemes vocab 1\nclusters 3\n3 1 a\n2 1 b\n1 1 a\n", /* repeat, lower count */
        "tokbench graphemes vocab 1\nclusters 1\n3 2 ab\n",              /* two clusters */
        "tokbench graphemes vocab 1\nclusters 1\n3 2 \xC0\xAF\n",        /* invalid UTF-8 */
        "tokbench graphemes vocab 1\nclusters 1\n3 1 a\nextra",          /* trailing bytes */
        "tokbench graphemes vocab 1\nclusters 1\n0 1 a\n",               /* zero count */
        "tokbench graphemes vocab 1\nclusters 1\n3 9 a\n",               /* length past end */
        "tokbench graphemes vocab 1\nclusters 99999999999999999999\n",   /* overflow */
        "tokbench graphemes vocab 2\nclusters 0\n",                      /* other version */
        "",
    };
    for (size_t i = 0; i < sizeof corrupt / sizeof corrupt[0]; i++) {
        fp = fopen(path, "wb");
        assert_non_null(fp);
        fputs(corrupt[i], fp);
        fclose(fp);
        t = make("graphemes", f->c, en, cache);
        expect_vocab(t, k_en_vocab, 5);
        tokenizer_free(t);
        read_all(path, buf, sizeof buf, &len);
        assert_int_equal(len, sizeof k_en_cache - 1);
        assert_memory_equal(buf, k_en_cache, len);
    }

    /* An unwritable cache folder does not make the tokenizer fail. */
    char blocked[600];
    snprintf(blocked, sizeof blocked, "%s/x", cache);
    write_file(cache, "x", "", 0); /* a file where the cache folder should be */
    t = make("graphemes", f->c, en, blocked);
    expect_vocab(t, k_en_vocab, 5);
    tokenizer_free(t);
}

static void test_graphemes_needs_corpus(void **state)
{
    struct fx *f = *state;
    tokenizer *t = (tokenizer *)1;
    tb_error err = {0};
    tokenizer_ctx ctx = {.corpus = NULL, .lang = -1, .cache_dir = NULL};
    assert_int_equal(tokenizer_new("graphemes", &ctx, &t, &err), TB_EINPUT);
    assert_null(t);
    assert_string_equal(err.msg, "tokenizer 'graphemes' needs a corpus (-c CORPUS -l LANG)");
    assert_int_equal(tokenizer_new("graphemes", NULL, &t, &err), TB_EINPUT);
    ctx.corpus = f->c;
    ctx.lang = 3;
    assert_int_equal(tokenizer_new("graphemes", &ctx, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "out of range"));
}

/* ---- the factory and error paths --------------------------------------- */

static void test_unknown_spec(void **state)
{
    (void)state;
    tokenizer *t = (tokenizer *)1;
    tb_error err = {0};
    assert_int_equal(tokenizer_new("xyz", NULL, &t, &err), TB_EINPUT);
    assert_null(t);
    /* the message lists every scheme, starting with the built-in ones */
    char want[1100];
    snprintf(want, sizeof want, "unknown tokenizer spec 'xyz' (known: %s)", tokenizer_schemes());
    assert_string_equal(err.msg, want);
    assert_int_equal(tokenizer_new("bytes:", NULL, &t, &err), TB_EINPUT);
    assert_int_equal(tokenizer_new("byte", NULL, &t, &err), TB_EINPUT);
    assert_int_equal(tokenizer_new("", NULL, &t, &err), TB_EINPUT);
    assert_memory_equal(tokenizer_schemes(), "bytes, chars, graphemes", 23);
}

/* Every scheme that tokenizer_schemes() lists by plain name can be built;
 * parameterised ones ("cmd:COMMAND", "bpe:N") have tests of their own. */
static void test_schemes_list_builds(void **state)
{
    struct fx *f = *state;
    char list[256];
    snprintf(list, sizeof list, "%s", tokenizer_schemes());
    size_t built = 0;
    for (char *save = NULL, *s = strtok_r(list, ", ", &save); s; s = strtok_r(NULL, ", ", &save)) {
        if (strchr(s, ':'))
            continue;
        tokenizer *t = make(s, f->c, 0, NULL);
        assert_string_equal(tokenizer_name(t), s);
        check_round_trip(t, k_lines[0], strlen(k_lines[0]));
        tokenizer_free(t);
        built++;
    }
    assert_int_equal(built, 3);
}

/* The names rows carry (tokenizer_spec_name; tokenizers/cmd.h has the
 * grammar): a name is lower-case [a-z0-9._-] before '=', anything else is
 * a command, and the name does not depend on the command. */
static void test_cmd_spec_names(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *name;
    } cases[] = {
        {"cmd:hashtok=./hashtok.py", "cmd:hashtok"},
        {"cmd:hashtok=/abs/path/hashtok.py --ids", "cmd:hashtok"},
        {"joint:cmd:spm-1.k_2=spm_encode --output_format=id", "joint:cmd:spm-1.k_2"},
        {"cmd:./hashtok.py", "cmd:./hashtok.py"},
        {"cmd:FOO=1 ./prog", "cmd:FOO=1 ./prog"},         /* upper case: an assignment */
        {"cmd:=foo=1 ./prog", "cmd:=foo=1 ./prog"},       /* '=' first: no name */
        {"cmd:env foo=1 ./prog", "cmd:env foo=1 ./prog"}, /* a space: no name */
        {"cmd:-x=./prog", "cmd:-x=./prog"},               /* must start [a-z0-9] */
        {"cmd:a/b=./prog", "cmd:a/b=./prog"},
        {"cmd:", "cmd:"},
        {"bytes", "bytes"},
        {"joint:bpe:8k", "joint:bpe:8k"},
        {"xcmd:a=b", "xcmd:a=b"},
    };
    char out[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = tokenizer_spec_name(cases[i].spec, out, sizeof out);
        assert_string_equal(out, cases[i].name);
        assert_int_equal(n, strlen(cases[i].name));
    }
    /* 64 name bytes are a name, 65 are not */
    char spec[128] = "cmd:";
    memset(spec + 4, 'a', 64);
    strcpy(spec + 68, "=./p");
    tokenizer_spec_name(spec, out, sizeof out);
    assert_int_equal(strlen(out), 68);
    memmove(spec + 5, spec + 4, strlen(spec + 4) + 1);
    tokenizer_spec_name(spec, out, sizeof out);
    assert_string_equal(out, spec);
    /* a short buffer is cut with a NUL and still learns the length */
    char tiny[7];
    assert_int_equal(tokenizer_spec_name("cmd:hashtok=./x", tiny, sizeof tiny), 11);
    assert_string_equal(tiny, "cmd:ha");
    assert_int_equal(tokenizer_spec_name("cmd:hashtok=./x", NULL, 0), 11);
    /* the handle carries the name; no corpus, so no program runs */
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(tokenizer_new("cmd:wl=./nonexistent", NULL, &t, &err), TB_OK);
    assert_string_equal(tokenizer_name(t), "cmd:wl");
    tokenizer_free(t);
    assert_int_equal(tokenizer_new("cmd:wl=", NULL, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "names a tokenizer but gives no command"));
}

static void test_invalid_utf8(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *s;
        size_t len;
        const char *msg;
    } bad[] = {
        {"ab\xE4\xB8", 4, "invalid UTF-8 at byte 3"},             /* truncated */
        {"\xC0\xAF", 2, "invalid UTF-8 at byte 1"},               /* overlong '/' */
        {"x\xED\xA0\x80y", 5, "invalid UTF-8 at byte 2"},         /* surrogate U+D800 */
        {"ab\x80", 3, "invalid UTF-8 at byte 3"},                 /* lone continuation */
        {"\xF4\x90\x80\x80", 4, "invalid UTF-8 at byte 1"},       /* above U+10FFFF */
        {"ok \xFF", 4, "invalid UTF-8 at byte 4"},                /* never valid */
    };
    tokenizer *t[] = {
        make("bytes", NULL, -1, NULL),
        make("chars", NULL, -1, NULL),
        make("graphemes", f->c, -1, NULL),
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            uint32_t ids[16], offs[16];
            size_t n = 99;
            tb_error err = {0};
            assert_int_equal(tokenizer_encode(t[k], bad[i].s, bad[i].len, ids, offs, 16, &n, &err),
                             TB_EINPUT);
            assert_int_equal(err.status, TB_EINPUT);
            assert_int_equal(n, 0);
            assert_string_equal(err.msg, bad[i].msg);
        }
        tokenizer_free(t[k]);
    }
}

static void test_decode_out_of_range(void **state)
{
    struct fx *f = *state;
    tokenizer *b = make("bytes", NULL, -1, NULL), *c = make("chars", NULL, -1, NULL);
    tokenizer *g = make("graphemes", f->c, corpus_find_lang(f->c, "zh"), NULL);
    char out[64];
    size_t nb = 99;
    tb_error err = {0};

    uint32_t ids[] = {'h', 256, 'i'};
    assert_int_equal(tokenizer_decode(b, ids, 3, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_string_equal(err.msg, "token 2: id 256 out of range (vocabulary size 256)");
    assert_int_equal(nb, 0);

    uint32_t big[] = {0x110000};
    assert_int_equal(tokenizer_decode(c, big, 1, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_string_equal(err.msg, "token 1: id 1114112 out of range (vocabulary size 1114112)");
    uint32_t sur[] = {'a', 'b', 0xD800};
    assert_int_equal(tokenizer_decode(c, sur, 3, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "token 3: id 55296"));
    assert_non_null(strstr(err.msg, "surrogate"));
    uint32_t max[] = {0x10FFFF, 0xDFFF + 1};
    assert_int_equal(tokenizer_decode(c, max, 2, out, sizeof out, &nb, &err), TB_OK);
    assert_int_equal(nb, 7);

    uint32_t gid[] = {256, 259};
    assert_int_equal(tokenizer_decode(g, gid, 2, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_string_equal(err.msg, "token 2: id 259 out of range (vocabulary size 259)");
    uint32_t gok[] = {256, 0xE4, 0xB8, 0xAD, 258};
    assert_int_equal(tokenizer_decode(g, gok, 5, out, sizeof out, &nb, &err), TB_OK);
    assert_int_equal(nb, 9);
    assert_memory_equal(out, "们中人", 9);

    size_t pn = 99;
    assert_int_equal(tokenizer_piece(b, 300, out, sizeof out, &pn, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "id 300 out of range"));
    assert_int_equal(pn, 0);
    tokenizer_free(b);
    tokenizer_free(c);
    tokenizer_free(g);
}

/* A buffer smaller than needed: the full count comes back, only cap entries
 * are written, nothing past them. */
static void test_buffer_too_small(void **state)
{
    struct fx *f = *state;
    const char *s = "héllo 我们";   /* 13 bytes, 8 code points */
    size_t len = strlen(s);
    struct {
        const char *spec;
        size_t want;
    } cases[] = {{"bytes", 13}, {"chars", 8}, {"graphemes", 8}};
    for (size_t k = 0; k < 3; k++) {
        tokenizer *t = make(cases[k].spec, f->c, corpus_find_lang(f->c, "zh"), NULL);
        size_t want = cases[k].want;
        if (k == 2) /* zh vocabulary: h é l l o ' ' are fallback bytes (é is 2), 我们 two */
            want = 9;
        uint32_t ids[32], offs[32];
        for (size_t i = 0; i < 32; i++)
            ids[i] = offs[i] = 0xDEADBEEF;
        size_t n = 0;
        tb_error err = {0};
        assert_int_equal(tokenizer_encode(t, s, len, ids, offs, 3, &n, &err), TB_OK);
        assert_int_equal(n, want);
        assert_int_equal(ids[3], 0xDEADBEEF);
        assert_int_equal(offs[3], 0xDEADBEEF);
        assert_int_equal(ids[0], 'h');
        /* cap 0 with no buffers: a pure count. */
        assert_int_equal(tokenizer_encode(t, s, len, NULL, NULL, 0, &n, &err), TB_OK);
        assert_int_equal(n, want);
        /* offs may be NULL. */
        assert_int_equal(tokenizer_encode(t, s, len, ids, NULL, 32, &n, &err), TB_OK);
        assert_int_equal(n, want);

        /* decode into a short buffer */
        char out[32];
        memset(out, '#', sizeof out);
        size_t nb = 0;
        assert_int_equal(tokenizer_decode(t, ids, n, out, 5, &nb, &err), TB_OK);
        assert_int_equal(nb, len);
        assert_memory_equal(out, s, 5);
        assert_int_equal(out[5], '#');
        assert_int_equal(tokenizer_decode(t, ids, n, NULL, 0, &nb, &err), TB_OK);
        assert_int_equal(nb, len);
        assert_int_equal(tokenizer_decode(t, ids, n, out, len, &nb, &err), TB_OK);
        assert_memory_equal(out, s, len);
        assert_int_equal(out[len], '#');

        /* piece into a short buffer */
        size_t pn = 0;
        uint32_t last = ids[n - 1];
        assert_int_equal(tokenizer_piece(t, last, out, 1, &pn, &err), TB_OK);
        assert_int_equal(pn, k == 0 ? 1 : 3);
        tokenizer_free(t);
    }
}

/* Every packaged name resolves to a file whose size and sha256 are the
 * table's (the installed deps/npm match the lock); a user's file is hashed,
 * not checked; a scheme without a file has none. */
static void test_vocab_files(void **state)
{
    struct fx *f = *state;
    tb_error err = {0};
    tokenizer_vocab tv;
    assert_true(vocab_file_count() >= 10);
    for (size_t i = 0; i < vocab_file_count(); i++) {
        const vocab_file *v = vocab_file_at(i);
        assert_ptr_equal(vocab_file_find(v->spec), v);
        if (tokenizer_vocab_file(v->spec, &tv, &err) != TB_OK)
            fail_msg("%s: %s", v->spec, err.msg);
        assert_int_equal(tv.verified, 1);
        assert_true(tv.size == v->size);
        assert_string_equal(tv.sha256, v->sha256);
        assert_non_null(strstr(tv.path, v->path));
    }
    assert_null(vocab_file_find("tiktoken:nosuch"));
    char names[256];
    vocab_file_names("hf:", names, sizeof names);
    assert_string_equal(names, "qwen3, llama3, gpt4o, deepseek_v3, gemma3, llama2, gptoss, llama3_1, claude");
    char path[600];
    snprintf(path, sizeof path, "%s/user.bpe", f->tmp);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("abc", fp);
    fclose(fp);
    char spec[700];
    snprintf(spec, sizeof spec, "joint:bpe-file:%s", path);
    assert_int_equal(tokenizer_vocab_file(spec, &tv, &err), TB_OK);
    assert_int_equal(tv.verified, 0);
    assert_true(tv.size == 3);
    assert_string_equal(tv.sha256,
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(tokenizer_vocab_file("bytes", &tv, &err), TB_OK);
    assert_string_equal(tv.path, "");
    assert_int_equal(tokenizer_vocab_file("hf:/nonexistent/tokenizer.json", &tv, &err),
                     TB_EINPUT);
    assert_non_null(strstr(err.msg, "/nonexistent/tokenizer.json"));
    assert_int_equal(tokenizer_vocab_file(spec + 6, &tv, &err), TB_OK);
    snprintf(spec, sizeof spec, "hf:%s", f->tmp);
    tokenizer *t = NULL;
    assert_int_equal(tokenizer_new(spec, NULL, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "is a directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_chars_counts),
        cmocka_unit_test(test_vocab_files),
        cmocka_unit_test(test_round_trip_all_schemes),
        cmocka_unit_test(test_graphemes_vocab_order),
        cmocka_unit_test(test_graphemes_clusters),
        cmocka_unit_test(test_graphemes_cache),
        cmocka_unit_test(test_graphemes_needs_corpus),
        cmocka_unit_test(test_unknown_spec),
        cmocka_unit_test(test_schemes_list_builds),
        cmocka_unit_test(test_cmd_spec_names),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_decode_out_of_range),
        cmocka_unit_test(test_buffer_too_small),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
