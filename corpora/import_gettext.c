/* import_gettext.c - Debian's gettext catalogs: UI strings aligned by
 * (domain, msgctxt, msgid), the msgid being the English source.
 *
 * Packages: the pinned list GETTEXT_PACKAGES (or the caller's list), each fetched
 * by corpus_fetch_debs into <cache>/gettext/<pkg>/ (its own debs/ and root/,
 * so every catalog is attributed to one package). Catalogs: the regular
 * files <root>/usr/share/locale/ru/LC_MESSAGES/<domain>.mo that have a
 * zh_CN/LC_MESSAGES/<domain>.mo beside them, domains in strcmp order; a
 * domain that an earlier package (list order) already gave is skipped and
 * counted. Catalogs whose header names a charset other than UTF-8 are
 * skipped and counted. Each is parsed by mo.h (a bad catalog fails the
 * import, naming the file and the byte offset; nothing is written).
 *
 * Alignment: entries of the ru and zh_CN catalogs of a domain with the same
 * original ("msgctxt\x04msgid", the singular of a plural entry), walked in
 * strcmp order of it; the header entry is skipped. Plural entries keep the
 * singular msgid and the first form of each translation (counted). The
 * segment id is "<domain>:<16 hex digits of FNV-1a-64 of the original>";
 * two ids that collide fail the import.
 *
 * Per text, in order: accelerator markers stripped (gettext_strip_accel; the
 * English also loses a mid-word marker before the letter that the Chinese,
 * else the Russian, gives in its "(_X)"),
 * corpus_clean_text (white space runs, newlines included, become one space:
 * a multi-line entry is joined, and counted; NFC). Then an entry is dropped,
 * each reason counted, the first that applies: a translation empty
 * (untranslated); invalid UTF-8 in any text; the Russian or the Chinese equal
 * to the English; the Russian without a Cyrillic letter (U+0400..U+04FF); the
 * Chinese without a Han character (U+3400..U+4DBF, U+4E00..U+9FFF,
 * U+F900..U+FAFF, U+20000..U+2FFFF); the English with fewer than 3 runs of
 * ASCII letters (the libreoffice rule: labels such as "_File" or "%s: %s"
 * carry little text). Exact duplicate (en, ru, zh) triples are dropped by the
 * builder. Placeholders are kept and counted in the English of the kept
 * segments (gettext_count_placeholders). */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/sha256.h"
#include "../common/utf8.h"
#include "corpus.h"
#include "mo.h"

#define N_LANG 3
#define PATH_CAP 4400
#define MAX_PKGS 256

/* Debian 12 packages whose main .deb ships both ru and zh_CN catalogs
 * (checked with apt-get download + dpkg-deb -c); the -l10n, -locales, -data
 * and -common packages where the program keeps its translations apart. */
static const char *const GETTEXT_PACKAGES[] = {
    "apt", "bash", "binutils-common", "coreutils", "diffutils", "dolphin", "dpkg",
    "evolution-common", "findutils", "gcc-12-locales", "gedit-common", "gettext",
    "gimp-data", "gnome-control-center-data", "gnome-shell-common", "gnucash-common",
    "gnupg-l10n", "grep", "inkscape", "konsole", "libc-l10n", "libglib2.0-data",
    "libgtk-3-common", "mc-data", "nautilus-data", "okular", "sed", "tar", "thunar-data",
    "util-linux-locales", "wget", "xfce4-panel",
};

static const char *const LANG_CODES[N_LANG] = {"en", "ru", "zh"};

/* ---- text rules ------------------------------------------------------- */

