/* symbol_text.c - the code point assignment and symbol text (symbol.h). */
#include "symbol.h"

#include <stdlib.h>
#include <string.h>

#include "../common/utf8.h"
#include "../corpora/corpus.h"

/* The assignment, in order; every range is free of surrogates,
 * noncharacters and controls (tests check all of it). */
static const struct {
    int32_t lo, hi;
} k_ranges[] = {
    {0x0020, 0x007E},   /* 1 byte: printable ASCII */
    {0x00A0, 0x07FF},   /* 2 bytes: Latin-1 .. NKo */
    {0x4E00, 0x9FFF},   /* 3 bytes: CJK Unified Ideographs */
    {0x3400, 0x4DBF},   /* CJK Extension A */
    {0xAC00, 0xD7A3},   /* Hangul syllables */
    {0xA000, 0xA48F},   /* Yi syllables */
    {0x0800, 0x33FF},   /* rest of the BMP, in code point order */
    {0x4DC0, 0x4DFF},
    {0xA490, 0xABFF},
    {0xD7A4, 0xD7FF},
    {0xE000, 0xFDCF},
    {0xFDF0, 0xFFFD},
    {0x20000, 0x2FFFD}, /* 4 bytes: plane 2, CJK Extensions B.. */
    {0x30000, 0x3FFFD}, /* plane 3, CJK Extensions G.. */
    {0x10000, 0x1FFFD}, /* plane 1: historic scripts, hieroglyphs, emoji */
    {0xF0000, 0xFFFFD}, /* plane 15: supplementary private use A */
    {0x100000, 0x10FFFD}, /* plane 16: supplementary private use B */
    {0x40000, 0x4FFFD}, /* planes 4-14 */
    {0x50000, 0x5FFFD},
    {0x60000, 0x6FFFD},
    {0x70000, 0x7FFFD},
    {0x80000, 0x8FFFD},
    {0x90000, 0x9FFFD},
    {0xA0000, 0xAFFFD},
    {0xB0000, 0xBFFFD},
    {0xC0000, 0xCFFFD},
    {0xD0000, 0xDFFFD},
    {0xE0000, 0xEFFFD},
};
enum { N_RANGES = sizeof k_ranges / sizeof k_ranges[0] };

int32_t symbol_cp(size_t k)
{
    for (int r = 0; r < N_RANGES; r++) {
        size_t n = (size_t)(k_ranges[r].hi - k_ranges[r].lo) + 1;
        if (k < n)
            return k_ranges[r].lo + (int32_t)k;
        k -= n;
    }
    return -1;
}

long symbol_cp_index(int32_t cp)
{
    long base = 0;
    for (int r = 0; r < N_RANGES; r++) {
        if (cp >= k_ranges[r].lo && cp <= k_ranges[r].hi)
            return base + (long)(cp - k_ranges[r].lo);
        base += (long)(k_ranges[r].hi - k_ranges[r].lo) + 1;
    }
    return -1;
}

static int check_fits(const tokenizer *t, tb_error *err)
{
    if (tokenizer_vocab_size(t) > SYMBOL_CP_CAPACITY)
        return tb_fail(err, TB_EINPUT,
                       "symbol text: tokenizer '%s' has %zu ids, more than the %u code points "
                       "of the assignment",
                       tokenizer_name(t), tokenizer_vocab_size(t), SYMBOL_CP_CAPACITY);
    return TB_OK;
}

/* Encodes text into a malloc'd id array (*ids, *n). */
static int encode_ids(const tokenizer *t, const char *text, size_t len, uint32_t **ids,
                      size_t *n, size_t *cap, tb_error *err)
{
    int rc = tokenizer_encode(t, text, len, *ids, NULL, *cap, n, err);
    if (rc == TB_OK && *n > *cap) {
        size_t nc = *n + 64;
        uint32_t *ni = tb_realloc(*ids, nc * sizeof *ni, err);
        if (!ni)
            return TB_EINPUT;
        *ids = ni;
        *cap = nc;
        rc = tokenizer_encode(t, text, len, *ids, NULL, *cap, n, err);
    }
    return rc;
}

