/* test_atlas.c - reports/atlas.c on a small table built by hand: the order by
 * cost (the median parity over the tokenizers, ties by byte premium, then
 * name), the script of a FLORES-style name and its family, the per-script
 * medians, the fallback ranking, Spearman's rho with hand-computed values,
 * the Markdown section's rows, names that are one vocabulary merged into one
 * column (and near-identical ones kept apart), the languages' display names
 * and their cut chart labels, and reports/anchors.c's rank agreement with the
 * published figures on FLORES-style names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/anchors.h"
#include "../reports/atlas.h"
#include "../reports/langnames.h"
#include "../results/results.h"

struct lrow {
    const char *lang;
    double premium;
    double par[3]; /* t1, t2, t3 on split all */
    double unk[3];
};

/* Five languages, three tokenizers plus bytes. Costs (median of par):
 * eng 1, fra median(1.2, 1.4, 1.3) = 1.3, rus median(2, 1.5, 1.8) = 1.8,
 * ukr median(1.8, 1.8, 1.8) = 1.8 (tie with rus; byte premium 1.9 < 2.0 puts
 * ukr first), cmn median(0.8, 1.2, 0.9) = 0.9. */
static const struct lrow k_rows[] = {
    {"eng_Latn", 1.0, {1, 1, 1}, {0, 0, 0}},
    {"fra_Latn", 1.1, {1.2, 1.4, 1.3}, {0, 0.01, 0}},
    {"rus_Cyrl", 2.0, {2.0, 1.5, 1.8}, {0, 0.05, 0}},
    {"ukr_Cyrl", 1.9, {1.8, 1.8, 1.8}, {0, 0.05, 0}},
    {"cmn_Hans", 0.8, {0.8, 1.2, 0.9}, {0, 0.30, 0}},
};
static const char *const k_toks[] = {"t1", "t2", "t3"};

static results *fixture(void)
{
    results *r = NULL;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    for (size_t i = 0; i < sizeof k_rows / sizeof k_rows[0]; i++) {
        const struct lrow *l = &k_rows[i];
        assert_int_equal(results_add(r, "c", "all", l->lang, "bytes", "parity", l->premium,
                                     "ratio", &err), TB_OK);
        for (int t = 0; t < 3; t++) {
            assert_int_equal(results_add(r, "c", "all", l->lang, k_toks[t], "parity", l->par[t],
                                         "ratio", &err), TB_OK);
            assert_int_equal(results_add(r, "c", "all", l->lang, k_toks[t], "byte_premium",
                                         l->premium, "ratio", &err), TB_OK);
            assert_int_equal(results_add(r, "c", "all", l->lang, k_toks[t], "unk_rate",
                                         l->unk[t], "share", &err), TB_OK);
            assert_int_equal(results_add(r, "c", "test", l->lang, k_toks[t], "parity",
                                         2 * l->par[t], "ratio", &err), TB_OK);
        }
    }
    return r;
}

/* The atlas's Markdown section, malloc'd. */
static char *markdown_of(const atlas *a)
{
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    assert_non_null(f);
    atlas_write_markdown(a, "atlas-c", "charts", NULL, 0, f);
    fclose(f);
    return md;
}

static void test_order(void **state)
{
    (void)state;
    results *r = fixture();
    atlas *a = NULL;
    tb_error err = {0};
    assert_int_equal(atlas_new(r, "c", NULL, &a, &err), TB_OK);
    assert_non_null(a);
    assert_int_equal(atlas_n_langs(a), 5);
    assert_int_equal(atlas_n_toks(a), 3); /* bytes is the byte premium, not a column */
    static const char *const order[] = {"cmn_Hans", "eng_Latn", "fra_Latn", "ukr_Cyrl",
                                        "rus_Cyrl"};
    static const double cost[] = {0.9, 1.0, 1.3, 1.8, 1.8};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(atlas_lang(a, i), order[i]);
        assert_true(fabs(atlas_cost(a, i) - cost[i]) < 1e-12);
    }
    assert_true(fabs(atlas_byte_premium(a, 0) - 0.8) < 1e-12);
    assert_true(fabs(atlas_parity(a, 4, 1, 0) - 1.5) < 1e-12);  /* rus, t2, all */
    assert_true(fabs(atlas_parity(a, 4, 1, 1) - 3.0) < 1e-12);  /* rus, t2, test */
    atlas_free(a);
    /* a corpus without parity rows has no atlas */
    assert_int_equal(atlas_new(r, "none", NULL, &a, &err), TB_OK);
    assert_null(a);
    results_free(r);
}