static int is_alnum_ascii(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alpha_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of a parenthesised mnemonic "(_X)", "(&X)" or the fullwidth
 * "（_X）" at s (X an ASCII letter or digit), else 0. */
static size_t paren_mnemonic(const unsigned char *s, size_t n)
{
    if (n >= 4 && s[0] == '(' && (s[1] == '_' || s[1] == '&') && is_alnum_ascii(s[2]) &&
        s[3] == ')')
        return 4;
    /* U+FF08 EF BC 88, U+FF09 EF BC 89 */
    if (n >= 8 && s[0] == 0xEF && s[1] == 0xBC && s[2] == 0x88 && (s[3] == '_' || s[3] == '&') &&
        is_alnum_ascii(s[4]) && s[5] == 0xEF && s[6] == 0xBC && s[7] == 0x89)
        return 8;
    return 0;
}

/* 1 when the '&' at s[0] starts an entity "&name;" or "&#123;". */
static int is_entity(const unsigned char *s, size_t n)
{
    size_t k = 1;
    if (k < n && s[k] == '#')
        k++;
    size_t start = k;
    while (k < n && is_alnum_ascii(s[k]))
        k++;
    return k > start && k < n && s[k] == ';';
}

char *gettext_strip_accel(const char *text, size_t n, char hint, size_t *stripped,
                          tb_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    char *out = tb_malloc(n + 1, err);
    if (!out)
        return NULL;
    size_t o = 0, count = 0;
    for (size_t i = 0; i < n;) {
        size_t pm = paren_mnemonic(s + i, n - i);
        if (pm) {
            while (o > 0 && out[o - 1] == ' ')
                o--;
            i += pm;
            count++;
            continue;
        }
        unsigned char c = s[i];
        if ((c == '_' || c == '&') && i + 1 < n) {
            unsigned char prev = i ? s[i - 1] : ' ';
            unsigned char next = s[i + 1];
            int word_start = !is_alnum_ascii(prev) && prev != '_' && prev != '&' && prev < 0x80;
            int letter = is_alpha_ascii(next) || next >= 0xC0;
            if (word_start && letter && !(c == '&' && is_entity(s + i, n - i))) {
                i++;
                count++;
                continue;
            }
        }
        out[o++] = (char)c;
        i++;
    }
    out[o] = '\0';
    /* a mid-word marker ("S_nap") only with the translation's evidence */
    if (count == 0 && is_alpha_ascii((unsigned char)hint)) {
        for (size_t i = 1; i + 1 < o; i++) {
            unsigned char c = (unsigned char)out[i], next = (unsigned char)out[i + 1];
            if ((c == '_' || c == '&') && is_alpha_ascii((unsigned char)out[i - 1]) &&
                (next | 0x20) == ((unsigned char)hint | 0x20)) {
                memmove(out + i, out + i + 1, o - i);
                o--;
                count++;
                break;
            }
        }
    }
    *stripped += count;
    return out;
}

char gettext_mnemonic_hint(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n; i++) {
        size_t pm = paren_mnemonic(s + i, n - i);
        if (pm)
            return (char)s[i + pm - (pm == 4 ? 2 : 4)];
    }
    return 0;
}

/* Length of a printf conversion at s ('%' at s[0]), else 0; "%%" is 0. */
static size_t printf_spec(const char *s)
{
    size_t k = 1;
    size_t d = k;
    while (s[d] >= '0' && s[d] <= '9')
        d++;
    if (d > k && s[d] == '$')
        k = d + 1;                           /* %1$s */
    while (s[k] && strchr("-+#0'I", s[k]))
        k++;
    if (s[k] == '*')
        k++;
    else
        while (s[k] >= '0' && s[k] <= '9')
            k++;
    if (s[k] == '.') {
        k++;
        if (s[k] == '*')
            k++;
        else
            while (s[k] >= '0' && s[k] <= '9')
                k++;
    }
    while (s[k] && strchr("hlLqjzt", s[k]))
        k++;
    if (s[k] && strchr("diouxXeEfFgGaAcspnm", s[k]))
        return k + 1;
    return 0;
}