int symbol_text_encode(const tokenizer *t, const char *text, size_t len, char *out, size_t cap,
                       size_t *n_bytes, size_t *n_chars, tb_error *err)
{
    *n_bytes = 0;
    if (n_chars)
        *n_chars = 0;
    if (check_fits(t, err))
        return TB_EINPUT;
    /* Every token covers at least one byte: len + 1 ids is enough for one pass. */
    size_t n = 0, icap = len + 1;
    uint32_t *ids = tb_malloc(icap * sizeof *ids, err);
    if (!ids)
        return TB_EINPUT;
    int rc = encode_ids(t, text, len, &ids, &n, &icap, err);
    size_t pos = 0;
    for (size_t i = 0; i < n && rc == TB_OK; i++) {
        uint8_t b[4];
        int l = utf8_encode(symbol_cp(ids[i]), b);
        if (pos + (size_t)l <= cap)
            memcpy(out + pos, b, (size_t)l);
        else if (pos < cap)
            memcpy(out + pos, b, cap - pos);
        pos += (size_t)l;
    }
    free(ids);
    if (rc)
        return rc;
    *n_bytes = pos;
    if (n_chars)
        *n_chars = n;
    return TB_OK;
}

/* Incremental UTF-8 check of the decoded bytes (the rules of utf8.h: no
 * overlongs, no surrogates, nothing above U+10FFFF), fed piece by piece. */
struct u8check {
    int need;           /* continuation bytes still expected */
    uint8_t lo, hi;     /* range of the next continuation byte */
    size_t start;       /* symbol text offset of the symbol holding the lead byte */
};

/* Feeds p[0..n), the piece of the symbol at symbol text offset at. Returns 0
 * while the bytes so far can start valid UTF-8; else -1, and c->start names
 * the symbol where the first invalid sequence starts. */
static int u8check_feed(struct u8check *c, const uint8_t *p, size_t n, size_t at)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (c->need) {
            if (b < c->lo || b > c->hi)
                return -1;
            c->need--;
            c->lo = 0x80;
            c->hi = 0xBF;
            continue;
        }
        c->start = at;
        c->lo = 0x80;
        c->hi = 0xBF;
        if (b < 0x80)
            continue;
        if (b >= 0xC2 && b <= 0xDF) {
            c->need = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            c->need = 2;
            if (b == 0xE0)
                c->lo = 0xA0;   /* no overlongs */
            else if (b == 0xED)
                c->hi = 0x9F;   /* no surrogates */
        } else if (b >= 0xF0 && b <= 0xF4) {
            c->need = 3;
            if (b == 0xF0)
                c->lo = 0x90;   /* no overlongs */
            else if (b == 0xF4)
                c->hi = 0x8F;   /* nothing above U+10FFFF */
        } else {
            return -1;
        }
    }
    return 0;
}

