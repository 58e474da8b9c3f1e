/* partial_model.c - model-stage and training records of shard partials
 * (partial_model.h). */
#include "partial_model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/sha256.h"
#include "../model/roofline.h"
#include "../tokenizers/tokenizer.h"
#include "stage_model.h"
#include "stage_roofline.h"
#include "stage_train.h"

static char *dup_str(const char *s, tb_error *err)
{
    size_t n = strlen(s) + 1;
    char *d = tb_malloc(n, err);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* sha256 of the file at path (hex), TB_EINPUT naming it when unreadable. */
static int file_sha256(const char *path, char out[65], tb_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tb_fail(err, TB_EINPUT, "hardware profiles '%s': cannot open: %s", path,
                       strerror(errno));
    sha256_ctx s;
    sha256_init(&s);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return tb_fail(err, TB_EINPUT, "hardware profiles '%s': read error", path);
    uint8_t d[32];
    sha256_final(&s, d);
    sha256_digest_hex(d, out);
    return TB_OK;
}

/* ---- shard side ------------------------------------------------------- */

static const char *const k_kinds[] = {"steps", "flops", "tokens", "epochs"};

int partial_model_write_header(FILE *f, const run_config *cfg, tb_error *err)
{
    if (cfg->model_preset) {
        char sha[65] = "-";
        if (cfg->hardware_path && file_sha256(cfg->hardware_path, sha, err))
            return err->status;
        fprintf(f, "model\t%s\t%s\n", cfg->model_preset, sha);
    }
    if (cfg->timing)
        fprintf(f, "timing\t1\n");
    if (cfg->n_train) {
        /* what makes the rows of a job: every regime's settings */
        fprintf(f, "train");
        for (size_t r = 0; r < cfg->n_train; r++) {
            const stage_train_config *t = &cfg->train[r];
            fprintf(f, "\t%s %s %.17g eval %.17g target %s%s model %zu/%zu/%zu/%zu batch "
                       "%zu/%zu lr %.17g seed %llu timing %d",
                    t->label && t->label[0] ? t->label : "train", k_kinds[t->kind], t->budget,
                    t->eval_bytes, t->target_en ? "en" : "none", t->target_self ? "-self" : "",
                    t->model.d_model, t->model.n_layers, t->model.n_heads, t->model.context,
                    t->tc.batch, t->tc.seq, t->tc.lr, (unsigned long long)t->tc.data_seed,
                    !t->no_timing);
        }
        fputc('\n', f);
    }
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial header") : TB_OK;
}

size_t partial_train_owner(const char *cname, const char *spec, const char *lang, size_t n)
{
    uint64_t h = tb_fnv1a64_update(TB_FNV1A64_INIT, "train:", 6);
    h = tb_fnv1a64_update(h, cname, strlen(cname));
    h = tb_fnv1a64_update(h, ":", 1);
    h = tb_fnv1a64_update(h, spec, strlen(spec));
    h = tb_fnv1a64_update(h, ":", 1);
    h = tb_fnv1a64_update(h, lang, strlen(lang));
    return n ? (size_t)(h % n) : 0;
}

int partial_model_write_hist(const token_streams *ts, const corpus *c, const unsigned char *only,
                             FILE *f, tb_error *err)
{
    size_t v = ts->vocab_size;
    if (v < STAGE_MODEL_CODE_SPACE)
        return TB_OK;
    uint64_t *cnt = tb_calloc(2 * v, sizeof *cnt, err);
    if (!cnt)
        return err->status ? err->status : TB_EINPUT;
    for (size_t s = 0; s < ts->n_segments; s++) {
        if (only && !only[s])
            continue;
        size_t half = corpus_in_split(c, s, CORPUS_TEST) ? v : 0;
        for (size_t i = ts->first[s]; i < ts->first[s + 1]; i++)
            if (ts->ids[i] < v)
                cnt[half + ts->ids[i]]++;
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < v; i++)
            if (cnt[(size_t)k * v + i])
                fprintf(f, "H\t%d\t%zu\t%llu\n", k, i, (unsigned long long)cnt[(size_t)k * v + i]);
    free(cnt);
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial: write error") : TB_OK;
}

int partial_timing_write_block(const tokenizer *t, const corpus *c, size_t li,
                               const unsigned char *only, double s_train, FILE *f,
                               tb_error *err)
{
    uint64_t b[2];
    double sec[2];
    static const enum corpus_split sp[2] = {CORPUS_ALL, CORPUS_TEST};
    for (int i = 0; i < 2; i++)
        if (metrics_time_encode_only(t, c, li, sp[i], only, &b[i], &sec[i], err))
            return err->status ? err->status : TB_EINPUT;
    fprintf(f, "T\t%llu\t%.17g\t%llu\t%.17g\t%.17g\n", (unsigned long long)b[0], sec[0],
            (unsigned long long)b[1], sec[1], s_train > 0 ? s_train : 0.0);
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial: write error") : TB_OK;
}

int partial_model_write_head(stage_model *sm, const token_streams *ts, FILE *f, tb_error *err)
{
    size_t vp;
    stage_model_curve cv;
    double row, one;
    if (stage_model_vocab_priced(ts, &vp, err) ||
        stage_model_measure(sm, vp, &cv, &row, &one, err))
        return err->status ? err->status : TB_EINPUT;
    fprintf(f, "M\t%zu\t%.17g\t%.17g\n", vp, row, one);
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial: write error") : TB_OK;
}

int partial_model_write_corpus(stage_model *sm, const roofline_check *chk, FILE *f,
                               tb_error *err)
{
    if (sm) {
        stage_model_curve cv;
        double row, one;
        if (stage_model_measure(sm, 256, &cv, &row, &one, err))
            return err->status ? err->status : TB_EINPUT;
        for (size_t i = 0; i < cv.n_sweep; i++)
            fprintf(f, "MP\t%zu\t%.17g\n", cv.sweep_n[i], cv.sweep_ms[i]);
        for (size_t i = 0; i < cv.n_dec; i++)
            fprintf(f, "MD\t%zu\t%.17g\n", cv.dec_pos[i], cv.dec_ms[i]);
        fprintf(f, "MS\t%zu\t%.17g\t%.17g\n", cv.n_stat, cv.stat_body_ms, cv.stat_body_gemm_ms);
    }
    if (chk)
        fprintf(f, "K\t%s\t%zu\t%zu\t%zu\t%d\t%.17g\t%.17g\t%d\t%d\t%.17g\t%.17g\t%.17g\t%.17g\t"
                   "%.17g\t%.17g\t%.17g\t%.17g\n",
                chk->preset, chk->n, chk->vocab, chk->cache, chk->repeats,
                chk->machine.sgemm_gflops, chk->machine.bandwidth_gbs, chk->machine.threads,
                chk->machine.cpu_clock, chk->prefill_flops, chk->prefill_ms_measured,
                chk->prefill_ms_projected, chk->prefill_err, chk->decode_bytes,
                chk->decode_ms_measured, chk->decode_ms_projected, chk->decode_err);
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial: write error") : TB_OK;
}

struct partial_train {
    size_t nl, n_regimes;
    long *owner;        /* (nl) -1: not a job */
    results **rows;     /* (n_regimes x nl) the rows of the shard's own jobs */
};

void partial_train_free(partial_train *pt)
{
    if (!pt)
        return;
    for (size_t i = 0; pt->rows && i < pt->nl * pt->n_regimes; i++)
        results_free(pt->rows[i]);
    free(pt->rows);
    free(pt->owner);
    free(pt);
}

int partial_train_run(const run_config *cfg, const corpus *c, const char *spec,
                      tokenizer *const *tk, const unsigned char *want, int en,
                      partial_train **out, tb_error *err)
{
    *out = NULL;
    size_t nl = corpus_n_langs(c), nr = cfg->n_train;
    partial_train *pt = tb_calloc(1, sizeof *pt, err);
    if (!pt)
        return err->status ? err->status : TB_EINPUT;
    pt->nl = nl;
    pt->n_regimes = nr;
    pt->owner = tb_calloc(nl ? nl : 1, sizeof *pt->owner, err);
    pt->rows = pt->owner ? tb_calloc(nl * nr > 0 ? nl * nr : 1, sizeof *pt->rows, err) : NULL;
    size_t *order = pt->rows ? tb_malloc((nl ? nl : 1) * sizeof *order, err) : NULL;
    token_streams *ts = order ? tb_calloc(nl ? nl : 1, sizeof *ts, err) : NULL;
    uint32_t **ids = ts ? tb_calloc(nl ? nl : 1, sizeof *ids, err) : NULL;
    size_t **first = ids ? tb_calloc(nl ? nl : 1, sizeof *first, err) : NULL;
    int rc = first ? TB_OK : (err->status ? err->status : TB_EINPUT);
    results *scratch = NULL;
    int mine_other = 0; /* a job of this shard that is not the pivot's */
    for (size_t l = 0; rc == TB_OK && l < nl; l++) {
        pt->owner[l] = want[l] ? (long)partial_train_owner(corpus_name(c), spec,
                                                           corpus_lang(c, l), cfg->shard_n)
                               : -1;
        mine_other |= want[l] && (int)l != en && pt->owner[l] == (long)cfg->shard_k;
        order[l] = l;
    }
    if (rc == TB_OK)
        stage_train_pivot_first(order, nl, en);
    if (rc == TB_OK)
        rc = results_new(&scratch, err);
    for (size_t r = 0; r < nr && rc == TB_OK; r++) {
        double en_final = 0;
        for (size_t k = 0; k < nl && rc == TB_OK; k++) {
            size_t l = order[k];
            if (!want[l])
                continue;
            int mine = pt->owner[l] == (long)cfg->shard_k, is_pivot = (int)l == en;
            /* the pivot's final value is the target of the others' jobs */
            if (!mine && !(is_pivot && mine_other && cfg->train[r].target_en))
                continue;
            if (!ids[l])
                rc = stage_train_encode(tk[l], c, l, &ts[l], &ids[l], &first[l], err);
            results *dst = scratch;
            if (rc == TB_OK && mine) {
                rc = results_new(&pt->rows[r * nl + l], err);
                dst = pt->rows[r * nl + l];
            }
            stage_train_config tc = stage_train_for_lang(&cfg->train[r], is_pivot, en_final);
            stage_train_result tr = {0};
            if (rc == TB_OK)
                rc = stage_train_rows(c, l, tk[l], &ts[l], &tc, dst, &tr, err);
            if (is_pivot)
                en_final = tr.bits_per_en_byte;
        }
    }
    results_free(scratch);
    for (size_t l = 0; ids && l < nl; l++) {
        free(ids[l]);
        free(first[l]);
    }
    free(ids);
    free(first);
    free(ts);
    free(order);
    if (rc) {
        partial_train_free(pt);
        return rc;
    }
    *out = pt;
    return TB_OK;
}

int partial_train_write_block(const partial_train *pt, size_t l, FILE *f, tb_error *err)
{
    if (!pt || l >= pt->nl || pt->owner[l] < 0)
        return TB_OK;
    fprintf(f, "J\t%ld\n", pt->owner[l]);
    for (size_t r = 0; r < pt->n_regimes; r++) {
        const results *res = pt->rows[r * pt->nl + l];
        for (size_t i = 0; res && i < results_count(res); i++) {
            result_row row;
            results_get(res, i, &row);
            fprintf(f, "R\t%zu\t%s\t%s\t%.17g\t%s\n", r, row.split, row.metric, row.value,
                    row.unit);
        }
    }
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial: write error") : TB_OK;
}

/* ---- reader ----------------------------------------------------------- */

int partial_model_header_is(const char *line)
{
    return strncmp(line, "model\t", 6) == 0 || strncmp(line, "train\t", 6) == 0 ||
           strncmp(line, "timing\t", 7) == 0;
}

int partial_model_header_line(partial_model_header *h, const char *line, const char *path,
                              size_t ln, tb_error *err)
{
    if (strncmp(line, "timing\t", 7) == 0) {
        if (h->timing || strcmp(line + 7, "1") != 0)
            return tb_fail(err, TB_EINPUT, "partial '%s':%zu: expected one 'timing 1' line", path,
                           ln);
        h->timing = dup_str("1", err);
        return h->timing ? TB_OK : (err->status ? err->status : TB_EINPUT);
    }
    int is_model = strncmp(line, "model\t", 6) == 0;
    char **slot = is_model ? &h->model : &h->train;
    const char *rest = line + 6;
    if (*slot)
        return tb_fail(err, TB_EINPUT, "partial '%s':%zu: a second '%s' line", path, ln,
                       is_model ? "model" : "train");
    if (is_model) {
        const char *t = strchr(rest, '\t');
        size_t sl = t ? strlen(t + 1) : 0;
        int ok = t && t > rest && !strchr(t + 1, '\t') &&
                 (strcmp(t + 1, "-") == 0 ||
                  (sl == 64 && strspn(t + 1, "0123456789abcdef") == 64));
        if (!ok)
            return tb_fail(err, TB_EINPUT,
                           "partial '%s':%zu: expected 'model PRESET sha256|-' (the profiles "
                           "file's sha256, 64 hex digits)", path, ln);
    } else if (!*rest) {
        return tb_fail(err, TB_EINPUT, "partial '%s':%zu: expected 'train DESCRIPTION'", path,
                       ln);
    }
    if (!(*slot = dup_str(rest, err)))
        return err->status ? err->status : TB_EINPUT;
    return TB_OK;
}

void partial_model_header_free(partial_model_header *h)
{
    free(h->model);
    free(h->train);
    free(h->timing);
    h->model = h->train = h->timing = NULL;
}

int partial_model_block_is(const char *f0)
{
    return !strcmp(f0, "J") || !strcmp(f0, "R") || !strcmp(f0, "T") || !strcmp(f0, "M");
}

/* A finite non-negative %.17g number, all of s. */
static int real(const char *s, double *out)
{
    char *end = NULL;
    if (!*s || *s == '-' || *s == ' ')
        return -1;
    double x = strtod(s, &end);
    if (!end || *end || !isfinite(x) || x < 0)
        return -1;
    *out = x;
    return 0;
}

/* An unsigned decimal up to max. */
static int count(const char *s, uint64_t max, uint64_t *out)
{
    if (!*s || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s))
        return -1;
    *out = strtoull(s, NULL, 10);
    return *out > max ? -1 : 0;
}