size_t gettext_count_placeholders(const char *s)
{
    size_t n = 0;
    for (size_t i = 0; s[i];) {
        size_t k = 0;
        if (s[i] == '%' && s[i + 1] == '%') {
            i += 2;
            continue;
        }
        if (s[i] == '%') {
            k = printf_spec(s + i);
        } else if (s[i] == '{') {
            size_t j = i + 1;
            while (is_alnum_ascii((unsigned char)s[j]) || s[j] == '_')
                j++;
            if (j > i + 1 && s[j] == '}')
                k = j + 1 - i;
        } else if (s[i] == '$') {
            size_t j = i + 1;
            int brace = s[j] == '{';
            j += (size_t)brace;
            if (is_alpha_ascii((unsigned char)s[j]) || s[j] == '_') {
                while (is_alnum_ascii((unsigned char)s[j]) || s[j] == '_')
                    j++;
                if (!brace)
                    k = j - i;
                else if (s[j] == '}')
                    k = j + 1 - i;
            }
        }
        if (k) {
            n++;
            i += k;
        } else {
            i++;
        }
    }
    return n;
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
            k = 1;
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

static size_t ascii_words(const char *s, size_t enough)
{
    size_t n = 0;
    int in = 0;
    for (; *s && n < enough; s++) {
        int letter = is_alpha_ascii((unsigned char)*s);
        n += letter && !in;
        in = letter;
    }
    return n;
}

/* ---- the import ------------------------------------------------------- */

struct counts {
    size_t packages, catalogs, catalogs_no_zh, catalogs_charset, domains_repeated;
    size_t entries[2];               /* ru, zh entries read (headers excluded) */
    size_t untranslated, bad_utf8, same_en, no_cyr, no_han, short_en;
    size_t plural, multiline, accel;
    size_t with_placeholders, placeholders, en_bytes;
};

struct ctx {
    corpus_builder *b;
    struct counts c;
    import_report *rep;
    char **ids;                      /* kept ids, owned, for the collision check */
    size_t n_ids, cap_ids;
    char **domains;                  /* domains taken so far, owned */
    size_t n_domains, cap_domains;
};

static int push_str(char ***v, size_t *n, size_t *cap, const char *s, tb_error *err)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        char **nv = tb_realloc(*v, nc * sizeof *nv, err);
        if (!nv)
            return TB_EINPUT;
        *v = nv;
        *cap = nc;
    }
    char *d = strdup(s);
    if (!d)
        return tb_fail(err, TB_EINPUT, "out of memory");
    (*v)[(*n)++] = d;
    return TB_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An entry of one catalog with its original (the sort key). */
struct ent {
    const char *orig;                /* "ctx\x04id" or "id", NUL-terminated in the file */
    mo_entry e;
};

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const struct ent *)a)->orig, ((const struct ent *)b)->orig);
}

/* The charset of a catalog header ("...charset=UTF-8\n..."), lower-cased,
 * or "" when the header names none. */
static void header_charset(const mo_catalog *m, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < mo_count(m); i++) {
        mo_entry e;
        mo_get(m, i, &e);
        if (!mo_is_header(&e))
            continue;
        const char *p = strstr(e.str, "charset=");
        if (!p)
            return;
        p += 8;
        size_t k = 0;
        while (p[k] && p[k] != '\n' && p[k] != ';' && p[k] != ' ' && k + 1 < cap) {
            char ch = p[k];
            out[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
            k++;
        }
        out[k] = '\0';
        return;
    }
}

/* The entries of m but the header, sorted by original. */
static int sorted_entries(const mo_catalog *m, struct ent **out, size_t *n_out, tb_error *err)
{
    size_t n = mo_count(m), k = 0;
    struct ent *v = tb_malloc((n ? n : 1) * sizeof *v, err);
    if (!v)
        return TB_EINPUT;
    for (size_t i = 0; i < n; i++) {
        mo_get(m, i, &v[k].e);
        if (mo_is_header(&v[k].e))
            continue;
        v[k].orig = v[k].e.ctx ? v[k].e.ctx : v[k].e.id;
        k++;
    }
    qsort(v, k, sizeof *v, cmp_ent);
    *out = v;
    *n_out = k;
    return TB_OK;
}

/* Text i of an aligned entry: stripped, cleaned; NULL with *bad = 1 when it
 * is not valid UTF-8 (err untouched). */
static char *prepare(struct ctx *x, const char *s, size_t n, char hint, int *bad,
                     tb_error *err)
{
    if (!utf8_valid(s, n, NULL)) {
        *bad = 1;
        return NULL;
    }
    x->rep->controls += corpus_count_controls(s, n);
    char *st = gettext_strip_accel(s, n, hint, &x->c.accel, err);
    if (!st)
        return NULL;
    char *cl = corpus_clean_text(st, strlen(st), "corpus 'gettext'", err);
    free(st);
    return cl;
}

