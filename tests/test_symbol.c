/* test_symbol.c - the symbol, symbol-stem and symbol-space schemes, symbol
 * text, the code point assignment and the compression functions.
 *
 * Hand-checkable corpus (written to a scratch folder; every id is train):
 *
 *   en: "b a b" / "a b c" / "c, d!"
 *       word units: b 3, a 2, c 2, d 1; gap units: " " 4, ", " 1, "!" 1
 *       symbol:2   -> words b, a (a beats c on bytes at count 2); ids:
 *                     0 " ", 1 b, 2 a, 3 "!", 4 ", "   (E = 5)
 *       symbol:all -> 0 " ", 1 b, 2 a, 3 c, 4 "!", 5 ", ", 6 d (E = 7)
 *   ru: "ВЕЛИКИЙ Великого iPhone" / "великий" / "Великого"
 *       symbol-stem: ВЕЛИК+ИЙ, Велик+ого, iPhon+e, велик+ий (Snowball
 *       stems велик, велик, iphon, велик of the lower-cased forms)
 *   symbol-space on en: units b | " a" | " b" / a | " b" | " c" / c | ", " |
 *       d | "!"  (", " is no single space: "d" stays bare)
 *       word units: " b" 2, " a" 1, " c" 1, a 1, b 1, c 1, d 1
 *       symbol-space:all -> 0 " b", 1 " a", 2 " c", 3 "!", 4 ", ", 5 a, 6 b,
 *                           7 c, 8 d   (E = 9; " a" < "!" as bytes 0x20 < 0x21)
 *       symbol-space:2   -> 0 " b", 1 " a", 2 "!", 3 ", "   (E = 4)
 *
 * The "space" corpus (en, ru, zh; every id train) holds the unit-rule
 * examples of symbol.h, so that under symbol-space:all every unit is an
 * entry and the pieces are exactly the units.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bench/stage_compress.h"
#include "../results/results.h"
#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "../corpora/words.h"
#include "../tokenizers/symbol.h"
#include "../tokenizers/tokenizer.h"

static const char *const k_en[] = {"b a b", "a b c", "c, d!"};
static const char *const k_ru[] = {"ВЕЛИКИЙ Великого iPhone", "великий", "Великого"};
#define N_TINY 3

/* The "space" corpus: line i of each language, with its symbol-space cut
 * (units separated by '|'; NULL: the cut is symbol:'s, checked against it). */
#define N_SPACE 7
static const char *const k_sp_en[N_SPACE] = {
    "the cat sat.", "a  b", " x", "x .", "x ", "tab\tx", "nb\xC2\xA0sp"};
static const char *const k_sp_en_cut[N_SPACE] = {
    "the| cat| sat|.", "a|  |b", " x", "x| .", "x| ", "tab|\t|x", "nb|\xC2\xA0|sp"};
static const char *const k_sp_ru[N_SPACE] = {
    "мама мыла раму.", "Все люди  рождаются", " Мир", "да ,нет", "конец ", "один,два три",
    "Статья 1"};
static const char *const k_sp_ru_cut[N_SPACE] = {
    "мама| мыла| раму|.", "Все| люди|  |рождаются", " Мир", "да| ,|нет", "конец| ",
    "один|,|два| три", "Статья| 1"};
static const char *const k_sp_zh[N_SPACE] = {
    "人人生而自由，在尊严和权利上一律平等。", "第一条", "世界人权宣言", "序言",
    "鉴于对人类家庭所有成员的固有尊严及其平等的和不移的权利的承认，", "联合国大会", "第二条"};

/* Unseen words, mixed scripts, emoji, digits, odd spacing. */
static const char *const k_fixtures[] = {
    "Zyxwvut qqq unseenword",
    "Mixed: English, русский, 中文混合 and ελληνικά text",
    "Family \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 flags "
    "\xF0\x9F\x87\xBA\xF0\x9F\x87\xA6 thumb \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
    "0123456789 3.14159 1,000,000 ٣٤٥ 2024-01-01",
    "  leading and trailing spaces\t\t ",
    "e\xCC\x81 cafe\xCC\x81 ВЕЛИКИЙ Великому iPhones",
    "",
    "!!!",
};
#define N_FIX (sizeof k_fixtures / sizeof k_fixtures[0])

struct fx {
    char tmp[256];      /* scratch folder */
    char cache[300];    /* cache folder inside it */
    corpus *tiny;
    corpus *space;      /* the unit-rule examples (en, ru, zh) */
    corpus *udhr;       /* NULL when the corpus is not imported */
    corpus *lo;         /* libreoffice; NULL when not imported */
};

