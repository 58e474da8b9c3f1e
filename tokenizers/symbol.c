/* symbol.c - the symbol, symbol-stem and symbol-space schemes (contracts in
 * symbol.h). */
#include "symbol.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "../common/strset.h"
#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "../corpora/words.h"
#include "tokenizer_impl.h"
#include "counted_vocab.h"

#define SYMBOL_UNITS_MAGIC "tokbench symbol units 1\n"
#define SYMBOL_MAX_UNIT (1u << 24)   /* longest unit accepted from a cache file */
#define SYMBOL_MAX_V 100000000ull

/* How a text is cut into units (symbol.h "Units"); the schemes differ only
 * here, everything after the cut is shared. */
enum unit_mode {
    UNITS_PLAIN,    /* symbol: each word one unit, each gap one unit */
    UNITS_STEM,     /* symbol-stem: each word stem + ending, each gap one unit */
    UNITS_SPACE,    /* symbol-space: a gap of exactly " " joins the word after it */
};

/* The spec prefix (without ':') of each mode; the cache file is <scheme>.units. */
static const char *const k_mode_scheme[] = {"symbol", "symbol-stem", "symbol-space"};

/* ---- the unit set (common/strset.h) ---------------------------------- */

/* strset_entry.flags: the unit was seen as a word (else only as a gap) */
#define UNIT_WORD 1u
#define UNITS "unit"

/* Adds count to the entry for b[0..len) (never empty), ORs in is_word. */
static int sset_add(strset *s, const char *b, size_t len, uint64_t count, int is_word,
                    tb_error *err)
{
    if (len == 0)
        return tb_fail(err, TB_EINPUT, UNITS " set too large");
    return strset_add(s, b, len, count, is_word ? UNIT_WORD : 0, err);
}

/* ---- per-call scratch: ICU words, stemmers, buffers --------------------- */

struct scratch {
    words *w;
    struct sb_stemmer *ru, *en;     /* NULL for the plain scheme */
    word_span *spans;
    size_t cap_spans;
    char *low;                      /* lower-cased word */
    size_t cap_low;
};

static void scratch_free(struct scratch *s)
{
    if (!s)
        return;
    words_free(s->w);
    if (s->ru)
        sb_stemmer_delete(s->ru);
    if (s->en)
        sb_stemmer_delete(s->en);
    free(s->spans);
    free(s->low);
    free(s);
}

static int scratch_new(int stem, struct scratch **out, tb_error *err)
{
    struct scratch *s = tb_calloc(1, sizeof *s, err);
    if (!s)
        return TB_EINPUT;
    if (words_new(&s->w, err)) {
        free(s);
        return TB_EINPUT;
    }
    if (stem) {
        s->ru = sb_stemmer_new("russian", "UTF_8");
        s->en = sb_stemmer_new("english", "UTF_8");
        if (!s->ru || !s->en) {
            scratch_free(s);
            return tb_fail(err, TB_EINPUT,
                           "libstemmer has no Russian or English stemmer (install "
                           "libstemmer-dev: apt-get install libstemmer-dev)");
        }
    }
    *out = s;
    return TB_OK;
}

/* Word spans of text into s->spans; *n gets the count. */
static int scratch_words(struct scratch *s, const char *text, size_t len, size_t *n,
                         tb_error *err)
{
    if (words_split(s->w, text, len, s->spans, s->cap_spans, n, err))
        return TB_EINPUT;
    if (*n <= s->cap_spans)
        return TB_OK;
    size_t nc = s->cap_spans ? s->cap_spans : 64;
    while (nc < *n)
        nc *= 2;
    word_span *ns = tb_realloc(s->spans, nc * sizeof *ns, err);
    if (!ns)
        return TB_EINPUT;
    s->spans = ns;
    s->cap_spans = nc;
    return words_split(s->w, text, len, s->spans, s->cap_spans, n, err) ? TB_EINPUT : TB_OK;
}

/* Byte length of the stem unit of word w[0..n) (n when the word is one
 * unit). See symbol.h for the rule. */