/* One aligned entry: the filters, then the builder. */
static int add_entry(struct ctx *x, const char *domain, const struct ent *ru,
                     const struct ent *zh, tb_error *err)
{
    struct counts *c = &x->c;
    x->rep->candidates++;
    if (ru->e.id_plural)
        c->plural++;
    if (ru->e.str_len == 0 || zh->e.str_len == 0) {
        c->untranslated++;
        return TB_OK;
    }
    const char *raw[N_LANG] = {ru->e.id, ru->e.str, zh->e.str};
    size_t len[N_LANG] = {ru->e.id_len, ru->e.str_len, zh->e.str_len};
    char *t[N_LANG] = {0};
    int bad = 0, rc = TB_OK, multi = 0;
    char hint = gettext_mnemonic_hint(raw[2], len[2]);
    if (!hint)
        hint = gettext_mnemonic_hint(raw[1], len[1]);
    for (size_t l = 0; l < N_LANG && !bad && rc == TB_OK; l++) {
        multi |= memchr(raw[l], '\n', len[l]) != NULL;
        t[l] = prepare(x, raw[l], len[l], l == 0 ? hint : 0, &bad, err);
        if (!t[l] && !bad)
            rc = TB_EINPUT;
    }
    if (rc == TB_OK) {
        if (bad)
            c->bad_utf8++;
        else if (!t[1][0] || !t[2][0])
            c->untranslated++;
        else if (strcmp(t[1], t[0]) == 0 || strcmp(t[2], t[0]) == 0)
            c->same_en++;
        else if (!has_range(t[1], CYRILLIC, 1))
            c->no_cyr++;
        else if (!has_range(t[2], HAN, sizeof HAN / sizeof HAN[0]))
            c->no_han++;
        else if (ascii_words(t[0], 3) < 3)
            c->short_en++;
        else {
            char id[300];
            snprintf(id, sizeof id, "%s:%016llx", domain,
                     (unsigned long long)tb_fnv1a64(ru->orig, strlen(ru->orig)));
            size_t before = corpus_builder_count(x->b);
            const char *texts[N_LANG] = {t[0], t[1], t[2]};
            rc = corpus_builder_add(x->b, id, texts, err);
            if (rc == TB_OK && corpus_builder_count(x->b) > before) {
                c->multiline += multi;
                c->en_bytes += strlen(t[0]);
                size_t ph = gettext_count_placeholders(t[0]);
                c->placeholders += ph;
                c->with_placeholders += ph > 0;
                rc = push_str(&x->ids, &x->n_ids, &x->cap_ids, id, err);
            }
        }
    }
    for (size_t l = 0; l < N_LANG; l++)
        free(t[l]);
    return rc;
}

/* Reads path into *data and adds its sha256 to hex. */
static int read_catalog(const char *path, char **data, size_t *n, char hex[65], tb_error *err)
{
    if (tb_read_file(path, data, n, err))
        return tb_wrap(err, "corpus 'gettext': ");
    sha256_hex(*data, *n, hex);
    return TB_OK;
}

/* Aligns the ru and zh_CN catalogs of one domain of package pkg. */
static int do_domain(struct ctx *x, const char *pkg, const char *root, const char *file,
                     tb_error *err)
{
    char path[N_LANG - 1][PATH_CAP], name[N_LANG - 1][2 * PATH_CAP + 32];
    const char *folder[N_LANG - 1] = {"ru", "zh_CN"};
    char *data[N_LANG - 1] = {0};
    size_t n[N_LANG - 1] = {0};
    char hex[N_LANG - 1][65];
    mo_catalog *m[N_LANG - 1] = {0};
    struct ent *v[N_LANG - 1] = {0};
    size_t nv[N_LANG - 1] = {0};
    int rc = TB_OK, skip = 0;
    for (size_t l = 0; l < 2 && rc == TB_OK; l++) {
        if (tb_pathf(err, path[l], sizeof path[l], "%s/usr/share/locale/%s/LC_MESSAGES/%s", root,
                     folder[l], file))
            rc = tb_wrap(err, "corpus 'gettext': ");
        else
            rc = read_catalog(path[l], &data[l], &n[l], hex[l], err);
        if (rc == TB_OK) {
            snprintf(name[l], sizeof name[l], "corpus 'gettext': '%s'", path[l]);
            rc = mo_parse(name[l], data[l], n[l], &m[l], err);
        }
        if (rc == TB_OK) {
            char cs[32];
            header_charset(m[l], cs, sizeof cs);
            skip |= cs[0] && strcmp(cs, "utf-8") != 0;
        }
    }
    size_t dl = strlen(file) - 3;            /* without ".mo" */
    char domain[256];
    snprintf(domain, sizeof domain, "%.*s", (int)(dl < 255 ? dl : 255), file);
    if (rc == TB_OK && skip)
        x->c.catalogs_charset++;
    if (rc == TB_OK && !skip) {
        x->c.catalogs++;
        for (size_t l = 0; l < 2 && rc == TB_OK; l++) {
            rc = sorted_entries(m[l], &v[l], &nv[l], err);
            x->c.entries[l] += nv[l];
        }
        size_t i = 0, j = 0;
        while (rc == TB_OK && i < nv[0] && j < nv[1]) {
            int d = strcmp(v[0][i].orig, v[1][j].orig);
            if (d < 0)
                i++;
            else if (d > 0)
                j++;
            else
                rc = add_entry(x, domain, &v[0][i++], &v[1][j++], err);
        }
        for (size_t l = 0; l < 2 && rc == TB_OK; l++) {
            char line[PATH_CAP + 200];
            snprintf(line, sizeof line, "%s usr/share/locale/%s/LC_MESSAGES/%s sha256=%s entries=%zu",
                     pkg, folder[l], file, hex[l], nv[l]);
            rc = corpus_builder_meta(x->b, "catalog", line, err);
        }
    }
    for (size_t l = 0; l < 2; l++) {
        free(v[l]);
        mo_free(m[l]);
        free(data[l]);
    }
    return rc;
}

