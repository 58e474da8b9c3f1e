/* import_libreoffice.c - LibreOffice help pages (Debian packages
 * libreoffice-help-{en-us,ru,zh-cn}) aligned by page and paragraph id.
 *
 * Pages: <cache>/root/usr/share/libreoffice/help/<folder>/ ** / *.html with
 * folder en-US, ru, zh-CN, listed recursively in strcmp order of the path
 * (symbolic links are not followed). Each page is parsed with libxml2's
 * HTML parser. A paragraph is an element whose id starts with "par_id" or
 * "hd_id" and that has no such ancestor; its text is all its text content
 * (xmlNodeGetContent), cleaned by corpus_clean_text. Its key is
 * "<path relative to the language folder>#<id>", and "#2", "#3", ... is
 * appended to the second, third, ... element with the same id on a page.
 *
 * Keys present in all three languages are walked in strcmp order. A triple
 * is kept when the Russian text has a Cyrillic letter (U+0400..U+04FF), the
 * Chinese text has a Han character (U+3400..U+4DBF, U+4E00..U+9FFF,
 * U+F900..U+FAFF, U+20000..U+2FFFF) and the English text has at least 3
 * words, a word here being a maximal run of ASCII letters [A-Za-z]. This is
 * a content filter (untranslated paragraphs fall back to English; short
 * labels and code carry little text), not the word count of the metrics
 * (those use ICU). Exact duplicate triples are dropped by the builder. The
 * segment id is the key. */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "../common/utf8.h"
#include "corpus.h"

#define N_LANG 3
#define PATH_CAP 4400

static const struct {
    const char *pkg;         /* Debian package */
    const char *folder;      /* folder under usr/share/libreoffice/help */
    const char *lang;        /* corpus language code */
} LANGS[N_LANG] = {
    {"libreoffice-help-en-us", "en-US", "en"},
    {"libreoffice-help-ru", "ru", "ru"},
    {"libreoffice-help-zh-cn", "zh-CN", "zh"},
};

/* Growable array of owned strings. */
struct strv {
    char **v;
    size_t n, cap;
};

static int strv_push(struct strv *s, char *str, tb_error *err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        char **nv = tb_realloc(s->v, cap * sizeof *nv, err);
        if (!nv)
            return TB_EINPUT;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    return TB_OK;
}

static void strv_release(struct strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One paragraph: key and cleaned text, owned. */
struct para {
    char *key;
    char *text;
};

struct plist {
    struct para *v;
    size_t n, cap;
    size_t controls;         /* control characters in the pages' text, made spaces */
};

static void plist_release(struct plist *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].text);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

static int cmp_para(const void *a, const void *b)
{
    return strcmp(((const struct para *)a)->key, ((const struct para *)b)->key);
}

/* Appends to out the paths (relative to base) of every *.html file below
 * base/rel, recursively. */
static int list_pages(const char *base, const char *rel, struct strv *out, tb_error *err)
{
    char dir[PATH_CAP];
    snprintf(dir, sizeof dir, "%s%s%s", base, rel[0] ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d)
        return tb_fail(err, TB_EINPUT, "corpus 'libreoffice': cannot open folder '%s': %s", dir,
                       strerror(errno));
    int rc = TB_OK;
    struct dirent *e;
    while (rc == TB_OK && (e = readdir(d))) {
        const char *nm = e->d_name;
        if (nm[0] == '.')
            continue;
        size_t rl = strlen(rel), nl = strlen(nm);
        if (rl + nl + 2 > PATH_CAP - strlen(base) - 2) {
            rc = tb_fail(err, TB_EINPUT, "corpus 'libreoffice': path too long below '%s'", dir);
            break;
        }
        char *child = tb_malloc(rl + nl + 2, err);
        if (!child) {
            rc = TB_EINPUT;
            break;
        }
        snprintf(child, rl + nl + 2, "%s%s%s", rel, rl ? "/" : "", nm);
        char full[PATH_CAP];
        snprintf(full, sizeof full, "%s/%s", base, child);
        struct stat st;
        if (lstat(full, &st) != 0) {
            rc = tb_fail(err, TB_EINPUT, "corpus 'libreoffice': cannot inspect '%s': %s", full,
                         strerror(errno));
            free(child);
        } else if (S_ISDIR(st.st_mode)) {
            rc = list_pages(base, child, out, err);
            free(child);
        } else if (S_ISREG(st.st_mode) && nl > 5 && strcmp(nm + nl - 5, ".html") == 0) {
            rc = strv_push(out, child, err);
            if (rc)
                free(child);
        } else {
            free(child);
        }
    }
    closedir(d);
    return rc;
}

