/* corpus_builder.c - building a corpus in memory and writing its canonical
 * folder atomically (the writing half of corpus.h), and corpus_clean_text.
 *
 * A segment is stored as one heap block "id\0text_0\0text_1\0...text_{L-1}\0";
 * the bytes from text_0 to the end are the duplicate key (the texts cannot
 * contain NUL, so the key is unambiguous). */
#include "corpus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "../common/afile.h"
#include "../common/sha256.h"
#include "../common/utf8.h"

#define LANG_MAX 31          /* longest language code, bytes (corpus.c keeps 32) */

struct seg {
    char *block;             /* "id\0t0\0t1\0...", owned */
    size_t key_off;          /* offset of t0 in block */
    size_t key_len;          /* bytes from t0 to the end of block, NULs included */
    uint64_t hash;           /* FNV-1a-64 of the key */
};

struct corpus_builder {
    size_t n_langs;
    char (*langs)[LANG_MAX + 1]; /* (n_langs) codes, owned */
    struct seg *segs;        /* n_segs kept segments, in insertion order */
    size_t n_segs, cap_segs;
    size_t *table;           /* open addressing: seg index + 1, 0 = empty */
    size_t table_cap;        /* power of two, > 2 * n_segs */
    size_t dropped;          /* duplicates dropped */
    int keep_dups;           /* 1: do not drop duplicates */
    char **meta;             /* "key: value" lines, insertion order, owned */
    size_t n_meta, cap_meta;
};

/* ---- text cleaning ---------------------------------------------------- */

/* Unicode White_Space (PropList.txt) or general category Cc. */
static int is_space_or_control(int32_t c)
{
    if (c <= 0x20)
        return 1;                            /* C0 controls, TAB..CR, SPACE */
    if (c < 0x7F)
        return 0;
    if (c <= 0xA0)
        return 1;                            /* DEL, C1 controls (NEL), NBSP */
    return c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

char *corpus_clean_text(const char *s, size_t n, const char *where, tb_error *err)
{
    if (!where)
        where = "text";
    size_t bad;
    if (!utf8_valid(s, n, &bad)) {
        tb_fail(err, TB_EINPUT, "%s: invalid UTF-8 at byte %zu", where, bad + 1);
        return NULL;
    }
    char *buf = tb_malloc(n + 1, err);
    if (!buf)
        return NULL;
    const uint8_t *u = (const uint8_t *)s;
    size_t o = 0;
    int space = 0, ascii = 1;
    for (size_t i = 0; i < n;) {
        int32_t cp = u[i];
        int len = 1;
        if (cp >= 0x80)
            len = utf8_decode(u + i, n - i, &cp);   /* > 0: validated above */
        if (is_space_or_control(cp)) {
            space = o > 0;
        } else {
            if (space)
                buf[o++] = ' ';
            space = 0;
            memcpy(buf + o, s + i, (size_t)len);
            o += (size_t)len;
            ascii &= len == 1;
        }
        i += (size_t)len;
    }
    buf[o] = '\0';
    if (ascii)
        return buf;                          /* ASCII is already NFC */
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)buf, (utf8proc_ssize_t)o, &dst,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    free(buf);
    if (r < 0) {
        tb_fail(err, TB_EINPUT, "%s: cannot normalise to NFC: %s", where, utf8proc_errmsg(r));
        return NULL;
    }
    return (char *)dst;
}

/* ---- builder ---------------------------------------------------------- */

