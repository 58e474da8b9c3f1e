/* fuzz_symbol_text.c - libFuzzer target for symbol text (tokenizers/symbol.h)
 * and for the files `tokbench symbolize --decode` reads besides its input.
 *
 * symbolize --decode has no dictionary file of its own: it rebuilds the
 * tokenizer from the corpus (-c -l -t), and the only files it loads are the
 * cache entries <cache>/<manifest hash>/<lang>/symbol.units (symbol-stem.units)
 * and graphemes.vocab (the graphemes fallback). Those are fuzzed here.
 *
 * The first byte picks what the rest is (byte % 8):
 *   0..3  symbol text, decoded with symbol:all (en, graphemes fallback),
 *         symbol:2:bytes (en), symbol-stem:all (ru), bytes
 *   4     symbol text under chars (more ids than code points: TB_EINPUT)
 *   5     text: symbolized and decoded back with the four tokenizers and
 *         symbol-space:all, symbol-space:2:bytes (en)
 *   6     a symbol.units cache file (bit 5 of byte 0: symbol-stem.units on
 *         ru); bits 3-4 pick V: all, 1, 2, 3
 *   7     a graphemes.vocab cache file, read under symbol:all (en)
 *         (6 and 7: with bit 6 set the rest follows the file's first line
 *         and the word "units " / "clusters ", so mutations go to the body)
 *
 * Properties:
 * - decoding: the result is the concatenation of the pieces of the symbols'
 *   ids, or TB_EINPUT with *n_bytes 0 and a message that names the first bad
 *   symbol's byte: invalid UTF-8, a code point outside the assignment
 *   (controls, surrogates are invalid UTF-8, noncharacters), an index
 *   outside the vocabulary, then a decoded text that is not valid UTF-8
 *   (no text has such symbol text). A short buffer gets a prefix and the
 *   full size. Whatever decodes re-encodes to symbol text that decodes to
 *   the same bytes.
 * - encoding: valid UTF-8 round-trips byte-exact with one code point per
 *   token; invalid UTF-8 fails with TB_EINPUT naming its byte.
 * - a cache file never makes tokenizer_new fail: a file that is not exactly
 *   a ranked unit list (distinct valid units without newlines, counts > 0,
 *   count then bytes order) is ignored and rewritten with the same content
 *   as without a cache; one that is loaded gives exactly its units as the
 *   entries (the first V word units and every gap unit, in file order).
 *   Either way fixed texts round-trip through ids and symbol text, and
 *   every id has a piece. (graphemes.vocab: the same, except that a loaded
 *   file is not compared cluster by cluster.)
 * The corpus, cache and scratch files live in a temporary folder removed at
 * exit. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/utf8.h"
#include "../../corpora/corpus.h"
#include "../../tokenizers/symbol.h"
#include "../../tokenizers/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The corpus: every line in the train split. */
static const char *const k_en[] = {"b a b", "a b c", "c, d!",
                                   "na\xc3\xafve caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87"};
static const char *const k_ru[] = {"ВЕЛИКИЙ Великого iPhone", "великий", "Великого", "дом, дома!"};
enum { N_LINES = 4 };

/* Texts that must round-trip under every tokenizer, whatever the cache. */
static const char *const k_texts[] = {
    "b a b",
    "c, d! zz ; b",
    "na\xc3\xafve caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xe2\x82\xac \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
    "ВЕЛИКИЙ Великого великому iPhones",
    "",
    "  \t",
};
enum { N_TEXTS = sizeof k_texts / sizeof k_texts[0] };

#define N_DEC 4     /* decoding tokenizers: modes 0..3 */
static const char *const k_dec_spec[N_DEC] = {"symbol:all", "symbol:2:bytes", "symbol-stem:all",
                                              "bytes"};
static const int k_dec_lang[N_DEC] = {0, 0, 1, -1};