/* The value of the id attribute of element n, or NULL (not a copy). */
static const char *elem_id(const xmlNode *n)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, "id") == 0) {
            const xmlNode *t = a->children;
            return t && t->type == XML_TEXT_NODE && t->content ? (const char *)t->content : "";
        }
    }
    return NULL;
}

static int is_para_id(const char *id)
{
    return id && (strncmp(id, "par_id", 6) == 0 || strncmp(id, "hd_id", 5) == 0);
}

/* Paragraph elements of one page in document order (not owned). */
struct found {
    xmlNode **v;
    size_t n, cap;
};

static int find_paras(xmlNode *n, struct found *f, tb_error *err)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_para_id(elem_id(n))) {
            if (f->n == f->cap) {
                size_t cap = f->cap ? 2 * f->cap : 128;
                xmlNode **nv = tb_realloc(f->v, cap * sizeof *nv, err);
                if (!nv)
                    return TB_EINPUT;
                f->v = nv;
                f->cap = cap;
            }
            f->v[f->n++] = n;
        } else if (find_paras(n->children, f, err)) {
            return TB_EINPUT;
        }
    }
    return TB_OK;
}

/* Parses one page and appends its paragraphs to out. */
static int read_page(htmlParserCtxtPtr ctxt, const char *folder, const char *base,
                     const char *rel, struct plist *out, struct found *f, tb_error *err)
{
    char path[PATH_CAP];
    if (tb_pathf(err, path, sizeof path, "%s/%s", base, rel))
        return tb_wrap(err, "corpus 'libreoffice': ");
    htmlDocPtr doc = htmlCtxtReadFile(ctxt, path, "UTF-8",
                                      HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                          HTML_PARSE_NONET);
    if (!doc)
        return tb_fail(err, TB_EINPUT, "corpus 'libreoffice': cannot parse '%s' as HTML", path);
    f->n = 0;
    int rc = find_paras(xmlDocGetRootElement(doc), f, err);
    for (size_t i = 0; i < f->n && rc == TB_OK; i++) {
        const char *id = elem_id(f->v[i]);
        size_t occ = 1;
        for (size_t j = 0; j < i; j++)
            occ += strcmp(elem_id(f->v[j]), id) == 0;
        size_t kl = strlen(rel) + strlen(id) + 24;
        char *key = tb_malloc(kl, err);
        if (!key) {
            rc = TB_EINPUT;
            break;
        }
        if (occ == 1)
            snprintf(key, kl, "%s#%s", rel, id);
        else
            snprintf(key, kl, "%s#%s#%zu", rel, id, occ);
        xmlChar *t = xmlNodeGetContent(f->v[i]);
        char where[PATH_CAP];
        snprintf(where, sizeof where, "corpus 'libreoffice': %s/%s", folder, key);
        if (t)
            out->controls += corpus_count_controls((const char *)t, strlen((const char *)t));
        char *text = t ? corpus_clean_text((const char *)t, strlen((const char *)t), where, err)
                       : strdup("");
        xmlFree(t);
        if (!text) {
            free(key);
            rc = t ? TB_EINPUT : tb_fail(err, TB_EINPUT, "out of memory");
            break;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 4096;
            struct para *nv = tb_realloc(out->v, cap * sizeof *nv, err);
            if (!nv) {
                free(key);
                free(text);
                rc = TB_EINPUT;
                break;
            }
            out->v = nv;
            out->cap = cap;
        }
        out->v[out->n].key = key;
        out->v[out->n].text = text;
        out->n++;
    }
    xmlFreeDoc(doc);
    return rc;
}