static size_t stem_split(struct scratch *s, const char *w, size_t n)
{
    int32_t cp;
    int l = utf8_decode((const uint8_t *)w, n, &cp);
    if (l <= 0)
        return n;
    struct sb_stemmer *st = NULL;
    if (cp >= 0x400 && cp <= 0x52F)
        st = s->ru;
    else if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= 0xC0 && cp <= 0x24F))
        st = s->en;
    if (!st)
        return n;
    if (s->cap_low < n * 2 + 8) {
        size_t nc = n * 2 + 64;
        char *nl = realloc(s->low, nc);
        if (!nl)
            return n; /* out of memory: the word stays whole (still lossless) */
        s->low = nl;
        s->cap_low = nc;
    }
    size_t lo = 0;
    for (size_t i = 0; i < n;) {
        l = utf8_decode((const uint8_t *)w + i, n - i, &cp);
        if (l <= 0)
            return n;
        int32_t lc = utf8proc_tolower(cp);
        lo += (size_t)utf8_encode(lc, (uint8_t *)s->low + lo);
        i += (size_t)l;
    }
    const sb_symbol *stem = sb_stemmer_stem(st, (const sb_symbol *)s->low, (int)lo);
    if (!stem)
        return n;
    size_t sl = (size_t)sb_stemmer_length(st);
    /* Shared leading code points of the lower-cased form and the stem,
     * mapped back to a byte length in the surface form. */
    size_t a = 0, b = 0, surf = 0;
    while (a < lo && b < sl && surf < n) {
        int32_t ca, cb, cs;
        int la = utf8_decode((const uint8_t *)s->low + a, lo - a, &ca);
        int lb = utf8_decode(stem + b, sl - b, &cb);
        int ls = utf8_decode((const uint8_t *)w + surf, n - surf, &cs);
        if (la <= 0 || lb <= 0 || ls <= 0 || ca != cb)
            break;
        a += (size_t)la;
        b += (size_t)lb;
        surf += (size_t)ls;
    }
    return surf == 0 ? n : surf;
}

/* ---- units of a text ---------------------------------------------------- */

/* Called for each unit in text order: [start, end) bytes, word index (or -1
 * for a gap; a unit that holds a folded space has its word's index). Returns
 * non-zero to stop with that status. */
typedef int (*unit_fn)(void *ud, const char *text, size_t start, size_t end, long word,
                       tb_error *err);

static int for_each_unit(struct scratch *s, enum unit_mode mode, const char *text, size_t len,
                         unit_fn fn, void *ud, size_t *n_words, tb_error *err)
{
    size_t nw;
    int rc = scratch_words(s, text, len, &nw, err);
    if (rc)
        return rc;
    if (n_words)
        *n_words = nw;
    size_t pos = 0;
    for (size_t k = 0; k < nw; k++) {
        size_t ws = s->spans[k].start, we = s->spans[k].end;
        size_t us = ws; /* first byte of the word's first unit */
        if (mode == UNITS_SPACE && ws == pos + 1 && text[pos] == ' ')
            us = pos;
        else if (ws > pos && (rc = fn(ud, text, pos, ws, -1, err)))
            return rc;
        size_t cut = mode == UNITS_STEM ? ws + stem_split(s, text + ws, we - ws) : we;
        if ((rc = fn(ud, text, us, cut, (long)k, err)))
            return rc;
        if (cut < we && (rc = fn(ud, text, cut, we, (long)k, err)))
            return rc;
        pos = we;
    }
    if (pos < len && (rc = fn(ud, text, pos, len, -1, err)))
        return rc;
    return TB_OK;
}

/* ---- the scheme state --------------------------------------------------- */

struct symbol_state {
    enum unit_mode mode;        /* which scheme: how text is cut into units */
    strset entries;        /* id k = entry k, k < E */
    tokenizer *fb;              /* fallback scheme (bytes or graphemes) */
    int fb_graphemes;
    pthread_mutex_t lock;       /* guards shared */
    struct scratch *shared;     /* used by whoever gets the lock */
};