static char g_tmp[256];         /* scratch folder */
static char g_cache[300];       /* cache folder in it */
static corpus *g_corpus;
static tokenizer *g_dec[N_DEC], *g_chars;
#define N_SPACE_TOK 2
static tokenizer *g_space[N_SPACE_TOK]; /* symbol-space:all, symbol-space:2:bytes (en) */
/* Reference tokenizers built without a cache: [stem][V: all, 1, 2, 3]. */
static tokenizer *g_ref[2][4];
static const char *const k_v[4] = {"all", "1", "2", "3"};
/* Cache files and their content as written from the corpus. */
enum { F_UNITS_EN, F_VOCAB_EN, F_STEM_RU, F_VOCAB_RU, N_FILES };
static char g_file[N_FILES][600];
static uint8_t *g_canon[N_FILES];
static size_t g_canon_len[N_FILES];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_scratch(void)
{
    if (g_tmp[0])
        nftw(g_tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

_Noreturn static void die(const char *what, const tb_error *err)
{
    fprintf(stderr, "fuzz_symbol_text: %s: %s\n", what, err ? err->msg : "");
    abort();
}

static void write_lines(const char *dir, const char *name, const char *const *lines)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        die(p, NULL);
    for (int i = 0; i < N_LINES; i++)
        fprintf(f, "%s\n", lines[i]);
    if (fclose(f))
        die(p, NULL);
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    *out = b;
    *len = n;
    return 0;
}

static void write_all(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(b, 1, n, f) != n) || fclose(f))
        die(path, NULL);
}

static tokenizer *make(const char *spec, int lang, const char *cache)
{
    tokenizer_ctx ctx = {.corpus = g_corpus, .lang = lang, .cache_dir = cache};
    tokenizer *t = NULL;
    tb_error err = {0};
    if (tokenizer_new(spec, &ctx, &t, &err))
        die(spec, &err);
    return t;
}

/* 1 when a and b have the same vocabulary, piece by piece. */
static int same_vocab(const tokenizer *a, const tokenizer *b)
{
    size_t n = tokenizer_vocab_size(a);
    if (n != tokenizer_vocab_size(b) || symbol_n_entries(a) != symbol_n_entries(b))
        return 0;
    for (uint32_t id = 0; id < n; id++) {
        char pa[256], pb[256];
        size_t la, lb;
        tb_error err = {0};
        if (tokenizer_piece(a, id, pa, sizeof pa, &la, &err) ||
            tokenizer_piece(b, id, pb, sizeof pb, &lb, &err))
            die("piece", &err);
        if (la != lb || memcmp(pa, pb, la < sizeof pa ? la : sizeof pa) != 0)
            return 0;
    }
    return 1;
}

static void init(void)
{
    const char *td = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(g_tmp, sizeof g_tmp, "%s/fuzz_symbol_text.XXXXXX", td);
    if (!mkdtemp(g_tmp))
        die("mkdtemp", NULL);
    atexit(remove_scratch);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/c", g_tmp);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_tmp);
    if (mkdir(dir, 0755))
        die(dir, NULL);
    char idbuf[N_LINES][16];
    const char *ids[N_LINES];
    for (int k = 0, i = 0; i < N_LINES; k++) {
        snprintf(idbuf[i], sizeof idbuf[i], "t%d", k);
        if (!corpus_id_is_test(idbuf[i])) {
            ids[i] = idbuf[i];
            i++;
        }
    }
    write_lines(dir, "en.txt", k_en);
    write_lines(dir, "ru.txt", k_ru);
    write_lines(dir, "ids.txt", ids);
    tb_error err = {0};
    if (corpus_open(dir, &g_corpus, &err))
        die("corpus", &err);
    for (int i = 0; i < N_DEC; i++)
        g_dec[i] = make(k_dec_spec[i], k_dec_lang[i], NULL);
    g_chars = make("chars", -1, NULL);
    g_space[0] = make("symbol-space:all", 0, NULL);
    g_space[1] = make("symbol-space:2:bytes", 0, NULL);
    for (int s = 0; s < 2; s++)
        for (int v = 0; v < 4; v++) {
            char spec[64];
            snprintf(spec, sizeof spec, "%s:%s", s ? "symbol-stem" : "symbol", k_v[v]);
            g_ref[s][v] = make(spec, s, NULL);
        }
    /* The cache files, written once from the corpus; a cached tokenizer is
     * the same as an uncached one. */
    for (int s = 0; s < 2; s++) {
        tokenizer *t = make(s ? "symbol-stem:all" : "symbol:all", s, g_cache);
        tokenizer *u = make(s ? "symbol-stem:all" : "symbol:all", s, g_cache);
        if (!same_vocab(t, g_ref[s][0]) || !same_vocab(u, g_ref[s][0]))
            die("cached tokenizer differs", NULL);
        tokenizer_free(t);
        tokenizer_free(u);
    }
    const char *h = corpus_manifest_hash(g_corpus);
    snprintf(g_file[F_UNITS_EN], sizeof g_file[0], "%s/%s/en/symbol.units", g_cache, h);
    snprintf(g_file[F_VOCAB_EN], sizeof g_file[0], "%s/%s/en/graphemes.vocab", g_cache, h);
    snprintf(g_file[F_STEM_RU], sizeof g_file[0], "%s/%s/ru/symbol-stem.units", g_cache, h);
    snprintf(g_file[F_VOCAB_RU], sizeof g_file[0], "%s/%s/ru/graphemes.vocab", g_cache, h);
    for (int f = 0; f < N_FILES; f++)
        if (read_all(g_file[f], &g_canon[f], &g_canon_len[f]))
            die(g_file[f], NULL);
}