/* Reads every page of one language into out, sorted by key. */
static int read_lang(const char *help, size_t l, struct plist *out, size_t *n_pages,
                     tb_error *err)
{
    char base[PATH_CAP];
    if (tb_pathf(err, base, sizeof base, "%s/%s", help, LANGS[l].folder))
        return tb_wrap(err, "corpus 'libreoffice': ");
    struct strv pages = {0};
    int rc = list_pages(base, "", &pages, err);
    if (rc == TB_OK && pages.n == 0)
        rc = tb_fail(err, TB_EINPUT, "corpus 'libreoffice': no .html pages below '%s'", base);
    if (rc == TB_OK)
        qsort(pages.v, pages.n, sizeof *pages.v, cmp_str);
    htmlParserCtxtPtr ctxt = rc == TB_OK ? htmlNewParserCtxt() : NULL;
    if (rc == TB_OK && !ctxt)
        rc = tb_fail(err, TB_EINPUT, "corpus 'libreoffice': out of memory (HTML parser)");
    struct found f = {0};
    for (size_t i = 0; i < pages.n && rc == TB_OK; i++)
        rc = read_page(ctxt, LANGS[l].folder, base, pages.v[i], out, &f, err);
    free(f.v);
    if (ctxt)
        htmlFreeParserCtxt(ctxt);
    *n_pages = pages.n;
    strv_release(&pages);
    if (rc == TB_OK)
        qsort(out->v, out->n, sizeof *out->v, cmp_para);
    return rc;
}

/* read_lang run by a thread: inputs, then results. */
struct lang_job {
    const char *help;        /* usr/share/libreoffice/help folder */
    size_t l;                /* index in LANGS */
    struct plist *out;       /* filled, sorted by key */
    size_t n_pages;
    int rc;
    tb_error err;            /* set when rc != TB_OK */
};

static void *lang_thread(void *arg)
{
    struct lang_job *j = arg;
    j->rc = read_lang(j->help, j->l, j->out, &j->n_pages, &j->err);
    return NULL;
}

/* 1 when s has a code point in one of the n ranges [lo, hi]. */
static int has_range(const char *s, const int32_t (*ranges)[2], size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        int32_t cp = u[i];
        int k = 1;
        if (cp >= 0x80 && !(k = utf8_decode(u + i, len - i, &cp)))
            k = 1;                           /* cannot happen: text is valid */
        for (size_t r = 0; r < n; r++)
            if (cp >= ranges[r][0] && cp <= ranges[r][1])
                return 1;
        i += (size_t)k;
    }
    return 0;
}

static const int32_t CYRILLIC[][2] = {{0x0400, 0x04FF}};
static const int32_t HAN[][2] = {
    {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}, {0x20000, 0x2FFFF}};

/* Maximal runs of ASCII letters, counted up to `enough`. */
static size_t ascii_words(const char *s, size_t enough)
{
    size_t n = 0;
    int in = 0;
    for (; *s && n < enough; s++) {
        int letter = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
        n += letter && !in;
        in = letter;
    }
    return n;
}

/* The License: field of the "Files: *" paragraph of a Debian copyright
 * file, or "unknown". */
static void deb_licence(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    int in_star = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) {
            in_star = 0;
        } else if (strncmp(line, "Files:", 6) == 0) {
            const char *v = line + 6;
            while (*v == ' ' || *v == '\t')
                v++;
            in_star = strcmp(v, "*") == 0;
        } else if (in_star && strncmp(line, "License:", 8) == 0) {
            const char *v = line + 8;
            while (*v == ' ' || *v == '\t')
                v++;
            if (*v)
                tb_copy_str(out, cap, v);
            break;
        }
    }
    fclose(f);
}

