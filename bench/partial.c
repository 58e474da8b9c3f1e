/* partial.c - shard partials: header, reader, exact merge. */
#include "partial.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "partial_ngram.h"
#include "latency_hook.h"
#include "partial_model.h"
#include "run.h"
#include "stage_compress.h"
#include "stage_metrics.h"
#include "stage_model.h"

struct pseg {
    size_t seg;
    int test;
    uint32_t v[8]; /* bytes chars words tokens continued fallback rt_exact rt_edits */
    uint64_t y[4]; /* symbol blocks: words oov sym_bytes sym_chars (the Y line) */
};

struct phist {
    int test;
    size_t id;
    uint64_t count;
};

struct pblock {
    char *tok, *lang;
    size_t vocab;
    int counted, has_offsets, emit;
    int decodes;      /* S lines carry rt_exact rt_edits */
    int sym;          /* a symbol scheme's block: the D line was given */
    uint64_t dict;    /* its dictionary bytes */
    size_t n_y;       /* Y lines so far (the i-th is of segs[i]) */
    struct pseg *segs;
    size_t n_segs, cap_segs;
    struct phist *hist;
    size_t n_hist, cap_hist;
    partial_ngram ng; /* its n-gram section (order 0: none) */
    partial_model_block pm; /* training job records (J, R: partial_model.h) */
};

struct pcorpus {
    char *name, *sha, *pivot;
    size_t n_segments;
    struct pblock *b;
    size_t nb, cap_b;
    partial_model_corpus pm; /* timing curve and roofline check (partial_model.h) */
};

struct partial {
    char path[4096];
    size_t k, n;
    char **specs;
    size_t n_specs;
    struct pcorpus *c;
    size_t nc;
    partial_model_header pmh; /* model and train lines (partial_model.h) */
};

int partial_write_header(FILE *f, size_t k, size_t n, const char *const *specs, size_t n_specs,
                         tb_error *err)
{
    fprintf(f, "tokbench-partial %d\nshard %zu %zu\n", PARTIAL_VERSION, k, n);
    for (size_t i = 0; i < n_specs; i++)
        fprintf(f, "spec %s\n", specs[i]);
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial header") : TB_OK;
}

void partial_free(partial *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_specs; i++)
        free(p->specs[i]);
    free(p->specs);
    for (size_t i = 0; i < p->nc; i++) {
        struct pcorpus *c = &p->c[i];
        for (size_t j = 0; j < c->nb; j++) {
            free(c->b[j].tok);
            free(c->b[j].lang);
            free(c->b[j].segs);
            free(c->b[j].hist);
            partial_ngram_release(&c->b[j].ng);
            partial_model_block_free(&c->b[j].pm);
        }
        free(c->b);
        free(c->name);
        free(c->sha);
        free(c->pivot);
    }
    free(p->c);
    partial_model_header_free(&p->pmh);
    free(p);
}

size_t partial_n_specs(const partial *p) { return p->n_specs; }
const char *partial_spec(const partial *p, size_t i) { return p->specs[i]; }
size_t partial_n_corpora(const partial *p) { return p->nc; }
size_t partial_n_shards(const partial *p) { return p->n; }
int partial_timed(const partial *p) { return p->pmh.timing != NULL; }
const char *partial_corpus(const partial *p, size_t i) { return p->c[i].name; }