static int with_scratch(const struct symbol_state *st, struct scratch **s, int *locked,
                        tb_error *err)
{
    struct symbol_state *m = (struct symbol_state *)st; /* the lock only */
    if (pthread_mutex_trylock(&m->lock) == 0) {
        *locked = 1;
        *s = m->shared;
        return TB_OK;
    }
    *locked = 0;
    return scratch_new(st->mode == UNITS_STEM, s, err);
}

static void done_scratch(const struct symbol_state *st, struct scratch *s, int locked)
{
    struct symbol_state *m = (struct symbol_state *)st;
    if (locked)
        pthread_mutex_unlock(&m->lock);
    else
        scratch_free(s);
}

struct enc_ctx {
    const struct symbol_state *st;
    uint32_t *ids, *offs;
    size_t cap, n;
    long last_oov_word;         /* index of the last word counted as oov */
    size_t oov;
};

static int enc_unit(void *ud, const char *text, size_t start, size_t end, long word,
                    tb_error *err)
{
    struct enc_ctx *e = ud;
    const struct symbol_state *st = e->st;
    size_t len = end - start;
    long k = strset_find(&st->entries, text + start, len);
    if (k >= 0) {
        if (e->n < e->cap) {
            e->ids[e->n] = (uint32_t)k;
            if (e->offs)
                e->offs[e->n] = (uint32_t)start;
        }
        e->n++;
        return TB_OK;
    }
    if (word >= 0 && word != e->last_oov_word) {
        e->oov++;
        e->last_oov_word = word;
    }
    size_t room = e->n < e->cap ? e->cap - e->n : 0;
    size_t got;
    uint32_t *ids = room ? e->ids + e->n : NULL;
    uint32_t *offs = room && e->offs ? e->offs + e->n : NULL;
    int rc = st->fb->ops->encode(st->fb, text + start, len, ids, offs, room, &got, err);
    if (rc)
        return rc;
    uint32_t base = (uint32_t)st->entries.n;
    for (size_t i = 0; i < got && i < room; i++) {
        ids[i] += base;
        if (offs)
            offs[i] += (uint32_t)start;
    }
    e->n += got;
    return TB_OK;
}

static int symbol_walk(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                       uint32_t *offs, size_t cap, size_t *n_tokens, size_t *n_words,
                       size_t *n_oov, tb_error *err)
{
    const struct symbol_state *st = t->state;
    struct scratch *s;
    int locked;
    if (with_scratch(st, &s, &locked, err))
        return TB_EINPUT;
    struct enc_ctx e = {.st = st, .ids = ids, .offs = offs, .cap = ids ? cap : 0,
                        .last_oov_word = -1};
    int rc = for_each_unit(s, st->mode, text, len, enc_unit, &e, n_words, err);
    done_scratch(st, s, locked);
    if (rc)
        return rc;
    if (n_tokens)
        *n_tokens = e.n;
    if (n_oov)
        *n_oov = e.oov;
    return TB_OK;
}

static int symbol_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                         uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    return symbol_walk(t, text, len, ids, offs, cap, n_tokens, NULL, NULL, err);
}

static int symbol_piece(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *pos,
                        tb_error *err)
{
    const struct symbol_state *st = t->state;
    if (id < st->entries.n) {
        const strset_entry *e = &st->entries.e[id];
        tokenizer_append(out, cap, pos, st->entries.bytes + e->off, e->len);
        return TB_OK;
    }
    uint32_t fid = id - (uint32_t)st->entries.n;
    if (fid >= st->fb->vocab_size)
        return tb_fail(err, TB_EINPUT, "id %u out of range (vocabulary size %zu)", id,
                       t->vocab_size);
    return st->fb->ops->piece(st->fb, fid, out, cap, pos, err);
}

static int symbol_is_fallback_id(const tokenizer *t, uint32_t id)
{
    const struct symbol_state *st = t->state;
    return id >= st->entries.n;
}

static void symbol_free(tokenizer *t)
{
    struct symbol_state *st = t->state;
    if (!st)
        return;
    strset_release(&st->entries);
    tokenizer_free(st->fb);
    scratch_free(st->shared);
    pthread_mutex_destroy(&st->lock);
    free(st);
    t->state = NULL;
}

