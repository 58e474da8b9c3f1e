/* bpe_model.c - the one reader and the one writer of the byte-level BPE
 * model file (format and rules in bpe_model.h). */
#include "bpe_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"

int bpe_model_preset_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* ---- reading ------------------------------------------------------------ */

#define POLY_P 0x100000001b3ULL

/* Polynomial hash of s: fold h = h * P + s[i] + 1 (mod 2^64), so the hash of
 * a substring follows from prefix hashes. P is the FNV-64 prime, but this is
 * not FNV-1a (tb_fnv1a64): FNV-1a's xor has no such prefix rule, which the
 * concatenation check of the reader needs. */
static uint64_t poly_hash(const uint8_t *s, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * POLY_P + s[i] + 1;
    return h;
}

struct tokset {
    const bpe_model_data *m;
    uint64_t *hash;     /* per token */
    uint32_t *slot;     /* index + 1 */
    size_t mask;
};

static long tokset_find(const struct tokset *s, const uint8_t *b, size_t n, uint64_t h)
{
    for (size_t i = (size_t)(h ^ (h >> 29)) & s->mask;; i = (i + 1) & s->mask) {
        uint32_t v = s->slot[i];
        if (v == 0)
            return -1;
        size_t k = v - 1;
        size_t o = s->m->off[k], l = s->m->off[k + 1] - o;
        if (s->hash[k] == h && l == n && memcmp(s->m->bytes + o, b, n) == 0)
            return (long)k;
    }
}

static void tokset_insert(struct tokset *s, size_t k, uint64_t h)
{
    s->hash[k] = h;
    size_t i = (size_t)(h ^ (h >> 29)) & s->mask;
    while (s->slot[i])
        i = (i + 1) & s->mask;
    s->slot[i] = (uint32_t)(k + 1);
}