/* ---- decoding ----------------------------------------------------------- */

/* Code points the assignment leaves out, by the rule of symbol.h. */
static int forbidden(int32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xD800 && cp <= 0xDFFF) ||
           (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE || cp > 0x10FFFF;
}

static int has(const tb_error *err, const char *what)
{
    return strstr(err->msg, what) != NULL;
}

/* Checks symbol_text_decode(t, s[0..n)) against an independent reading.
 * Returns the decoded bytes (malloc'd, *dn) when it succeeded, else NULL. */
static char *check_decode(const tokenizer *t, const char *s, size_t n, size_t *dn)
{
    size_t vs = tokenizer_vocab_size(t);
    /* want: the pieces; at[j]: byte offset in s of the symbol of want[j] */
    size_t wcap = n * 8 + 16, wn = 0;
    char *want = malloc(wcap);
    size_t *at = malloc(wcap * sizeof *at);
    char expect[200] = "";
    for (size_t i = 0; i < n && !expect[0];) {
        int32_t cp;
        int l = utf8_decode((const uint8_t *)s + i, n - i, &cp);
        if (l == 0) {
            snprintf(expect, sizeof expect, "invalid UTF-8 at byte %zu", i + 1);
            break;
        }
        if (forbidden(cp)) {
            snprintf(expect, sizeof expect, "byte %zu: U+%04X is not a symbol code point", i + 1,
                     (unsigned)cp);
            break;
        }
        long k = symbol_cp_index(cp);
        if (k < 0 || symbol_cp((size_t)k) != cp)
            abort();
        if ((size_t)k >= vs) {
            snprintf(expect, sizeof expect, "byte %zu: U+%04X is symbol %ld, outside", i + 1,
                     (unsigned)cp, k);
            break;
        }
        char piece[4096];
        size_t pn;
        tb_error err = {0};
        if (tokenizer_piece(t, (uint32_t)k, piece, sizeof piece, &pn, &err) || pn > sizeof piece)
            abort();
        while (wn + pn > wcap) {
            wcap *= 2;
            want = realloc(want, wcap);
            at = realloc(at, wcap * sizeof *at);
        }
        memcpy(want + wn, piece, pn);
        for (size_t j = 0; j < pn; j++)
            at[wn + j] = i;
        wn += pn;
        i += (size_t)l;
    }
    size_t bad;
    if (!expect[0] && !utf8_valid(want, wn, &bad)) {
        int32_t cp;
        if (utf8_decode((const uint8_t *)s + at[bad], n - at[bad], &cp) == 0)
            abort();
        snprintf(expect, sizeof expect, "byte %zu: U+%04X begins invalid UTF-8", at[bad] + 1,
                 (unsigned)cp);
    }

    tb_error err = {0};
    size_t nb = 12345, cap = wn + 1;
    char *out = malloc(cap);
    int rc = symbol_text_decode(t, s, n, out, cap, &nb, &err);
    if (expect[0]) {
        if (rc != TB_EINPUT || nb != 0 || !has(&err, "symbol text: ") || !has(&err, expect)) {
            fprintf(stderr, "rc %d nb %zu\nmsg:  %s\nwant: %s\n", rc, nb, err.msg, expect);
            abort();
        }
        free(out);
        free(want);
        free(at);
        return NULL;
    }
    if (rc != TB_OK || nb != wn || memcmp(out, want, wn) != 0) {
        fprintf(stderr, "rc %d nb %zu want %zu: %s\n", rc, nb, wn, err.msg);
        abort();
    }
    /* A short buffer (exactly that size, for ASan): a prefix, the full size. */
    size_t half = wn / 2;
    char *small = malloc(half ? half : 1);
    if (symbol_text_decode(t, s, n, half ? small : NULL, half, &nb, &err) != TB_OK ||
        nb != wn || memcmp(small, want, half) != 0)
        abort();
    free(small);
    free(want);
    free(at);
    *dn = wn;
    return out;
}