/* A decimal of at most 7 digits (an owner shard < 2^20, a regime). */
static int small_num(const char *s, unsigned long max, unsigned long *out)
{
    if (!*s || strlen(s) > 7 || strspn(s, "0123456789") != strlen(s))
        return -1;
    *out = strtoul(s, NULL, 10);
    return *out > max ? -1 : 0;
}

int partial_model_block_line(partial_model_block *b, size_t k, char **fl, size_t nf,
                             const char *path, size_t ln, tb_error *err)
{
    unsigned long v;
    b->any = 1;
    if (strcmp(fl[0], "T") == 0) {
        uint64_t x0, x2;
        double a, t, st;
        if (nf != 6 || b->has_t || count(fl[1], UINT64_MAX >> 8, &x0) || real(fl[2], &a) ||
            count(fl[3], x0, &x2) || real(fl[4], &t) || real(fl[5], &st))
            return tb_fail(err, TB_EINPUT,
                           "partial '%s':%zu: bad timing line (T bytes_all s_all bytes_test "
                           "s_test s_train, once a block)", path, ln);
        b->has_t = 1;
        b->t_bytes[0] = x0;
        b->t_bytes[1] = x2;
        b->t_s[0] = a;
        b->t_s[1] = t;
        b->s_train = st;
        return TB_OK;
    }
    if (strcmp(fl[0], "M") == 0) {
        uint64_t vv;
        if (nf != 4 || b->has_m || count(fl[1], 1u << 24, &vv) || vv == 0 ||
            real(fl[2], &b->m_row) || real(fl[3], &b->m_one))
            return tb_fail(err, TB_EINPUT,
                           "partial '%s':%zu: bad model head line (M vocab row_ms one_ms, once a "
                           "block)", path, ln);
        b->has_m = 1;
        b->m_vocab = (size_t)vv;
        return TB_OK;
    }
    if (strcmp(fl[0], "J") == 0) {
        if (nf != 2 || b->owner >= 0 || small_num(fl[1], 1u << 20, &v))
            return tb_fail(err, TB_EINPUT,
                           "partial '%s':%zu: bad training job line (J owner, once a block)",
                           path, ln);
        b->owner = (long)v;
        return TB_OK;
    }
    /* R regime split metric value unit: only in the owner's block */
    char *end = NULL;
    double x = nf == 6 ? strtod(fl[4], &end) : 0;
    int ok = nf == 6 && b->owner == (long)k && !small_num(fl[1], 15, &v) &&
             (!strcmp(fl[2], "all") || !strcmp(fl[2], "train") || !strcmp(fl[2], "test")) &&
             strncmp(fl[3], "train_", 6) == 0 && fl[4][0] && end && !*end && isfinite(x) &&
             fl[5][0];
    if (!ok)
        return tb_fail(err, TB_EINPUT,
                       "partial '%s':%zu: bad training row line (R regime split train_METRIC "
                       "value unit, after 'J %zu' of this shard)",
                       path, ln, k);
    if (b->n_rows == b->cap_rows) {
        size_t nc = b->cap_rows ? 2 * b->cap_rows : 16;
        partial_train_row *nr = tb_realloc(b->rows, nc * sizeof *nr, err);
        if (!nr)
            return err->status ? err->status : TB_EINPUT;
        b->rows = nr;
        b->cap_rows = nc;
    }
    partial_train_row *r = &b->rows[b->n_rows];
    memset(r, 0, sizeof *r);
    r->regime = (unsigned)v;
    r->value = x;
    if (!(r->split = dup_str(fl[2], err)) || !(r->metric = dup_str(fl[3], err)) ||
        !(r->unit = dup_str(fl[5], err))) {
        free(r->split);
        free(r->metric);
        return err->status ? err->status : TB_EINPUT;
    }
    b->n_rows++;
    return TB_OK;
}

