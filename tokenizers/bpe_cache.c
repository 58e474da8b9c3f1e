/* bpe_cache.c - the bpe:<N>[k][:<preset>] spec: its parsing, and the cache
 * of trained models with their time files (rules in bpe_cache.h). */
#include "bpe_cache.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"
#include "../common/timer.h"
#include "../corpora/corpus.h"
#include "bpe.h"
#include "bpe_model.h"
#include "bpe_train.h"
#include "pretok.h"
#include "tokenizer_impl.h"

/* "<N>[k][:<preset>]" (arg of bpe:) -> *n, *preset (into arg, or "gpt2").
 * 0, or -1 when the shape is wrong (range and preset are checked later). */
static int parse_arg(const char *arg, size_t *n, const char **preset)
{
    size_t nd = strspn(arg, "0123456789");
    if (nd == 0 || nd > 9)
        return -1;
    size_t v = (size_t)strtoul(arg, NULL, 10), end = nd;
    if (arg[nd] == 'k' || arg[nd] == 'K') { /* 32k = 32,000 */
        v *= 1000;
        end++;
    }
    if (arg[end] != '\0' && arg[end] != ':')
        return -1;
    *n = v;
    *preset = arg[end] == ':' ? arg + end + 1 : "gpt2";
    return 0;
}

int bpe_cache_spec_parse(const char *spec, size_t *n, char *preset, size_t cap, int *joint)
{
    int j = strncmp(spec, "joint:", 6) == 0;
    if (j)
        spec += 6;
    const char *pre;
    size_t v;
    if (strncmp(spec, "bpe:", 4) != 0 || parse_arg(spec + 4, &v, &pre) ||
        v < BPE_TRAIN_MIN_VOCAB || v > BPE_TRAIN_MAX_VOCAB || !bpe_model_preset_name_ok(pre) ||
        strlen(pre) >= cap)
        return 0;
    *n = v;
    memcpy(preset, pre, strlen(pre) + 1);
    *joint = j;
    return 1;
}

static int from_model_data(tokenizer *t, const bpe_model_data *m, size_t n_use, tb_error *err)
{
    const uint8_t **tok = tb_malloc(n_use * sizeof *tok, err);
    size_t *len = tb_malloc(n_use * sizeof *len, err);
    int rc = tok && len ? TB_OK : TB_EINPUT;
    for (size_t k = 0; rc == TB_OK && k < n_use; k++) {
        tok[k] = m->bytes + m->off[k];
        len[k] = m->off[k + 1] - m->off[k];
    }
    if (rc == TB_OK)
        rc = bpe_tokenizer_from_ranks(t, m->pretok, tok, len, n_use, err);
    free(tok);
    free(len);
    return rc;
}

static int from_trainer(tokenizer *t, const bpe_trainer *tr, const char *preset, tb_error *err)
{
    size_t n = bpe_trainer_vocab_size(tr);
    const uint8_t **tok = tb_malloc(n * sizeof *tok, err);
    size_t *len = tb_malloc(n * sizeof *len, err);
    int rc = tok && len ? TB_OK : TB_EINPUT;
    for (size_t k = 0; rc == TB_OK && k < n; k++)
        tok[k] = bpe_trainer_token(tr, (uint32_t)k, &len[k]);
    if (rc == TB_OK)
        rc = bpe_tokenizer_from_ranks(t, preset, tok, len, n, err);
    free(tok);
    free(len);
    return rc;
}

/* <dir>/bpe-<m>-<preset><ext> into path; -1 when it does not fit. */
static int cache_path(const char *dir, size_t m, const char *preset, const char *ext, char *path,
                      size_t cap)
{
    int pl = snprintf(path, cap, "%s/bpe-%zu-%s%s", dir, m, preset, ext);
    return pl < 0 || (size_t)pl >= cap ? -1 : 0;
}