/* Symbol text of text[0..n) under t, checked; NULL when t rejects it. */
static char *check_encode(const tokenizer *t, const char *text, size_t n, size_t *sn)
{
    tb_error err = {0};
    size_t nb = 12345, nc = 12345, bad;
    int rc = symbol_text_encode(t, text, n, NULL, 0, &nb, &nc, &err);
    if (tokenizer_vocab_size(t) > SYMBOL_CP_CAPACITY) {
        if (rc != TB_EINPUT || nb || nc || !has(&err, "code points of the assignment"))
            abort();
        return NULL;
    }
    if (!utf8_valid(text, n, &bad)) {
        char want[64];
        snprintf(want, sizeof want, "invalid UTF-8 at byte %zu", bad + 1);
        if (rc != TB_EINPUT || nb || nc || !has(&err, want))
            abort();
        return NULL;
    }
    size_t nt;
    if (rc != TB_OK || tokenizer_encode(t, text, n, NULL, NULL, 0, &nt, &err) != TB_OK ||
        nc != nt)
        abort();
    char *out = malloc(nb + 1);
    size_t nb2, nc2;
    if (symbol_text_encode(t, text, n, out, nb, &nb2, &nc2, &err) != TB_OK || nb2 != nb ||
        nc2 != nc || !utf8_valid(out, nb, NULL) || utf8_count(out, nb) != nc)
        abort();
    size_t half = nb / 2;
    char *small = malloc(half ? half : 1);
    if (symbol_text_encode(t, text, n, half ? small : NULL, half, &nb2, NULL, &err) != TB_OK ||
        nb2 != nb || memcmp(small, out, half) != 0)
        abort();
    free(small);
    *sn = nb;
    return out;
}

/* text -> symbol text -> text is byte-exact, and ids round-trip. */
static void round_trip(const tokenizer *t, const char *text, size_t n)
{
    size_t sn, dn;
    char *st = check_encode(t, text, n, &sn);
    if (!st)
        return;
    char *back = check_decode(t, st, sn, &dn);
    if (!back || dn != n || memcmp(back, text, n) != 0) {
        fprintf(stderr, "symbol text round trip failed under %s\n", tokenizer_name(t));
        abort();
    }
    free(back);
    free(st);
    tb_error err = {0};
    size_t nt, nb;
    uint32_t *ids = malloc((n + 1) * sizeof *ids);
    char *out = malloc(n + 1);
    if (tokenizer_encode(t, text, n, ids, NULL, n + 1, &nt, &err) || nt > n + 1 ||
        tokenizer_decode(t, ids, nt, out, n + 1, &nb, &err) || nb != n ||
        memcmp(out, text, n) != 0)
        abort();
    free(ids);
    free(out);
}