/* Splits line (tabs, no newline) into at most max fields; returns the count. */
static size_t fields(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

/* Unsigned decimal, all of s, at most max. */
static int num(const char *s, uint64_t max, uint64_t *out)
{
    if (!*s || strlen(s) > 20)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static void *grow(void *p, size_t *cap, size_t n, size_t sz, tb_error *err)
{
    if (n < *cap)
        return p;
    size_t nc = *cap ? *cap * 2 : 16;
    void *q = tb_realloc(p, nc * sz, err);
    if (q)
        *cap = nc;
    return q;
}

static char *dup(const char *s, tb_error *err)
{
    size_t n = strlen(s) + 1;
    char *d = tb_malloc(n, err);
    if (d)
        memcpy(d, s, n);
    return d;
}

#define BAD(...)                                                                         \
    do {                                                                                 \
        rc = tb_fail(err, TB_EINPUT, __VA_ARGS__);                                       \
        goto done;                                                                       \
    } while (0)

int partial_read(const char *path, partial **out, tb_error *err)
{
    *out = NULL;
    char file[4096];
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (tb_pathf(err, file, sizeof file, "%s/partial.tsv", path))
            return TB_EINPUT;
    } else if (tb_pathf(err, file, sizeof file, "%s", path)) {
        return TB_EINPUT;
    }
    FILE *f = fopen(file, "r");
    if (!f)
        return tb_fail(err, TB_EINPUT, "partial '%s': cannot open: %s", file, strerror(errno));
    int rc = partial_read_stream(f, file, out, err);
    fclose(f);
    return rc;
}

int partial_read_stream(FILE *f, const char *name, partial **out, tb_error *err)
{
    *out = NULL;
    partial *p = tb_calloc(1, sizeof *p, err);
    if (!p)
        return TB_EINPUT;
    snprintf(p->path, sizeof p->path, "%s", name);
    int rc = TB_OK;
    char *line = NULL;
    size_t cap = 0, ln = 0;
    size_t specs_cap = 0, c_cap = 0, size_t_max = (size_t)-1;
    int state = 0; /* 0 version, 1 shard, 2 specs, 3 corpus or block, 4 in a block */
    struct pblock *b = NULL;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        ln++;
        if (len == 0 || line[len - 1] != '\n')
            BAD("partial '%s':%zu: line without its newline (a cut file?)", p->path, ln);
        line[len - 1] = '\0';
        if (memchr(line, '\0', (size_t)len - 1))
            BAD("partial '%s':%zu: NUL byte", p->path, ln);
        char *fl[12];
        uint64_t v[12];
        if (state == 0) {
            if (strncmp(line, "tokbench-partial ", 17) != 0)
                BAD("partial '%s':1: not a tokbench partial (first line '%.40s')", p->path, line);
            char ver[16];
            snprintf(ver, sizeof ver, "%d", PARTIAL_VERSION);
            if (strcmp(line + 17, ver) != 0)
                BAD("partial '%s':1: format version '%.20s'; this tokbench reads version %d",
                    p->path, line + 17, PARTIAL_VERSION);
            state = 1;
            continue;
        }
        if (state == 1) {
            char *sp = strchr(line + (strncmp(line, "shard ", 6) == 0 ? 6 : 0), ' ');
            if (strncmp(line, "shard ", 6) != 0 || !sp)
                BAD("partial '%s':%zu: expected 'shard K N'", p->path, ln);
            *sp = '\0';
            if (num(line + 6, 1u << 20, &v[0]) || num(sp + 1, 1u << 20, &v[1]) || v[1] == 0 ||
                v[0] >= v[1])
                BAD("partial '%s':%zu: expected 'shard K N' with 0 <= K < N", p->path, ln);
            p->k = (size_t)v[0];
            p->n = (size_t)v[1];
            state = 2;
            continue;
        }
        if (state == 2 && strncmp(line, "spec ", 5) == 0) {
            char **ns = grow(p->specs, &specs_cap, p->n_specs, sizeof *ns, err);
            if (!ns)
                BAD("partial '%s':%zu: out of memory", p->path, ln);
            p->specs = ns;
            if (!(p->specs[p->n_specs] = dup(line + 5, err)))
                BAD("partial '%s':%zu: out of memory", p->path, ln);
            p->n_specs++;
            continue;
        }
        if (state == 2 && partial_model_header_is(line)) {
            if ((rc = partial_model_header_line(&p->pmh, line, p->path, ln, err)))
                goto done;
            continue;
        }
        if (state == 3 && partial_model_corpus_is(line)) {
            if ((rc = partial_model_corpus_line(&p->c[p->nc - 1].pm, line, p->path, ln, err)))
                goto done;
            continue;
        }
        size_t nf = fields(line, fl, 12);
        if (state == 2 || (state == 3 && strcmp(fl[0], "C") == 0)) {
            if (nf != 5 || strcmp(fl[0], "C") != 0 || num(fl[3], size_t_max >> 8, &v[0]))
                BAD("partial '%s':%zu: expected a corpus line 'C name sha n_segments pivot'",
                    p->path, ln);
            struct pcorpus *nc = grow(p->c, &c_cap, p->nc, sizeof *nc, err);
            if (!nc)
                BAD("partial '%s':%zu: out of memory", p->path, ln);
            p->c = nc;
            struct pcorpus *c = &p->c[p->nc++];
            memset(c, 0, sizeof *c);
            c->n_segments = (size_t)v[0];
            if (!(c->name = dup(fl[1], err)) || !(c->sha = dup(fl[2], err)) ||
                !(c->pivot = dup(fl[4], err)))
                BAD("partial '%s':%zu: out of memory", p->path, ln);
            state = 5;
            continue;
        }
        struct pcorpus *c = &p->c[p->nc - 1];
        if (state == 5 || (state == 3 && strcmp(fl[0], "V") == 0 && !c->pm.any)) {
            if (nf != 8 || strcmp(fl[0], "V") != 0 || num(fl[3], PARTIAL_MAX_VOCAB, &v[0]) ||
                num(fl[4], 1, &v[1]) || num(fl[5], 1, &v[2]) || num(fl[6], 1, &v[3]) ||
                num(fl[7], 1, &v[4]))
                BAD("partial '%s':%zu: expected a block line 'V tokenizer lang vocab counted "
                    "has_offsets emit decodes', vocab <= %u", p->path, ln, PARTIAL_MAX_VOCAB);
            struct pblock *nb = grow(c->b, &c->cap_b, c->nb, sizeof *nb, err);
            if (!nb)
                BAD("partial '%s':%zu: out of memory", p->path, ln);
            c->b = nb;
            b = &c->b[c->nb++];
            memset(b, 0, sizeof *b);
            b->pm.owner = -1;
            b->vocab = (size_t)v[0];
            b->counted = (int)v[1];
            b->has_offsets = (int)v[2];
            b->emit = (int)v[3];
            b->decodes = (int)v[4];
            if (!(b->tok = dup(fl[1], err)) || !(b->lang = dup(fl[2], err)))
                BAD("partial '%s':%zu: out of memory", p->path, ln);
            state = 4;
            continue;
        }
        if (state != 4)
            BAD("partial '%s':%zu: unexpected line '%.20s'", p->path, ln, fl[0]);
        if (strcmp(fl[0], "S") == 0) {
            int nv = b->decodes ? 8 : 6;
            int ok = nf == (size_t)(3 + nv) &&
                     !num(fl[1], c->n_segments ? c->n_segments - 1 : 0, &v[0]) &&
                     c->n_segments && !num(fl[2], 1, &v[1]) && b->n_hist == 0 && !b->sym &&
                     !b->pm.any;
            for (int i = 0; ok && i < nv; i++)
                ok = !num(fl[3 + i], i == 6 ? 1 : UINT32_MAX, &v[2 + i]);
            if (!ok)
                BAD("partial '%s':%zu: bad segment line (S seg test bytes chars words tokens "
                    "continued fallback%s, seg < %zu, before the H and D lines)",
                    p->path, ln, b->decodes ? " rt_exact rt_edits" : "", c->n_segments);
            if (b->n_segs && b->segs[b->n_segs - 1].seg >= v[0])
                BAD("partial '%s':%zu: segment %" PRIu64 " out of order", p->path, ln, v[0]);
            struct pseg *ns = grow(b->segs, &b->cap_segs, b->n_segs, sizeof *ns, err);
            if (!ns)
                BAD("partial '%s':%zu: out of memory", p->path, ln);
            b->segs = ns;
            struct pseg *g = &b->segs[b->n_segs++];
            g->seg = (size_t)v[0];
            g->test = (int)v[1];
            for (int i = 0; i < nv; i++)
                g->v[i] = (uint32_t)v[2 + i];
        } else if (strcmp(fl[0], "H") == 0) {
            if (nf != 4 || !b->counted || b->sym || b->pm.any || num(fl[1], 1, &v[0]) ||
                num(fl[2], b->vocab ? b->vocab - 1 : 0, &v[1]) || !b->vocab ||
                num(fl[3], UINT64_MAX >> 1, &v[2]) || v[2] == 0)
                BAD("partial '%s':%zu: bad id count line (H test id count, id < vocab %zu, "
                    "before the D line)",
                    p->path, ln, b->vocab);
            struct phist *nh = grow(b->hist, &b->cap_hist, b->n_hist, sizeof *nh, err);
            if (!nh)
                BAD("partial '%s':%zu: out of memory", p->path, ln);
            b->hist = nh;
            b->hist[b->n_hist++] = (struct phist){(int)v[0], (size_t)v[1], v[2]};
        } else if (strcmp(fl[0], "D") == 0) {
            if (nf != 2 || b->sym || !b->emit || b->pm.any ||
                num(fl[1], UINT64_MAX >> 8, &v[0]))
                BAD("partial '%s':%zu: bad dictionary line (D bytes, once, in an emitted block, "
                    "after the S and H lines)", p->path, ln);
            b->sym = 1;
            b->dict = v[0];
        } else if (strcmp(fl[0], "Y") == 0) {
            /* words and oov words are at most the segment's bytes (< 2^32);
             * its symbol text at most 4 bytes a token and a newline */
            int ok = nf == 6 && b->sym && b->n_y < b->n_segs && !b->pm.any && !num(fl[1], SIZE_MAX, &v[0]) &&
                     v[0] == b->segs[b->n_y].seg && !num(fl[2], UINT32_MAX, &v[1]) &&
                     !num(fl[3], v[1], &v[2]) && !num(fl[4], (uint64_t)1 << 36, &v[3]) &&
                     !num(fl[5], (uint64_t)UINT32_MAX + 1, &v[4]);
            if (!ok)
                BAD("partial '%s':%zu: bad symbol line (Y seg words oov sym_bytes sym_chars, "
                    "oov <= words, after the D line, one for each S line in its order)",
                    p->path, ln);
            for (int i = 0; i < 4; i++)
                b->segs[b->n_y].y[i] = v[1 + i];
            b->n_y++;
        } else if (partial_model_block_is(fl[0])) {
            if ((rc = partial_model_block_line(&b->pm, p->k, fl, nf, p->path, ln, err)))
                goto done;
        } else if (strcmp(fl[0], "G") == 0) {
            /* the n-gram section, read through the block's E line */
            if (!b->emit)
                BAD("partial '%s':%zu: an n-gram section in a block that emits no rows", p->path,
                    ln);
            if ((rc = partial_ngram_read(f, p->path, &ln, fl, nf, b->vocab, c->n_segments,
                                         &b->ng, err)))
                goto done;
            int known = 0;
            for (size_t i = 0; i < p->n_specs; i++)
                known |= strcmp(p->specs[i], b->ng.spec) == 0;
            if (!known)
                BAD("partial '%s':%zu: the n-gram section's spec '%.60s' is not in its spec list",
                    p->path, ln, b->ng.spec);
            if (b->sym && b->n_y != b->n_segs)
                BAD("partial '%s':%zu: the block (%s %s) has %zu segment lines but %zu symbol "
                    "lines", p->path, ln, b->tok, b->lang, b->n_segs, b->n_y);
            state = 3;
        } else if (strcmp(fl[0], "E") == 0 && nf == 1) {
            if (b->sym && b->n_y != b->n_segs)
                BAD("partial '%s':%zu: the block (%s %s) has %zu segment lines but %zu symbol "
                    "lines", p->path, ln, b->tok, b->lang, b->n_segs, b->n_y);
            if ((rc = partial_model_block_end(&b->pm, p->k, p->path, ln, err)))
                goto done;
            state = 3;
        } else {
            BAD("partial '%s':%zu: unexpected line '%.20s' in a block", p->path, ln, fl[0]);
        }
    }
    if (ferror(f))
        BAD("partial '%s': read error", p->path);
    if (state != 3)
        BAD("partial '%s': ends early (line %zu): a cut file?", p->path, ln);
done:
    free(line);
    if (rc) {
        partial_free(p);
        return rc;
    }
    *out = p;
    return TB_OK;
}