static void test_scripts(void **state)
{
    (void)state;
    char b[16];
    assert_string_equal(atlas_script_of("rus_Cyrl", b, sizeof b), "Cyrl");
    assert_string_equal(atlas_script_of("cmn_Hani-hans_beijing", b, sizeof b), "Hani");
    assert_string_equal(atlas_script_of("deu_Latn-1901", b, sizeof b), "Latn");
    assert_string_equal(atlas_script_of("en", b, sizeof b), "");
    assert_string_equal(atlas_script_of("l_001", b, sizeof b), "");
    assert_string_equal(atlas_script_of("x_latn", b, sizeof b), "");
    assert_string_equal(atlas_family_name(atlas_family_of("Cyrl")), "Cyrillic");
    assert_string_equal(atlas_family_name(atlas_family_of("Deva")), "South Asian (Brahmic)");
    assert_string_equal(atlas_family_name(atlas_family_of("Hans")),
                        "Chinese, Japanese, Korean, Yi");
    assert_string_equal(atlas_family_name(atlas_family_of("Zzzz")), "other");
    assert_string_equal(atlas_family_name(atlas_family_of("")), "other");

    results *r = fixture();
    atlas *a = NULL;
    tb_error err = {0};
    assert_int_equal(atlas_new(r, "c", NULL, &a, &err), TB_OK);
    /* Hans 0.9; Latn median(1.0, 1.3) = 1.15; Cyrl median(1.8, 1.8) = 1.8 */
    assert_int_equal(atlas_n_scripts(a), 3);
    assert_string_equal(atlas_script(a, 0), "Hans");
    assert_string_equal(atlas_script(a, 1), "Latn");
    assert_string_equal(atlas_script(a, 2), "Cyrl");
    assert_int_equal(atlas_script_langs(a, 1), 2);
    assert_true(fabs(atlas_script_cost(a, 1) - 1.15) < 1e-12);
    assert_true(fabs(atlas_script_byte_premium(a, 1) - 1.05) < 1e-12);
    assert_true(fabs(atlas_script_byte_premium(a, 2) - 1.95) < 1e-12);
    /* Cyrl with t1: median(2.0, 1.8) = 1.9; with t2: median(1.5, 1.8) = 1.65 */
    assert_true(fabs(atlas_script_parity(a, 2, 0) - 1.9) < 1e-12);
    assert_true(fabs(atlas_script_parity(a, 2, 1) - 1.65) < 1e-12);
    atlas_free(a);
    results_free(r);
}

static void test_fallback(void **state)
{
    (void)state;
    results *r = fixture();
    atlas *a = NULL;
    tb_error err = {0};
    assert_int_equal(atlas_new(r, "c", NULL, &a, &err), TB_OK);
    size_t idx[3], any = 99;
    /* t2: cmn 0.30, then rus and ukr at 0.05 (by name), then fra 0.01 */
    size_t k = atlas_fallback_top(a, 1, idx, 3, &any);
    assert_int_equal(k, 3);
    assert_int_equal(any, 4);
    assert_string_equal(atlas_lang(a, idx[0]), "cmn_Hans");
    assert_string_equal(atlas_lang(a, idx[1]), "rus_Cyrl");
    assert_string_equal(atlas_lang(a, idx[2]), "ukr_Cyrl");
    k = atlas_fallback_top(a, 0, idx, 3, &any);
    assert_int_equal(k, 0);
    assert_int_equal(any, 0);
    atlas_free(a);
    results_free(r);
}