static const struct tokenizer_ops symbol_ops = {
    .scheme = "symbol",
    .encode = symbol_encode,
    .piece = symbol_piece,
    .is_fallback = symbol_is_fallback_id,
    .free = symbol_free,
};
static const struct tokenizer_ops symbol_stem_ops = {
    .scheme = "symbol-stem",
    .encode = symbol_encode,
    .piece = symbol_piece,
    .is_fallback = symbol_is_fallback_id,
    .free = symbol_free,
};
static const struct tokenizer_ops symbol_space_ops = {
    .scheme = "symbol-space",
    .encode = symbol_encode,
    .piece = symbol_piece,
    .is_fallback = symbol_is_fallback_id,
    .free = symbol_free,
};

/* The ops of each mode, indexed like k_mode_scheme. */
static const struct tokenizer_ops *const k_mode_ops[] = {&symbol_ops, &symbol_stem_ops,
                                                         &symbol_space_ops};

int symbol_is_symbol(const tokenizer *t)
{
    return t && (t->ops == &symbol_ops || t->ops == &symbol_stem_ops ||
                 t->ops == &symbol_space_ops);
}

size_t symbol_n_entries(const tokenizer *t)
{
    return symbol_is_symbol(t) ? ((const struct symbol_state *)t->state)->entries.n : 0;
}

int symbol_oov_words(const tokenizer *t, const char *text, size_t len, size_t *n_words,
                     size_t *n_oov, tb_error *err)
{
    *n_words = 0;
    *n_oov = 0;
    if (!symbol_is_symbol(t))
        return tb_fail(err, TB_EUSAGE, "oov_words: tokenizer '%s' is not a symbol scheme",
                       t ? t->name : "(null)");
    if (len >= (size_t)1 << 32)
        return tb_fail(err, TB_EINPUT, "text of %zu bytes is too long (limit 2^32 - 1)", len);
    size_t bad;
    if (!utf8_valid(text, len, &bad))
        return tb_fail(err, TB_EINPUT, "invalid UTF-8 at byte %zu", bad + 1);
    return symbol_walk(t, text, len, NULL, NULL, 0, NULL, n_words, n_oov, err);
}

int symbol_dict_write(const tokenizer *t, char *out, size_t cap, size_t *n_bytes, tb_error *err)
{
    *n_bytes = 0;
    if (!symbol_is_symbol(t))
        return tb_fail(err, TB_EUSAGE, "symbol dictionary: tokenizer '%s' is not a symbol scheme",
                       t->name);
    const struct symbol_state *st = t->state;
    size_t pos = 0;
    for (size_t k = 0; k < st->entries.n; k++) {
        const strset_entry *e = &st->entries.e[k];
        tokenizer_append(out, cap, &pos, st->entries.bytes + e->off, e->len);
        tokenizer_append(out, cap, &pos, "\n", 1);
    }
    if (st->fb_graphemes) {
        for (uint32_t id = 256; id < st->fb->vocab_size; id++) {
            if (st->fb->ops->piece(st->fb, id, out, cap, &pos, err))
                return TB_EINPUT;
            tokenizer_append(out, cap, &pos, "\n", 1);
        }
    }
    *n_bytes = pos;
    return TB_OK;
}

int symbol_dict_bytes(const tokenizer *t, uint64_t *bytes, tb_error *err)
{
    size_t n;
    int rc = symbol_dict_write(t, NULL, 0, &n, err);
    *bytes = rc ? 0 : n;
    return rc;
}

/* ---- training ----------------------------------------------------------- */

struct count_ctx {
    strset *set;
};

static int count_unit(void *ud, const char *text, size_t start, size_t end, long word,
                      tb_error *err)
{
    struct count_ctx *c = ud;
    return sset_add(c->set, text + start, end - start, 1, word >= 0, err);
}

