/* anchors.c - the published parity table and its section of the report. */
#include "anchors.h"

#include <math.h>
#include <string.h>

#include "atlas.h"

#define SPLIT "all"

/* Parity with English (tokens(lang) / tokens(en) for the same content) as
 * published, FLORES-200 (ru = rus_Cyrl, zh = zho_Hans); NAN where the source
 * gives none. spec is the tokbench spec of the same tokenizer: Llama 3.2 uses
 * the Llama 3 vocabulary; ByT5 is UTF-8 bytes; UTF-32 is one token per code
 * point. */
static const struct anchor {
    const char *source;     /* short name, below */
    const char *name;       /* as the source names the tokenizer */
    const char *spec;
    double ru, zh;
} k_anchors[] = {
    {"petrov2023", "gpt2 (r50k_base)", "tiktoken:r50k_base", 5.74, 3.21},
    {"petrov2023", "cl100k_base", "tiktoken:cl100k_base", 2.49, 1.91},
    {"petrov2023", "llama2", "hf:llama2", 1.64, 2.00},
    {"petrov2023", "byt5 (UTF-8 bytes)", "bytes", 1.98, 0.93},
    {"petrov2023", "utf-32 (code points)", "chars", 1.09, 0.34},
    {"toksuite2025", "o200k_base (gpt-4o)", "tiktoken:o200k_base", NAN, 1.266},
    {"toksuite2025", "llama-3.2", "hf:llama3", NAN, 1.288},
    {"toksuite2025", "qwen3", "hf:qwen3", NAN, 1.017},
    {"toksuite2025", "gpt2", "tiktoken:r50k_base", NAN, 3.211},
    {"toksuite2025", "byt5", "bytes", NAN, 0.942},
};

static const struct {
    const char *id, *cite;
} k_sources[] = {
    {"petrov2023", "Petrov, La Malfa, Torr, Bibi: Language Model Tokenizers Introduce Unfairness "
                   "Between Languages, NeurIPS 2023 (FLORES-200 devtest, 2,000 sentences; "
                   "assets/tokenization_lengths.csv of AleksandarPetrov/tokenization-fairness)"},
    {"toksuite2025", "TokSuite (arXiv 2512.20757; FLORES dev; "
                     "results/intrinsic_metrics/parity.csv of r-three/TokSuite)"},
};

enum { N_ANCHORS = sizeof k_anchors / sizeof k_anchors[0] };

/* The published languages and the names a run may give them: the three-language
 * corpora's codes, then FLORES-200 style (udhr-all). FLORES-200's zho_Hans is the
 * macrolanguage code of its Mandarin text; UDHR's declaration is cmn_Hans. */
static const char *const k_lang_names[2][2] = {{"ru", "rus_Cyrl"}, {"zh", "cmn_Hans"}};

/* Parity of published language l (0 ru, 1 zh) with spec on corpus: 1 and *v
 * (and *name, the run's language) or 0. */
static int here_value(const results *r, const char *corpus, int l, const char *spec, double *v,
                      const char **name)
{
    for (int k = 0; k < 2; k++)
        if (results_value(r, corpus, SPLIT, k_lang_names[l][k], spec, "parity", v)) {
            if (name)
                *name = k_lang_names[l][k];
            return 1;
        }
    return 0;
}

/* The rank agreement on corpus: Spearman over the (tokenizer, language) pairs
 * both have (each pair once: the first source listed), and per language. */
static void rank_agreement(const results *r, const char *corpus, FILE *f)
{
    double pub[2 * N_ANCHORS], here[2 * N_ANCHORS], lp[2][N_ANCHORS], lh[2][N_ANCHORS];
    size_t n = 0, nl[2] = {0, 0};
    const char *name[2] = {NULL, NULL};
    for (size_t a = 0; a < N_ANCHORS; a++) {
        const struct anchor *k = &k_anchors[a];
        const double pv[2] = {k->ru, k->zh};
        for (int l = 0; l < 2; l++) {
            double v;
            if (isnan(pv[l]) || !here_value(r, corpus, l, k->spec, &v, &name[l]))
                continue;
            int dup = 0;
            for (size_t b = 0; b < a && !dup; b++) {
                const double qv[2] = {k_anchors[b].ru, k_anchors[b].zh};
                dup = !isnan(qv[l]) && strcmp(k_anchors[b].spec, k->spec) == 0;
            }
            if (dup)
                continue;
            pub[n] = pv[l];
            here[n++] = v;
            lp[l][nl[l]] = pv[l];
            lh[l][nl[l]++] = v;
        }
    }
    if (n < 3)
        return;
    fprintf(f, "Rank agreement on %s: Spearman's ρ = %.2f between the published parity and this "
               "run's over the %zu (tokenizer, language) pairs both have",
            corpus, atlas_spearman(pub, here, n), n);
    for (int l = 0; l < 2; l++)
        if (nl[l] >= 3)
            fprintf(f, "; %s (`%s`) alone, across its %zu tokenizers: ρ = %.2f", l ? "zh" : "ru",
                    name[l], nl[l], atlas_spearman(lp[l], lh[l], nl[l]));
        else if (nl[l])
            fprintf(f, "; %s: %zu pair%s, too few to rank", l ? "zh" : "ru", nl[l],
                    nl[l] == 1 ? "" : "s");
    fprintf(f, ". The published table has two languages, so this ranks tokenizers within and "
               "across them, not languages against each other. Domains differ: %s is %s, "
               "FLORES-200 news and Wikipedia-style sentences; agreement in rank with a gap in "
               "level is the domain's vocabulary.\n\n",
            corpus,
            strncmp(corpus, "udhr", 4) == 0 ? "the Universal Declaration (legal text)"
                                            : "this run's corpus");
}

