/* run.c - the suite runner. */
#include "run.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../corpora/corpus.h"
#include "../corpora/words.h"
#include "../model/roofline.h"
#include "partial_model.h"
#include "stage_roofline.h"
#include "../model/transformer.h"
#include "../tokenizers/bpe_cache.h"
#include "../tokenizers/symbol.h"
#include "../tokenizers/tokenizer.h"
#include "latency_hook.h"
#include "partial_ngram.h"
#include "stage_compress.h"
#include "stage_latency.h"
#include "stage_metrics.h"
#include "stage_model.h"
#include "stage_ngram.h"
#include "stage_train.h"

void run_corpus_path(const char *data_dir, const char *name, char *buf, size_t cap)
{
    if (strchr(name, '/'))
        snprintf(buf, cap, "%s", name);
    else
        snprintf(buf, cap, "%s/%s", data_dir, name);
}

int run_corpus_open(const char *data_dir, const char *name, corpus **out, tb_error *err)
{
    *out = NULL;
    char path[4096];
    run_corpus_path(data_dir, name, path, sizeof path);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s': no folder '%s' (fetchable: %s, with 'tokbench corpus fetch "
                       "NAME'; or import your own text with 'tokbench corpus import dir:PATH "
                       "--name %s')",
                       name, path, RUN_FETCHABLE_CORPORA, name);
    return corpus_open(path, out, err);
}

int run_corpus_open_pivot(const char *data_dir, const char *name, const char *pivot,
                          corpus **out, tb_error *err)
{
    int rc = run_corpus_open(data_dir, name, out, err);
    if (rc == TB_OK && pivot && corpus_set_pivot(*out, pivot, err)) {
        corpus_free(*out);
        *out = NULL;
        return TB_EINPUT;
    }
    return rc;
}

size_t run_segment_shard(const char *id, size_t n)
{
    uint64_t h = tb_fnv1a64_update(TB_FNV1A64_INIT, "shard:", 6);
    h = tb_fnv1a64_update(h, id, strlen(id));
    return n ? (size_t)(h % n) : 0;
}

static int lang_selected(const run_config *cfg, const char *lang)
{
    if (!cfg->langs || cfg->n_langs == 0)
        return 1;
    for (size_t i = 0; i < cfg->n_langs; i++)
        if (strcmp(cfg->langs[i], lang) == 0)
            return 1;
    return 0;
}

static void progress(const run_config *cfg, const char *phase, size_t done, size_t total)
{
    if (cfg->progress)
        cfg->progress(cfg->progress_ud, phase, done, total);
}

/* ---- one corpus, tokenizer specs in parallel ---------------------------
 *
 * Each tokenizer spec is one job: build the tokenizer for every language,
 * encode, emit its rows (metrics, symbol tables, timings, n-gram, model)
 * into the job's own results buffer. cfg->jobs worker threads take specs in
 * order; the buffers are appended in spec order afterwards, so results.csv
 * is the same whatever the number of jobs. Shared and read-only during the
 * jobs: the corpus, the per-language word tables. Shared and locked: the
 * model stage (it measures lazily and caches its timings), the progress
 * callback. Tokenizers are built per job; trained ones meet in the cache
 * folder, whose files are written atomically. */

struct corpus_run {
    const run_config *cfg;
    const corpus *c;
    metrics_words **mw;
    stage_model *sm;
    const roofline *rf;     /* projections, or NULL; read-only here */
    const roofline_config *rcfg;
    int en;
    size_t nl;
    results **out;          /* (n_specs) each job's rows */
    const unsigned char *only; /* sharded: (n_segments) 1 for the segments of the shard */
    char **part;            /* sharded: (n_specs) each job's partial blocks */
    size_t *part_len;
    tb_error *errs;         /* (n_specs) */
    int *rcs;               /* (n_specs) */
    size_t next;            /* next position in order[] to take, under lock */
    size_t *order;          /* (n_specs) the specs in the order jobs take them:
                               full-stage specs first, sweep points (light) last,
                               so the cheap ones fill the gaps at the end */
    size_t done;            /* (spec, language) units finished, for progress */
    int failed;             /* a job failed: take no more */
    pthread_mutex_t lock;   /* next, done, failed, progress */
    pthread_mutex_t model_lock;
};

static void job_progress(struct corpus_run *x, const char *phase)
{
    pthread_mutex_lock(&x->lock);
    progress(x->cfg, phase, x->done, x->cfg->n_specs * x->nl);
    pthread_mutex_unlock(&x->lock);
}

static void job_unit_done(struct corpus_run *x)
{
    pthread_mutex_lock(&x->lock);
    x->done++;
    pthread_mutex_unlock(&x->lock);
}