/* The License: field of the "Files: *" paragraph of a Debian copyright
 * file (as import_libreoffice.c reads it), or "unknown". */
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
            v += strspn(v, " \t");
            in_star = strcmp(v, "*") == 0;
        } else if (in_star && strncmp(line, "License:", 8) == 0) {
            const char *v = line + 8;
            v += strspn(v, " \t");
            if (*v)
                tb_copy_str(out, cap, v);
            break;
        }
    }
    fclose(f);
}

/* The .deb that corpus_fetch_debs unpacked for pkg (its stamp
 * root/.<pkg>.unpacked names it) and the sha256 of that file. */
static int deb_sha(const char *cache, const char *pkg, char *deb, size_t cap, char hex[65],
                   tb_error *err)
{
    char stamp[PATH_CAP], path[PATH_CAP];
    if (tb_pathf(err, stamp, sizeof stamp, "%s/root/.%s.unpacked", cache, pkg))
        return tb_wrap(err, "corpus 'gettext': ");
    FILE *f = fopen(stamp, "r");
    int ok = f && fgets(deb, (int)cap, f) != NULL;
    if (f)
        fclose(f);
    if (!ok)
        return tb_fail(err, TB_EINPUT, "corpus 'gettext': cannot read the stamp '%s'", stamp);
    deb[strcspn(deb, "\n")] = '\0';
    if (tb_pathf(err, path, sizeof path, "%s/debs/%s", cache, deb))
        return tb_wrap(err, "corpus 'gettext': ");
    char *data = NULL;
    size_t n = 0;
    if (tb_read_file(path, &data, &n, err))
        return tb_wrap(err, "corpus 'gettext': ");
    sha256_hex(data, n, hex);
    free(data);
    return TB_OK;
}

/* The catalog file names of root's ru folder (regular *.mo files), sorted;
 * none when the folder does not exist. */
static int list_catalogs(const char *root, char ***out, size_t *n, tb_error *err)
{
    char dir[PATH_CAP];
    *out = NULL;
    *n = 0;
    if (tb_pathf(err, dir, sizeof dir, "%s/usr/share/locale/ru/LC_MESSAGES", root))
        return tb_wrap(err, "corpus 'gettext': ");
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? TB_OK
                               : tb_fail(err, TB_EINPUT, "corpus 'gettext': cannot open '%s': %s",
                                         dir, strerror(errno));
    size_t cap = 0;
    int rc = TB_OK;
    struct dirent *e;
    while (rc == TB_OK && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 4 || strcmp(e->d_name + l - 3, ".mo") != 0)
            continue;
        char full[PATH_CAP + 300];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISREG(st.st_mode))
            rc = push_str(out, n, &cap, e->d_name, err);
    }
    closedir(d);
    if (rc == TB_OK)
        qsort(*out, *n, sizeof **out, cmp_str);
    return rc;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Every domain of one unpacked package. */