/* Emits the rows of block bi of corpus ci, merged over the n partials. */
static int merge_block(partial *const *p, size_t n, size_t ci, size_t bi, results *res,
                       tb_error *err)
{
    const struct pcorpus *c0 = &p[0]->c[ci];
    const struct pblock *b0 = &c0->b[bi];
    size_t ns = c0->n_segments, en_bi = (size_t)-1;
    for (size_t j = 0; j < c0->nb; j++)
        if (strcmp(c0->b[j].tok, b0->tok) == 0 && strcmp(c0->b[j].lang, c0->pivot) == 0)
            en_bi = j;
    /* The dense arrays below are sized by the corpus's declared segment
     * count; check first that the partials hold that many rows, so memory
     * follows the input, not a number in a header. */
    size_t rows = 0;
    for (size_t k = 0; k < n; k++)
        rows += p[k]->c[ci].b[bi].n_segs;
    if (rows != ns)
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s' (%s %s): the partials hold %zu segment rows for its %zu "
                       "segments: %s",
                       c0->name, b0->tok, b0->lang, rows, ns,
                       rows > ns ? "a segment is also in another shard's partial"
                                 : "some segments are in none of the partials");
    struct pseg *seg = tb_calloc(ns ? ns : 1, sizeof *seg, err);
    struct pseg *ens = seg ? tb_calloc(ns ? ns : 1, sizeof *ens, err) : NULL;
    unsigned char *have = ens ? tb_calloc(ns ? ns : 1, 1, err) : NULL;
    uint64_t *cnt = have && b0->counted ? tb_calloc(2 * (b0->vocab ? b0->vocab : 1),
                                                    sizeof *cnt, err)
                                        : NULL;
    double *ratios = have ? tb_malloc((ns ? ns : 1) * sizeof *ratios, err) : NULL;
    const partial_model_block **tb = ratios ? tb_calloc(n, sizeof *tb, err) : NULL;
    int rc = tb && (cnt || !b0->counted) ? TB_OK : TB_EINPUT;
    for (size_t k = 0; k < n && rc == TB_OK; k++) {
        const struct pblock *b = &p[k]->c[ci].b[bi];
        for (size_t i = 0; i < b->n_segs && rc == TB_OK; i++) {
            size_t s = b->segs[i].seg;
            if (have[s])
                rc = tb_fail(err, TB_EINPUT,
                             "partial '%s': corpus '%s' segment %zu (%s %s) is also in another "
                             "shard's partial; the partials are not of one sharding",
                             p[k]->path, c0->name, s + 1, b0->tok, b0->lang);
            have[s] = 1;
            seg[s] = b->segs[i];
        }
        for (size_t i = 0; cnt && i < b->n_hist; i++)
            cnt[(size_t)b->hist[i].test * b0->vocab + b->hist[i].id] += b->hist[i].count;
        if (en_bi != (size_t)-1) {
            const struct pblock *e = &p[k]->c[ci].b[en_bi];
            for (size_t i = 0; i < e->n_segs; i++)
                ens[e->segs[i].seg] = e->segs[i];
        }
    }
    for (size_t s = 0; s < ns && rc == TB_OK; s++)
        if (!have[s])
            rc = tb_fail(err, TB_EINPUT,
                         "corpus '%s' segment %zu (%s %s) is in none of the partials", c0->name,
                         s + 1, b0->tok, b0->lang);
    static const enum corpus_split splits[] = {CORPUS_ALL, CORPUS_TRAIN, CORPUS_TEST};
    for (int k = 0; k < 3 && rc == TB_OK; k++) {
        metrics_stats st = {.has_en = en_bi != (size_t)-1, .vocab = b0->vocab,
                            .has_offsets = b0->has_offsets, .ratios = ratios,
                            .decodes = b0->decodes};
        for (size_t s = 0; s < ns; s++) {
            if ((splits[k] == CORPUS_TRAIN && seg[s].test) ||
                (splits[k] == CORPUS_TEST && !seg[s].test))
                continue;
            const uint32_t *g = seg[s].v;
            st.segs++;
            st.bytes += g[0];
            st.chars += g[1];
            st.words += g[2];
            st.tokens += g[3];
            st.continued += g[4];
            st.fallback += g[5];
            st.rt_exact += g[6];
            st.rt_edits += g[7];
            if (st.has_en) {
                st.en_tokens += ens[s].v[3];
                st.en_bytes += ens[s].v[0];
                if (ens[s].v[3])
                    st.ratios[st.n_ratio++] = (double)g[3] / ens[s].v[3];
            }
        }
        uint64_t *all = NULL;
        if (cnt) {
            if (splits[k] == CORPUS_ALL) {
                all = tb_malloc((b0->vocab ? b0->vocab : 1) * sizeof *all, err);
                if (!all) {
                    rc = TB_EINPUT;
                    break;
                }
                for (size_t i = 0; i < b0->vocab; i++)
                    all[i] = cnt[i] + cnt[b0->vocab + i];
                st.counts = all;
            } else {
                st.counts = cnt + (splits[k] == CORPUS_TEST ? b0->vocab : 0);
            }
        }
        rc = metrics_stats_emit(&st, c0->name, corpus_split_name(splits[k]), b0->lang, b0->tok,
                                res, err);
        free(all);
        /* a symbol scheme's rows follow, as run_spec emits them */
        if (rc == TB_OK && b0->sym) {
            uint64_t y[4] = {0};
            for (size_t s = 0; s < ns; s++)
                if (!((splits[k] == CORPUS_TRAIN && seg[s].test) ||
                      (splits[k] == CORPUS_TEST && !seg[s].test)))
                    for (int i = 0; i < 4; i++)
                        y[i] += seg[s].y[i];
            const char *sp = corpus_split_name(splits[k]);
            rc = compress_oov_rows(res, c0->name, sp, b0->lang, b0->tok, y[0], y[1], err);
            if (rc == TB_OK && splits[k] != CORPUS_TRAIN)
                rc = compress_symbol_rows(res, c0->name, sp, b0->lang, b0->tok, y[2], y[3],
                                          b0->dict, err);
        }
        /* timing rows (partial_model.h): s_train, encode_mb_per_s */
        if (rc == TB_OK && tb) {
            size_t k0 = 0;
            for (size_t q = 0; q < n; q++) {
                tb[q] = &p[q]->c[ci].b[bi].pm;
                k0 = p[q]->k == 0 ? q : k0;
            }
            rc = partial_model_timing_rows(tb, n, k0, splits[k], c0->name, b0->lang, b0->tok,
                                           res, err);
        }
    }
    free(seg);
    free(ens);
    free(have);
    free(cnt);
    free(ratios);
    free(tb);
    return rc;
}