/* Writes the time file of a trained model (format in bpe_cache.h). */
static int time_save(const char *path, const bpe_trainer *tr, double s_count, tb_error *err)
{
    afile af;
    if (afile_open(&af, path, err))
        return TB_EINPUT;
    const double *step_s;
    size_t n_steps = bpe_trainer_step_times(tr, &step_s), n_tok = bpe_trainer_vocab_size(tr);
    bpe_train_stats st;
    bpe_trainer_stats(tr, &st);
    fprintf(af.fp, "tokbench-bpe-time 1\ns_count %.6f\n", s_count);
    for (size_t k = 0; k < n_steps; k++) {
        size_t at = (k + 1) * BPE_TRAIN_TIME_STEP;
        if (at >= 257 && at < n_tok)
            fprintf(af.fp, "at %zu %.6f\n", at, step_s[k]);
    }
    fprintf(af.fp, "at %zu %.6f\n", n_tok, st.s_merge);
    return afile_commit(&af, err);
}

/* Reads the time file of a model of n_model entries: *s_train gets the
 * seconds to train its first n_use entries, s_count plus the first "at"
 * line at or above n_use. -1 when the file is missing, malformed or not
 * about n_model entries. */
static int time_read(const char *path, size_t n_model, size_t n_use, double *s_train)
{
    char *data;
    size_t len;
    tb_error ignore;
    if (tb_read_file(path, &data, &len, &ignore))
        return -1;
    const char *p = data, *end = data + len;
    double s_count = -1, s_at = -1;
    size_t last = 0;
    int ok = 0, line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        line++;
        char buf[128];
        size_t ll = (size_t)(nl - p);
        if (ll >= sizeof buf)
            break;
        memcpy(buf, p, ll);
        buf[ll] = '\0';
        p = nl + 1;
        size_t at;
        double v;
        char tail;
        if (line == 1) {
            if (strcmp(buf, "tokbench-bpe-time 1") != 0)
                break;
        } else if (line == 2) {
            if (sscanf(buf, "s_count %lf%c", &v, &tail) != 1 || !(v >= 0 && v < 1e9))
                break;
            s_count = v;
        } else {
            if (sscanf(buf, "at %zu %lf%c", &at, &v, &tail) != 2 || at <= last ||
                !(v >= 0 && v < 1e9))
                break;
            last = at;
            if (s_at < 0 && at >= n_use)
                s_at = v;
            ok = p == end && at == n_model;
        }
    }
    free(data);
    if (!ok || s_count < 0 || s_at < 0)
        return -1;
    *s_train = s_count + s_at;
    return 0;
}

/* The cached model <dir>/bpe-<m>-<preset>.model (and its time file) when it
 * answers target n: *md is loaded, *n_use = the entries that bpe:<n> has,
 * *s_train its training seconds. 0 found, -1 not usable. */