void bpe_model_data_release(bpe_model_data *m)
{
    free(m->bytes);
    free(m->off);
    memset(m, 0, sizeof *m);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses a decimal of at most 9 digits at p; *q gets the end. -1 when none. */
static long parse_dec(const char *p, const char *end, const char **q)
{
    long v = 0;
    const char *s = p;
    while (p < end && *p >= '0' && *p <= '9' && p - s < 9)
        v = v * 10 + (*p++ - '0');
    *q = p;
    if (p == s || (p < end && *p >= '0' && *p <= '9'))
        return -1;
    return v;
}

#define MFAIL(...) ((void)(rc = tb_fail(err, TB_EINPUT, __VA_ARGS__)))

int bpe_model_data_parse(const char *name, const char *data, size_t len, bpe_model_data *out,
                         tb_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = data, *end = data + len;
    size_t line = 0;
    int rc = TB_OK;
    struct tokset ts = {0};
    /* next line: [ls, le) without its newline */
    const char *ls = NULL, *le = NULL;
#define NEXT_LINE()                                                                         \
    (line++, ls = p, le = memchr(p, '\n', (size_t)(end - p)), le ? (p = le + 1, 1) : 0)

    if (!NEXT_LINE() || (size_t)(le - ls) != 14 || memcmp(ls, BPE_MODEL_MAGIC, 14) != 0) {
        MFAIL("bpe model '%s': line 1: expected 'tokbench-bpe 1'", name);
        goto done;
    }
    if (!NEXT_LINE() || le - ls < 8 || le - ls > 70 || memcmp(ls, "pretok ", 7) != 0) {
        MFAIL("bpe model '%s': line 2: expected 'pretok <preset>'", name);
        goto done;
    }
    memcpy(out->pretok, ls + 7, (size_t)(le - ls - 7));
    out->pretok[le - ls - 7] = '\0';
    if (!bpe_model_preset_name_ok(out->pretok)) {
        MFAIL("bpe model '%s': line 2: preset name is not 1-63 characters of [A-Za-z0-9_.-]",
              name);
        goto done;
    }
    const char *q;
    long nv = -1;
    if (NEXT_LINE() && le - ls > 6 && memcmp(ls, "vocab ", 6) == 0)
        nv = parse_dec(ls + 6, le, &q);
    if (nv < 256 || nv > BPE_MODEL_MAX_VOCAB || q != le) {
        MFAIL("bpe model '%s': line 3: expected 'vocab <N>' with N in 256..%d", name,
              BPE_MODEL_MAX_VOCAB);
        goto done;
    }
    size_t n = (size_t)nv;
    /* Each entry takes at least 4 bytes ("0 00\n" is 5), so at most na
     * entries can be complete: that bounds the allocation, and a file that
     * declares more fails where it ends ("file ends after K of N"). */
    size_t room = (size_t)(end - p) / 4 + 1, na = n < room ? n : room;
    out->n = n;
    out->off = tb_malloc((na + 1) * sizeof *out->off, err);
    out->bytes = tb_malloc((size_t)(end - p) / 2 + 1, err);
    size_t nslots = 1;
    while (nslots < 2 * na)
        nslots *= 2;
    ts.m = out;
    ts.mask = nslots - 1;
    ts.hash = tb_malloc(na * sizeof *ts.hash, err);
    ts.slot = tb_calloc(nslots, sizeof *ts.slot, err);
    if (!out->off || !out->bytes || !ts.hash || !ts.slot) {
        rc = TB_EINPUT;
        goto done;
    }
    uint64_t *pre = NULL;
    size_t nb = 0;
    out->off[0] = 0;
    for (size_t k = 0; k < n; k++) {
        if (!NEXT_LINE()) {
            if (ls < end)
                MFAIL("bpe model '%s': line %zu: no newline at the end (truncated?)", name,
                      line);
            else
                MFAIL("bpe model '%s': line %zu: file ends after %zu of %zu entries (truncated?)",
                      name, line, k, n);
            break;
        }
        long r = parse_dec(ls, le, &q);
        if (r < 0 || q >= le || *q != ' ') {
            MFAIL("bpe model '%s': line %zu: expected '<rank> <hex bytes>'", name, line);
            break;
        }
        if ((size_t)r != k) {
            MFAIL("bpe model '%s': line %zu: rank %ld where %zu was expected (ranks must be "
                  "0..N-1 in order)", name, line, r, k);
            break;
        }
        const char *hx = q + 1;
        size_t hl = (size_t)(le - hx);
        if (hl == 0 || hl % 2) {
            MFAIL("bpe model '%s': line %zu: hex bytes of odd or zero length", name, line);
            break;
        }
        if (hl / 2 > BPE_MODEL_MAX_TOKEN) {
            MFAIL("bpe model '%s': line %zu: token longer than %d bytes", name, line,
                  BPE_MODEL_MAX_TOKEN);
            break;
        }
        uint8_t *b = out->bytes + nb;
        size_t bl = hl / 2;
        for (size_t i = 0; i < hl && rc == TB_OK; i += 2) {
            int hi = hexval(hx[i]), lo = hexval(hx[i + 1]);
            if (hi < 0 || lo < 0)
                MFAIL("bpe model '%s': line %zu: non-hex character at column %zu", name, line,
                      (size_t)(hx - ls) + i + (hi < 0 ? 1 : 2));
            else
                b[i / 2] = (uint8_t)(hi << 4 | lo);
        }
        if (rc)
            break;
        if (k < 256) {
            if (bl != 1 || b[0] != k) {
                MFAIL("bpe model '%s': line %zu: rank %zu must be the single byte %02zx", name,
                      line, k, k);
                break;
            }
        } else {
            if (bl < 2) {
                MFAIL("bpe model '%s': line %zu: rank %zu is a single byte (only ranks 0..255 "
                      "may be)", name, line, k);
                break;
            }
            uint64_t h = poly_hash(b, bl);
            long dup = tokset_find(&ts, b, bl, h);
            if (dup >= 0) {
                MFAIL("bpe model '%s': line %zu: rank %zu repeats rank %ld", name, line, k, dup);
                break;
            }
            /* prefix hashes pre[i] = hash(b[0..i)); suffix hash of b[i..bl)
             * = pre[bl] - pre[i] * P^(bl - i). */
            uint64_t *np = realloc(pre, (bl + 1) * sizeof *pre);
            if (!np) {
                MFAIL("out of memory");
                break;
            }
            pre = np;
            pre[0] = 0;
            for (size_t i = 0; i < bl; i++)
                pre[i + 1] = pre[i] * POLY_P + b[i] + 1;
            int found = 0;
            uint64_t pw = POLY_P;
            for (size_t i = bl - 1; i >= 1 && !found; i--, pw *= POLY_P) {
                uint64_t hr = pre[bl] - pre[i] * pw;
                found = tokset_find(&ts, b, i, pre[i]) >= 0 &&
                        tokset_find(&ts, b + i, bl - i, hr) >= 0;
            }
            if (!found) {
                MFAIL("bpe model '%s': line %zu: rank %zu is not the concatenation of two "
                      "earlier entries", name, line, k);
                break;
            }
            tokset_insert(&ts, k, h);
        }
        if (k < 256)
            tokset_insert(&ts, k, poly_hash(b, 1));
        nb += bl;
        out->off[k + 1] = nb;
    }
    free(pre);
    if (rc == TB_OK && p != end)
        MFAIL("bpe model '%s': line %zu: unexpected content after the %zu entries", name,
              line + 1, n);
done:
#undef NEXT_LINE
    free(ts.hash);
    free(ts.slot);
    if (rc)
        bpe_model_data_release(out);
    return rc;
}

int bpe_model_data_read(const char *path, bpe_model_data *out, tb_error *err)
{
    char *data;
    size_t len;
    memset(out, 0, sizeof *out);
    if (tb_read_file(path, &data, &len, err))
        return TB_EINPUT;
    int rc = bpe_model_data_parse(path, data, len, out, err);
    free(data);
    return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* The text is built in memory and read back with the reader above before
 * anything is written, so no writer leaves a file that bpe-file: would
 * refuse. */
int bpe_model_write(const char *path, const char *preset, const uint8_t *const *tok,
                    const size_t *len, size_t n, tb_error *err)
{
    char *text = NULL;
    size_t tl = 0;
    FILE *mf = open_memstream(&text, &tl);
    if (!mf)
        return tb_fail(err, TB_EINPUT, "bpe model '%s': out of memory", path);
    fprintf(mf, "%s\npretok %s\nvocab %zu\n", BPE_MODEL_MAGIC, preset, n);
    static const char hx[] = "0123456789abcdef";
    for (size_t r = 0; r < n; r++) {
        fprintf(mf, "%zu ", r);
        for (size_t k = 0; k < len[r]; k++) {
            putc(hx[tok[r][k] >> 4], mf);
            putc(hx[tok[r][k] & 15], mf);
        }
        putc('\n', mf);
    }
    if (fclose(mf) != 0 || !text) {
        free(text);
        return tb_fail(err, TB_EINPUT, "bpe model '%s': out of memory", path);
    }
    bpe_model_data md;
    int rc = bpe_model_data_parse(path, text, tl, &md, err);
    if (rc == TB_OK) {
        bpe_model_data_release(&md);
        afile af;
        if ((rc = afile_open(&af, path, err)) == TB_OK) {
            if (fwrite(text, 1, tl, af.fp) != tl) {
                afile_abort(&af);
                rc = tb_fail(err, TB_EINPUT, "bpe model '%s': write failed", path);
            } else {
                rc = afile_commit(&af, err);
            }
        }
    }
    free(text);
    return rc;
}