static int write_file(const char *dir, const char *name, const char *const *lines, size_t n)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", lines[i]);
    return fclose(f);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *td = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(f->tmp, sizeof f->tmp, "%s/test_symbol.XXXXXX", td);
    if (!mkdtemp(f->tmp))
        return -1;
    snprintf(f->cache, sizeof f->cache, "%s/cache", f->tmp);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/tiny", f->tmp);
    if (mkdir(dir, 0755))
        return -1;
    /* Ids that the split puts in train. */
    char idbuf[N_SPACE][16];
    const char *ids[N_SPACE];
    for (int k = 0, i = 0; i < N_SPACE; k++) {
        snprintf(idbuf[i], sizeof idbuf[i], "t%d", k);
        if (!corpus_id_is_test(idbuf[i])) {
            ids[i] = idbuf[i];
            i++;
        }
    }
    if (write_file(dir, "en.txt", k_en, N_TINY) || write_file(dir, "ru.txt", k_ru, N_TINY) ||
        write_file(dir, "ids.txt", ids, N_TINY))
        return -1;
    tb_error err = {0};
    if (corpus_open(dir, &f->tiny, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s/space", f->tmp);
    if (mkdir(dir, 0755) || write_file(dir, "en.txt", k_sp_en, N_SPACE) ||
        write_file(dir, "ru.txt", k_sp_ru, N_SPACE) ||
        write_file(dir, "zh.txt", k_sp_zh, N_SPACE) || write_file(dir, "ids.txt", ids, N_SPACE))
        return -1;
    if (corpus_open(dir, &f->space, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    snprintf(dir, sizeof dir, "%s/corpora/data/udhr", root);
    if (access(dir, R_OK) == 0 && corpus_open(dir, &f->udhr, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s/corpora/data/libreoffice", root);
    if (access(dir, R_OK) == 0 && corpus_open(dir, &f->lo, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    corpus_free(f->tiny);
    corpus_free(f->space);
    corpus_free(f->udhr);
    corpus_free(f->lo);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", f->tmp);
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
    return t;
}

static void assert_piece(const tokenizer *t, uint32_t id, const char *want)
{
    char buf[256];
    size_t n;
    tb_error err = {0};
    assert_int_equal(tokenizer_piece(t, id, buf, sizeof buf, &n, &err), TB_OK);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, n);
}

/* Encodes s; returns the number of tokens (ids/offs get up to 256). */
static size_t enc(const tokenizer *t, const char *s, uint32_t *ids, uint32_t *offs)
{
    size_t n;
    tb_error err = {0};
    assert_int_equal(tokenizer_encode(t, s, strlen(s), ids, offs, 256, &n, &err), TB_OK);
    assert_true(n <= 256);
    return n;
}

/* encode -> decode is byte-exact, offsets tile the text piece by piece, and
 * symbol text round-trips. */
static void assert_round_trip(const tokenizer *t, const char *s, size_t len)
{
    tb_error err = {0};
    size_t n, cap = len + 16;
    uint32_t *ids = malloc(cap * sizeof *ids), *offs = malloc(cap * sizeof *offs);
    assert_int_equal(tokenizer_encode(t, s, len, ids, offs, cap, &n, &err), TB_OK);
    assert_true(n <= cap);
    char *out = malloc(len * 4 + 16);
    size_t nb;
    assert_int_equal(tokenizer_decode(t, ids, n, out, len + 1, &nb, &err), TB_OK);
    assert_int_equal(nb, len);
    assert_memory_equal(out, s, len);
    for (size_t i = 0; i < n; i++) {
        char piece[4096];
        size_t pn;
        assert_int_equal(tokenizer_piece(t, ids[i], piece, sizeof piece, &pn, &err), TB_OK);
        size_t end = i + 1 < n ? offs[i + 1] : len;
        assert_int_equal(end - offs[i], pn);
        assert_memory_equal(s + offs[i], piece, pn);
    }
    /* symbol text */
    size_t sb, sc;
    char *st = malloc(n * 4 + 16);
    assert_int_equal(symbol_text_encode(t, s, len, st, n * 4 + 16, &sb, &sc, &err), TB_OK);
    assert_int_equal(sc, n);
    assert_int_equal(utf8_count(st, sb), n);
    assert_int_equal(symbol_text_decode(t, st, sb, out, len * 4 + 16, &nb, &err), TB_OK);
    assert_int_equal(nb, len);
    assert_memory_equal(out, s, len);
    free(st);
    free(out);
    free(ids);
    free(offs);
}

/* ---- the code point assignment ----------------------------------------- */

static int forbidden(int32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xD800 && cp <= 0xDFFF) ||
           (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE || cp > 0x10FFFF;
}

static void test_assignment(void **state)
{
    (void)state;
    /* Every index maps to an allowed code point that maps back to it (so no
     * two indices share one), with non-decreasing UTF-8 length. */
    int prev_len = 1;
    for (size_t k = 0; k < SYMBOL_CP_CAPACITY; k++) {
        int32_t cp = symbol_cp(k);
        if (cp < 0 || forbidden(cp) || symbol_cp_index(cp) != (long)k) {
            fprintf(stderr, "index %zu -> U+%04X\n", k, (unsigned)cp);
            fail();
        }
        int l = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (l < prev_len)
            fail();
        prev_len = l;
    }
    assert_int_equal(symbol_cp(SYMBOL_CP_CAPACITY), -1);
    assert_true(SYMBOL_CP_CAPACITY >= 1000000);
    /* Every code point is either forbidden (and unassigned) or assigned. */
    size_t allowed = 0;
    for (int32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (forbidden(cp))
            assert_int_equal(symbol_cp_index(cp), -1);
        else {
            allowed++;
            assert_true(symbol_cp_index(cp) >= 0);
        }
    }
    assert_int_equal(allowed, SYMBOL_CP_CAPACITY);
    assert_int_equal(symbol_cp_index(0x110000), -1);
    assert_int_equal(symbol_cp_index(-1), -1);
    /* Documented landmarks. */
    assert_int_equal(symbol_cp(0), 0x20);
    assert_int_equal(symbol_cp(95), 0xA0);
    assert_int_equal(symbol_cp(95 + 1888), 0x4E00);
    assert_int_equal(symbol_cp(95 + 1888 + 61406), 0x20000);
    assert_int_equal(symbol_cp_index(0xF0000), 95 + 1888 + 61406 + 3 * 65534);
}

/* ---- vocabulary order ------------------------------------------------- */

static void test_tiny_order(void **state)
{
    struct fx *f = *state;
    tokenizer *t = make("symbol:2", f->tiny, 0, NULL);
    assert_int_equal(symbol_n_entries(t), 5);
    tokenizer *g = make("graphemes", f->tiny, 0, NULL);
    /* train clusters of en: b a ' ' c , d ! */
    assert_int_equal(tokenizer_vocab_size(g), 256 + 7);
    assert_int_equal(tokenizer_vocab_size(t), 5 + 256 + 7);
    const char *want2[] = {" ", "b", "a", "!", ", "};
    for (uint32_t i = 0; i < 5; i++) {
        assert_piece(t, i, want2[i]);
        assert_false(tokenizer_is_fallback(t, i));
    }
    assert_true(tokenizer_is_fallback(t, 5));

    uint32_t ids[256], offs[256], gids[256];
    /* "c" is not among the first 2 word forms: its grapheme id, shifted. */
    size_t n = enc(t, "c a", ids, offs);
    assert_int_equal(n, 3);
    assert_int_equal(enc(g, "c", gids, NULL), 1);
    assert_int_equal(ids[0], 5 + gids[0]);
    assert_true(tokenizer_is_fallback(t, ids[0]));
    assert_int_equal(ids[1], 0);
    assert_int_equal(ids[2], 2);
    assert_int_equal(offs[2], 2);
    size_t w, o;
    tb_error err = {0};
    assert_int_equal(symbol_oov_words(t, "c a", 3, &w, &o, &err), TB_OK);
    assert_int_equal(w, 2);
    assert_int_equal(o, 1);
    /* unseen gap " ; " and unseen word "zz" fall back to bytes (zz, ;
     * are no clusters of train) */
    n = enc(t, "b ; zz", ids, NULL);
    assert_int_equal(n, 1 + 3 + 2);
    assert_int_equal(symbol_oov_words(t, "b ; zz", 6, &w, &o, &err), TB_OK);
    assert_int_equal(w, 2);
    assert_int_equal(o, 1);
    /* a short buffer: the first ids only, and the full count */
    uint32_t few[3] = {77, 77, 77};
    assert_int_equal(tokenizer_encode(t, "b ; zz", 6, few, NULL, 2, &n, &err), TB_OK);
    assert_int_equal(n, 6);
    assert_int_equal(few[0], 1);
    assert_int_equal(few[1], ids[1]); /* from the full encode above */
    assert_int_equal(few[2], 77);
    tokenizer_free(t);

    t = make("symbol:all", f->tiny, 0, NULL);
    const char *wantall[] = {" ", "b", "a", "c", "!", ", ", "d"};
    assert_int_equal(symbol_n_entries(t), 7);
    for (uint32_t i = 0; i < 7; i++)
        assert_piece(t, i, wantall[i]);
    n = enc(t, "c, d!", ids, NULL);
    assert_int_equal(n, 4);
    assert_int_equal(ids[0], 3);
    assert_int_equal(ids[1], 5);
    assert_int_equal(ids[2], 6);
    assert_int_equal(ids[3], 4);
    tokenizer_free(t);

    /* bytes fallback: vocabulary E + 256, id E + byte */
    t = make("symbol:1:bytes", f->tiny, 0, NULL);
    assert_int_equal(symbol_n_entries(t), 1 + 3);
    assert_int_equal(tokenizer_vocab_size(t), 4 + 256);
    n = enc(t, "a", ids, NULL);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], 4 + 'a');
    /* "2k" is 2000 (more than there are: every form) */
    tokenizer_free(t);
    t = make("symbol:2k", f->tiny, 0, NULL);
    assert_int_equal(symbol_n_entries(t), 7);
    tokenizer_free(t);
    tokenizer_free(g);
}

/* ---- endings ---------------------------------------------------------- */

static void test_stem_surface(void **state)
{
    struct fx *f = *state;
    tokenizer *t = make("symbol-stem:all", f->tiny, 1, NULL);
    uint32_t ids[256];
    const char *s = "ВЕЛИКИЙ Великого iPhone";
    size_t n = enc(t, s, ids, NULL);
    const char *want[] = {"ВЕЛИК", "ИЙ", " ", "Велик", "ого", " ", "iPhon", "e"};
    assert_int_equal(n, 8);
    for (size_t i = 0; i < n; i++) {
        assert_piece(t, ids[i], want[i]);
        assert_false(tokenizer_is_fallback(t, ids[i]));
    }
    assert_round_trip(t, s, strlen(s));
    /* lower-case form: stem and ending as written */
    n = enc(t, "великий", ids, NULL);
    assert_int_equal(n, 2);
    assert_piece(t, ids[0], "велик");
    assert_piece(t, ids[1], "ий");
    /* an unseen ending falls back; the stem is still an entry */
    n = enc(t, "Великому", ids, NULL);
    assert_piece(t, ids[0], "Велик");
    assert_false(tokenizer_is_fallback(t, ids[0]));
    assert_true(tokenizer_is_fallback(t, ids[1]));
    size_t w, o;
    tb_error err = {0};
    assert_int_equal(symbol_oov_words(t, "Великому великий", strlen("Великому великий"), &w, &o,
                                      &err),
                     TB_OK);
    assert_int_equal(w, 2);
    assert_int_equal(o, 1);
    for (size_t i = 0; i < N_FIX; i++)
        assert_round_trip(t, k_fixtures[i], strlen(k_fixtures[i]));
    tokenizer_free(t);
}

/* ---- symbol-space ------------------------------------------------------ */

static size_t lang_of(const corpus *c, const char *name)
{
    for (size_t l = 0; l < corpus_n_langs(c); l++)
        if (strcmp(corpus_lang(c, l), name) == 0)
            return l;
    fail_msg("corpus '%s' has no language %s", corpus_name(c), name);
    return 0;
}

/* The pieces of s under t joined with '|' into out[0..cap); every token
 * must be an entry (so the pieces are the units). */
static void cut_of(const tokenizer *t, const char *s, char *out, size_t cap)
{
    uint32_t ids[256];
    size_t n = enc(t, s, ids, NULL), pos = 0;
    for (size_t i = 0; i < n; i++) {
        assert_false(tokenizer_is_fallback(t, ids[i]));
        char piece[256];
        size_t pn;
        tb_error err = {0};
        assert_int_equal(tokenizer_piece(t, ids[i], piece, sizeof piece, &pn, &err), TB_OK);
        assert_true(pos + pn + 2 < cap);
        if (i)
            out[pos++] = '|';
        memcpy(out + pos, piece, pn);
        pos += pn;
    }
    out[pos] = '\0';
}

/* The symbol-space cut of s[0..len) by the rule of symbol.h, from ICU's word
 * spans alone: the start offset of every unit into starts[0..cap); returns
 * the number of units. *folded (may be NULL) gets the number of single
 * spaces folded into the word after them. */
static size_t ref_cut(words *w, const char *s, size_t len, size_t *starts, size_t cap,
                      size_t *folded)
{
    static word_span sp[4096];
    size_t nw, n = 0, pos = 0, nf = 0;
    tb_error err = {0};
    assert_int_equal(words_split(w, s, len, sp, 4096, &nw, &err), TB_OK);
    assert_true(nw <= 4096);
    for (size_t k = 0; k < nw; k++) {
        assert_true(n + 2 <= cap);
        if (sp[k].start == pos + 1 && s[pos] == ' ') {
            starts[n++] = pos;
            nf++;
        } else {
            if (sp[k].start > pos)
                starts[n++] = pos;
            starts[n++] = sp[k].start;
        }
        pos = sp[k].end;
    }
    if (pos < len) {
        assert_true(n < cap);
        starts[n++] = pos;
    }
    if (folded)
        *folded = nf;
    return n;
}

/* t (a symbol-space tokenizer) cuts s[0..len) as ref_cut does: every unit
 * starts a token, and a unit of more than one token is all fallback. */
static void assert_space_cut(const tokenizer *t, words *w, const char *s, size_t len)
{
    static size_t starts[16384];
    size_t nu = ref_cut(w, s, len, starts, 16384, NULL);
    size_t n, cap = len + 1;
    uint32_t *ids = malloc(cap * sizeof *ids), *offs = malloc(cap * sizeof *offs);
    tb_error err = {0};
    assert_int_equal(tokenizer_encode(t, s, len, ids, offs, cap, &n, &err), TB_OK);
    assert_true(n <= cap);
    size_t i = 0;
    for (size_t u = 0; u < nu; u++) {
        size_t ue = u + 1 < nu ? starts[u + 1] : len;
        assert_true(i < n);
        assert_int_equal(offs[i], starts[u]);
        size_t j = i + 1;
        while (j < n && offs[j] < ue)
            j++;
        for (size_t k = i; j - i > 1 && k < j; k++)
            assert_true(tokenizer_is_fallback(t, ids[k]));
        i = j;
    }
    assert_int_equal(i, n);
    free(ids);
    free(offs);
}

static void test_space_units(void **state)
{
    struct fx *f = *state;
    /* tiny en: the ids of the header comment */
    tokenizer *t = make("symbol-space:all", f->tiny, 0, f->cache);
    const char *want[] = {" b", " a", " c", "!", ", ", "a", "b", "c", "d"};
    assert_int_equal(symbol_n_entries(t), 9);
    for (uint32_t i = 0; i < 9; i++)
        assert_piece(t, i, want[i]);
    assert_true(symbol_is_symbol(t));
    uint32_t ids[256], offs[256];
    assert_int_equal(enc(t, "b a b", ids, offs), 3);
    assert_int_equal(ids[0], 6);
    assert_int_equal(ids[1], 1);
    assert_int_equal(ids[2], 0);
    assert_int_equal(offs[1], 1);
    assert_int_equal(offs[2], 3);
    assert_int_equal(enc(t, "c, d!", ids, NULL), 4);
    assert_int_equal(ids[0], 7);
    assert_int_equal(ids[1], 4);
    assert_int_equal(ids[2], 8);
    assert_int_equal(ids[3], 3);
    /* " d" was only seen bare: the folded unit is unknown and falls back
     * (graphemes ' ' and d), and counts as one oov word */
    assert_int_equal(enc(t, " d", ids, offs), 2);
    assert_true(tokenizer_is_fallback(t, ids[0]) && tokenizer_is_fallback(t, ids[1]));
    assert_int_equal(offs[1], 1);
    size_t w, o;
    tb_error err = {0};
    assert_int_equal(symbol_oov_words(t, "b d a  d", 8, &w, &o, &err), TB_OK);
    assert_int_equal(w, 4);
    assert_int_equal(o, 1); /* " d"; the last d is bare after a two-space gap */
    /* its own cache file, hand-checked; symbol: next to it is unaffected */
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/en/symbol-space.units", f->cache,
             corpus_manifest_hash(f->tiny));
    char *data;
    size_t len;
    assert_int_equal(tb_read_file(path, &data, &len, &err), TB_OK);
    static const char want_file[] = "tokbench symbol units 1\nunits 9\n2 w 2  b\n1 w 2  a\n"
                                    "1 w 2  c\n1 g 1 !\n1 g 2 , \n1 w 1 a\n1 w 1 b\n1 w 1 c\n"
                                    "1 w 1 d\n";
    assert_int_equal(len, sizeof want_file - 1);
    assert_memory_equal(data, want_file, len);
    free(data);
    tokenizer *plain = make("symbol:all", f->tiny, 0, f->cache);
    assert_int_equal(symbol_n_entries(plain), 7);
    tokenizer_free(plain);
    tokenizer *again = make("symbol-space:all", f->tiny, 0, f->cache); /* from the file */
    for (uint32_t i = 0; i < 9; i++)
        assert_piece(again, i, want[i]);
    tokenizer_free(again);
    tokenizer_free(t);

    /* V counts folded and bare forms alike: the first 2 word units */
    t = make("symbol-space:2", f->tiny, 0, NULL);
    const char *want2[] = {" b", " a", "!", ", "};
    assert_int_equal(symbol_n_entries(t), 4);
    for (uint32_t i = 0; i < 4; i++)
        assert_piece(t, i, want2[i]);
    assert_int_equal(enc(t, "a b", ids, NULL), 2);
    assert_true(tokenizer_is_fallback(t, ids[0]));
    assert_int_equal(ids[1], 0);
    tokenizer_free(t);
    t = make("symbol-space:1:bytes", f->tiny, 0, NULL);
    assert_int_equal(symbol_n_entries(t), 3);
    assert_int_equal(tokenizer_vocab_size(t), 3 + 256);
    assert_int_equal(enc(t, " a", ids, NULL), 2); /* bytes ' ' and 'a' */
    assert_int_equal(ids[0], 3 + ' ');
    assert_int_equal(ids[1], 3 + 'a');
    tokenizer_free(t);

    /* the examples of symbol.h, trained on themselves so every unit is an
     * entry: English and Russian cut by hand */
    char got[1024];
    const char *const *text[2] = {k_sp_en, k_sp_ru}, *const *cut[2] = {k_sp_en_cut, k_sp_ru_cut};
    const char *lname[2] = {"en", "ru"};
    words *wd;
    assert_int_equal(words_new(&wd, &err), TB_OK);
    for (int l = 0; l < 2; l++) {
        t = make("symbol-space:all", f->space, (int)lang_of(f->space, lname[l]), NULL);
        for (size_t i = 0; i < N_SPACE; i++) {
            cut_of(t, text[l][i], got, sizeof got);
            if (strcmp(got, cut[l][i]) != 0)
                fail_msg("%s line %zu: cut '%s', want '%s'", lname[l], i + 1, got, cut[l][i]);
            assert_round_trip(t, text[l][i], strlen(text[l][i]));
            assert_space_cut(t, wd, text[l][i], strlen(text[l][i]));
        }
        tokenizer_free(t);
    }
    /* Chinese without spaces: the cut of symbol: */
    size_t zh = lang_of(f->space, "zh");
    t = make("symbol-space:all", f->space, (int)zh, NULL);
    plain = make("symbol:all", f->space, (int)zh, NULL);
    char want_cut[1024];
    for (size_t i = 0; i < N_SPACE; i++) {
        cut_of(t, k_sp_zh[i], got, sizeof got);
        cut_of(plain, k_sp_zh[i], want_cut, sizeof want_cut);
        assert_string_equal(got, want_cut);
        assert_null(strchr(got, ' '));
    }
    cut_of(t, k_sp_zh[0], got, sizeof got);
    assert_non_null(strchr(got, '|')); /* ICU's dictionary split the sentence */
    assert_int_equal(symbol_n_entries(t), symbol_n_entries(plain));
    tokenizer_free(plain);
    tokenizer_free(t);
    words_free(wd);
}

/* Deterministic adversarial text: pieces that stress the rule. */
static size_t random_text(uint64_t *seed, char *out, size_t cap)
{
    static const char *const parts[] = {
        " ", " ", " ", "  ", "   ", "a", "the", "cat", "Все", "мыла", "人权", "中文", ".", ",",
        "!", " .", "\t", "\xC2\xA0", "e\xCC\x81", "1", "3.14", "\xF0\x9F\x91\x8D", "'", "-",
        "\xE3\x80\x80" /* U+3000 ideographic space */, "\xE2\x80\x8B" /* ZWSP */};
    size_t n = 0;
    *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t k = (size_t)(*seed >> 33) % 24;
    for (size_t i = 0; i < k; i++) {
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        const char *p = parts[(*seed >> 33) % (sizeof parts / sizeof parts[0])];
        size_t pl = strlen(p);
        assert_true(n + pl < cap);
        memcpy(out + n, p, pl);
        n += pl;
    }
    out[n] = '\0';
    return n;
}

static void test_space_adversarial(void **state)
{
    struct fx *f = *state;
    if (!f->udhr)
        fail_msg("udhr corpus missing: run tokbench corpus fetch udhr");
    static const char *const fixed[] = {
        "", " ", "  ", " x", "x ", "  leading", "trailing  ", " x ", "a . b", "a , b",
        "a\xC2\xA0" "b", "\xC2\xA0 b", " \t x", "a\n b", "a \n b", "x  .  y", ".", " .",
        "Article 1. Everyone", "人人 生而自由 , 在 尊严", "Все люди рождаются свободными ."};
    words *wd;
    tb_error err = {0};
    assert_int_equal(words_new(&wd, &err), TB_OK);
    /* NBSP is no space: "a" NBSP "b" is three units, none folded */
    tokenizer *t = make("symbol-space:all", f->udhr, (int)lang_of(f->udhr, "en"), f->cache);
    size_t starts[8], folded;
    assert_int_equal(ref_cut(wd, "a\xC2\xA0" "b", 4, starts, 8, &folded), 3);
    assert_int_equal(folded, 0);
    uint32_t ids[256], offs[256];
    size_t n = enc(t, "a\xC2\xA0" "b", ids, offs);
    assert_int_equal(offs[0], 0);
    assert_true(n >= 3 && offs[1] == 1 && offs[n - 1] == 3);
    tokenizer_free(t);
    static const char *const specs[] = {"symbol-space:all", "symbol-space:50:bytes",
                                        "symbol-space:300"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++)
        for (size_t l = 0; l < corpus_n_langs(f->udhr); l++) {
            t = make(specs[s], f->udhr, (int)l, f->cache);
            for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
                assert_round_trip(t, fixed[i], strlen(fixed[i]));
                assert_space_cut(t, wd, fixed[i], strlen(fixed[i]));
            }
            for (size_t i = 0; i < N_FIX; i++) {
                assert_round_trip(t, k_fixtures[i], strlen(k_fixtures[i]));
                assert_space_cut(t, wd, k_fixtures[i], strlen(k_fixtures[i]));
            }
            uint64_t seed = 20240601u + s * 31 + l;
            char buf[512];
            for (int r = 0; r < 400; r++) {
                size_t len = random_text(&seed, buf, sizeof buf);
                assert_round_trip(t, buf, len);
                assert_space_cut(t, wd, buf, len);
            }
            tokenizer_free(t);
        }
    /* joint */
    t = make("joint:symbol-space:all", f->udhr, 0, f->cache);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        assert_round_trip(t, fixed[i], strlen(fixed[i]));
    tokenizer_free(t);
    words_free(wd);
}

/* Every segment of corpus c (en, ru, zh) round-trips under symbol-space:all
 * and is cut by the rule; on the train split, where every unit of both
 * schemes is an entry, tokens(symbol-space) = tokens(symbol) - folded spaces
 * exactly, segment by segment. English gets fewer tokens; Chinese segments
 * without a single space between words get the same number. */
static void check_space_corpus(struct fx *f, const corpus *c)
{
    static const char *const langs[] = {"en", "ru", "zh"};
    words *wd;
    tb_error err = {0};
    assert_int_equal(words_new(&wd, &err), TB_OK);
    static size_t starts[16384];
    for (size_t li = 0; li < 3; li++) {
        size_t l = lang_of(c, langs[li]);
        tokenizer *sp = make("symbol-space:all", c, (int)l, f->cache);
        tokenizer *sy = make("symbol:all", c, (int)l, f->cache);
        uint64_t tok_sp = 0, tok_sy = 0, n_folded = 0, same_segs = 0;
        for (size_t seg = 0; seg < corpus_n_segments(c); seg++) {
            size_t len;
            const char *txt = corpus_segment(c, l, seg, &len);
            assert_round_trip(sp, txt, len);
            assert_space_cut(sp, wd, txt, len);
            if (!corpus_in_split(c, seg, CORPUS_TRAIN))
                continue;
            size_t folded, a, b;
            ref_cut(wd, txt, len, starts, 16384, &folded);
            assert_int_equal(tokenizer_encode(sp, txt, len, NULL, NULL, 0, &a, &err), TB_OK);
            assert_int_equal(tokenizer_encode(sy, txt, len, NULL, NULL, 0, &b, &err), TB_OK);
            if (a != b - folded)
                fail_msg("%s %s segment %zu: symbol-space %zu tokens, symbol %zu, folded %zu",
                         corpus_name(c), langs[li], seg + 1, a, b, folded);
            tok_sp += a;
            tok_sy += b;
            n_folded += folded;
            same_segs += folded == 0;
        }
        assert_true(tok_sp == tok_sy - n_folded);
        if (li == 0) /* English: about a third fewer */
            assert_true(tok_sp < tok_sy && n_folded * 4 > tok_sy);
        if (li == 2) /* Chinese: most segments have no single space at all */
            assert_true(same_segs > 0);
        tokenizer_free(sp);
        tokenizer_free(sy);
    }
    words_free(wd);
}

static void test_space_corpora(void **state)
{
    struct fx *f = *state;
    if (!f->udhr)
        fail_msg("udhr corpus missing: run tokbench corpus fetch udhr");
    check_space_corpus(f, f->udhr);
    if (!f->lo) {
        fprintf(stderr, "libreoffice corpus missing (tokbench corpus fetch libreoffice): "
                        "its round trip is skipped\n");
        skip();
    }
    check_space_corpus(f, f->lo);
}

/* ---- round trips on udhr --------------------------------------------- */

static void test_udhr_round_trip(void **state)
{
    struct fx *f = *state;
    if (!f->udhr)
        fail_msg("udhr corpus missing: run tokbench corpus fetch udhr");
    static const char *const specs[] = {"symbol:2000", "symbol:all", "symbol:50:bytes",
                                        "symbol-stem:2000", "symbol-stem:all:graphemes"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++)
        for (size_t l = 0; l < corpus_n_langs(f->udhr); l++) {
            tokenizer *t = make(specs[s], f->udhr, (int)l, f->cache);
            for (size_t seg = 0; seg < corpus_n_segments(f->udhr); seg++) {
                size_t len;
                const char *txt = corpus_segment(f->udhr, l, seg, &len);
                assert_round_trip(t, txt, len);
            }
            for (size_t i = 0; i < N_FIX; i++)
                assert_round_trip(t, k_fixtures[i], strlen(k_fixtures[i]));
            tokenizer_free(t);
        }
    /* joint */
    tokenizer *t = make("symbol:all", f->udhr, -1, f->cache);
    for (size_t i = 0; i < N_FIX; i++)
        assert_round_trip(t, k_fixtures[i], strlen(k_fixtures[i]));
    tokenizer_free(t);
}

/* ---- one handle, several threads ------------------------------------- */

struct thr {
    const tokenizer *t;
    const corpus *c;
    uint64_t sum;       /* FNV-style digest of every id of every segment */
    int rc;
};

static void *thr_run(void *p)
{
    struct thr *a = p;
    uint32_t ids[8192];
    a->sum = 1469598103934665603ULL;
    for (int rep = 0; rep < 3; rep++)
        for (size_t seg = 0; seg < corpus_n_segments(a->c); seg++) {
            size_t len, n;
            tb_error err = {0};
            const char *txt = corpus_segment(a->c, 1, seg, &len);
            a->rc |= tokenizer_encode(a->t, txt, len, ids, NULL, 8192, &n, &err);
            for (size_t i = 0; i < n && i < 8192; i++)
                a->sum = (a->sum ^ ids[i]) * 1099511628211ULL;
            a->sum = (a->sum ^ n) * 1099511628211ULL;
        }
    return NULL;
}

static void test_threads(void **state)
{
    struct fx *f = *state;
    if (!f->udhr)
        fail_msg("udhr corpus missing: run tokbench corpus fetch udhr");
    tokenizer *t = make("symbol-stem:all", f->udhr, 1, f->cache);
    struct thr one = {t, f->udhr, 0, 0}, a = one, b = one;
    thr_run(&one);
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, thr_run, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, thr_run, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(one.rc | a.rc | b.rc, 0);
    assert_true(one.sum == a.sum);
    assert_true(one.sum == b.sum);
    tokenizer_free(t);
}

/* ---- the cache -------------------------------------------------------- */

static void test_cache(void **state)
{
    struct fx *f = *state;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/en/symbol.units", f->cache,
             corpus_manifest_hash(f->tiny));
    unlink(path);
    tokenizer *a = make("symbol:all", f->tiny, 0, f->cache);
    char *data;
    size_t len;
    tb_error err = {0};
    assert_int_equal(tb_read_file(path, &data, &len, &err), TB_OK);
    static const char want[] = "tokbench symbol units 1\nunits 7\n"
                               "4 g 1  \n3 w 1 b\n2 w 1 a\n2 w 1 c\n1 g 1 !\n1 g 2 , \n1 w 1 d\n";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(data, want, len);
    free(data);
    /* a hand-made cache is what gets loaded */
    FILE *fp = fopen(path, "wb");
    fputs("tokbench symbol units 1\nunits 2\n9 w 3 xyz\n1 g 1 -\n", fp);
    fclose(fp);
    tokenizer *b = make("symbol:all", f->tiny, 0, f->cache);
    assert_int_equal(symbol_n_entries(b), 2);
    assert_piece(b, 0, "xyz");
    tokenizer_free(b);
    /* a corrupt one (wrong order) is rebuilt */
    fp = fopen(path, "wb");
    fputs("tokbench symbol units 1\nunits 2\n1 w 3 xyz\n9 g 1 -\n", fp);
    fclose(fp);
    b = make("symbol:all", f->tiny, 0, f->cache);
    assert_int_equal(symbol_n_entries(b), 7);
    tokenizer_free(b);
    /* a unit listed twice (fuzz_symbol_text): the counts keep the order, but
     * the file is not a unit list and must not be loaded as 2 entries */
    fp = fopen(path, "wb");
    fputs("tokbench symbol units 1\nunits 3\n9 w 1 a\n5 g 1 b\n1 w 1 a\n", fp);
    fclose(fp);
    b = make("symbol:all", f->tiny, 0, f->cache);
    assert_int_equal(symbol_n_entries(b), 7);
    assert_int_equal(tb_read_file(path, &data, &len, &err), TB_OK);
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(data, want, len);
    free(data);
    for (uint32_t i = 0; i < tokenizer_vocab_size(a); i++) {
        char p1[64], p2[64];
        size_t n1, n2;
        assert_int_equal(tokenizer_piece(a, i, p1, sizeof p1, &n1, &err), TB_OK);
        assert_int_equal(tokenizer_piece(b, i, p2, sizeof p2, &n2, &err), TB_OK);
        assert_int_equal(n1, n2);
        assert_memory_equal(p1, p2, n1);
    }
    tokenizer_free(a);
    tokenizer_free(b);
}

/* ---- bad input --------------------------------------------------------- */

static void test_bad_specs(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {"symbol:0", "symbol:abc", "symbol:", "symbol:5:foo",
                                      "symbol:1000000000", "symbol:12x", "symbol-stem:k",
                                      "symbol:-3", "symbol:all:"};
    tokenizer_ctx ctx = {.corpus = f->tiny, .lang = 0, .cache_dir = NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tokenizer *t = NULL;
        tb_error err = {0};
        assert_int_equal(tokenizer_new(bad[i], &ctx, &t, &err), TB_EINPUT);
        assert_null(t);
        assert_non_null(strstr(err.msg, bad[i]));
    }
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(tokenizer_new("symbol:10", NULL, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "needs a corpus"));
    /* not a symbol tokenizer */
    t = make("bytes", NULL, -1, NULL);
    size_t w, o;
    assert_int_equal(symbol_oov_words(t, "a", 1, &w, &o, &err), TB_EUSAGE);
    uint64_t db;
    assert_int_equal(symbol_dict_bytes(t, &db, &err), TB_EUSAGE);
    tokenizer_free(t);
    /* symbol text that is not */
    t = make("symbol:all", f->tiny, 0, NULL);
    char out[64];
    size_t nb;
    assert_int_equal(symbol_text_decode(t, "\xEF\xBF\xBE", 3, out, sizeof out, &nb, &err),
                     TB_EINPUT); /* U+FFFE */
    assert_non_null(strstr(err.msg, "byte 1"));
    assert_int_equal(symbol_text_decode(t, "  \x01", 3, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "byte 3"));
    assert_int_equal(symbol_text_decode(t, "\xE4\xB8\x80", 3, out, sizeof out, &nb, &err),
                     TB_EINPUT); /* U+4E00 = index 1983 > vocabulary */
    assert_non_null(strstr(err.msg, "outside the vocabulary"));
    assert_int_equal(symbol_text_decode(t, "a\xC3", 2, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "invalid UTF-8 at byte 2"));
    /* " b" -> ids 0 1 -> U+0020 U+0021 */
    assert_int_equal(symbol_text_decode(t, " !", 2, out, sizeof out, &nb, &err), TB_OK);
    assert_int_equal(nb, 2);
    assert_memory_equal(out, " b", 2);
    assert_int_equal(tokenizer_encode(t, "a\xC3", 2, NULL, NULL, 0, &nb, &err), TB_EINPUT);
    tokenizer_free(t);
    t = make("chars", NULL, -1, NULL);
    assert_int_equal(symbol_text_encode(t, "a", 1, out, sizeof out, &nb, NULL, &err), TB_EINPUT);
    tokenizer_free(t);
}

/* Appends the symbol of id to buf at *n. */
static void put_symbol(char *buf, size_t *n, uint32_t id)
{
    *n += (size_t)utf8_encode(symbol_cp(id), (uint8_t *)buf + *n);
}

/* Symbol text that decodes to bytes no text has (found by fuzz_symbol_text):
 * byte-fallback symbols that do not make valid UTF-8. */
static void test_decode_invalid_bytes(void **state)
{
    struct fx *f = *state;
    /* symbol:1:bytes: entries " " b "!" ", " (E = 4), then id 4 + byte */
    tokenizer *t = make("symbol:1:bytes", f->tiny, 0, NULL);
    const uint32_t E = 4;
    char st[64], out[64];
    size_t sn = 0, nb;
    tb_error err = {0};
    /* 0xC3 0xA9 as two byte symbols: valid, "é" */
    put_symbol(st, &sn, E + 0xC3);
    put_symbol(st, &sn, E + 0xA9);
    assert_int_equal(symbol_text_decode(t, st, sn, out, sizeof out, &nb, &err), TB_OK);
    assert_int_equal(nb, 2);
    assert_memory_equal(out, "\xC3\xA9", 2);
    /* a lone lead byte at the end, after "b" (symbol 1, U+0021) */
    char msg[128];
    sn = 0;
    put_symbol(st, &sn, 1);
    put_symbol(st, &sn, E + 0xC3);
    snprintf(msg, sizeof msg, "byte 2: U+%04X begins invalid UTF-8", (unsigned)symbol_cp(E + 0xC3));
    nb = 99;
    assert_int_equal(symbol_text_decode(t, st, sn, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_int_equal(nb, 0);
    assert_non_null(strstr(err.msg, msg));
    /* the size query (no buffer) fails the same way */
    assert_int_equal(symbol_text_decode(t, st, sn, NULL, 0, &nb, &err), TB_EINPUT);
    assert_int_equal(nb, 0);
    assert_non_null(strstr(err.msg, msg));
    /* a surrogate spelled in bytes (ED A0 80), a stray continuation byte,
     * and 0xFF: each is named by its first symbol */
    static const uint8_t bad[][3] = {{0xED, 0xA0, 0x80}, {0x80, 0x41, 0x41}, {0xFF, 0x41, 0x41},
                                     {0xE0, 0x80, 0x80}, {0xF4, 0x90, 0x80}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        sn = 0;
        put_symbol(st, &sn, 2); /* "!" */
        size_t at = sn;
        for (int j = 0; j < 3; j++)
            put_symbol(st, &sn, E + bad[k][j]);
        snprintf(msg, sizeof msg, "byte %zu: U+%04X begins invalid UTF-8", at + 1,
                 (unsigned)symbol_cp(E + bad[k][0]));
        assert_int_equal(symbol_text_decode(t, st, sn, out, sizeof out, &nb, &err), TB_EINPUT);
        assert_non_null(strstr(err.msg, msg));
    }
    /* a bad symbol later on is reported first: symbols, then the bytes */
    sn = 0;
    put_symbol(st, &sn, E + 0xFF);
    memcpy(st + sn, "\xEF\xBF\xBE", 3); /* U+FFFE */
    sn += 3;
    assert_int_equal(symbol_text_decode(t, st, sn, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "U+FFFE is not a symbol code point"));
    tokenizer_free(t);
    /* more ids than code points: decoding fails like encoding */
    t = make("chars", NULL, -1, NULL);
    assert_int_equal(symbol_text_decode(t, "a", 1, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "code points of the assignment"));
    tokenizer_free(t);
}

/* ---- compression and sizes -------------------------------------------- */

static void test_compress(void **state)
{
    struct fx *f = *state;
    /* Expected sizes from independent tools: Python zlib
     * (compressobj(9, DEFLATED, 31, 8)) and lzma.compress(preset=9), and
     * `zstd -19 --no-check`. */
    char *a = malloc(10000);
    memset(a, 'a', 10000);
    char fox[4600];
    size_t fl = 0;
    for (int i = 0; i < 100; i++) {
        memcpy(fox + fl, "The quick brown fox jumps over the lazy dog.\n", 45);
        fl += 45;
    }
    uint64_t v;
    tb_error err = {0};
    assert_int_equal(compress_gzip9_size(a, 10000, &v, &err), TB_OK);
    assert_int_equal(v, 46);
    assert_int_equal(compress_xz9_size(a, 10000, &v, &err), TB_OK);
    assert_int_equal(v, 108);
    assert_int_equal(compress_zstd19_size(a, 10000, &v, &err), TB_OK);
    assert_int_equal(v, 18);
    assert_int_equal(compress_gzip9_size(fox, fl, &v, &err), TB_OK);
    assert_int_equal(v, 93);
    assert_int_equal(compress_xz9_size(fox, fl, &v, &err), TB_OK);
    assert_int_equal(v, 140);
    assert_int_equal(compress_zstd19_size(fox, fl, &v, &err), TB_OK);
    assert_int_equal(v, 64);
    free(a);

    /* tiny en, symbol:all: lines of 5, 5, 4 tokens, ids < 95 (1 byte),
     * plus 3 newlines = 17 bytes and chars; dictionary: entries
     * " " b a c ! ", " d = 2+2+2+2+2+3+2 = 15, clusters b a ' ' c , d ! =
     * 7 * 2 = 14. */
    tokenizer *t = make("symbol:all", f->tiny, 0, NULL);
    uint64_t tb, sb, sc, db;
    assert_int_equal(symbol_text_split_size(t, f->tiny, 0, CORPUS_ALL, &tb, &sb, &sc, &err),
                     TB_OK);
    assert_int_equal(tb, 6 + 6 + 6);
    assert_int_equal(sb, 17);
    assert_int_equal(sc, 17);
    assert_int_equal(symbol_dict_bytes(t, &db, &err), TB_OK);
    assert_int_equal(db, 29);
    char dict[64];
    size_t dn;
    assert_int_equal(symbol_dict_write(t, dict, sizeof dict, &dn, &err), TB_OK);
    assert_int_equal(dn, 29);
    assert_memory_equal(dict, " \nb\na\nc\n!\n, \nd\n", 15);

    char *text;
    size_t n;
    assert_int_equal(compress_split_text(f->tiny, 0, CORPUS_ALL, &text, &n, &err), TB_OK);
    assert_int_equal(n, 18);
    assert_string_equal(text, "b a b\na b c\nc, d!\n");
    free(text);

    results *res;
    assert_int_equal(results_new(&res, &err), TB_OK);
    assert_int_equal(compress_emit_symbol(res, f->tiny, 0, CORPUS_ALL, t, &err), TB_OK);
    assert_int_equal(compress_emit_archivers(res, f->tiny, 0, CORPUS_ALL, "archive", &err),
                     TB_OK);
    struct {
        const char *tok, *metric;
        double v;
    } want[] = {{"symbol:all", "symbol_text_bytes", 17}, {"symbol:all", "symbol_text_chars", 17},
                {"symbol:all", "symbol_dict_bytes", 29}, {"symbol:all", "symbol_text_dict_bytes", 46},
                {"archive", "text_bytes", 18}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        long r = results_find(res, corpus_name(f->tiny), "all", "en", want[i].tok, want[i].metric);
        assert_true(r >= 0);
        result_row row;
        results_get(res, (size_t)r, &row);
        assert_true(row.value == want[i].v);
    }
    assert_true(results_find(res, corpus_name(f->tiny), "all", "en", "archive", "xz9_bytes") >= 0);
    assert_true(results_find(res, corpus_name(f->tiny), "all", "en", "archive", "gzip9_bytes") >= 0);
    assert_true(results_find(res, corpus_name(f->tiny), "all", "en", "archive", "zstd19_bytes") >= 0);
    results_free(res);
    tokenizer_free(t);

    /* symbol:2 keeps b and a: of the 8 words, c c d fall back */
    t = make("symbol:2", f->tiny, 0, NULL);
    assert_int_equal(results_new(&res, &err), TB_OK);
    assert_int_equal(compress_emit_oov_words(res, f->tiny, 0, CORPUS_ALL, t, &err), TB_OK);
    result_row row;
    long r = results_find(res, corpus_name(f->tiny), "all", "en", "symbol:2", "oov_words");
    assert_true(r >= 0);
    results_get(res, (size_t)r, &row);
    assert_true(row.value == 3.0 / 8.0);
    r = results_find(res, corpus_name(f->tiny), "all", "en", "symbol:2", "oov_word_count");
    assert_true(r >= 0);
    results_get(res, (size_t)r, &row);
    assert_true(row.value == 3);
    results_free(res);
    tokenizer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assignment),
        cmocka_unit_test(test_tiny_order),
        cmocka_unit_test(test_stem_surface),
        cmocka_unit_test(test_space_units),
        cmocka_unit_test(test_space_adversarial),
        cmocka_unit_test(test_space_corpora),
        cmocka_unit_test(test_udhr_round_trip),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_decode_invalid_bytes),
        cmocka_unit_test(test_compress),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