static int cache_try(const char *dir, size_t m, const char *preset, size_t n,
                     bpe_model_data *md, size_t *n_use, double *s_train)
{
    char path[4200], tpath[4200];
    tb_error ignore;
    if (cache_path(dir, m, preset, ".model", path, sizeof path) ||
        cache_path(dir, m, preset, ".time", tpath, sizeof tpath) ||
        bpe_model_data_read(path, md, &ignore))
        return -1;
    /* the rule of bpe_cache.h: a model trained to m answers n <= m with its
     * first n entries; one that stopped early (fewer than m entries) is the
     * whole answer for every target */
    size_t e = md->n;
    int usable = strcmp(md->pretok, preset) == 0 && e <= m && (m >= n || e < m);
    if (usable) {
        *n_use = e < n ? e : n;
        usable = time_read(tpath, e, *n_use, s_train) == 0;
    }
    if (!usable)
        bpe_model_data_release(md);
    return usable ? 0 : -1;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* A cached model that answers bpe:<n>:<preset> (exact file first, then any
 * other target of the preset in dir, cache_try's rule). 0 found, -1 none. */
static int cache_find(const char *dir, size_t n, const char *preset, bpe_model_data *md,
                      size_t *n_use, double *s_train)
{
    if (cache_try(dir, n, preset, n, md, n_use, s_train) == 0)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t *ms = NULL, nm = 0, cap = 0, pl = strlen(preset);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *s = de->d_name;
        if (strncmp(s, "bpe-", 4) != 0)
            continue;
        size_t nd = strspn(s + 4, "0123456789");
        const char *q = s + 4 + nd;
        if (nd == 0 || nd > 7 || s[4] == '0' || *q != '-' || strncmp(q + 1, preset, pl) != 0 ||
            strcmp(q + 1 + pl, ".model") != 0)
            continue;
        size_t m = (size_t)strtoul(s + 4, NULL, 10);
        if (m == n || m < BPE_TRAIN_MIN_VOCAB || m > BPE_TRAIN_MAX_VOCAB)
            continue;
        if (nm == cap) {
            size_t nc = cap ? cap * 2 : 16;
            size_t *nms = realloc(ms, nc * sizeof *nms);
            if (!nms)
                break;
            ms = nms;
            cap = nc;
        }
        ms[nm++] = m;
    }
    closedir(d);
    /* targets above n, smallest first (least to read), then targets below
     * n, largest first: any usable one gives the same model */
    int rc = -1;
    if (nm)
        qsort(ms, nm, sizeof *ms, cmp_size);
    size_t first_above = 0;
    while (first_above < nm && ms[first_above] < n)
        first_above++;
    for (size_t k = first_above; k < nm && rc != 0; k++)
        rc = cache_try(dir, ms[k], preset, n, md, n_use, s_train);
    for (size_t k = first_above; k-- > 0 && rc != 0;)
        rc = cache_try(dir, ms[k], preset, n, md, n_use, s_train);
    free(ms);
    return rc;
}

/* Trains bpe:<n>:<preset> on the train split of c in lang and, with dir,
 * writes <dir>/bpe-<n>-<preset>.model and .time. strict: a cache that cannot
 * be written is an error (otherwise it is skipped). *s_train gets the
 * training seconds (counting + merging). */
static int train_model(const corpus *c, int lang, size_t n, const char *preset, const char *dir,
                       int strict, bpe_trainer **out, double *s_train, tb_error *err)
{
    *out = NULL;
    pretok *pt = NULL;
    bpe_trainer *tr = NULL;
    /* pt lives until the training ends: the trainer splits nothing after */
    int rc = pretok_new_preset(preset, &pt, err);
    bpe_train_config cfg = {.vocab_size = n, .split = bpe_split_pretok, .split_arg = pt,
                            .pretok = preset};
    if (rc == TB_OK)
        rc = bpe_trainer_new(&cfg, &tr, err);
    double t0 = tb_now(), s_count = 0;
    if (rc == TB_OK && (rc = bpe_trainer_add_corpus(tr, c, lang, err)) == TB_OK) {
        s_count = tb_now() - t0;
        rc = bpe_trainer_train(tr, err);
    }
    pretok_free(pt);
    char path[4200], tpath[4200];
    tb_error ignore, *werr = strict ? err : &ignore;
    if (rc == TB_OK && dir) {
        int wrc = TB_OK;
        if (cache_path(dir, n, preset, ".model", path, sizeof path) ||
            cache_path(dir, n, preset, ".time", tpath, sizeof tpath))
            wrc = tb_fail(werr, TB_EINPUT, "bpe cache folder '%s': path too long", dir);
        if (wrc == TB_OK)
            wrc = tb_mkdirs(dir, werr);
        /* the half-written files of trainers killed before their commit */
        char gone[8];
        size_t n_gone;
        if (wrc == TB_OK)
            wrc = afolder_clean_stale(dir, NULL, gone, sizeof gone, &n_gone, werr);
        if (wrc == TB_OK)
            wrc = bpe_trainer_save(tr, path, werr);
        if (wrc == TB_OK)
            wrc = time_save(tpath, tr, s_count, werr);
        if (strict)
            rc = wrc;
    }
    if (rc) {
        bpe_trainer_free(tr);
        return rc;
    }
    bpe_train_stats st;
    bpe_trainer_stats(tr, &st);
    *s_train = s_count + st.s_merge;
    *out = tr;
    return TB_OK;
}

/* Checks n, the preset (it must exist) and ctx's corpus and language. */
static int check_request(const char *spec, size_t n, const char *preset, const corpus *c,
                         int lang, tb_error *err)
{
    if (n < BPE_TRAIN_MIN_VOCAB || n > BPE_TRAIN_MAX_VOCAB)
        return tb_fail(err, TB_EINPUT,
                       "%s: vocabulary size %zu out of range (%d..%d, including the 256 bytes)",
                       spec, n, BPE_TRAIN_MIN_VOCAB, BPE_TRAIN_MAX_VOCAB);
    pretok *pt = NULL;
    if (!bpe_model_preset_name_ok(preset))
        return tb_fail(err, TB_EINPUT,
                       "%s: pre-tokenizer name '%s' is not 1-63 characters of [A-Za-z0-9_.-]",
                       spec, preset);
    if (pretok_new_preset(preset, &pt, err))
        return tb_wrap(err, "%s: ", spec);
    pretok_free(pt);
    if (!c)
        return tb_fail(err, TB_EINPUT, "%s needs a corpus (-c CORPUS -l LANG|joint)", spec);
    if (lang < -1 || (lang >= 0 && (size_t)lang >= corpus_n_langs(c)))
        return tb_fail(err, TB_EINPUT, "%s: language index %d out of range", spec, lang);
    return TB_OK;
}

int bpe_cache_tokenizer_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                            tb_error *err)
{
    char spec[256];
    snprintf(spec, sizeof spec, "tokenizer '%s'", t->name ? t->name : "bpe");
    size_t n;
    const char *preset;
    if (parse_arg(arg, &n, &preset))
        return tb_fail(err, TB_EINPUT, "%s: expected bpe:<N>[k][:<preset>] with N in %d..%d",
                       spec, BPE_TRAIN_MIN_VOCAB, BPE_TRAIN_MAX_VOCAB);
    const corpus *c = ctx ? ctx->corpus : NULL;
    int lang = ctx ? ctx->lang : -1;
    int rc = check_request(spec, n, preset, c, lang, err);
    if (rc)
        return rc;
    char dir[4096];
    int cached = tokenizer_cache_folder(ctx->cache_dir, c, lang, dir, sizeof dir) == 0;
    bpe_model_data md;
    size_t n_use;
    double s_train = 0;
    if (cached && cache_find(dir, n, preset, &md, &n_use, &s_train) == 0) {
        rc = from_model_data(t, &md, n_use, err);
        bpe_model_data_release(&md);
    } else if (ctx->no_train) {
        char where[4200];
        if (cached)
            snprintf(where, sizeof where, "no model of this size in '%s'", dir);
        else
            snprintf(where, sizeof where, "no cache folder");
        rc = tokenizer_fail_unprepared(err, where);
    } else {
        bpe_trainer *tr;
        rc = train_model(c, lang, n, preset, cached ? dir : NULL, 0, &tr, &s_train, err);
        if (rc == TB_OK)
            rc = from_trainer(t, tr, preset, err);
        bpe_trainer_free(tr);
    }
    if (rc)
        return tb_wrap(err, "%s: ", spec);
    if (ctx->s_train)
        *ctx->s_train = s_train;
    return TB_OK;
}

int bpe_cache_warm(const corpus *c, int lang, const char *cache_dir, size_t n,
                   const char *preset, tb_error *err)
{
    if (!preset)
        preset = "gpt2";
    char spec[128];
    snprintf(spec, sizeof spec, "bpe:%zu:%.64s", n, preset);
    int rc = check_request(spec, n, preset, c, lang, err);
    char dir[4096];
    if (rc || tokenizer_cache_folder(cache_dir, c, lang, dir, sizeof dir))
        return rc;
    bpe_model_data md;
    size_t n_use;
    double s_train;
    if (cache_find(dir, n, preset, &md, &n_use, &s_train) == 0) {
        bpe_model_data_release(&md);
        return TB_OK;
    }
    bpe_trainer *tr;
    rc = train_model(c, lang, n, preset, dir, 1, &tr, &s_train, err);
    bpe_trainer_free(tr);
    return rc;
}