static int is_subword(const char *spec)
{
    return strcmp(spec, "bytes") != 0 && strcmp(spec, "chars") != 0;
}

int anchors_write_markdown(const results *r, FILE *f, tb_error *err)
{
    results_names corpora = {0};
    int oom = 0;
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        oom |= results_names_add(&corpora, row.corpus) != TB_OK;
    }
    int any = 0;
    for (size_t c = 0; c < corpora.n && !oom; c++)
        for (size_t a = 0; a < N_ANCHORS; a++) {
            const struct anchor *k = &k_anchors[a];
            double v;
            if (!here_value(r, corpora.v[c], 0, k->spec, &v, NULL) &&
                !here_value(r, corpora.v[c], 1, k->spec, &v, NULL))
                continue;
            if (!any)
                fputs("<a id=\"published-figures\"></a>\n\n"
                      "## Published figures beside this run\n\n"
                      "Parity with English as published (FLORES-200, news and encyclopaedic "
                      "text) and as this run measures it with the same tokenizer (split `all`). "
                      "The published figures are context, not inputs to any verdict.\n\n"
                      "| corpus | tokenizer | published as | source | ru published | ru here | zh "
                      "published | zh here |\n|---|---|---|---|---:|---:|---:|---:|\n",
                      f);
            any = 1;
            fprintf(f, "| %s | `%s` | %s | %s |", corpora.v[c], k->spec, k->name, k->source);
            const double pub[2] = {k->ru, k->zh};
            for (int l = 0; l < 2; l++) {
                double here;
                int has = here_value(r, corpora.v[c], l, k->spec, &here, NULL);
                if (isnan(pub[l]))
                    fputs(" – |", f);
                else
                    fprintf(f, " %.2f |", pub[l]);
                if (has)
                    fprintf(f, " %.2f |", here);
                else
                    fputs(" – |", f);
            }
            fputc('\n', f);
        }
    if (any) {
        fputs("\n", f);
        /* the domain: how far this corpus sits from FLORES, for subword
         * tokenizers and for bytes and code points (which only see the
         * script) */
        for (size_t c = 0; c < corpora.n; c++) {
            double sum[2] = {0, 0};
            size_t n[2] = {0, 0};
            for (size_t a = 0; a < N_ANCHORS; a++) {
                const struct anchor *k = &k_anchors[a];
                const double pub[2] = {k->ru, k->zh};
                for (int l = 0; l < 2; l++) {
                    double here;
                    if (isnan(pub[l]) || !here_value(r, corpora.v[c], l, k->spec, &here, NULL))
                        continue;
                    int g = is_subword(k->spec);
                    sum[g] += here / pub[l] - 1;
                    n[g]++;
                }
            }
            if (!n[0] && !n[1])
                continue;
            fprintf(f, "On %s, ", corpora.v[c]);
            if (n[1])
                fprintf(f, "subword tokenizers' parity is on average %+.0f%% from the published "
                           "figure (%zu comparison%s)",
                        100 * sum[1] / (double)n[1], n[1], n[1] == 1 ? "" : "s");
            if (n[0])
                fprintf(f, "%sUTF-8 bytes and code points, which see only the script, %+.0f%% "
                           "(%zu)",
                        n[1] ? "; " : "", 100 * sum[0] / (double)n[0], n[0]);
            fputs(n[0] && n[1] ? ". A gap that subword tokenizers show and bytes do not is the "
                                 "domain's vocabulary, not the script.\n\n"
                               : ".\n\n",
                  f);
            rank_agreement(r, corpora.v[c], f);
        }
        fputs("Sources:\n\n", f);
        for (size_t s = 0; s < sizeof k_sources / sizeof k_sources[0]; s++)
            fprintf(f, "- %s: %s\n", k_sources[s].id, k_sources[s].cite);
        fputc('\n', f);
    }
    results_names_release(&corpora);
    return oom ? tb_fail(err, TB_EINPUT, "anchors: out of memory") : TB_OK;
}