struct counts {
    size_t keys[N_LANG];     /* paragraphs found per language */
    size_t pages[N_LANG];
    size_t no_cyr, no_han, short_en;
    size_t en_bytes;         /* UTF-8 bytes of the kept English segments */
};

/* Walks the three sorted lists and adds the kept triples to b. */
static int align(struct plist *pl, corpus_builder *b, import_report *rep, struct counts *c,
                 tb_error *err)
{
    size_t i[N_LANG] = {0};
    while (i[0] < pl[0].n && i[1] < pl[1].n && i[2] < pl[2].n) {
        const char *k[N_LANG];
        for (size_t l = 0; l < N_LANG; l++)
            k[l] = pl[l].v[i[l]].key;
        size_t lo = 0;
        for (size_t l = 1; l < N_LANG; l++)
            if (strcmp(k[l], k[lo]) < 0)
                lo = l;
        int all = strcmp(k[0], k[1]) == 0 && strcmp(k[0], k[2]) == 0;
        if (!all) {
            i[lo]++;
            continue;
        }
        const char *t[N_LANG];
        for (size_t l = 0; l < N_LANG; l++)
            t[l] = pl[l].v[i[l]++].text;
        rep->candidates++;
        if (!has_range(t[1], CYRILLIC, 1)) {
            c->no_cyr++;
        } else if (!has_range(t[2], HAN, sizeof HAN / sizeof HAN[0])) {
            c->no_han++;
        } else if (ascii_words(t[0], 3) < 3) {
            c->short_en++;
        } else {
            size_t before = corpus_builder_count(b);
            if (corpus_builder_add(b, k[0], t, err))
                return TB_EINPUT;
            if (corpus_builder_count(b) > before)
                c->en_bytes += strlen(t[0]);
        }
    }
    rep->dropped_filter = c->no_cyr + c->no_han + c->short_en;
    return TB_OK;
}

static int add_meta(corpus_builder *b, const char *root, char (*versions)[128], tb_error *err)
{
    char pk[1024] = "", lic[N_LANG][256];
    for (size_t l = 0; l < N_LANG; l++) {
        size_t u = strlen(pk);
        snprintf(pk + u, sizeof pk - u, "%s%s=%s", l ? " " : "", LANGS[l].pkg, versions[l]);
        char path[PATH_CAP];
        if (tb_pathf(err, path, sizeof path, "%s/usr/share/doc/%s/copyright", root, LANGS[l].pkg))
            return tb_wrap(err, "corpus 'libreoffice': ");
        deb_licence(path, lic[l], sizeof lic[l]);
    }
    char licence[1024];
    if (strcmp(lic[0], lic[1]) == 0 && strcmp(lic[0], lic[2]) == 0) {
        snprintf(licence, sizeof licence, "%s (see usr/share/doc/<pkg>/copyright of each package)",
                 lic[0]);
    } else {
        licence[0] = '\0';
        for (size_t l = 0; l < N_LANG; l++) {
            size_t u = strlen(licence);
            snprintf(licence + u, sizeof licence - u, "%s%s (see usr/share/doc/%s/copyright)",
                     l ? "; " : "", lic[l], LANGS[l].pkg);
        }
    }
    const char *const meta[][2] = {
        {"source", "Debian packages libreoffice-help-en-us, libreoffice-help-ru, "
                   "libreoffice-help-zh-cn (apt-get download, dpkg-deb -x)"},
        {"packages", pk},
        {"licence", licence},
        {"alignment",
         "usr/share/libreoffice/help/{en-US,ru,zh-CN}/**/*.html; outermost elements with an "
         "id starting par_id or hd_id; key = page path + '#' + id (+ '#k' for the k-th repeat "
         "of an id on a page); keys present in all three languages, in strcmp order"},
        {"filter", "keep when ru has Cyrillic (U+0400-U+04FF), zh has Han (U+3400-U+4DBF, "
                   "U+4E00-U+9FFF, U+F900-U+FAFF, U+20000-U+2FFFF) and en has at least 3 runs of "
                   "ASCII letters; exact duplicate triples dropped"},
        {"cleaning", "white space and control runs to one space, trimmed, NFC"},
    };
    int rc = corpus_builder_metas(b, meta, sizeof meta / sizeof meta[0], err);
    return rc;
}