static void test_spearman(void **state)
{
    (void)state;
    /* ranks = values; d = (-1, 1, -1, 1, 0): 1 - 6 * 4 / (5 * 24) = 0.8 */
    const double x[] = {1, 2, 3, 4, 5}, y[] = {2, 1, 4, 3, 5};
    assert_true(fabs(atlas_spearman(x, y, 5) - 0.8) < 1e-12);
    /* ties share the mean rank: x ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4):
     * 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10) */
    const double tx[] = {10, 20, 20, 30}, ty[] = {1, 2, 3, 4};
    assert_true(fabs(atlas_spearman(tx, ty, 4) - 3 / sqrt(10)) < 1e-12);
    const double rev[] = {9, 7, 5, 1, 0};
    assert_true(fabs(atlas_spearman(x, rev, 5) + 1) < 1e-12);
    /* monotone, not linear: still 1 */
    const double sq[] = {1, 4, 9, 16, 25};
    assert_true(fabs(atlas_spearman(x, sq, 5) - 1) < 1e-12);
    const double flat[] = {3, 3, 3};
    assert_true(isnan(atlas_spearman(x, flat, 3)));
    assert_true(isnan(atlas_spearman(x, y, 1)));
}

static void test_markdown(void **state)
{
    (void)state;
    results *r = fixture();
    atlas *a = NULL;
    tb_error err = {0};
    assert_int_equal(atlas_new(r, "c", NULL, &a, &err), TB_OK);
    char *md = markdown_of(a);
    assert_non_null(strstr(md, "<a id=\"atlas-c\"></a>\n\n## Atlas: corpus `c` (5 languages)"));
    assert_non_null(strstr(md, "| rank | language | script | byte premium | cost | `t1` | `t2` "
                               "| `t3` |\n"));
    assert_non_null(strstr(md, "| 1 | cmn_Hans | Hans | 0.800 | 0.900 | 0.800 | 1.200 | 0.900 |\n"
                               "| 2 | eng_Latn |"));
    assert_non_null(strstr(md, "| 4 | ukr_Cyrl | Cyrl | 1.900 | 1.800 |"));
    assert_non_null(strstr(md, "| Latn | Latin | 2 | 1.050 | 1.150 | 1.100 | 1.200 | 1.150 |\n"));
    assert_non_null(strstr(md, "| `t2` | 4 of 5 | cmn_Hans 30.00%, rus_Cyrl 5.00%, ukr_Cyrl "
                               "5.00%, fra_Latn 1.00% |\n"));
    assert_non_null(strstr(md, "| `t1` | 0 of 5 | none |\n"));
    /* the test split folded, in the same order, twice the fixture's values */
    assert_non_null(strstr(md, "| 5 | rus_Cyrl | 4.000 | 3.000 | 3.600 |\n"));
    free(md);
    atlas_free(a);
    results_free(r);
}

/* Adds tokenizer name to the fixture as a copy of k_toks[from]'s rows, with
 * tokens rows of 100 x parity (the pivot: 100 tokens) for both on both
 * splits, except bump more tokens (parity + bump / 100) for bump_lang on
 * split bump_split and unk_rate + unk_bump for eng_Latn. */
static void add_copy(results *r, const char *name, int from, const char *bump_lang,
                     const char *bump_split, double bump, double unk_bump)
{
    tb_error err = {0};
    for (size_t i = 0; i < sizeof k_rows / sizeof k_rows[0]; i++) {
        const struct lrow *l = &k_rows[i];
        for (int test = 0; test < 2; test++) {
            const char *sp = test ? "test" : "all";
            double tokens = 100 * (test ? 2 : 1) * l->par[from];
            double extra = bump_lang && strcmp(l->lang, bump_lang) == 0 &&
                                   strcmp(sp, bump_split) == 0 ? bump : 0;
            if (results_find(r, "c", sp, l->lang, k_toks[from], "tokens") < 0)
                assert_int_equal(results_add(r, "c", sp, l->lang, k_toks[from], "tokens", tokens,
                                             "tokens", &err), TB_OK);
            assert_int_equal(results_add(r, "c", sp, l->lang, name, "tokens", tokens + extra,
                                         "tokens", &err), TB_OK);
            assert_int_equal(results_add(r, "c", sp, l->lang, name, "parity",
                                         (tokens + extra) / 100, "ratio", &err), TB_OK);
        }
        double unk = l->unk[from] + (strcmp(l->lang, "eng_Latn") == 0 ? unk_bump : 0);
        assert_int_equal(results_add(r, "c", "all", l->lang, name, "unk_rate", unk, "share",
                                     &err), TB_OK);
    }
}