int partial_model_corpus_is(const char *line)
{
    return !strncmp(line, "MP\t", 3) || !strncmp(line, "MD\t", 3) ||
           !strncmp(line, "MS\t", 3) || !strncmp(line, "K\t", 2);
}

int partial_model_corpus_line(partial_model_corpus *pc, char *line, const char *path,
                              size_t ln, tb_error *err)
{
    char *f[24] = {0};
    size_t m = 0;
    for (char *q = line; m < 24;) {
        f[m++] = q;
        char *t = strchr(q, '\t');
        if (!t)
            break;
        *t = '\0';
        q = t + 1;
    }
    stage_model_curve *c = &pc->curve;
    uint64_t u;
    double x, y;
    int ok = 0;
    const char *what = "";
    if (strcmp(f[0], "MP") == 0) {
        what = "MP n ms: a prefill point of the timing curve, lengths ascending, before MD and MS";
        ok = m == 3 && c->n_sweep < STAGE_MODEL_MAX_SWEEP && !c->n_dec && !pc->has_ms &&
             !count(f[1], 1u << 24, &u) && !real(f[2], &x);
        if (ok) {
            c->sweep_n[c->n_sweep] = (size_t)u;
            c->sweep_ms[c->n_sweep++] = x;
        }
    } else if (strcmp(f[0], "MD") == 0) {
        what = "MD pos ms: a decode point, after MP, at most 3";
        ok = m == 3 && c->n_sweep && c->n_dec < 3 && !pc->has_ms &&
             !count(f[1], 1u << 24, &u) && !real(f[2], &x);
        if (ok) {
            c->dec_pos[c->n_dec] = (size_t)u;
            c->dec_ms[c->n_dec++] = x;
        }
    } else if (strcmp(f[0], "MS") == 0) {
        what = "MS n body_ms gemm_ms: the statistics prefill, once, after MP";
        ok = m == 4 && c->n_sweep && !pc->has_ms && !count(f[1], 1u << 24, &u) &&
             !real(f[2], &x) && !real(f[3], &y);
        if (ok) {
            c->n_stat = (size_t)u;
            c->stat_body_ms = x;
            c->stat_body_gemm_ms = y;
            pc->has_ms = 1;
        }
    } else {
        what = "K preset n vocab cache repeats sgemm_gflops bandwidth_gbs threads cpu_clock "
               "prefill_flops prefill_ms_measured prefill_ms_projected prefill_err "
               "decode_bytes decode_ms_measured decode_ms_projected decode_err, once";
        roofline_check *k = &pc->chk;
        uint64_t n, v, ca, re, th, cc;
        double d[10];
        char *end;
        ok = m == 18 && !pc->has_k && f[1][0] && strlen(f[1]) < sizeof k->preset &&
             !count(f[2], 1u << 24, &n) && !count(f[3], 1u << 24, &v) &&
             !count(f[4], 1u << 24, &ca) && !count(f[5], 64, &re) && !real(f[6], &d[0]) &&
             !real(f[7], &d[1]) && !count(f[8], 1024, &th) && !count(f[9], 1, &cc);
        for (int i = 0; ok && i < 8; i++) { /* the errors may be negative */
            d[2 + i] = strtod(f[10 + i], &end);
            ok = f[10 + i][0] && !*end && isfinite(d[2 + i]);
        }
        if (ok) {
            memset(k, 0, sizeof *k);
            snprintf(k->preset, sizeof k->preset, "%s", f[1]);
            k->n = (size_t)n;
            k->vocab = (size_t)v;
            k->cache = (size_t)ca;
            k->repeats = (int)re;
            k->machine.sgemm_gflops = d[0];
            k->machine.bandwidth_gbs = d[1];
            k->machine.threads = (int)th;
            k->machine.cpu_clock = (int)cc;
            k->prefill_flops = d[2];
            k->prefill_ms_measured = d[3];
            k->prefill_ms_projected = d[4];
            k->prefill_err = d[5];
            k->decode_bytes = d[6];
            k->decode_ms_measured = d[7];
            k->decode_ms_projected = d[8];
            k->decode_err = d[9];
            pc->has_k = 1;
        }
    }
    pc->any = 1;
    if (!ok)
        return tb_fail(err, TB_EINPUT, "partial '%s':%zu: bad corpus timing line (%s)", path, ln,
                       what);
    return TB_OK;
}