int symbol_text_decode(const tokenizer *t, const char *stext, size_t len, char *out, size_t cap,
                       size_t *n_bytes, tb_error *err)
{
    *n_bytes = 0;
    if (check_fits(t, err))
        return TB_EINPUT;
    size_t pos = 0, vs = tokenizer_vocab_size(t);
    /* Each piece is checked as UTF-8: from out when it fitted, else from
     * scratch. The first invalid sequence is reported after the symbols
     * themselves have all been checked. */
    struct u8check u8 = {0};
    int u8_bad = 0;
    char *scratch = NULL;
    size_t scap = 0;
    int rc = TB_OK;
    for (size_t i = 0; i < len && rc == TB_OK;) {
        int32_t cp;
        int l = utf8_decode((const uint8_t *)stext + i, len - i, &cp);
        if (l == 0) {
            rc = tb_fail(err, TB_EINPUT, "symbol text: invalid UTF-8 at byte %zu", i + 1);
            break;
        }
        long k = symbol_cp_index(cp);
        if (k < 0) {
            rc = tb_fail(err, TB_EINPUT,
                         "symbol text: byte %zu: U+%04X is not a symbol code point", i + 1,
                         (unsigned)cp);
            break;
        }
        if ((size_t)k >= vs) {
            rc = tb_fail(err, TB_EINPUT,
                         "symbol text: byte %zu: U+%04X is symbol %ld, outside the vocabulary "
                         "of '%s' (%zu ids)",
                         i + 1, (unsigned)cp, k, tokenizer_name(t), vs);
            break;
        }
        size_t got;
        uint32_t id = (uint32_t)k;
        rc = tokenizer_decode(t, &id, 1, pos < cap ? out + pos : NULL, pos < cap ? cap - pos : 0,
                              &got, err);
        if (rc) {
            tb_wrap(err, "symbol text: byte %zu: ", i + 1);
            break;
        }
        if (!u8_bad && got) {
            const char *piece;
            if (pos + got <= cap) {
                piece = out + pos;
            } else {
                if (got > scap) {
                    char *ns = tb_realloc(scratch, got, err);
                    if (!ns) {
                        rc = TB_EINPUT;
                        break;
                    }
                    scratch = ns;
                    scap = got;
                }
                size_t again;
                rc = tokenizer_decode(t, &id, 1, scratch, scap, &again, err);
                if (rc) {
                    tb_wrap(err, "symbol text: byte %zu: ", i + 1);
                    break;
                }
                piece = scratch;
            }
            u8_bad = u8check_feed(&u8, (const uint8_t *)piece, got, i) != 0;
        }
        pos += got;
        i += (size_t)l;
    }
    free(scratch);
    if (rc)
        return rc;
    if (u8_bad || u8.need) {
        int32_t cp = 0;
        utf8_decode((const uint8_t *)stext + u8.start, len - u8.start, &cp);
        return tb_fail(err, TB_EINPUT,
                       "symbol text: byte %zu: U+%04X begins invalid UTF-8 in the decoded text "
                       "(no text has this symbol text)",
                       u8.start + 1, (unsigned)cp);
    }
    *n_bytes = pos;
    return TB_OK;
}

int symbol_text_split_size(const tokenizer *t, const corpus *c, size_t lang, int split,
                           uint64_t *text_bytes, uint64_t *sym_bytes, uint64_t *sym_chars,
                           tb_error *err)
{
    if (check_fits(t, err))
        return TB_EINPUT;
    if (lang >= corpus_n_langs(c))
        return tb_fail(err, TB_EUSAGE, "symbol text: language index %zu out of range", lang);
    uint64_t tb = 0, sb = 0, sc = 0;
    uint32_t *ids = NULL;
    size_t icap = 0;
    int rc = TB_OK;
    for (size_t seg = 0; seg < corpus_n_segments(c) && rc == TB_OK; seg++) {
        if (!corpus_in_split(c, seg, (enum corpus_split)split))
            continue;
        size_t len, n;
        const char *txt = corpus_segment(c, lang, seg, &len);
        rc = encode_ids(t, txt, len, &ids, &n, &icap, err);
        if (rc) {
            tb_wrap(err, "symbol text: corpus '%s' %s.txt:%zu: ", corpus_name(c),
                    corpus_lang(c, lang), seg + 1);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            int32_t cp = symbol_cp(ids[i]);
            sb += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        }
        tb += len + 1;
        sb += 1;
        sc += n + 1;
    }
    free(ids);
    if (rc)
        return rc;
    if (text_bytes)
        *text_bytes = tb;
    if (sym_bytes)
        *sym_bytes = sb;
    if (sym_chars)
        *sym_chars = sc;
    return TB_OK;
}