static int do_package(struct ctx *x, const char *pkg, const char *cache, const char *version,
                      tb_error *err)
{
    char root[PATH_CAP], deb[256], hex[65], lic_path[PATH_CAP], lic[256];
    if (tb_pathf(err, root, sizeof root, "%s/root", cache) ||
        tb_pathf(err, lic_path, sizeof lic_path, "%s/usr/share/doc/%s/copyright", root, pkg))
        return tb_wrap(err, "corpus 'gettext': ");
    if (deb_sha(cache, pkg, deb, sizeof deb, hex, err))
        return TB_EINPUT;
    deb_licence(lic_path, lic, sizeof lic);
    char line[1024];
    snprintf(line, sizeof line, "%s %s %s sha256=%s licence=%s", pkg, version, deb, hex, lic);
    if (corpus_builder_meta(x->b, "package", line, err))
        return TB_EINPUT;
    char **files;
    size_t nf;
    if (list_catalogs(root, &files, &nf, err))
        return TB_EINPUT;
    int rc = TB_OK;
    for (size_t i = 0; i < nf && rc == TB_OK; i++) {
        char zh[PATH_CAP + 300];
        snprintf(zh, sizeof zh, "%s/usr/share/locale/zh_CN/LC_MESSAGES/%s", root, files[i]);
        struct stat st;
        if (lstat(zh, &st) != 0 || !S_ISREG(st.st_mode)) {
            x->c.catalogs_no_zh++;
            continue;
        }
        int seen = 0;
        for (size_t k = 0; k < x->n_domains && !seen; k++)
            seen = strcmp(x->domains[k], files[i]) == 0;
        if (seen) {
            x->c.domains_repeated++;
            continue;
        }
        rc = push_str(&x->domains, &x->n_domains, &x->cap_domains, files[i], err);
        if (rc == TB_OK)
            rc = do_domain(x, pkg, root, files[i], err);
    }
    free_strs(files, nf);
    return rc;
}

/* Splits the space-separated list into at most MAX_PKGS names in buf. */
static int parse_packages(const char *list, char *buf, size_t cap, const char **pkgs, size_t *n,
                          tb_error *err)
{
    if (strlen(list) >= cap)
        return tb_fail(err, TB_EUSAGE, "corpus 'gettext': package list too long");
    tb_copy_str(buf, cap, list);
    *n = 0;
    for (char *save = NULL, *p = strtok_r(buf, " \t,", &save); p;
         p = strtok_r(NULL, " \t,", &save)) {
        if (*n == MAX_PKGS)
            return tb_fail(err, TB_EUSAGE, "corpus 'gettext': more than %d packages", MAX_PKGS);
        pkgs[(*n)++] = p;
    }
    if (*n == 0)
        return tb_fail(err, TB_EUSAGE, "corpus 'gettext': empty package list");
    return TB_OK;
}

static int check_ids(struct ctx *x, tb_error *err)
{
    qsort(x->ids, x->n_ids, sizeof *x->ids, cmp_str);
    for (size_t i = 1; i < x->n_ids; i++)
        if (strcmp(x->ids[i - 1], x->ids[i]) == 0)
            return tb_fail(err, TB_EINPUT,
                           "corpus 'gettext': two entries have the segment id '%s' (an FNV-1a "
                           "collision of their originals)",
                           x->ids[i]);
    return TB_OK;
}