int partial_model_block_end(const partial_model_block *b, size_t k, const char *path, size_t ln,
                            tb_error *err)
{
    if (b->owner == (long)k && b->n_rows == 0)
        return tb_fail(err, TB_EINPUT,
                       "partial '%s':%zu: the block is a training job of this shard (J %zu) "
                       "but holds none of its rows", path, ln, k);
    return TB_OK;
}

void partial_model_block_free(partial_model_block *b)
{
    for (size_t i = 0; i < b->n_rows; i++) {
        free(b->rows[i].split);
        free(b->rows[i].metric);
        free(b->rows[i].unit);
    }
    free(b->rows);
    b->rows = NULL;
    b->n_rows = b->cap_rows = 0;
}

/* ---- merge ------------------------------------------------------------ */

struct partial_model_merge {
    stage_model *sm;
    roofline *rf;           /* or NULL: no profiles file in the shards' run */
    roofline_config rcfg;
    int timing;             /* the shards timed: ms rows from shard 0's curve */
    int machine_set;        /* rf has shard 0's measured machine */
    char machine_model[ROOFLINE_NAME_MAX];
};

void partial_model_merge_free(partial_model_merge *mm)
{
    if (!mm)
        return;
    stage_model_free(mm->sm);
    roofline_free(mm->rf);
    free(mm);
}