/* The test split of block bi of corpus ci over the n partials, as the model
 * stage prices it: *lens (malloc'd) the token counts of its test segments in
 * corpus order, *vp the priced vocabulary (stage_model_vocab_priced: the
 * vocabulary, or for a code-space scheme max(256, the distinct ids of the H
 * lines of every shard)). Every segment in exactly one partial, else
 * TB_EINPUT. */
static int block_test(partial *const *p, size_t n, size_t ci, size_t bi, size_t **lens,
                      size_t *n_lens, size_t *vp, tb_error *err)
{
    const struct pcorpus *c0 = &p[0]->c[ci];
    const struct pblock *b0 = &c0->b[bi];
    size_t ns = c0->n_segments, rows = 0;
    *lens = NULL;
    *n_lens = 0;
    for (size_t k = 0; k < n; k++)
        rows += p[k]->c[ci].b[bi].n_segs;
    if (rows != ns)
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s' (%s %s): the partials hold %zu segment rows for its %zu "
                       "segments", c0->name, b0->tok, b0->lang, rows, ns);
    uint32_t *tok = tb_calloc(ns ? ns : 1, sizeof *tok, err);
    unsigned char *have = tok ? tb_calloc(ns ? ns : 1, 1, err) : NULL;
    int code = b0->vocab >= STAGE_MODEL_CODE_SPACE;
    uint64_t *seen = have && code ? tb_calloc((b0->vocab + 63) / 64, sizeof *seen, err) : NULL;
    *lens = have && (seen || !code) ? tb_malloc((ns ? ns : 1) * sizeof **lens, err) : NULL;
    int rc = *lens ? TB_OK : (err->status ? err->status : TB_EINPUT);
    size_t distinct = 0;
    for (size_t k = 0; k < n && rc == TB_OK; k++) {
        const struct pblock *b = &p[k]->c[ci].b[bi];
        for (size_t i = 0; i < b->n_segs && rc == TB_OK; i++) {
            size_t s = b->segs[i].seg;
            if (have[s])
                rc = tb_fail(err, TB_EINPUT,
                             "partial '%s': corpus '%s' segment %zu (%s %s) is also in another "
                             "shard's partial", p[k]->path, c0->name, s + 1, b0->tok, b0->lang);
            have[s] = 1 + (uint8_t)b->segs[i].test;
            tok[s] = b->segs[i].v[3];
        }
        for (size_t i = 0; seen && i < b->n_hist; i++) {
            size_t id = b->hist[i].id;
            uint64_t bit = (uint64_t)1 << (id % 64);
            if (!(seen[id / 64] & bit)) {
                seen[id / 64] |= bit;
                distinct++;
            }
        }
    }
    for (size_t s = 0; s < ns && rc == TB_OK; s++) {
        if (!have[s])
            rc = tb_fail(err, TB_EINPUT, "corpus '%s' segment %zu (%s %s) is in none of the "
                                         "partials", c0->name, s + 1, b0->tok, b0->lang);
        else if (have[s] == 2)
            (*lens)[(*n_lens)++] = tok[s];
    }
    *vp = code ? (distinct < 256 ? 256 : distinct) : b0->vocab;
    free(tok);
    free(have);
    free(seen);
    if (rc) {
        free(*lens);
        *lens = NULL;
    }
    return rc;
}