static void test_merge(void **state)
{
    (void)state;
    results *r = fixture();
    /* t1 under a second name: one column "t1 = t1copy"; costs as before */
    add_copy(r, "t1copy", 0, NULL, NULL, 0, 0);
    atlas *a = NULL;
    tb_error err = {0};
    assert_int_equal(atlas_new(r, "c", NULL, &a, &err), TB_OK);
    assert_int_equal(atlas_n_toks(a), 3);
    assert_int_equal(atlas_n_merged(a), 1);
    assert_int_equal(atlas_tok_n_names(a, 0), 2);
    assert_string_equal(atlas_tok_name(a, 0, 0), "t1");
    assert_string_equal(atlas_tok_name(a, 0, 1), "t1copy");
    assert_null(atlas_tok_name(a, 0, 2));
    assert_int_equal(atlas_tok_n_names(a, 1), 1);
    assert_string_equal(atlas_tok(a, 2), "t3");
    /* counted once: with four columns fra's cost would be median(1.2, 1.2,
     * 1.4, 1.3) = 1.25 and rus's median(2, 2, 1.5, 1.8) = 1.9 */
    static const char *const order[] = {"cmn_Hans", "eng_Latn", "fra_Latn", "ukr_Cyrl",
                                        "rus_Cyrl"};
    static const double cost[] = {0.9, 1.0, 1.3, 1.8, 1.8};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(atlas_lang(a, i), order[i]);
        assert_true(fabs(atlas_cost(a, i) - cost[i]) < 1e-12);
    }
    assert_true(fabs(atlas_parity(a, 4, 1, 0) - 1.5) < 1e-12); /* rus, t2: columns moved */
    assert_true(fabs(atlas_script_parity(a, 2, 1) - 1.65) < 1e-12);
    size_t idx[3], any = 0;
    assert_int_equal(atlas_fallback_top(a, 1, idx, 3, &any), 3); /* t2's, as before */
    assert_int_equal(any, 4);
    char *md = markdown_of(a);
    assert_non_null(strstr(md, "| cost | `t1` = `t1copy` | `t2` | `t3` |\n"));
    assert_non_null(strstr(md, "Merged into one column: `t1` = `t1copy`. "));
    assert_non_null(strstr(md, "| `t1` = `t1copy` | 0 of 5 | none |\n"));
    free(md);
    atlas_free(a);
    results_free(r);

    /* near-identical: one token more in one language on split all; the same
     * split all but one token more on test; the same counts but another
     * fallback share in one language - none of them is t1 or t2 */
    r = fixture();
    add_copy(r, "t1plus", 0, "rus_Cyrl", "all", 1, 0);
    add_copy(r, "t1test", 0, "cmn_Hans", "test", 1, 0);
    add_copy(r, "t2unk", 1, NULL, NULL, 0, 0.001);
    assert_int_equal(atlas_new(r, "c", NULL, &a, &err), TB_OK);
    assert_int_equal(atlas_n_toks(a), 6);
    assert_int_equal(atlas_n_merged(a), 0);
    for (size_t t = 0; t < 6; t++)
        assert_int_equal(atlas_tok_n_names(a, t), 1);
    /* rus: 2.01 with t1plus, apart from t1's 2.0 */
    assert_true(fabs(atlas_parity(a, 4, 3, 0) - 2.01) < 1e-12);
    md = markdown_of(a);
    assert_null(strstr(md, "Merged"));
    assert_non_null(strstr(md, "| `t1` | `t2` | `t3` | `t1plus` | `t1test` | `t2unk` |\n"));
    free(md);
    atlas_free(a);
    results_free(r);
}