int partial_model_merge_new(const partial_model_header *h, const char *hardware_path,
                            partial_model_merge **out, tb_error *err)
{
    *out = NULL;
    if (!h->model && !h->timing)
        return TB_OK;
    partial_model_merge *mm = tb_calloc(1, sizeof *mm, err);
    if (!mm)
        return err->status ? err->status : TB_EINPUT;
    mm->timing = h->timing != NULL;
    if (!h->model) {
        *out = mm;
        return TB_OK;
    }
    char preset[64];
    const char *t = strchr(h->model, '\t');
    size_t pl = (size_t)(t - h->model);
    if (pl >= sizeof preset) {
        free(mm);
        return tb_fail(err, TB_EINPUT, "partial: model preset '%.40s' too long", h->model);
    }
    memcpy(preset, h->model, pl);
    preset[pl] = '\0';
    const char *want = t + 1;
    int rc = TB_OK;
    if (strcmp(want, "-") != 0) {
        char sha[65];
        if (!hardware_path)
            rc = tb_fail(err, TB_EUSAGE, "the partials' model rows need the hardware profiles "
                                         "file (sha256 %s)", want);
        else
            rc = file_sha256(hardware_path, sha, err);
        if (rc == TB_OK && strcmp(sha, want) != 0)
            rc = tb_fail(err, TB_EINPUT,
                         "hardware profiles '%s': sha256 %s, the partials' %s: the model and "
                         "proj_* rows need the profiles the shards ran with (TOKBENCH_HARDWARE)",
                         hardware_path, sha, want);
        if (rc == TB_OK)
            rc = roofline_new(hardware_path, &mm->rf, err);
        if (rc == TB_OK) {
            stage_roofline_run_config(&mm->rcfg);
            rc = roofline_config_check(mm->rf, &mm->rcfg, err);
        }
    }
    if (rc == TB_OK) {
        stage_model_config mc = {.preset = preset, .timing = 0, .dims = mm->rf};
        rc = stage_model_new(&mc, &mm->sm, err);
    }
    if (rc) {
        partial_model_merge_free(mm);
        return rc;
    }
    *out = mm;
    return TB_OK;
}