/* Counts every unit of the train split; lang -1 means every language. */
static int count_units(const corpus *c, int lang, enum unit_mode mode, strset *raw,
                       tb_error *err)
{
    struct scratch *s;
    if (scratch_new(mode == UNITS_STEM, &s, err))
        return TB_EINPUT;
    size_t l0 = lang < 0 ? 0 : (size_t)lang;
    size_t l1 = lang < 0 ? corpus_n_langs(c) : (size_t)lang + 1;
    struct count_ctx cc = {raw};
    int rc = TB_OK;
    for (size_t seg = 0; seg < corpus_n_segments(c) && rc == TB_OK; seg++) {
        if (!corpus_in_split(c, seg, CORPUS_TRAIN))
            continue;
        for (size_t li = l0; li < l1 && rc == TB_OK; li++) {
            size_t len;
            const char *txt = corpus_segment(c, li, seg, &len);
            rc = for_each_unit(s, mode, txt, len, count_unit, &cc, NULL, err);
        }
    }
    scratch_free(s);
    return rc;
}

/* The entries from ranked units: the first v word units and every gap
 * unit, in rank order (a subsequence of a ranked list stays ranked). */
static int select_entries(const strset *ranked, uint64_t v, strset *out, tb_error *err)
{
    strset_init(out, UNITS);
    int rc = TB_OK;
    uint64_t words_kept = 0;
    for (size_t k = 0; k < ranked->n && rc == TB_OK; k++) {
        const strset_entry *e = &ranked->e[k];
        if (e->flags & UNIT_WORD) {
            if (words_kept >= v)
                continue;
            words_kept++;
        }
        rc = sset_add(out, ranked->bytes + e->off, e->len, e->count, (e->flags & UNIT_WORD) != 0, err);
    }
    if (rc)
        strset_release(out);
    return rc;
}

/* An entry of symbol.units holds no newline. */
static int cache_accept(const char *b, size_t len)
{
    return memchr(b, '\n', len) == NULL;
}

/* symbol.units: "<count> <w|g> <len> <bytes>" lines, the shortest
 * "1 w 1 x\n". */
static const counted_vocab_format k_cache_format = {
    .magic = SYMBOL_UNITS_MAGIC,
    .noun = "units",
    .what = UNITS,
    .flag = UNIT_WORD,
    .flag_set = 'w',
    .flag_clear = 'g',
    .min_line = 8,
    .max_len = SYMBOL_MAX_UNIT,
    .accept = cache_accept,
};

/* Parses "V[:FALLBACK]"; *v = UINT64_MAX for "all". */
static int parse_arg(const char *scheme, const char *arg, uint64_t *v, int *graphemes,
                     tb_error *err)
{
    const char *colon = strchr(arg, ':');
    size_t vl = colon ? (size_t)(colon - arg) : strlen(arg);
    *graphemes = 1;
    if (colon) {
        if (strcmp(colon + 1, "bytes") == 0)
            *graphemes = 0;
        else if (strcmp(colon + 1, "graphemes") != 0)
            return tb_fail(err, TB_EINPUT,
                           "tokenizer '%s:%s': unknown fallback '%s' (expected bytes or "
                           "graphemes)",
                           scheme, arg, colon + 1);
    }
    if (vl == 3 && memcmp(arg, "all", 3) == 0) {
        *v = UINT64_MAX;
        return TB_OK;
    }
    uint64_t x = 0;
    size_t i = 0;
    for (; i < vl && arg[i] >= '0' && arg[i] <= '9' && x <= SYMBOL_MAX_V; i++)
        x = x * 10 + (uint64_t)(arg[i] - '0');
    int digits = i > 0;
    if (i < vl && i + 1 == vl && (arg[i] == 'k' || arg[i] == 'K'))
        x *= 1000, i++;
    else if (i < vl && i + 1 == vl && arg[i] == 'M')
        x *= 1000000, i++;
    if (!digits || i != vl || x < 1 || x > SYMBOL_MAX_V)
        return tb_fail(err, TB_EINPUT,
                       "tokenizer '%s:%s': vocabulary size must be 1..%llu word forms (digits "
                       "with an optional k or M suffix) or 'all'",
                       scheme, arg, SYMBOL_MAX_V);
    *v = x;
    return TB_OK;
}