/* The model rows (with mm) of the emitted blocks [bi, be) of corpus ci (one
 * spec), the pivot's block of the spec giving the _vs_en rows; then the
 * spec's training rows, regime by regime, the pivot's job first. */
static int merge_ngram(partial *const *p, size_t n, size_t ci, size_t bi0, size_t bi1,
                       const char *data_dir, const char *cache_dir, const partial_model_merge *mm,
                       corpus **c, results *res, tb_error *err);

static int merge_spec_model(partial *const *p, size_t n, size_t ci, size_t bi, size_t be,
                            partial_model_merge *mm, const char *data_dir, const char *cache_dir,
                            corpus **c, results *res, tb_error *err)
{
    const struct pcorpus *c0 = &p[0]->c[ci];
    size_t en = (size_t)-1, k0 = 0;
    for (size_t k = 0; k < n; k++)
        k0 = p[k]->k == 0 ? k : k0;
    for (size_t j = bi; j < be; j++)
        if (strcmp(c0->b[j].lang, c0->pivot) == 0)
            en = j;
    int rc = TB_OK;
    size_t *el = NULL, n_el = 0, vp_en = 0;
    int model = partial_model_merge_models(mm);
    if (model && en != (size_t)-1)
        rc = block_test(p, n, ci, en, &el, &n_el, &vp_en, err);
    /* per language, as run_spec: the model rows, then the n-gram rows */
    for (size_t j = bi; j < be && rc == TB_OK; j++) {
        if (!c0->b[j].emit)
            continue;
        if (model) {
            size_t *ll = NULL, n_ll = 0, vp = 0;
            rc = block_test(p, n, ci, j, &ll, &n_ll, &vp, err);
            if (rc == TB_OK)
                rc = partial_model_merge_rows(mm, c0->name, c0->b[j].lang, c0->b[j].tok, ll,
                                              n_ll, vp, el, n_el, vp_en, &p[k0]->c[ci].b[j].pm,
                                              el ? &p[k0]->c[ci].b[en].pm : NULL, res, err);
            free(ll);
        }
        if (rc == TB_OK)
            rc = merge_ngram(p, n, ci, j, j + 1, data_dir, cache_dir, mm, c, res, err);
    }
    free(el);
    /* training: each job's rows are in its owner's partial */
    unsigned regimes = 0;
    for (size_t k = 0; k < n; k++)
        for (size_t j = bi; j < be; j++) {
            unsigned r = partial_model_train_regimes(&p[k]->c[ci].b[j].pm);
            regimes = r > regimes ? r : regimes;
        }
    for (unsigned r = 0; r < regimes && rc == TB_OK; r++)
        for (size_t t = 0; t <= be - bi && rc == TB_OK; t++) {
            /* t == 0: the pivot's block; then the others in corpus order */
            size_t j = t == 0 ? en : bi + t - 1;
            if (j == (size_t)-1 || (t > 0 && j == en) || !c0->b[j].emit ||
                c0->b[j].pm.owner < 0)
                continue;
            for (size_t k = 0; k < n && rc == TB_OK; k++)
                if ((long)p[k]->k == c0->b[j].pm.owner)
                    rc = partial_model_train_rows(&p[k]->c[ci].b[j].pm, r, c0->name,
                                                  c0->b[j].lang, c0->b[j].tok, res, err);
        }
    return rc;
}