static int lang_ok(const char *l)
{
    size_t n = strlen(l);
    if (n == 0 || n > LANG_MAX || strcmp(l, "ids") == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = l[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

int corpus_builder_new(size_t n_langs, const char *const *langs, corpus_builder **out,
                       tb_error *err)
{
    *out = NULL;
    if (n_langs == 0 || n_langs > CORPUS_MAX_LANGS)
        return tb_fail(err, TB_EINPUT, "corpus: %zu languages (expected 1 to %d)", n_langs,
                       CORPUS_MAX_LANGS);
    for (size_t i = 0; i < n_langs; i++) {
        if (!lang_ok(langs[i]))
            return tb_fail(err, TB_EINPUT,
                           "corpus: bad language code '%s' (expected 1 to %d letters, digits, "
                           "'-' or '_', and not 'ids')",
                           langs[i], LANG_MAX);
        for (size_t j = 0; j < i; j++)
            if (strcmp(langs[i], langs[j]) == 0)
                return tb_fail(err, TB_EINPUT, "corpus: language '%s' given twice", langs[i]);
    }
    corpus_builder *b = tb_calloc(1, sizeof *b, err);
    if (!b)
        return TB_EINPUT;
    b->langs = tb_calloc(n_langs, sizeof *b->langs, err);
    if (!b->langs) {
        free(b);
        return TB_EINPUT;
    }
    b->n_langs = n_langs;
    for (size_t i = 0; i < n_langs; i++)
        snprintf(b->langs[i], sizeof b->langs[i], "%s", langs[i]);
    *out = b;
    return TB_OK;
}

void corpus_builder_free(corpus_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_segs; i++)
        free(b->segs[i].block);
    for (size_t i = 0; i < b->n_meta; i++)
        free(b->meta[i]);
    free(b->segs);
    free(b->table);
    free(b->meta);
    free(b->langs);
    free(b);
}

size_t corpus_builder_count(const corpus_builder *b) { return b->n_segs; }
size_t corpus_builder_dropped_duplicates(const corpus_builder *b) { return b->dropped; }
void corpus_builder_keep_duplicates(corpus_builder *b, int keep) { b->keep_dups = keep != 0; }

/* Slot of the segment whose key equals (key, len, h), or of the empty slot
 * where it belongs. */
static size_t table_slot(const corpus_builder *b, const char *key, size_t len, uint64_t h)
{
    size_t mask = b->table_cap - 1, i = (size_t)h & mask;
    for (;;) {
        size_t v = b->table[i];
        if (!v)
            return i;
        const struct seg *s = &b->segs[v - 1];
        if (s->hash == h && s->key_len == len && memcmp(s->block + s->key_off, key, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

static int table_grow(corpus_builder *b, tb_error *err)
{
    size_t cap = b->table_cap ? b->table_cap * 2 : 1024;
    size_t *t = tb_calloc(cap, sizeof *t, err);
    if (!t)
        return TB_EINPUT;
    free(b->table);
    b->table = t;
    b->table_cap = cap;
    for (size_t k = 0; k < b->n_segs; k++) {
        const struct seg *s = &b->segs[k];
        size_t i = table_slot(b, s->block + s->key_off, s->key_len, s->hash);
        b->table[i] = k + 1;
    }
    return TB_OK;
}

/* A line of a corpus file is non-empty valid UTF-8 without LF or CR.
 * Returns NULL, or what is wrong with t[0..n). */
static const char *line_problem(const char *t, size_t n)
{
    if (n == 0)
        return "is empty";
    if (memchr(t, '\n', n) || memchr(t, '\r', n))
        return "contains a line break";
    if (!utf8_valid(t, n, NULL))
        return "is not valid UTF-8";
    return NULL;
}

int corpus_builder_add(corpus_builder *b, const char *id, const char *const *texts,
                       tb_error *err)
{
    size_t idl = strlen(id);
    const char *why = line_problem(id, idl);
    if (why)
        return tb_fail(err, TB_EINPUT, "corpus: segment id '%s' %s", id, why);
    size_t total = idl + 1;
    for (size_t li = 0; li < b->n_langs; li++) {
        size_t tl = strlen(texts[li]);
        why = line_problem(texts[li], tl);
        if (why)
            return tb_fail(err, TB_EINPUT, "corpus: segment '%s': %s text %s", id, b->langs[li],
                           why);
        total += tl + 1;
    }
    char *block = tb_malloc(total, err);
    if (!block)
        return TB_EINPUT;
    memcpy(block, id, idl + 1);
    size_t o = idl + 1;
    for (size_t li = 0; li < b->n_langs; li++) {
        size_t tl = strlen(texts[li]) + 1;
        memcpy(block + o, texts[li], tl);
        o += tl;
    }
    struct seg s = {block, idl + 1, total - (idl + 1), 0};
    s.hash = tb_fnv1a64(block + s.key_off, s.key_len);
    size_t slot = 0;
    if (!b->keep_dups) {
        if ((b->n_segs + 1) * 2 > b->table_cap && table_grow(b, err)) {
            free(block);
            return TB_EINPUT;
        }
        slot = table_slot(b, block + s.key_off, s.key_len, s.hash);
        if (b->table[slot]) {
            free(block);
            b->dropped++;
            return TB_OK;
        }
    }
    if (b->n_segs == b->cap_segs) {
        size_t cap = b->cap_segs ? b->cap_segs * 2 : 256;
        struct seg *ns = tb_realloc(b->segs, cap * sizeof *ns, err);
        if (!ns) {
            free(block);
            return TB_EINPUT;
        }
        b->segs = ns;
        b->cap_segs = cap;
    }
    b->segs[b->n_segs++] = s;
    if (!b->keep_dups)
        b->table[slot] = b->n_segs;
    return TB_OK;
}

int corpus_builder_meta(corpus_builder *b, const char *key, const char *value, tb_error *err)
{
    if (!*key || strchr(key, '\n') || strchr(key, '\r') || strstr(key, ": ") ||
        strchr(value, '\n') || strchr(value, '\r') || strcmp(key, "segments") == 0 ||
        strcmp(key, "file") == 0)
        return tb_fail(err, TB_EUSAGE,
                       "corpus: bad MANIFEST line '%s: %s' (one line; key not empty, without "
                       "': ', not 'segments' or 'file')",
                       key, value);
    if (b->n_meta == b->cap_meta) {
        size_t cap = b->cap_meta ? b->cap_meta * 2 : 16;
        char **nm = tb_realloc(b->meta, cap * sizeof *nm, err);
        if (!nm)
            return TB_EINPUT;
        b->meta = nm;
        b->cap_meta = cap;
    }
    size_t n = strlen(key) + strlen(value) + 3;
    char *line = tb_malloc(n, err);
    if (!line)
        return TB_EINPUT;
    snprintf(line, n, "%s: %s", key, value);
    b->meta[b->n_meta++] = line;
    return TB_OK;
}

int corpus_builder_metas(corpus_builder *b, const char *const (*kv)[2], size_t n, tb_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = kv[i][1] ? corpus_builder_meta(b, kv[i][0], kv[i][1], err) : TB_OK;
        if (rc != TB_OK)
            return rc;
    }
    return TB_OK;
}

/* ---- writing ---------------------------------------------------------- */

struct file_stat {
    char name[LANG_MAX + 8];  /* "en.txt", "ids.txt" */
    char sha[65];             /* hex sha256 of the file */
    size_t lines, bytes, chars;
};

/* A file being written: hashes and counts everything that passes through. */
struct out_file {
    FILE *fp;
    sha256_ctx sha;
    size_t bytes, chars;
};

static void out_put(struct out_file *f, const char *p, size_t n)
{
    fwrite(p, 1, n, f->fp);
    sha256_update(&f->sha, p, n);
    f->bytes += n;
    f->chars += utf8_count(p, n);
}

/* Writes folder/name from the segment field `field` (-1: the id, else the
 * text of language field), one per line. */
static int write_lines(const corpus_builder *b, const char *cname, const char *folder, int field,
                       struct file_stat *st, tb_error *err)
{
    char path[4400];                         /* folder is < 4200 bytes */
    if (snprintf(path, sizeof path, "%s/%s", folder, st->name) >= (int)sizeof path)
        return tb_fail(err, TB_EUSAGE, "corpus '%s': path too long", cname);
    struct out_file f = {0};
    f.fp = fopen(path, "wb");
    if (!f.fp)
        return tb_fail(err, TB_EINPUT, "corpus '%s': cannot create '%s': %s", cname, path,
                       strerror(errno));
    sha256_init(&f.sha);
    for (size_t k = 0; k < b->n_segs; k++) {
        const char *p = b->segs[k].block;
        for (int skip = -1; skip < field; skip++)
            p += strlen(p) + 1;
        out_put(&f, p, strlen(p));
        out_put(&f, "\n", 1);
    }
    int bad = fflush(f.fp) != 0 || ferror(f.fp) || fsync(fileno(f.fp)) != 0;
    int e = errno;
    bad |= fclose(f.fp) != 0;
    if (bad)
        return tb_fail(err, TB_EINPUT, "corpus '%s': cannot write '%s': %s", cname, path,
                       strerror(e ? e : EIO));
    uint8_t d[32];
    sha256_final(&f.sha, d);
    sha256_digest_hex(d, st->sha);
    st->lines = b->n_segs;
    st->bytes = f.bytes;
    st->chars = f.chars;
    return TB_OK;
}

static int write_manifest(const corpus_builder *b, const char *cname, const char *folder,
                          const struct file_stat *st, size_t n_st, tb_error *err)
{
    char path[4400];
    if (snprintf(path, sizeof path, "%s/MANIFEST", folder) >= (int)sizeof path)
        return tb_fail(err, TB_EUSAGE, "corpus '%s': path too long", cname);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return tb_fail(err, TB_EINPUT, "corpus '%s': cannot create '%s': %s", cname, path,
                       strerror(errno));
    for (size_t i = 0; i < b->n_meta; i++)
        fprintf(fp, "%s\n", b->meta[i]);
    fprintf(fp, "segments: %zu\n", b->n_segs);
    for (size_t i = 0; i < n_st; i++)
        fprintf(fp, "file: %s sha256=%s lines=%zu bytes=%zu chars=%zu\n", st[i].name, st[i].sha,
                st[i].lines, st[i].bytes, st[i].chars);
    int bad = fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0;
    int e = errno;
    bad |= fclose(fp) != 0;
    if (bad)
        return tb_fail(err, TB_EINPUT, "corpus '%s': cannot write '%s': %s", cname, path,
                       strerror(e ? e : EIO));
    return TB_OK;
}

static int cmp_stat(const void *a, const void *b)
{
    return strcmp(((const struct file_stat *)a)->name, ((const struct file_stat *)b)->name);
}

/* Writes every file into the (existing, empty) folder tmp. */
static int write_all(const corpus_builder *b, const char *cname, const char *tmp, tb_error *err)
{
    size_t n = b->n_langs + 1;
    struct file_stat *st = tb_calloc(n, sizeof *st, err);
    if (!st)
        return TB_EINPUT;
    snprintf(st[0].name, sizeof st[0].name, "ids.txt");
    for (size_t li = 0; li < b->n_langs; li++)
        snprintf(st[li + 1].name, sizeof st[li + 1].name, "%s.txt", b->langs[li]);
    int rc = TB_OK;
    for (size_t i = 0; i < n && rc == TB_OK; i++)
        rc = write_lines(b, cname, tmp, (int)i - 1, &st[i], err);
    if (rc == TB_OK) {
        qsort(st, n, sizeof *st, cmp_stat);
        rc = write_manifest(b, cname, tmp, st, n, err);
    }
    free(st);
    return rc;                            /* afolder_commit syncs the folder */
}

int corpus_builder_write(corpus_builder *b, const char *dir, tb_error *err)
{
    char d[4096];
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (dl == 0 || dl + 40 >= sizeof d)
        return tb_fail(err, TB_EUSAGE, "corpus: bad output folder '%s'", dir);
    memcpy(d, dir, dl);
    d[dl] = '\0';
    const char *cname = strrchr(d, '/') ? strrchr(d, '/') + 1 : d;
    if (b->n_segs == 0)
        return tb_fail(err, TB_EINPUT, "corpus '%s': empty: no segments to write (nothing written)",
                       cname);
    afolder af;
    if (afolder_open(&af, d, err))
        return tb_wrap(err, "corpus '%s': ", cname);
    int rc = write_all(b, cname, af.tmp, err);
    if (rc == TB_OK && afolder_commit(&af, err))
        rc = tb_wrap(err, "corpus '%s': ", cname);
    afolder_abort(&af);
    return rc;
}
