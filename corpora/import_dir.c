/* import_dir.c - a user folder of line-aligned <lang>.txt files (for
 * example FLORES-200 renamed to en.txt, ru.txt, zh.txt) copied into the
 * canonical corpus form.
 *
 * Input rules: every "<lang>.txt" in src_dir except ids.txt is a language
 * (read in strcmp order of the name); all must have the same number of
 * lines; the last line may lack its newline; a line ending in CR LF is
 * accepted and the CR dropped; a UTF-8 byte order mark at the start of a
 * file is dropped. Refused (TB_EINPUT, naming file and line): invalid UTF-8,
 * a CR anywhere else and a control character (corpus_find_control: NUL, ESC,
 * DEL, the C1 controls...; TAB is white space), each with the 1-based byte
 * offset in the line; an empty line, a line that is only white space. Each line is cleaned with corpus_clean_text. ids.txt, when
 * present, gives the ids (same line count required); otherwise the ids are
 * the 1-based line numbers. Duplicates are kept: the user's alignment is
 * preserved line for line. */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/utf8.h"
#include "corpus.h"

/* The lines of one file, cleaned (or raw for ids.txt), owned. */
struct lines {
    char **v;
    size_t n, cap;
    size_t crlf;             /* lines that ended in CR LF */
};

static void lines_release(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Reads path and splits it into lines; clean != 0 runs corpus_clean_text
 * on each. Error messages start with "corpus '<cname>': <path>:<line>: ". */
static int read_lines(const char *cname, const char *path, int clean, struct lines *out,
                      tb_error *err)
{
    char *data;
    size_t len;
    if (tb_read_file(path, &data, &len, err))
        return tb_wrap(err, "corpus '%s': ", cname);
    size_t pos = 0, line = 1;
    int rc = TB_OK;
    while (pos < len && rc == TB_OK) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t next = nl ? end + 1 : end;
        size_t start = pos;
        if (end > start && data[end - 1] == '\r') {
            end--;
            out->crlf++;
        }
        char where[4800];                    /* cname < 256, path < 4400 */
        snprintf(where, sizeof where, "corpus '%s': %s:%zu", cname, path, line);
        size_t bad;
        if (end == start) {
            rc = tb_fail(err, TB_EINPUT, "%s: empty line", where);
            break;
        }
        if (!utf8_valid(data + start, end - start, &bad)) {
            rc = tb_fail(err, TB_EINPUT, "%s: invalid UTF-8 at byte %zu", where, bad + 1);
            break;
        }
        size_t ctl = corpus_find_control(data + start, end - start);
        const char *cr = memchr(data + start, '\r', end - start);
        if (cr && (size_t)(cr - (data + start)) < ctl) {
            rc = tb_fail(err, TB_EINPUT,
                         "%s: carriage return at byte %zu (only a CR LF line end is accepted)",
                         where, (size_t)(cr - (data + start)) + 1);
            break;
        }
        if (ctl < end - start) {
            rc = tb_fail(err, TB_EINPUT,
                         "%s: control character U+%04X at byte %zu (refused: only TAB and a CR "
                         "LF line end are accepted)",
                         where, corpus_control_code(data + start + ctl), ctl + 1);
            break;
        }
        if (line == 1 && end - start >= 3 && memcmp(data + start, "\xEF\xBB\xBF", 3) == 0)
            start += 3;
        char *text;
        if (clean) {
            text = corpus_clean_text(data + start, end - start, where, err);
        } else {
            text = tb_malloc(end - start + 1, err);
            if (text) {
                memcpy(text, data + start, end - start);
                text[end - start] = '\0';
            }
        }
        if (!text) {
            rc = TB_EINPUT;
            break;
        }
        if (!text[0]) {
            free(text);
            rc = tb_fail(err, TB_EINPUT, "%s: line has only white space", where);
            break;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 1024;
            char **nv = tb_realloc(out->v, cap * sizeof *nv, err);
            if (!nv) {
                free(text);
                rc = TB_EINPUT;
                break;
            }
            out->v = nv;
            out->cap = cap;
        }
        out->v[out->n++] = text;
        pos = next;
        line++;
    }
    free(data);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the language files in src (sorted, owned). */
static int list_langs(const char *cname, const char *src, char **names, size_t *n,
                      tb_error *err)
{
    *n = 0;
    DIR *d = opendir(src);
    if (!d)
        return tb_fail(err, TB_EINPUT, "corpus '%s': cannot open folder '%s': %s", cname, src,
                       strerror(errno));
    struct dirent *e;
    int rc = TB_OK;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0 || strcmp(e->d_name, "ids.txt") == 0)
            continue;
        if (*n == CORPUS_MAX_LANGS) {
            rc = tb_fail(err, TB_EINPUT, "corpus '%s': more than %d <lang>.txt files in '%s'",
                         cname, CORPUS_MAX_LANGS, src);
            break;
        }
        names[*n] = strdup(e->d_name);
        if (!names[*n]) {
            rc = tb_fail(err, TB_EINPUT, "out of memory");
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (rc == TB_OK && *n == 0)
        rc = tb_fail(err, TB_EINPUT,
                     "corpus '%s': no <lang>.txt files in '%s' (expected e.g. en.txt, ru.txt, "
                     "zh.txt)",
                     cname, src);
    if (rc == TB_OK)
        qsort(names, *n, sizeof *names, cmp_str);
    return rc;
}

/* 1 when a and b name the same existing folder. */
static int same_folder(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int import_dir(const char *src_dir, const import_config *cfg, import_report *rep,
               tb_error *err)
{
    memset(rep, 0, sizeof *rep);
    char cname[256];
    {
        const char *o = cfg->out_dir;
        size_t ol = strlen(o);
        while (ol > 1 && o[ol - 1] == '/')
            ol--;
        size_t s = ol;
        while (s > 0 && o[s - 1] != '/')
            s--;
        snprintf(cname, sizeof cname, "%.*s", (int)(ol - s), o + s);
    }
    if (same_folder(src_dir, cfg->out_dir))
        return tb_fail(err, TB_EUSAGE,
                       "corpus '%s': the source folder '%s' is the output folder; import it "
                       "under another name",
                       cname, src_dir);
    /* per-language tables on the heap (CORPUS_MAX_LANGS of each) */
    size_t n = 0;
    char **names = tb_calloc(CORPUS_MAX_LANGS, sizeof *names, err);
    struct lines *ln = names ? tb_calloc(CORPUS_MAX_LANGS, sizeof *ln, err) : NULL;
    char (*langs_buf)[40] = ln ? tb_calloc(CORPUS_MAX_LANGS, sizeof *langs_buf, err) : NULL;
    const char **langs = langs_buf ? tb_calloc(CORPUS_MAX_LANGS, sizeof *langs, err) : NULL;
    const char **texts = langs ? tb_calloc(CORPUS_MAX_LANGS, sizeof *texts, err) : NULL;
    int rc = texts ? list_langs(cname, src_dir, names, &n, err) : TB_EINPUT;
    struct lines ids = {0};
    char path[4400];
    size_t crlf = 0;
    for (size_t i = 0; i < n && rc == TB_OK; i++) {
        if (snprintf(path, sizeof path, "%s/%s", src_dir, names[i]) >= (int)sizeof path) {
            rc = tb_fail(err, TB_EINPUT, "corpus '%s': path too long: '%s'", cname, src_dir);
            break;
        }
        rc = read_lines(cname, path, 1, &ln[i], err);
        crlf += ln[i].crlf;
        if (rc == TB_OK && i > 0 && ln[i].n != ln[0].n)
            rc = tb_fail(err, TB_EINPUT,
                         "corpus '%s': misaligned: %s/%s has %zu lines, %s/%s has %zu", cname,
                         src_dir, names[i], ln[i].n, src_dir, names[0], ln[0].n);
    }
    int have_ids = 0;
    if (rc == TB_OK && snprintf(path, sizeof path, "%s/ids.txt", src_dir) >= (int)sizeof path)
        rc = tb_fail(err, TB_EINPUT, "corpus '%s': path too long: '%s'", cname, src_dir);
    if (rc == TB_OK) {
        struct stat st;
        have_ids = stat(path, &st) == 0;
        if (have_ids)
            rc = read_lines(cname, path, 0, &ids, err);
        if (rc == TB_OK && have_ids && ids.n != ln[0].n)
            rc = tb_fail(err, TB_EINPUT,
                         "corpus '%s': misaligned: %s/ids.txt has %zu lines, %s/%s has %zu",
                         cname, src_dir, ids.n, src_dir, names[0], ln[0].n);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(langs_buf[i], sizeof langs_buf[i], "%.*s", (int)(strlen(names[i]) - 4),
                 names[i]);
        langs[i] = langs_buf[i];
    }
    corpus_builder *b = NULL;
    if (rc == TB_OK && corpus_builder_new(n, langs, &b, err))
        rc = tb_wrap(err, "corpus '%s': %s: ", cname, src_dir);
    if (rc == TB_OK)
        corpus_builder_keep_duplicates(b, 1);
    for (size_t s = 0; rc == TB_OK && s < ln[0].n; s++) {
        char num[32];
        snprintf(num, sizeof num, "%zu", s + 1);
        for (size_t i = 0; i < n; i++)
            texts[i] = ln[i].v[s];
        rep->candidates++;
        rc = corpus_builder_add(b, have_ids ? ids.v[s] : num, texts, err);
        if (rc)
            tb_wrap(err, "corpus '%s': %s: line %zu: ", cname, src_dir, s + 1);
    }
    if (rc == TB_OK) {
        size_t fcap = 1, u = 0;
        for (size_t i = 0; i < n; i++)
            fcap += strlen(names[i]) + 1;
        char *files = tb_malloc(fcap, err);
        if (!files)
            rc = TB_EINPUT;
        for (size_t i = 0; files && i < n; i++)
            u += (size_t)snprintf(files + u, fcap - u, "%s%s", i ? " " : "", names[i]);
        if (files && n == 0)
            files[0] = '\0';
        const char *base = src_dir + strlen(src_dir);
        while (base > src_dir && base[-1] == '/')
            base--;
        const char *bend = base;
        while (base > src_dir && base[-1] != '/')
            base--;
        char source[512];
        snprintf(source, sizeof source, "folder '%.*s' (tokbench corpus import dir:)",
                 (int)(bend - base), base);
        const char *const meta[][2] = {
            {"source", source},
            {"files", files},
            {"ids", have_ids ? "from ids.txt" : "line numbers"},
            {"cleaning", "white space runs to one space, trimmed, NFC; CR LF line ends and a "
                         "leading BOM accepted; control characters refused; duplicates kept"},
        };
        if (rc == TB_OK)
            rc = corpus_builder_metas(b, meta, sizeof meta / sizeof meta[0], err);
        free(files);
    }
    if (rc == TB_OK)
        rc = corpus_builder_write(b, cfg->out_dir, err);
    if (rc == TB_OK) {
        rep->segments = corpus_builder_count(b);
        snprintf(rep->detail, sizeof rep->detail,
                 "%zu language files, ids %s, %zu CR LF line ends accepted", n,
                 have_ids ? "from ids.txt" : "are line numbers", crlf);
    }
    corpus_builder_free(b);
    for (size_t i = 0; i < n; i++) {
        lines_release(&ln[i]);
        free(names[i]);
    }
    lines_release(&ids);
    free(names);
    free(ln);
    free(langs_buf);
    free(langs);
    free(texts);
    return rc;
}