int partial_model_header_check(const partial_model_header *a, const char *pa,
                               const partial_model_header *b, const char *pb, tb_error *err)
{
    const char *what[3] = {"model", "train", "timing"};
    const char *x[3] = {a->model, a->train, a->timing}, *y[3] = {b->model, b->train, b->timing};
    for (int i = 0; i < 3; i++)
        if ((!x[i]) != (!y[i]) || (x[i] && strcmp(x[i], y[i]) != 0))
            return tb_fail(err, TB_EINPUT,
                           "partial '%s' has another %s line than '%s' ('%.80s'; '%.80s')", pb,
                           what[i], pa, y[i] ? y[i] : "(none)", x[i] ? x[i] : "(none)");
    return TB_OK;
}

int partial_model_merge_rows(partial_model_merge *mm, const char *cname, const char *lang,
                             const char *tok, const size_t *lens, size_t n_lens,
                             size_t vocab_priced, const size_t *en_lens, size_t n_en,
                             size_t vp_en, const partial_model_block *m0,
                             const partial_model_block *men0, results *r, tb_error *err)
{
    if (!mm || !mm->sm)
        return TB_OK;
    /* timing: the heads shard 0 timed; a vocabulary it did not time (the
     * merged priced vocabulary of a code-space scheme, larger than its own)
     * scaled linearly in V from the one it timed for the block */
    for (int i = 0; mm->timing && i < (en_lens ? 2 : 1); i++) {
        const partial_model_block *b = i ? men0 : m0;
        size_t v = i ? vp_en : vocab_priced;
        if (!b || !b->has_m)
            return tb_fail(err, TB_EINPUT,
                           "corpus '%s' %s %s: shard 0's partial has no model head line (M) for "
                           "the timed ms rows", cname, i ? "(pivot of)" : "", lang);
        double sc = (double)v / (double)b->m_vocab;
        if (stage_model_set_head(mm->sm, v, b->m_row * sc, b->m_one * sc, err))
            return err->status;
    }
    stage_model_test l = {lens, n_lens, vocab_priced}, e = {en_lens, n_en, vp_en};
    int rc = stage_model_rows_test(mm->sm, cname, lang, tok, &l, en_lens ? &e : NULL, r, err);
    if (rc == TB_OK && mm->rf)
        rc = stage_roofline_rows(mm->rf, &mm->rcfg, lens, n_lens, vocab_priced, r, cname, "test",
                                 lang, tok, err);
    return rc;
}