/* The archivers' rows of corpus pc (gzip, xz, zstd of the whole text: not
 * additive over shards), when a symbol scheme is in its blocks: computed
 * here from the corpus under data_dir, in the order run_corpus emits them
 * (after every spec's rows; per emitted language in corpus order, split all
 * then test). */
static int merge_archivers(const struct pcorpus *pc, const char *data_dir, results *res,
                           tb_error *err)
{
    int any = 0;
    for (size_t j = 0; j < pc->nb; j++)
        any |= pc->b[j].sym;
    if (!any)
        return TB_OK;
    if (!data_dir)
        return tb_fail(err, TB_EUSAGE,
                       "corpus '%s': the archivers' rows of a symbol scheme need the corpus "
                       "(--data)", pc->name);
    corpus *c = NULL;
    int rc = run_corpus_open(data_dir, pc->name, &c, err);
    if (rc == TB_OK && strcmp(corpus_manifest_hash(c), pc->sha) != 0)
        rc = tb_fail(err, TB_EINPUT,
                     "corpus '%s' under '%s': MANIFEST sha256 %s, the partials' %s: the "
                     "archivers' rows need the corpus the shards ran on",
                     pc->name, data_dir, corpus_manifest_hash(c), pc->sha);
    for (size_t l = 0; rc == TB_OK && l < corpus_n_langs(c); l++) {
        int want = 0;
        for (size_t j = 0; j < pc->nb; j++)
            want |= pc->b[j].emit && strcmp(pc->b[j].lang, corpus_lang(c, l)) == 0;
        if (!want)
            continue;
        rc = compress_emit_archivers(res, c, l, CORPUS_ALL, "archive", err);
        if (rc == TB_OK)
            rc = compress_emit_archivers(res, c, l, CORPUS_TEST, "archive", err);
    }
    corpus_free(c);
    return rc;
}