static void decode_mode(const tokenizer *t, const char *s, size_t n)
{
    size_t dn;
    char *d = check_decode(t, s, n, &dn);
    if (!d)
        return;
    /* Decoded text is valid UTF-8; symbolized again (canonical symbol text,
     * maybe other symbols) it decodes to the same bytes. */
    size_t sn, dn2;
    char *s2 = check_encode(t, d, dn, &sn);
    if (!s2)
        abort();
    char *d2 = check_decode(t, s2, sn, &dn2);
    if (!d2 || dn2 != dn || memcmp(d2, d, dn) != 0)
        abort();
    free(d2);
    free(s2);
    free(d);
}

/* ---- cache files -------------------------------------------------------- */

struct unit {
    const char *b;
    size_t len;
    uint64_t count;
    int word;
};

static int num(const char **p, const char *end, char stop, uint64_t *v)
{
    const char *q = *p;
    uint64_t x = 0;
    if (q >= end || *q < '0' || *q > '9')
        return -1;
    for (; q < end && *q >= '0' && *q <= '9'; q++) {
        if (x > UINT64_MAX / 10 - 1)
            return -1;
        x = x * 10 + (uint64_t)(*q - '0');
    }
    if (q >= end || *q != stop)
        return -1;
    *p = q + 1;
    *v = x;
    return 0;
}

/* Reads a units file the way symbol.h documents it, rules included; -1 when
 * it is not one. *u is malloc'd. */
static int parse_units(const char *b, size_t len, struct unit **u, size_t *nu)
{
    static const char magic[] = "tokbench symbol units 1\nunits ";
    const char *p = b, *end = b + len;
    uint64_t n;
    *u = NULL;
    if (len < sizeof magic - 1 || memcmp(p, magic, sizeof magic - 1) != 0)
        return -1;
    p += sizeof magic - 1;
    if (num(&p, end, '\n', &n) || n > len)
        return -1;
    struct unit *v = calloc(n ? n : 1, sizeof *v);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t l;
        if (num(&p, end, ' ', &v[k].count) || v[k].count == 0 || end - p < 2 ||
            (p[0] != 'w' && p[0] != 'g') || p[1] != ' ')
            goto bad;
        v[k].word = p[0] == 'w';
        p += 2;
        if (num(&p, end, ' ', &l) || l == 0 || l >= (uint64_t)(end - p) || p[l] != '\n')
            goto bad;
        v[k].b = p;
        v[k].len = l;
        if (!utf8_valid(p, l, NULL) || memchr(p, '\n', l))
            goto bad;
        p += l + 1;
        for (uint64_t j = 0; j < k; j++) /* distinct */
            if (v[j].len == l && memcmp(v[j].b, v[k].b, l) == 0)
                goto bad;
        if (k > 0) { /* ranked: count down, then bytes up (a prefix first) */
            const struct unit *a = &v[k - 1], *c = &v[k];
            int cmp = memcmp(a->b, c->b, a->len < c->len ? a->len : c->len);
            if (a->count < c->count ||
                (a->count == c->count && (cmp > 0 || (cmp == 0 && a->len >= c->len))))
                goto bad;
        }
    }
    if (p != end)
        goto bad;
    *u = v;
    *nu = (size_t)n;
    return 0;
bad:
    free(v);
    return -1;
}