int partial_model_merge_models(const partial_model_merge *mm) { return mm && mm->sm; }

const roofline *partial_model_merge_roofline(const partial_model_merge *mm,
                                             const roofline_config **rcfg)
{
    if (!mm || !mm->rf)
        return NULL;
    *rcfg = &mm->rcfg;
    return mm->rf;
}

int partial_model_merge_timed(const partial_model_merge *mm) { return mm && mm->timing; }

int partial_model_merge_corpus(partial_model_merge *mm, const partial_model_corpus *pc0,
                               const char *cname, const char *lang, results *r, tb_error *err)
{
    if (!mm || !mm->timing || !mm->sm)
        return TB_OK;
    if (!pc0->has_ms)
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s': shard 0's partial has no model timing curve (MP, MD, MS "
                       "lines)", cname);
    if (stage_model_set_curve(mm->sm, &pc0->curve, err))
        return err->status;
    if (!mm->rf)
        return TB_OK;
    if (!pc0->has_k)
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s': shard 0's partial has no roofline check line (K)", cname);
    if (!mm->machine_set) {
        if (roofline_set_machine(mm->rf, &pc0->chk.machine, err))
            return err->status;
        snprintf(mm->machine_model, sizeof mm->machine_model, "%s", pc0->chk.preset);
        mm->rcfg.machine_model = mm->machine_model;
        if (roofline_config_check(mm->rf, &mm->rcfg, err))
            return err->status;
        mm->machine_set = 1;
    }
    if (!lang)
        return TB_OK;
    return stage_roofline_check_rows(&pc0->chk, r, cname, "test", lang, "roofline-check", err);
}