int import_libreoffice(const import_config *cfg, import_report *rep, tb_error *err)
{
    memset(rep, 0, sizeof *rep);
    const char *pkgs[N_LANG];
    const char *langs[N_LANG];
    for (size_t l = 0; l < N_LANG; l++) {
        pkgs[l] = LANGS[l].pkg;
        langs[l] = LANGS[l].lang;
    }
    char versions[N_LANG][128];
    if (corpus_fetch_debs(cfg->cache_dir, N_LANG, pkgs, versions, err))
        return tb_wrap(err, "corpus 'libreoffice': ");
    char root[PATH_CAP], help[PATH_CAP];
    if (tb_pathf(err, root, sizeof root, "%s/root", cfg->cache_dir) ||
        tb_pathf(err, help, sizeof help, "%s/usr/share/libreoffice/help", root))
        return tb_wrap(err, "corpus 'libreoffice': ");

    /* One thread per language; libxml2 is thread-safe once initialised.
     * Each language's list is sorted, so the result does not depend on
     * scheduling; the first failing language (in LANGS order) reports. */
    xmlInitParser();
    struct plist pl[N_LANG];
    memset(pl, 0, sizeof pl);
    struct counts c;
    memset(&c, 0, sizeof c);
    struct lang_job jobs[N_LANG];
    pthread_t th[N_LANG];
    int started[N_LANG] = {0};
    for (size_t l = 0; l < N_LANG; l++) {
        jobs[l] = (struct lang_job){help, l, &pl[l], 0, TB_OK, {0}};
        started[l] = pthread_create(&th[l], NULL, lang_thread, &jobs[l]) == 0;
        if (!started[l])
            lang_thread(&jobs[l]);
    }
    int rc = TB_OK;
    for (size_t l = 0; l < N_LANG; l++) {
        if (started[l])
            pthread_join(th[l], NULL);
        c.pages[l] = jobs[l].n_pages;
        c.keys[l] = pl[l].n;
        if (rc == TB_OK && jobs[l].rc != TB_OK) {
            rc = jobs[l].rc;
            *err = jobs[l].err;
        }
    }
    corpus_builder *b = NULL;
    if (rc == TB_OK)
        rc = corpus_builder_new(N_LANG, langs, &b, err);
    if (rc == TB_OK)
        rc = align(pl, b, rep, &c, err);
    for (size_t l = 0; l < N_LANG; l++) {
        rep->controls += pl[l].controls;
        plist_release(&pl[l]);
    }
    if (rc == TB_OK)
        rc = add_meta(b, root, versions, err);
    if (rc == TB_OK)
        rc = corpus_builder_write(b, cfg->out_dir, err);
    if (rc == TB_OK) {
        rep->segments = corpus_builder_count(b);
        rep->dropped_dup = corpus_builder_dropped_duplicates(b);
        snprintf(rep->detail, sizeof rep->detail,
                 "pages en-US %zu, ru %zu, zh-CN %zu; paragraphs %zu, %zu, %zu; dropped: no "
                 "Cyrillic %zu, no Han %zu, English under 3 words %zu; English bytes %zu",
                 c.pages[0], c.pages[1], c.pages[2], c.keys[0], c.keys[1], c.keys[2], c.no_cyr,
                 c.no_han, c.short_en, c.en_bytes);
    }
    corpus_builder_free(b);
    return rc;
}