static void test_names(void **state)
{
    (void)state;
    langnames *ln = NULL;
    tb_error err = {0};
    assert_int_equal(langnames_new(&ln, &err), TB_OK);
    assert_int_equal(langnames_add(ln, "c", "rus_Cyrl", "Russian", &err), TB_OK);
    assert_int_equal(langnames_add(ln, "c", "cmn_Hans", "Chinese | Mandarin", &err), TB_OK);
    assert_int_equal(langnames_add(ln, "other", "eng_Latn", "Elsewhere", &err), TB_OK);
    assert_int_equal(langnames_add(ln, "c", "fra_Latn", "", &err), TB_OK); /* ignored */
    assert_int_equal(langnames_add(ln, "c", "rus_Cyrl", "Russian (Russia)", &err), TB_OK);
    assert_int_equal(langnames_count(ln), 3);
    assert_string_equal(langnames_get(ln, "c", "rus_Cyrl"), "Russian (Russia)");
    assert_null(langnames_get(ln, "c", "eng_Latn"));
    assert_null(langnames_get(ln, "c", "fra_Latn"));
    assert_null(langnames_get(NULL, "c", "rus_Cyrl"));

    results *r = fixture();
    atlas *a = NULL;
    assert_int_equal(atlas_new(r, "c", ln, &a, &err), TB_OK);
    assert_string_equal(atlas_lang(a, 0), "cmn_Hans");
    assert_string_equal(atlas_lang_name(a, 0), "Chinese | Mandarin");
    assert_null(atlas_lang_name(a, 1)); /* eng_Latn: a name of another corpus */
    char *md = markdown_of(a);
    /* the whole name in the table, '|' escaped; a language without one: its code */
    assert_non_null(strstr(md, "| 1 | cmn_Hans Chinese \\| Mandarin | Hans | 0.800 |"));
    assert_non_null(strstr(md, "| 2 | eng_Latn | Latn |"));
    assert_non_null(strstr(md, "| 5 | rus_Cyrl Russian (Russia) | Cyrl |"));
    assert_non_null(strstr(md, "| 5 | rus_Cyrl Russian (Russia) | 4.000 |")); /* test split */
    assert_non_null(strstr(md, "cmn_Hans (Chinese \\| Mandarin) 30.00%, rus_Cyrl (Russian "
                               "(Russia)) 5.00%"));
    free(md);
    atlas_free(a);
    results_free(r);
    langnames_free(ln);

    /* chart labels: at most max_cp code points, the name cut at a code point
     * with an ellipsis, a space or comma before the cut dropped */
    char b[64];
    assert_string_equal(langnames_label("rus_Cyrl", "Russian", 36, b, sizeof b), "rus_Cyrl Russian");
    assert_string_equal(langnames_label("rus_Cyrl", NULL, 36, b, sizeof b), "rus_Cyrl");
    assert_string_equal(langnames_label("rus_Cyrl", "", 36, b, sizeof b), "rus_Cyrl");
    /* 8 + 1 + 7 = 16 fits 16 exactly; 15 cuts "Russian" to "Russi…" */
    assert_string_equal(langnames_label("rus_Cyrl", "Russian", 16, b, sizeof b), "rus_Cyrl Russian");
    assert_string_equal(langnames_label("rus_Cyrl", "Russian", 15, b, sizeof b), "rus_Cyrl Russi…");
    assert_string_equal(langnames_label("abs_Latn", "Malay, Ambonese", 16, b, sizeof b),
                        "abs_Latn Malay…");
    /* "Yaneshaʼ": ʼ is two bytes, one code point */
    assert_string_equal(langnames_label("ame_Latn", "Yaneshaʼ", 17, b, sizeof b),
                        "ame_Latn Yaneshaʼ");
    assert_string_equal(langnames_label("ame_Latn", "Yaneshaʼ", 16, b, sizeof b),
                        "ame_Latn Yanesh…");
    assert_string_equal(langnames_label("ame_Latn", "ʼʼʼʼʼʼ", 13, b, sizeof b), "ame_Latn ʼʼʼ…");
    /* no room for one code point and the ellipsis: the code alone */
    assert_string_equal(langnames_label("ame_Latn", "Yaneshaʼ", 10, b, sizeof b), "ame_Latn");
    assert_string_equal(langnames_label("ame_Latn", "Yaneshaʼ", 0, b, sizeof b),
                        "ame_Latn Yaneshaʼ");
    /* a small buffer: cut at a code point boundary */
    char s[12];
    assert_string_equal(langnames_label("ame_Latn", "ʼʼʼʼ", 0, s, sizeof s), "ame_Latn ʼ");
}