/* The n-gram rows of the blocks bi0 .. bi1-1 (one spec) of corpus ci, after
 * their token rows, as run_spec emits them; the corpus is opened under
 * data_dir once (*c). */
static int merge_ngram(partial *const *p, size_t n, size_t ci, size_t bi0, size_t bi1,
                       const char *data_dir, const char *cache_dir, const partial_model_merge *mm,
                       corpus **c, results *res, tb_error *err)
{
    const struct pcorpus *pc = &p[0]->c[ci];
    int rc = TB_OK;
    for (size_t bi = bi0; bi < bi1 && rc == TB_OK; bi++) {
        const struct pblock *b0 = &pc->b[bi];
        if (!b0->ng.order)
            continue;
        if (!*c) {
            if (!data_dir)
                return tb_fail(err, TB_EUSAGE,
                               "corpus '%s': the n-gram rows need the corpus for the test "
                               "split and the tokenizer's pieces (--data)", pc->name);
            rc = run_corpus_open_pivot(data_dir, pc->name,
                                       strcmp(pc->pivot, "-") ? pc->pivot : NULL, c, err);
            if (rc == TB_OK && strcmp(corpus_manifest_hash(*c), pc->sha) != 0)
                rc = tb_fail(err, TB_EINPUT,
                             "corpus '%s' under '%s': MANIFEST sha256 %s, the partials' %s: the "
                             "n-gram rows need the corpus the shards ran on",
                             pc->name, data_dir, corpus_manifest_hash(*c), pc->sha);
            if (rc)
                return rc;
        }
        int l = corpus_find_lang(*c, b0->lang);
        if (l < 0)
            return tb_fail(err, TB_EINPUT, "corpus '%s' under '%s' has no language '%s'",
                           pc->name, data_dir, b0->lang);
        const char **paths = tb_calloc(n, sizeof *paths, err);
        const partial_ngram **ng = paths ? tb_calloc(n, sizeof *ng, err) : NULL;
        if (!ng)
            rc = err->status;
        for (size_t k = 0; ng && k < n; k++) {
            paths[k] = p[k]->path;
            ng[k] = &p[k]->c[ci].b[bi].ng;
        }
        /* with the model stage, the selector latency on the merged model, as
         * run_spec hooks it (the test split's words from the S lines) */
        latency_hook h;
        int latency = partial_model_merge_models(mm);
        if (latency) {
            size_t test_words = 0;
            for (size_t k = 0; k < n; k++) {
                const struct pblock *b = &p[k]->c[ci].b[bi];
                for (size_t q = 0; q < b->n_segs; q++)
                    test_words += b->segs[q].test ? b->segs[q].v[2] : 0;
            }
            const roofline_config *rcfg = NULL;
            const roofline *rf = partial_model_merge_roofline(mm, &rcfg);
            latency_hook_init(&h, partial_model_merge_timed(mm), *c, (size_t)l, b0->tok, test_words,
                              res, rf, rcfg, b0->ng.order);
        }
        if (rc == TB_OK)
            rc = partial_ngram_merge(paths, ng, n, *c, (size_t)l, b0->tok, cache_dir,
                                     latency ? latency_hook_on_model : NULL,
                                     latency ? &h : NULL, res, err);
        free(paths);
        free(ng);
    }
    return rc;
}