int import_gettext(const import_config *cfg, const char *packages, import_report *rep,
                   tb_error *err)
{
    memset(rep, 0, sizeof *rep);
    const char *pkgs[MAX_PKGS];
    size_t n_pkgs = 0;
    char list[8192];
    if (packages) {
        if (parse_packages(packages, list, sizeof list, pkgs, &n_pkgs, err))
            return TB_EUSAGE;
    } else {
        n_pkgs = sizeof GETTEXT_PACKAGES / sizeof GETTEXT_PACKAGES[0];
        memcpy(pkgs, GETTEXT_PACKAGES, sizeof GETTEXT_PACKAGES);
    }
    struct ctx x;
    memset(&x, 0, sizeof x);
    x.rep = rep;
    int rc = corpus_builder_new(N_LANG, LANG_CODES, &x.b, err);
    char names[MAX_PKGS * 104] = "";
    for (size_t i = 0; i < n_pkgs; i++) {
        size_t u = strlen(names);
        snprintf(names + u, sizeof names - u, "%s%s", i ? ", " : "", pkgs[i]);
    }
    char source[MAX_PKGS * 104 + 256];
    snprintf(source, sizeof source,
             "Debian packages %s (apt-get download, dpkg-deb -x): gettext catalogs "
             "usr/share/locale/{ru,zh_CN}/LC_MESSAGES/*.mo, the msgid as the English",
             names);
    const char *const meta[][2] = {
        {"source", source},
        {"licence", "each package's usr/share/doc/<pkg>/copyright (the package lines give the "
                    "License of its 'Files: *')"},
        {"alignment", "entries of ru and zh_CN catalogs of one domain (the .mo name) with the "
                      "same msgctxt and msgid; header skipped; plural entries: the singular "
                      "msgid and the first form of each translation; a domain is taken from the "
                      "first package that ships it; id = domain ':' FNV-1a-64 hex of "
                      "'msgctxt\\x04msgid'"},
        {"filter", "dropped: a translation empty (untranslated), invalid UTF-8, ru or zh equal "
                   "to en, ru without Cyrillic (U+0400-U+04FF), zh without Han (U+3400-U+4DBF, "
                   "U+4E00-U+9FFF, U+F900-U+FAFF, U+20000-U+2FFFF), en with fewer than 3 runs of "
                   "ASCII letters; exact duplicate triples dropped; placeholders kept"},
        {"cleaning", "accelerator markers stripped ('(_X)' and '(&X)' with the spaces before "
                     "them; '_' or '&' at a word start before a letter, not '&name;'); white "
                     "space and control runs, newlines included, to one space; trimmed; NFC"},
    };
    if (rc == TB_OK)
        rc = corpus_builder_metas(x.b, meta, sizeof meta / sizeof meta[0], err);
    for (size_t i = 0; i < n_pkgs && rc == TB_OK; i++) {
        char cache[PATH_CAP], version[1][128];
        if (strchr(pkgs[i], '/') || pkgs[i][0] == '.' || !pkgs[i][0]) {
            rc = tb_fail(err, TB_EUSAGE, "corpus 'gettext': bad Debian package name '%s'",
                         pkgs[i]);
            break;
        }
        if (tb_pathf(err, cache, sizeof cache, "%s/gettext/%s", cfg->cache_dir, pkgs[i])) {
            rc = tb_wrap(err, "corpus 'gettext': ");
            break;
        }
        rc = corpus_fetch_debs(cache, 1, &pkgs[i], version, err);
        if (rc != TB_OK) {
            tb_wrap(err, "corpus 'gettext': ");
            break;
        }
        x.c.packages++;
        rc = do_package(&x, pkgs[i], cache, version[0], err);
    }
    if (rc == TB_OK)
        rc = check_ids(&x, err);
    if (rc == TB_OK)
        rc = corpus_builder_write(x.b, cfg->out_dir, err);
    if (rc == TB_OK) {
        struct counts *c = &x.c;
        rep->segments = corpus_builder_count(x.b);
        rep->dropped_dup = corpus_builder_dropped_duplicates(x.b);
        rep->dropped_filter =
            c->untranslated + c->bad_utf8 + c->same_en + c->no_cyr + c->no_han + c->short_en;
        snprintf(rep->detail, sizeof rep->detail,
                 "packages %zu; catalog pairs %zu (ru without zh_CN %zu, not UTF-8 %zu, domain "
                 "repeated %zu); entries ru %zu, zh_CN %zu; dropped: untranslated %zu, invalid "
                 "UTF-8 %zu, same as English %zu, no Cyrillic %zu, no Han %zu, English under 3 "
                 "words %zu; plural entries (first forms kept) %zu; kept multi-line entries "
                 "joined %zu; accelerator markers stripped %zu; kept segments with placeholders "
                 "%zu (placeholders %zu); English bytes %zu",
                 c->packages, c->catalogs, c->catalogs_no_zh, c->catalogs_charset,
                 c->domains_repeated, c->entries[0], c->entries[1], c->untranslated, c->bad_utf8,
                 c->same_en, c->no_cyr, c->no_han, c->short_en, c->plural, c->multiline, c->accel,
                 c->with_placeholders, c->placeholders, c->en_bytes);
    }
    corpus_builder_free(x.b);
    free_strs(x.ids, x.n_ids);
    free_strs(x.domains, x.n_domains);
    return rc;
}