static void cache_mode(const uint8_t *data, size_t size)
{
    int graphemes = data[0] % 8 == 7;
    static const char *const head[2] = {"tokbench symbol units 1\nunits ",
                                        "tokbench graphemes vocab 1\nclusters "};
    size_t hl = data[0] & 0x40 ? strlen(head[graphemes]) : 0;
    size_t n = hl + size - 1;
    char *rest = malloc(n + 1);
    memcpy(rest, head[graphemes], hl);
    memcpy(rest + hl, data + 1, size - 1);
    int stem = !graphemes && (data[0] >> 5) & 1;
    int v = graphemes ? 0 : (data[0] >> 3) & 3;
    int target = graphemes ? F_VOCAB_EN : stem ? F_STEM_RU : F_UNITS_EN;
    for (int f = 0; f < N_FILES; f++)
        write_all(g_file[f], g_canon[f], g_canon_len[f]);
    write_all(g_file[target], (const uint8_t *)rest, n);

    char spec[64];
    snprintf(spec, sizeof spec, "%s:%s", stem ? "symbol-stem" : "symbol", k_v[v]);
    tokenizer_ctx ctx = {.corpus = g_corpus, .lang = stem, .cache_dir = g_cache};
    tokenizer *t = NULL;
    tb_error err = {0};
    if (tokenizer_new(spec, &ctx, &t, &err) != TB_OK)
        die("a cache file made tokenizer_new fail", &err);
    const tokenizer *ref = g_ref[stem][v];
    uint8_t *now;
    size_t now_len;
    if (read_all(g_file[target], &now, &now_len))
        abort();
    int kept = now_len == n && memcmp(now, rest, n) == 0;
    int canon = n == g_canon_len[target] && memcmp(rest, g_canon[target], n) == 0;
    if (!kept) {
        /* ignored: rewritten as from the corpus, and the same tokenizer */
        if (now_len != g_canon_len[target] || memcmp(now, g_canon[target], now_len) != 0 ||
            !same_vocab(t, ref))
            die("a rejected cache file was not rebuilt", NULL);
    } else if (canon) {
        if (!same_vocab(t, ref))
            abort();
    } else if (!graphemes) {
        /* loaded: it must be a ranked unit list, and its units the entries */
        struct unit *u;
        size_t nu;
        if (parse_units(rest, n, &u, &nu))
            die("symbol.units: a file outside the documented format was loaded", NULL);
        size_t fb = tokenizer_vocab_size(ref) - symbol_n_entries(ref), e = 0, words = 0;
        for (size_t k = 0; k < nu; k++) {
            if (u[k].word && v > 0 && words >= (size_t)v)
                continue;
            words += u[k].word;
            char piece[4096];
            size_t pn;
            if (tokenizer_piece(t, (uint32_t)e, piece, sizeof piece, &pn, &err) ||
                pn != u[k].len || memcmp(piece, u[k].b, pn) != 0)
                die("symbol.units: entry differs from the file", &err);
            e++;
        }
        if (symbol_n_entries(t) != e || tokenizer_vocab_size(t) != e + fb)
            die("symbol.units: entry count differs from the file", NULL);
        free(u);
    } else {
        /* a loaded graphemes.vocab: the entries are the corpus'. Its
         * clusters are not compared with the file: graphemes.c loads a
         * cluster listed twice (with falling counts) as one. */
        if (symbol_n_entries(t) != symbol_n_entries(ref))
            abort();
    }
    free(now);
    for (int i = 0; i < N_TEXTS; i++)
        round_trip(t, k_texts[i], strlen(k_texts[i]));
    /* every id has a piece */
    for (uint32_t id = 0; id < tokenizer_vocab_size(t); id++) {
        size_t pn;
        if (tokenizer_piece(t, id, NULL, 0, &pn, &err))
            abort();
    }
    tokenizer_free(t);
    free(rest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_corpus)
        init();
    if (size == 0)
        return 0;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    int mode = data[0] % 8;
    if (mode < N_DEC) {
        decode_mode(g_dec[mode], rest, n);
    } else if (mode == 4) {
        tb_error err = {0};
        size_t nb = 1;
        char out[16];
        if (symbol_text_decode(g_chars, rest, n, out, sizeof out, &nb, &err) != TB_EINPUT ||
            nb != 0 || !has(&err, "code points of the assignment"))
            abort();
        size_t sn;
        if (check_encode(g_chars, rest, n, &sn))
            abort();
    } else if (mode == 5) {
        for (int i = 0; i < N_DEC; i++)
            round_trip(g_dec[i], rest, n);
        for (int i = 0; i < N_SPACE_TOK; i++)
            round_trip(g_space[i], rest, n);
        /* lines of the CLI never hold a newline; the library takes any text */
    } else {
        cache_mode(data, size);
    }
    return 0;
}