int partial_merge(partial *const *p, size_t n, const char *data_dir, const char *cache_dir,
                  const char *hardware_path,
                  results *res, tb_error *err)
{
    if (n == 0)
        return tb_fail(err, TB_EUSAGE, "no partials to merge");
    const partial *a = p[0];
    for (size_t k = 1; k < n; k++) {
        const partial *q = p[k];
        if (q->n != a->n)
            return tb_fail(err, TB_EINPUT,
                           "partial '%s' is of %zu shards, '%s' of %zu: one sharding at a time",
                           q->path, q->n, a->path, a->n);
        int same = q->n_specs == a->n_specs;
        for (size_t i = 0; same && i < a->n_specs; i++)
            same = strcmp(q->specs[i], a->specs[i]) == 0;
        if (!same)
            return tb_fail(err, TB_EINPUT,
                           "partial '%s' has another spec list than '%s' (%zu specs, first "
                           "'%s'; %zu specs, first '%s')",
                           q->path, a->path, q->n_specs, q->n_specs ? q->specs[0] : "",
                           a->n_specs, a->n_specs ? a->specs[0] : "");
        if (partial_model_header_check(&a->pmh, a->path, &q->pmh, q->path, err))
            return err->status;
        if (q->nc != a->nc)
            return tb_fail(err, TB_EINPUT, "partial '%s' has %zu corpora, '%s' %zu", q->path,
                           q->nc, a->path, a->nc);
        for (size_t i = 0; i < a->nc; i++) {
            const struct pcorpus *x = &a->c[i], *y = &q->c[i];
            if (strcmp(x->name, y->name) != 0)
                return tb_fail(err, TB_EINPUT, "partial '%s' has corpus '%s' where '%s' has '%s'",
                               q->path, y->name, a->path, x->name);
            if (strcmp(x->sha, y->sha) != 0 || x->n_segments != y->n_segments)
                return tb_fail(err, TB_EINPUT,
                               "partial '%s': corpus '%s' MANIFEST sha256 %s differs from '%s' "
                               "(%s): shards of different corpus versions",
                               q->path, y->name, y->sha, a->path, x->sha);
            if (strcmp(x->pivot, y->pivot) != 0)
                return tb_fail(err, TB_EINPUT, "partial '%s': corpus '%s' pivot '%s', '%s' has '%s'",
                               q->path, y->name, y->pivot, a->path, x->pivot);
            if (x->nb != y->nb)
                return tb_fail(err, TB_EINPUT, "partial '%s': corpus '%s' has %zu blocks, '%s' %zu",
                               q->path, y->name, y->nb, a->path, x->nb);
            for (size_t j = 0; j < x->nb; j++)
                if (strcmp(x->b[j].tok, y->b[j].tok) || strcmp(x->b[j].lang, y->b[j].lang) ||
                    x->b[j].vocab != y->b[j].vocab || x->b[j].counted != y->b[j].counted ||
                    x->b[j].emit != y->b[j].emit || x->b[j].has_offsets != y->b[j].has_offsets ||
                    x->b[j].decodes != y->b[j].decodes ||
                    x->b[j].sym != y->b[j].sym || x->b[j].dict != y->b[j].dict ||
                    x->b[j].ng.order != y->b[j].ng.order ||
                    (x->b[j].ng.order && strcmp(x->b[j].ng.spec, y->b[j].ng.spec)) ||
                    x->b[j].pm.owner != y->b[j].pm.owner)
                    return tb_fail(err, TB_EINPUT,
                                   "partial '%s': corpus '%s' block %zu (%s %s) differs from "
                                   "'%s' (%s %s)",
                                   q->path, y->name, j + 1, y->b[j].tok, y->b[j].lang, a->path,
                                   x->b[j].tok, x->b[j].lang);
        }
    }
    unsigned char *seen = tb_calloc(a->n, 1, err);
    if (!seen)
        return TB_EINPUT;
    size_t *who = tb_calloc(a->n, sizeof *who, err);
    int rc = who ? TB_OK : TB_EINPUT;
    for (size_t k = 0; k < n && rc == TB_OK; k++) {
        if (seen[p[k]->k])
            rc = tb_fail(err, TB_EINPUT, "shard %zu/%zu is given twice: '%s' and '%s'", p[k]->k,
                         a->n, p[who[p[k]->k]]->path, p[k]->path);
        seen[p[k]->k] = 1;
        who[p[k]->k] = k;
    }
    for (size_t k = 0; k < a->n && rc == TB_OK; k++)
        if (!seen[k])
            rc = tb_fail(err, TB_EINPUT,
                         "shard %zu/%zu is missing (%zu of %zu partials given); nothing written",
                         k, a->n, n, a->n);
    free(seen);
    free(who);
    partial_model_merge *mm = NULL;
    if (rc == TB_OK)
        rc = partial_model_merge_new(&a->pmh, hardware_path, &mm, err);
    for (size_t ci = 0; ci < a->nc && rc == TB_OK; ci++) {
        /* a spec's blocks (one per measured language), then its model and
         * training rows, as run_spec emits them */
        const struct pcorpus *c0 = &a->c[ci];
        corpus *c = NULL; /* opened once, for the n-gram rows */
        /* shard 0's timing curve and roofline check, its check rows first */
        size_t k0 = 0;
        const char *first = NULL;
        for (size_t k = 0; k < n; k++)
            k0 = p[k]->k == 0 ? k : k0;
        for (size_t j = 0; j < c0->nb && !first; j++)
            first = c0->b[j].emit ? c0->b[j].lang : NULL;
        rc = partial_model_merge_corpus(mm, &p[k0]->c[ci].pm, c0->name, first, res, err);
        for (size_t bi = 0, be; bi < c0->nb && rc == TB_OK; bi = be) {
            for (be = bi; be < c0->nb && strcmp(c0->b[be].tok, c0->b[bi].tok) == 0; be++)
                if (c0->b[be].emit && rc == TB_OK)
                    rc = merge_block(p, n, ci, be, res, err);
            if (rc == TB_OK)
                rc = merge_spec_model(p, n, ci, bi, be, mm, data_dir, cache_dir, &c, res, err);
        }
        corpus_free(c);
        if (rc == TB_OK)
            rc = merge_archivers(&a->c[ci], data_dir, res, err);
    }
    partial_model_merge_free(mm);
    return rc;
}
