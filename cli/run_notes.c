/* run_notes.c - warnings and notes after a run (run_notes.h). */
#include "run_notes.h"

#include <string.h>

#include "../reports/claims.h"
#include "../tokenizers/bpe_cache.h"

static void small_splits(const char *cmd, const results *res, FILE *f)
{
    results_names corpora = {0};
    for (size_t i = 0; i < results_count(res); i++) {
        result_row r;
        results_get(res, i, &r);
        if (strcmp(r.metric, "segments") == 0 && results_names_add(&corpora, r.corpus))
            break; /* out of memory: fewer notes, never a failed run */
    }
    for (size_t c = 0; c < corpora.n; c++) {
        double most = 0, all = 0;
        for (size_t i = 0; i < results_count(res); i++) {
            result_row r;
            results_get(res, i, &r);
            if (strcmp(r.metric, "segments") != 0 || strcmp(r.corpus, corpora.v[c]) != 0)
                continue;
            if (strcmp(r.split, "test") == 0 && r.value > most)
                most = r.value;
            if (strcmp(r.split, "all") == 0 && r.value > all)
                all = r.value;
        }
        if (most < CLAIMS_MIN_SEGMENTS)
            fprintf(f,
                    "tokbench %s: warning: corpus '%s' has %.0f test segments of %.0f (fewer "
                    "than %d): its test-split figures are noisy, and the report's claims leave "
                    "it out of their verdicts\n",
                    cmd, corpora.v[c], most, all, CLAIMS_MIN_SEGMENTS);
    }
    results_names_release(&corpora);
}

static void short_bpe(const char *cmd, const results *res, FILE *f)
{
    size_t n = results_count(res);
    for (size_t i = 0; i < n; i++) {
        result_row r;
        results_get(res, i, &r);
        size_t want;
        char preset[64];
        int joint;
        if (strcmp(r.metric, "vocab_size") != 0 || strcmp(r.split, "all") != 0 ||
            !bpe_cache_spec_parse(r.tokenizer, &want, preset, sizeof preset, &joint) ||
            !(r.value < (double)want))
            continue;
        /* the first short row of (corpus, spec) prints the line for all of them */
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) {
            result_row q;
            results_get(res, j, &q);
            seen = strcmp(q.metric, "vocab_size") == 0 && strcmp(q.split, "all") == 0 &&
                   strcmp(q.corpus, r.corpus) == 0 && strcmp(q.tokenizer, r.tokenizer) == 0 &&
                   q.value < (double)want;
        }
        if (seen)
            continue;
        fprintf(f, "tokbench %s: note: %s on", cmd, r.tokenizer);
        int k = 0;
        for (size_t j = i; j < n; j++) {
            result_row q;
            results_get(res, j, &q);
            if (strcmp(q.metric, "vocab_size") == 0 && strcmp(q.split, "all") == 0 &&
                strcmp(q.corpus, r.corpus) == 0 && strcmp(q.tokenizer, r.tokenizer) == 0 &&
                q.value < (double)want)
                fprintf(f, "%s %s/%s reached %.0f entries", k++ ? "," : "", q.corpus, q.lang,
                        q.value);
        }
        fprintf(f, " of %zu (training stops when no pair occurs twice)\n", want);
    }
}

void cli_note_no_pieces(const char *cmd, const results *res, FILE *f)
{
    results_names suggested = {0}, with_ksr = {0};
    size_t n = results_count(res);
    int oom = 0;
    for (size_t i = 0; i < n && !oom; i++) {
        result_row r;
        results_get(res, i, &r);
        if (strcmp(r.metric, "ngram_hit_at_1") == 0)
            oom = results_names_add(&suggested, r.tokenizer) != TB_OK;
        else if (strcmp(r.metric, "ngram_ksr") == 0)
            oom = results_names_add(&with_ksr, r.tokenizer) != TB_OK;
    }
    for (size_t k = 0; k < suggested.n && !oom; k++) /* out of memory: no note, never a failure */
        if (!results_names_has(&with_ksr, suggested.v[k]))
            fprintf(f,
                    "tokbench %s: note: %s has no pieces (an external program): keystroke "
                    "savings (ngram_ksr) skipped; the other n-gram rows come from its ids\n",
                    cmd, suggested.v[k]);
    results_names_release(&suggested);
    results_names_release(&with_ksr);
}

void cli_run_notes(const char *cmd, const results *res, FILE *f)
{
    small_splits(cmd, res, f);
    short_bpe(cmd, res, f);
    cli_note_no_pieces(cmd, res, f);
}