static int symbol_new_common(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                             enum unit_mode mode, tb_error *err)
{
    const char *scheme = k_mode_scheme[mode];
    uint64_t v = 0;
    int graphemes;
    if (parse_arg(scheme, arg, &v, &graphemes, err))
        return TB_EINPUT;
    const corpus *c = ctx ? ctx->corpus : NULL;
    if (!c)
        return tb_fail(err, TB_EINPUT, "tokenizer '%s:%s' needs a corpus (-c CORPUS -l LANG)",
                       scheme, arg);
    if (ctx->lang < -1 || (ctx->lang >= 0 && (size_t)ctx->lang >= corpus_n_langs(c)))
        return tb_fail(err, TB_EINPUT,
                       "tokenizer '%s:%s': language index %d out of range (corpus '%s' has %zu "
                       "languages)",
                       scheme, arg, ctx->lang, corpus_name(c), corpus_n_langs(c));
    struct symbol_state *st = tb_calloc(1, sizeof *st, err);
    if (!st)
        return TB_EINPUT;
    st->mode = mode;
    st->fb_graphemes = graphemes;
    pthread_mutex_init(&st->lock, NULL);
    int rc = scratch_new(mode == UNITS_STEM, &st->shared, err);

    char dir[4096] = "", path[4096] = "";
    if (tokenizer_cache_folder(ctx->cache_dir, c, ctx->lang, dir, sizeof dir) == 0) {
        int pl = snprintf(path, sizeof path, "%s/%s.units", dir, scheme);
        if (pl < 0 || (size_t)pl >= sizeof path)
            path[0] = '\0';
    }
    strset ranked = {0};
    int have_ranked = 0;
    if (rc == TB_OK && path[0] && counted_vocab_load(path, &k_cache_format, &ranked) == 0)
        have_ranked = 1;
    /* a shard never counts its own copy: the units come from the cache
     * 'tokbench prepare' filled, or the shard fails (before the fallback,
     * so the message names this scheme's file) */
    if (rc == TB_OK && !have_ranked && ctx->no_train) {
        char where[4200];
        snprintf(where, sizeof where, path[0] ? "no '%s'" : "no cache folder%s", path);
        rc = tokenizer_fail_unprepared(err, where);
    }
    if (rc == TB_OK)
        rc = tokenizer_new(graphemes ? "graphemes" : "bytes", ctx, &st->fb, err);
    if (rc == TB_OK && !have_ranked) {
        strset raw;
        strset_init(&raw, UNITS);
        rc = count_units(c, ctx->lang, mode, &raw, err);
        if (rc == TB_OK)
            rc = counted_vocab_rank(&raw, UNITS, &ranked, err);
        strset_release(&raw);
        have_ranked = rc == TB_OK;
        if (have_ranked && path[0]) {
            tb_error ignore;
            (void)counted_vocab_save(dir, path, &k_cache_format, &ranked, &ignore);
        }
    }
    if (rc == TB_OK)
        rc = select_entries(&ranked, v, &st->entries, err);
    if (have_ranked)
        strset_release(&ranked);
    if (rc == TB_OK && (uint64_t)st->entries.n + st->fb->vocab_size >= UINT32_MAX)
        rc = tb_fail(err, TB_EINPUT, "vocabulary too large for 32-bit ids");
    if (rc != TB_OK) {
        t->state = st;
        symbol_free(t);
        return tb_wrap(err, "tokenizer '%s:%s': ", scheme, arg);
    }
    t->ops = k_mode_ops[mode];
    t->vocab_size = st->entries.n + st->fb->vocab_size;
    t->state = st;
    return TB_OK;
}

int symbol_scheme_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err)
{
    return symbol_new_common(t, arg, ctx, UNITS_PLAIN, err);
}

int symbol_stem_scheme_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                           tb_error *err)
{
    return symbol_new_common(t, arg, ctx, UNITS_STEM, err);
}

int symbol_space_scheme_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                            tb_error *err)
{
    return symbol_new_common(t, arg, ctx, UNITS_SPACE, err);
}