static int is_light(const run_config *cfg, const char *spec)
{
    for (size_t i = 0; i < cfg->n_light; i++)
        if (strcmp(cfg->light[i], spec) == 0)
            return 1;
    return 0;
}

/* Every row of tokenizer spec s. */
/* 1: spec trains on corpus c (both in the training list, and a regime). */
static int trains(const run_config *cfg, const corpus *c, const char *spec)
{
    int in_s = 0, in_c = 0;
    for (size_t i = 0; i < cfg->n_train_specs; i++)
        in_s |= strcmp(cfg->train_specs[i], spec) == 0;
    for (size_t i = 0; i < cfg->n_train_corpora; i++)
        in_c |= strcmp(cfg->train_corpora[i], corpus_name(c)) == 0;
    return cfg->n_train > 0 && in_s && in_c;
}

/* 1: the handle of spec is the same for every language (a fixed scheme or a
 * loaded vocabulary), so one handle serves them all: a corpus of 500
 * languages loads o200k_base once, not 500 times. Trained schemes (bpe:N,
 * graphemes, symbol*) and cmd: (TOKBENCH_LANG) are built per language. */
static int spec_is_shared(const char *spec)
{
    static const char *const exact[] = {"bytes", "chars"};
    static const char *const prefix[] = {"tiktoken:", "hf:", "bpe-file:"};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (strcmp(spec, exact[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++)
        if (strncmp(spec, prefix[i], strlen(prefix[i])) == 0)
            return 1;
    return 0;
}

static int run_spec(struct corpus_run *x, size_t s, results *res, tb_error *err)
{
    const run_config *cfg = x->cfg;
    int ngram_order = is_light(cfg, cfg->specs[s]) ? 0 : cfg->ngram_order;
    const corpus *c = x->c;
    size_t nl = x->nl;
    int en = x->en;
    /* per-language tables on the heap: a worker thread has a default stack */
    metrics_tok **mt = tb_calloc(nl ? nl : 1, sizeof *mt, err);
    tokenizer **tk = mt ? tb_calloc(nl ? nl : 1, sizeof *tk, err) : NULL;
    double *s_train = tk ? tb_calloc(nl ? nl : 1, sizeof *s_train, err) : NULL;
    char phase[256], name[128];
    if (!s_train) {
        free(mt);
        free(tk);
        return err->status;
    }
    int rc = TB_OK;
    tokenizer *shared = NULL; /* the one handle of a spec_is_shared spec, owned here */
    /* progress names the tokenizer as its rows do (cmd:NAME, not its command) */
    tokenizer_spec_name(cfg->specs[s], name, sizeof name);
    for (size_t l = 0; l < nl && rc == TB_OK; l++) {
        if (!x->mw[l])
            continue;
        snprintf(phase, sizeof phase, "%s: %s %s", corpus_name(c), name, corpus_lang(c, l));
        job_progress(x, phase);
        tokenizer_ctx ctx = {.corpus = c, .lang = (int)l, .cache_dir = cfg->cache_dir,
                             .s_train = &s_train[l], .no_train = cfg->shard_n > 0};
        if (shared)
            tk[l] = shared;
        else if ((rc = tokenizer_new(cfg->specs[s], &ctx, &tk[l], err)) == TB_OK &&
                 spec_is_shared(cfg->specs[s]))
            shared = tk[l];
        if (rc == TB_OK && !cfg->prepare_only)
            rc = metrics_tok_measure_only(tk[l], c, l, x->mw[l], x->only, &mt[l], err);
    }
    if (x->only) {
        /* a shard writes the statistics of every measured language (the
         * pivot's too, for parity) and no rows */
        partial_train *pt = NULL; /* the training jobs of this shard (partial_model.h) */
        unsigned char *want = rc == TB_OK ? tb_calloc(nl ? nl : 1, 1, err) : NULL;
        if (rc == TB_OK && !want)
            rc = err->status;
        for (size_t l = 0; want && l < nl; l++)
            want[l] = mt[l] && lang_selected(cfg, corpus_lang(c, l));
        if (rc == TB_OK && cfg->n_train && trains(cfg, c, cfg->specs[s]))
            rc = partial_train_run(cfg, c, cfg->specs[s], tk, want, en, &pt, err);
        free(want);
        FILE *f = rc == TB_OK ? open_memstream(&x->part[s], &x->part_len[s]) : NULL;
        if (rc == TB_OK && !f)
            rc = tb_fail(err, TB_EINPUT, "cannot buffer the partial of '%s'", name);
        for (size_t l = 0; l < nl && rc == TB_OK; l++) {
            if (!mt[l])
                continue;
            int emit = lang_selected(cfg, corpus_lang(c, l));
            rc = metrics_tok_write_partial(mt[l], c, emit, x->only, f, err);
            /* the model stage prices a code-space pivot by its distinct ids */
            if (rc == TB_OK && x->sm && !emit) {
                token_streams ts;
                metrics_tok_streams(mt[l], &ts);
                rc = partial_model_write_hist(&ts, c, x->only, f, err);
            }
            /* the symbol rows' additive statistics, for the rows it emits */
            if (rc == TB_OK && emit && symbol_is_symbol(tk[l]))
                rc = compress_write_partial(tk[l], c, l, x->only, f, err);
            if (rc == TB_OK)
                rc = partial_train_write_block(pt, l, f, err);
            /* timing: this shard's encode timing; the LM head the model rows
             * of the merge price with (partial_model.h) */
            if (rc == TB_OK && cfg->timing && emit)
                rc = partial_timing_write_block(tk[l], c, l, x->only, s_train[l], f, err);
            if (rc == TB_OK && cfg->timing && x->sm && (emit || (int)l == en)) {
                token_streams ts;
                metrics_tok_streams(mt[l], &ts);
                pthread_mutex_lock(&x->model_lock);
                rc = partial_model_write_head(x->sm, &ts, f, err);
                pthread_mutex_unlock(&x->model_lock);
            }
            /* the n-gram stage's raw counts and test ids, for the rows it
             * emits: the block's last section (it is read through the E) */
            if (rc == TB_OK && emit && ngram_order > 0) {
                token_streams ts;
                metrics_tok_streams(mt[l], &ts);
                rc = partial_ngram_write(f, c, &ts, x->only, ngram_order, cfg->specs[s],
                                        cfg->timing, err);
            }
            if (rc == TB_OK && fputs("E\n", f) == EOF)
                rc = tb_fail(err, TB_EINPUT, "writing the partial of '%s'", name);
        }
        if (f)
            fclose(f);
        partial_train_free(pt);
        nl = 0; /* no rows: the loops below do nothing, the frees run */
    }
    static const enum corpus_split splits[] = {CORPUS_ALL, CORPUS_TRAIN, CORPUS_TEST};
    for (size_t l = 0; l < nl && rc == TB_OK; l++) {
        if (!mt[l] || !lang_selected(cfg, corpus_lang(c, l)))
            continue;
        for (int k = 0; k < 3 && rc == TB_OK; k++) {
            const metrics_tok *ref = en >= 0 ? mt[en] : NULL;
            rc = metrics_tok_emit(mt[l], ref, c, splits[k], res, err);
            if (rc == TB_OK && symbol_is_symbol(tk[l])) {
                rc = compress_emit_oov_words(res, c, l, splits[k], tk[l], err);
                if (rc == TB_OK && splits[k] != CORPUS_TRAIN)
                    rc = compress_emit_symbol(res, c, l, splits[k], tk[l], err);
            }
            if (rc == TB_OK && cfg->timing && splits[k] == CORPUS_TRAIN)
                rc = metrics_emit_s_train(tk[l], c, l, s_train[l], res, err);
            if (rc == TB_OK && cfg->timing && splits[k] != CORPUS_TRAIN)
                rc = metrics_emit_encode_speed(tk[l], c, l, splits[k], res, err);
        }
    }
    /* transformer cost of the test split, after every language is encoded so
     * the English streams are there for the _vs_en rows; then the n-gram
     * stage, whose order-N model also gives the selector latency (with the
     * model's measured ms) */
    for (size_t l = 0; l < nl && rc == TB_OK && (x->sm || ngram_order > 0); l++) {
        if (!mt[l] || !lang_selected(cfg, corpus_lang(c, l)))
            continue;
        token_streams ts, ens;
        metrics_tok_streams(mt[l], &ts);
        if (x->sm) {
            snprintf(phase, sizeof phase, "%s: %s %s: model", corpus_name(c), name,
                     corpus_lang(c, l));
            job_progress(x, phase);
            if (en >= 0 && mt[en])
                metrics_tok_streams(mt[en], &ens);
            pthread_mutex_lock(&x->model_lock);
            rc = stage_model_rows(x->sm, c, l, tokenizer_name(tk[l]), &ts,
                                  en >= 0 && mt[en] ? &ens : NULL, res, err);
            pthread_mutex_unlock(&x->model_lock);
        }
        /* roofline projections of the same sequences (proj_* rows) */
        if (rc == TB_OK && x->rf) {
            size_t *lens = tb_malloc((ts.n_segments ? ts.n_segments : 1) * sizeof *lens, err);
            size_t k = 0;
            if (!lens)
                rc = err->status;
            for (size_t q = 0; lens && q < ts.n_segments; q++)
                if (corpus_in_split(c, q, CORPUS_TEST))
                    lens[k++] = ts.first[q + 1] - ts.first[q];
            size_t vp = 0; /* the model stage's priced vocabulary */
            if (rc == TB_OK)
                rc = stage_model_vocab_priced(&ts, &vp, err);
            if (rc == TB_OK)
                rc = stage_roofline_rows(x->rf, x->rcfg, lens, k, vp, res, corpus_name(c),
                                   "test", corpus_lang(c, l), tokenizer_name(tk[l]), err);
            free(lens);
        }
        if (rc == TB_OK && ngram_order > 0) {
            snprintf(phase, sizeof phase, "%s: %s %s: %d-gram", corpus_name(c), cfg->specs[s],
                     corpus_lang(c, l), ngram_order);
            job_progress(x, phase);
            latency_hook h;
            latency_hook_init(&h, cfg->timing, c, l, tokenizer_name(tk[l]),
                              metrics_words_count(x->mw[l], c, CORPUS_TEST), res, x->rf, x->rcfg,
                              ngram_order);
            stage_ngram_config nc;
            stage_ngram_config_init(&nc);
            nc.order = ngram_order;
            nc.timing = cfg->timing;
            if (x->sm) { /* the selector latency needs the model's ms */
                nc.on_model = latency_hook_on_model;
                nc.on_model_ud = &h;
            }
            rc = stage_ngram_rows(c, l, tk[l], &ts, &nc, res, err);
        }
    }
    /* measured training of the specs and corpora of the training list,
     * the pivot first: its final value is the others' target (target_en) */
    size_t *order = NULL;
    if (rc == TB_OK && cfg->n_train && trains(cfg, c, cfg->specs[s]) &&
        !(order = tb_malloc(nl * sizeof *order, err)))
        rc = err->status;
    for (size_t k = 0; order && k < nl; k++)
        order[k] = k;
    if (order)
        stage_train_pivot_first(order, nl, en);
    for (size_t r = 0; order && r < cfg->n_train && rc == TB_OK; r++) {
        double en_final = 0;
        for (size_t k = 0; k < nl && rc == TB_OK; k++) {
            size_t l = order[k];
            if (!mt[l] || !lang_selected(cfg, corpus_lang(c, l)))
                continue;
            token_streams ts;
            metrics_tok_streams(mt[l], &ts);
            stage_train_config tc = stage_train_for_lang(&cfg->train[r], (int)l == en, en_final);
            snprintf(phase, sizeof phase, "%s: %s %s: train%s%s", corpus_name(c), name,
                     corpus_lang(c, l), tc.label ? " " : "", tc.label ? tc.label : "");
            job_progress(x, phase);
            stage_train_result tr;
            rc = stage_train_rows(c, l, tk[l], &ts, &tc, res, &tr, err);
            if ((int)l == en)
                en_final = tr.bits_per_en_byte;
        }
    }
    free(order);
    for (size_t l = 0; l < x->nl; l++) {
        if (x->mw[l])
            job_unit_done(x);
        metrics_tok_free(mt[l]);
        if (tk[l] != shared)
            tokenizer_free(tk[l]);
    }
    tokenizer_free(shared);
    free(mt);
    free(tk);
    free(s_train);
    return rc;
}

static void *worker(void *arg)
{
    struct corpus_run *x = arg;
    for (;;) {
        pthread_mutex_lock(&x->lock);
        int stop = x->failed || x->next >= x->cfg->n_specs;
        size_t s = stop ? 0 : x->order[x->next++];
        pthread_mutex_unlock(&x->lock);
        if (stop)
            return NULL;
        x->rcs[s] = results_new(&x->out[s], &x->errs[s]);
        if (x->rcs[s] == TB_OK)
            x->rcs[s] = run_spec(x, s, x->out[s], &x->errs[s]);
        if (x->rcs[s]) {
            pthread_mutex_lock(&x->lock);
            x->failed = 1;
            pthread_mutex_unlock(&x->lock);
        }
    }
}

static int append_rows(results *dst, const results *src, tb_error *err)
{
    size_t n = results_count(src);
    for (size_t i = 0; i < n; i++) {
        result_row r;
        results_get(src, i, &r);
        int rc = results_add(dst, r.corpus, r.split, r.lang, r.tokenizer, r.metric, r.value,
                             r.unit, err);
        if (rc)
            return rc;
    }
    return TB_OK;
}

/* The archivers' rows of one language (splits all and test) into its own
 * results. */
struct arch_job {
    const corpus *c;
    size_t lang;
    results *out;
    tb_error err;
    int rc;
};

static void *arch_worker(void *arg)
{
    struct arch_job *j = arg;
    j->rc = results_new(&j->out, &j->err);
    if (j->rc == TB_OK)
        j->rc = compress_emit_archivers(j->out, j->c, j->lang, CORPUS_ALL, "archive", &j->err);
    if (j->rc == TB_OK)
        j->rc = compress_emit_archivers(j->out, j->c, j->lang, CORPUS_TEST, "archive", &j->err);
    return NULL;
}

/* All rows of one corpus. */
static int run_corpus(const run_config *cfg, const corpus *c, words *w, stage_model *sm,
                      const roofline *rf, const roofline_config *rcfg,
                      const roofline_check *chk, results *res, tb_error *err)
{
    size_t nl = corpus_n_langs(c), ns = cfg->n_specs;
    metrics_words **mw = tb_calloc(nl ? nl : 1, sizeof *mw, err);
    if (!mw)
        return err->status;
    int en = corpus_pivot(c);
    int rc = TB_OK;
    char phase[256];
    for (size_t l = 0; l < nl && rc == TB_OK; l++) {
        if (!lang_selected(cfg, corpus_lang(c, l)) && (int)l != en)
            continue;
        snprintf(phase, sizeof phase, "%s: words %s", corpus_name(c), corpus_lang(c, l));
        progress(cfg, phase, l, nl);
        rc = metrics_words_new(c, l, w, &mw[l], err);
    }
    /* A BPE vocabulary sweep trains its largest size once; every smaller
     * bpe:N of the same language (or joint) and preset is then a prefix of
     * that model in the cache (bpe_cache.h: exact, tested). */
    for (size_t s = 0; s < ns && rc == TB_OK && cfg->cache_dir && cfg->cache_dir[0] &&
                       !cfg->shard_n; s++) {
        size_t n, best = 0;
        char preset[64], p2[64];
        int joint, j2;
        if (!bpe_cache_spec_parse(cfg->specs[s], &n, preset, sizeof preset, &joint))
            continue;
        int first = 1;
        for (size_t t = 0; t < ns && first; t++) {
            size_t m;
            if (bpe_cache_spec_parse(cfg->specs[t], &m, p2, sizeof p2, &j2) && j2 == joint &&
                strcmp(p2, preset) == 0) {
                if (t < s)
                    first = 0; /* an earlier spec of the group did it */
                else if (m > best)
                    best = m;
            }
        }
        if (!first)
            continue;
        for (size_t l = 0; l < nl && rc == TB_OK; l++) {
            if (!mw[l] || (joint && l > 0))
                continue;
            snprintf(phase, sizeof phase, "%s: training %sbpe:%zu %s", corpus_name(c),
                     joint ? "joint:" : "", best, joint ? "joint" : corpus_lang(c, l));
            progress(cfg, phase, l, nl);
            rc = bpe_cache_warm(c, joint ? -1 : (int)l, cfg->cache_dir, best, preset, err);
        }
    }
    /* the projection check (this machine's roofline against the measured
     * model), once per corpus under the pseudo-tokenizer "roofline-check" */
    for (size_t l = 0; chk && l < nl && rc == TB_OK; l++)
        if (mw[l] && lang_selected(cfg, corpus_lang(c, l))) {
            rc = stage_roofline_check_rows(chk, res, corpus_name(c), "test", corpus_lang(c, l),
                                     "roofline-check", err);
            break;
        }
    struct corpus_run x = {.cfg = cfg, .c = c, .mw = mw, .sm = sm, .rf = rf, .rcfg = rcfg,
                           .en = en, .nl = nl};
    x.out = rc == TB_OK ? tb_calloc(ns ? ns : 1, sizeof *x.out, err) : NULL;
    x.errs = x.out ? tb_calloc(ns ? ns : 1, sizeof *x.errs, err) : NULL;
    x.rcs = x.errs ? tb_calloc(ns ? ns : 1, sizeof *x.rcs, err) : NULL;
    x.order = x.rcs ? tb_calloc(ns ? ns : 1, sizeof *x.order, err) : NULL;
    unsigned char *only = NULL;
    size_t nseg = corpus_n_segments(c);
    if (x.order && cfg->shard_n) {
        only = tb_calloc(nseg ? nseg : 1, 1, err);
        x.part = only ? tb_calloc(ns ? ns : 1, sizeof *x.part, err) : NULL;
        x.part_len = x.part ? tb_calloc(ns ? ns : 1, sizeof *x.part_len, err) : NULL;
        if (!x.part_len) {
            free(x.order);
            x.order = NULL;
        }
        for (size_t q = 0; x.part_len && q < nseg; q++)
            only[q] = run_segment_shard(corpus_id(c, q), cfg->shard_n) == cfg->shard_k;
        x.only = only;
    }
    if (rc == TB_OK && !x.order)
        rc = err->status;
    for (size_t s = 0, k = 0; x.order && k < ns; s++) /* two passes: full, then light */
        if (s < ns ? !is_light(cfg, cfg->specs[s]) : is_light(cfg, cfg->specs[s - ns]))
            x.order[k++] = s < ns ? s : s - ns;
    if (rc == TB_OK) {
        pthread_mutex_init(&x.lock, NULL);
        pthread_mutex_init(&x.model_lock, NULL);
        size_t nj = cfg->jobs < 1 ? 1 : (size_t)cfg->jobs;
        if (nj > ns)
            nj = ns ? ns : 1;
        pthread_t th[RUN_MAX_JOBS];
        size_t started = 0;
        for (size_t j = 1; j < nj && j < RUN_MAX_JOBS; j++) {
            if (pthread_create(&th[started], NULL, worker, &x) != 0)
                break; /* fewer threads: the work still gets done */
            started++;
        }
        worker(&x); /* this thread is a worker too */
        for (size_t j = 0; j < started; j++)
            pthread_join(th[j], NULL);
        pthread_mutex_destroy(&x.lock);
        pthread_mutex_destroy(&x.model_lock);
        /* the first failed spec in spec order reports; rows in spec order */
        for (size_t s = 0; s < ns && rc == TB_OK; s++) {
            if (x.rcs[s]) {
                *err = x.errs[s];
                rc = x.rcs[s];
            } else if (x.out[s]) {
                rc = append_rows(res, x.out[s], err);
            }
        }
        if (rc == TB_OK && only) {
            fprintf(cfg->partial, "C\t%s\t%s\t%zu\t%s\n", corpus_name(c),
                    corpus_manifest_hash(c), nseg, en >= 0 ? corpus_lang(c, (size_t)en) : "-");
            for (size_t s = 0; s < ns; s++)
                if (x.part[s])
                    fwrite(x.part[s], 1, x.part_len[s], cfg->partial);
            /* the model stage's timing curve and the roofline check */
            if (cfg->timing && sm)
                rc = partial_model_write_corpus(sm, chk, cfg->partial, err);
        }
    }
    for (size_t s = 0; x.part && s < ns; s++)
        free(x.part[s]);
    free(x.part);
    free(x.part_len);
    free(only);
    for (size_t s = 0; x.out && s < ns; s++)
        results_free(x.out[s]);
    free(x.out);
    free(x.errs);
    free(x.rcs);
    free(x.order);
    /* The archivers' side of the compression table: once per corpus, split
     * and language, when a symbol scheme is in the run. */
    int any_symbol = 0;
    for (size_t s = 0; s < cfg->n_specs; s++)
        any_symbol |= strncmp(cfg->specs[s], "symbol", 6) == 0;
    /* (a shard writes no rows: `tokbench merge` compresses the whole text) */
    if (rc == TB_OK && any_symbol && !cfg->prepare_only && !cfg->shard_n) {
        /* one thread a language (up to cfg->jobs at once), rows in language order */
        struct arch_job *aj = tb_calloc(nl ? nl : 1, sizeof *aj, err);
        pthread_t *th = aj ? tb_calloc(nl ? nl : 1, sizeof *th, err) : NULL;
        int *started = th ? tb_calloc(nl ? nl : 1, sizeof *started, err) : NULL;
        if (!started)
            rc = err->status;
        size_t na = 0;
        for (size_t l = 0; started && l < nl; l++)
            if (mw[l] && lang_selected(cfg, corpus_lang(c, l)))
                aj[na++] = (struct arch_job){.c = c, .lang = l};
        snprintf(phase, sizeof phase, "%s: gzip/xz/zstd", corpus_name(c));
        progress(cfg, phase, 0, 0);
        size_t nj = cfg->jobs < 1 ? 1 : (size_t)cfg->jobs;
        for (size_t a = 0; a < na; a += nj) {
            for (size_t b = a + 1; b < na && b < a + nj; b++)
                started[b] = pthread_create(&th[b], NULL, arch_worker, &aj[b]) == 0;
            arch_worker(&aj[a]);
            for (size_t b = a + 1; b < na && b < a + nj; b++)
                if (started[b])
                    pthread_join(th[b], NULL);
                else
                    arch_worker(&aj[b]);
        }
        for (size_t a = 0; a < na; a++) {
            if (rc == TB_OK && aj[a].rc) {
                *err = aj[a].err;
                rc = aj[a].rc;
            }
            if (rc == TB_OK)
                rc = append_rows(res, aj[a].out, err);
            results_free(aj[a].out);
        }
        free(aj);
        free(th);
        free(started);
    }
    for (size_t l = 0; l < nl; l++)
        metrics_words_free(mw[l]);
    free(mw);
    return rc;
}

/* The last component of path (trailing slashes ignored): start and *len. */
static const char *base_name(const char *path, size_t *len)
{
    size_t e = strlen(path);
    while (e > 1 && path[e - 1] == '/')
        e--;
    size_t b = e;
    while (b > 0 && path[b - 1] != '/')
        b--;
    *len = e - b;
    return path + b;
}

/* The configuration errors found before any work: a tokenizer spec or a
 * corpus given twice would write every one of its rows twice (TB_EUSAGE);
 * so would two specs with one name (cmd:NAME=...). */
static int check_config(const run_config *cfg, tb_error *err)
{
    for (size_t i = 0; i < cfg->n_specs; i++)
        for (size_t j = 0; j < i; j++) {
            if (strcmp(cfg->specs[i], cfg->specs[j]) == 0)
                return tb_fail(err, TB_EUSAGE,
                               "tokenizer '%s' is given twice (-t %zu and %zu); each spec once",
                               cfg->specs[i], j + 1, i + 1);
            /* names are never longer than their specs */
            size_t li = strlen(cfg->specs[i]) + 1, lj = strlen(cfg->specs[j]) + 1;
            char *ni = tb_malloc(li, err), *nj = ni ? tb_malloc(lj, err) : NULL;
            if (!nj) {
                free(ni);
                return err->status;
            }
            tokenizer_spec_name(cfg->specs[i], ni, li);
            tokenizer_spec_name(cfg->specs[j], nj, lj);
            int same = strcmp(ni, nj) == 0;
            if (same)
                tb_fail(err, TB_EUSAGE,
                        "tokenizers '%s' (-t %zu) and '%s' (-t %zu) have one name '%s'; give "
                        "each its own",
                        cfg->specs[j], j + 1, cfg->specs[i], i + 1, ni);
            free(ni);
            free(nj);
            if (same)
                return TB_EUSAGE;
        }
    /* rows are keyed by the folder's name: "udhr" and "x/udhr/" are one key */
    for (size_t i = 0; i < cfg->n_corpora; i++)
        for (size_t j = 0; j < i; j++) {
            size_t li, lj;
            const char *bi = base_name(cfg->corpora[i], &li), *bj = base_name(cfg->corpora[j], &lj);
            if (li == lj && memcmp(bi, bj, li) == 0)
                return tb_fail(err, TB_EUSAGE,
                               "corpus '%.*s' is given twice (-c %zu '%s' and -c %zu '%s'); "
                               "each corpus once",
                               (int)li, bi, j + 1, cfg->corpora[j], i + 1, cfg->corpora[i]);
        }
    return TB_OK;
}

/* A stage that scores the test split (n-gram, model) has nothing to
 * measure on a corpus without test segments: TB_EINPUT naming the corpus,
 * its split sizes and the stages. */
static int check_test_split(const run_config *cfg, const corpus *c, tb_error *err)
{
    int ngram = 0;
    for (size_t s = 0; s < cfg->n_specs && cfg->ngram_order > 0; s++)
        ngram |= !is_light(cfg, cfg->specs[s]);
    if (!ngram && !cfg->model_preset)
        return TB_OK;
    size_t n = corpus_n_segments(c), test = 0;
    for (size_t s = 0; s < n; s++)
        test += corpus_in_split(c, s, CORPUS_TEST) != 0;
    if (test > 0)
        return TB_OK;
    char stages[128];
    snprintf(stages, sizeof stages, "%s%s%s", ngram ? "the n-gram stage (--ngram)" : "",
             ngram && cfg->model_preset ? " and " : "",
             cfg->model_preset ? "the model stage (--model)" : "");
    return tb_fail(err, TB_EINPUT,
                   "corpus '%s': 0 test segments (%zu segments: %zu train, 0 test): nothing "
                   "for %s to measure (a segment is test when FNV-1a-64 of its id is 0 mod "
                   "10, about 1 in 10: give the corpus more segments, or run with --ngram 0 "
                   "--model none)",
                   corpus_name(c), n, n, stages);
}

int run_suite(const run_config *cfg, results *res, tb_error *err)
{
    if (check_config(cfg, err))
        return err->status;
    words *w = NULL;
    if (words_new(&w, err))
        return TB_EINPUT;
    int rc = TB_OK;
    /* projections ride with the model stage: the profiles file (also the
     * dims of the model stage's flops_doc_*_<m> rows), and with timing this
     * machine measured against the real model once */
    roofline *rf = NULL;
    if (cfg->model_preset && cfg->hardware_path)
        rc = roofline_new(cfg->hardware_path, &rf, err);
    stage_model *sm = NULL;
    if (rc == TB_OK && cfg->model_preset) {
        stage_model_config mc = {.preset = cfg->model_preset, .timing = cfg->timing, .dims = rf};
        rc = stage_model_new(&mc, &sm, err);
    }
    roofline_config rcfg = {0};
    roofline_check chk, *pchk = NULL;
    if (rc == TB_OK && sm && rf) {
        /* model sizes from the presets to the 7B-class configurations, for
         * the decode-ms-against-size chart; every datasheet profile */
        stage_roofline_run_config(&rcfg);
        if (rc == TB_OK && cfg->timing) {
            progress(cfg, "measuring this machine for the roofline projections", 0, 0);
            tf_config tc;
            rc = tf_preset(cfg->model_preset, &tc, err);
            size_t n = tc.context < 512 ? tc.context : 512, cache = n < tc.context ? n : n - 1;
            if (rc == TB_OK)
                rc = roofline_check_run(cfg->model_preset, 8192, n, cache, 3, &chk, err);
            if (rc == TB_OK)
                rc = roofline_set_machine(rf, &chk.machine, err);
            rcfg.machine_model = cfg->model_preset;
            pchk = &chk;
        }
        if (rc == TB_OK)
            rc = roofline_config_check(rf, &rcfg, err);
    }
    /* the training regimes with the profiles for their 7B projection rows */
    roofline *trf = NULL;
    stage_train_config trc[2];
    run_config tcfg;
    if (rc == TB_OK && cfg->n_train && cfg->hardware_path) {
        if (cfg->n_train > 2)
            rc = tb_fail(err, TB_EUSAGE, "at most 2 training regimes, not %zu", cfg->n_train);
        else
            rc = roofline_new(cfg->hardware_path, &trf, err);
        for (size_t r = 0; rc == TB_OK && r < cfg->n_train; r++) {
            trc[r] = cfg->train[r];
            trc[r].rf = trf;
        }
        tcfg = *cfg;
        tcfg.train = trc;
        cfg = &tcfg;
    }
    for (size_t i = 0; i < cfg->n_corpora && rc == TB_OK; i++) {
        corpus *c = NULL;
        rc = run_corpus_open_pivot(cfg->data_dir, cfg->corpora[i], cfg->pivot, &c, err);
        if (rc == TB_OK) {
            for (size_t l = 0; l < cfg->n_langs; l++)
                if (corpus_find_lang(c, cfg->langs[l]) < 0)
                    rc = tb_fail(err, TB_EINPUT, "corpus '%s' has no language '%s'",
                                 corpus_name(c), cfg->langs[l]);
        }
        if (rc == TB_OK)
            rc = check_test_split(cfg, c, err);
        /* a corpus with a subset runs the specs of cfg that the subset names,
         * in cfg's order */
        run_config ccfg = *cfg;
        const char **sub = NULL;
        for (size_t k = 0; rc == TB_OK && k < cfg->n_subsets; k++) {
            const run_corpus_specs *cs = &cfg->subsets[k];
            if (strcmp(cs->corpus, cfg->corpora[i]) != 0)
                continue;
            sub = tb_calloc(cfg->n_specs ? cfg->n_specs : 1, sizeof *sub, err);
            if (!sub) {
                rc = err->status;
                break;
            }
            ccfg.n_specs = 0;
            for (size_t s = 0; s < cfg->n_specs; s++)
                for (size_t t = 0; t < cs->n_specs; t++)
                    if (strcmp(cfg->specs[s], cs->specs[t]) == 0) {
                        sub[ccfg.n_specs++] = cfg->specs[s];
                        break;
                    }
            ccfg.specs = sub;
            break;
        }
        if (rc == TB_OK && ccfg.n_specs)
            rc = run_corpus(&ccfg, c, w, sm, rf, &rcfg, pchk, res, err);
        free(sub);
        corpus_free(c);
    }
    roofline_free(rf);
    stage_model_free(sm);
    roofline_free(trf);
    words_free(w);
    return rc;
}