int partial_model_timing_rows(const partial_model_block *const *b, size_t n, size_t k0,
                              enum corpus_split split, const char *cname, const char *lang,
                              const char *tok, results *r, tb_error *err)
{
    if (!b[k0]->has_t)
        return TB_OK;
    if (split == CORPUS_TRAIN)
        return b[k0]->s_train > 0 ? results_add(r, cname, "train", lang, tok, "s_train",
                                                b[k0]->s_train, "s", err)
                                  : TB_OK;
    int i = split == CORPUS_TEST;
    uint64_t bytes = 0;
    double sec = 0;
    for (size_t k = 0; k < n; k++) {
        if (!b[k]->has_t)
            return tb_fail(err, TB_EINPUT, "corpus '%s' %s %s: a partial without its timing "
                                           "line (T)", cname, lang, tok);
        bytes += b[k]->t_bytes[i];
        sec += b[k]->t_s[i];
    }
    return results_add(r, cname, corpus_split_name(split), lang, tok, "encode_mb_per_s",
                       sec > 0 ? (double)bytes / 1e6 / sec : 0.0, "MB/s", err);
}

int partial_model_train_rows(const partial_model_block *b, unsigned regime, const char *cname,
                             const char *lang, const char *tok, results *r, tb_error *err)
{
    for (size_t i = 0; i < b->n_rows; i++) {
        const partial_train_row *w = &b->rows[i];
        if (w->regime != regime)
            continue;
        int rc = results_add(r, cname, w->split, lang, tok, w->metric, w->value, w->unit, err);
        if (rc)
            return rc;
    }
    return TB_OK;
}

unsigned partial_model_train_regimes(const partial_model_block *b)
{
    unsigned n = 0;
    for (size_t i = 0; i < b->n_rows; i++)
        if (b->rows[i].regime + 1 > n)
            n = b->rows[i].regime + 1;
    return n;
}
