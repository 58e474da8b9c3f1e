#include "suite.h"

#include <string.h>

static const char *const k_default_corpora[] = {"udhr", "libreoffice"};
static const char *const k_default_tokenizers[] = {"bytes", "chars", "graphemes"};

static const char *const k_quick_corpora[] = {"udhr"};

static const suite k_suites[] = {
    /* everything tokbench can do, on both corpora */
    {"default", k_default_corpora, 2, k_default_tokenizers, 3},
    /* the small corpus only: seconds, for tests and trying things out */
    {"quick", k_quick_corpora, 1, k_default_tokenizers, 3},
};

const suite *suite_find(const char *name)
{
    for (size_t i = 0; i < sizeof k_suites / sizeof k_suites[0]; i++)
        if (strcmp(k_suites[i].name, name) == 0)
            return &k_suites[i];
    return NULL;
}

const char *suite_names(void) { return "default, quick"; }