/* The published figures meet udhr-all's FLORES-style names, and the rank
 * agreement: published (petrov2023) cl100k ru 2.49 zh 1.91, llama2 1.64 2.00,
 * bytes 1.98 0.93 (toksuite's byt5 zh is the same pair: counted once); here
 * 0.9 x published except bytes zh 2.5. Ranks published (6 3 2 5 4 1), here
 * (5 2 1 4 3 6): sum d^2 = 30, rho = 1 - 6 * 30 / (6 * 35) = 0.14; zh alone
 * (2 3 1) against (1 2 3): 1 - 6 * 6 / (3 * 8) = -0.50; ru alone 1.00. */
static void test_anchors_rank(void **state)
{
    (void)state;
    static const struct {
        const char *lang, *tok;
        double v;
    } rows[] = {
        {"rus_Cyrl", "tiktoken:cl100k_base", 0.9 * 2.49}, {"cmn_Hans", "tiktoken:cl100k_base", 0.9 * 1.91},
        {"rus_Cyrl", "hf:llama2", 0.9 * 1.64},            {"cmn_Hans", "hf:llama2", 0.9 * 2.00},
        {"rus_Cyrl", "bytes", 0.9 * 1.98},                {"cmn_Hans", "bytes", 2.5},
    };
    results *r = NULL;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(results_add(r, "udhr-all", "all", rows[i].lang, rows[i].tok, "parity",
                                     rows[i].v, "ratio", &err), TB_OK);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    assert_non_null(f);
    assert_int_equal(anchors_write_markdown(r, f, &err), TB_OK);
    fclose(f);
    assert_non_null(strstr(md, "| udhr-all | `hf:llama2` | llama2 | petrov2023 | 1.64 | 1.48 | 2.00 "
                               "| 1.80 |\n"));
    assert_non_null(strstr(md, "Spearman's ρ = 0.14 between the published parity and this run's "
                               "over the 6 (tokenizer, language) pairs both have; ru (`rus_Cyrl`) "
                               "alone, across its 3 tokenizers: ρ = 1.00; zh (`cmn_Hans`) alone, "
                               "across its 3 tokenizers: ρ = -0.50."));
    assert_non_null(strstr(md, "the Universal Declaration (legal text)"));
    free(md);
    results_free(r);
    /* two pairs are too few: no rank agreement */
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(results_add(r, "udhr", "all", "ru", "bytes", "parity", 2, "ratio", &err), TB_OK);
    assert_int_equal(results_add(r, "udhr", "all", "zh", "bytes", "parity", 1, "ratio", &err), TB_OK);
    f = open_memstream(&md, &len);
    assert_int_equal(anchors_write_markdown(r, f, &err), TB_OK);
    fclose(f);
    assert_non_null(strstr(md, "## Published figures beside this run"));
    assert_null(strstr(md, "Spearman"));
    free(md);
    results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),    cmocka_unit_test(test_scripts),
        cmocka_unit_test(test_fallback), cmocka_unit_test(test_spearman),
        cmocka_unit_test(test_markdown), cmocka_unit_test(test_merge),
        cmocka_unit_test(test_names),    cmocka_unit_test(test_anchors_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
