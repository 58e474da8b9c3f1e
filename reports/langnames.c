/* langnames.c - display names of languages (langnames.h). */
#include "langnames.h"

#include <stdlib.h>
#include <string.h>

struct entry {
    char *corpus, *lang, *name; /* owned */
};

struct langnames {
    struct entry *v;            /* in order of first add */
    size_t n, cap;
};

int langnames_new(langnames **out, tb_error *err)
{
    *out = tb_calloc(1, sizeof **out, err);
    return *out ? TB_OK : TB_EINPUT;
}

void langnames_free(langnames *ln)
{
    if (!ln)
        return;
    for (size_t i = 0; i < ln->n; i++) {
        free(ln->v[i].corpus);
        free(ln->v[i].lang);
        free(ln->v[i].name);
    }
    free(ln->v);
    free(ln);
}

static struct entry *find(const langnames *ln, const char *corpus, const char *lang)
{
    for (size_t i = 0; ln && i < ln->n; i++)
        if (strcmp(ln->v[i].lang, lang) == 0 && strcmp(ln->v[i].corpus, corpus) == 0)
            return &ln->v[i];
    return NULL;
}

int langnames_add(langnames *ln, const char *corpus, const char *lang, const char *name,
                  tb_error *err)
{
    if (!name[0])
        return TB_OK;
    char *copy = strdup(name);
    if (!copy)
        return tb_fail(err, TB_EINPUT, "language names: out of memory");
    struct entry *e = find(ln, corpus, lang);
    if (e) {
        free(e->name);
        e->name = copy;
        return TB_OK;
    }
    if (ln->n == ln->cap) {
        size_t nc = ln->cap ? 2 * ln->cap : 64;
        struct entry *nv = realloc(ln->v, nc * sizeof *nv);
        if (!nv) {
            free(copy);
            return tb_fail(err, TB_EINPUT, "language names: out of memory");
        }
        ln->v = nv;
        ln->cap = nc;
    }
    e = &ln->v[ln->n];
    e->corpus = strdup(corpus);
    e->lang = strdup(lang);
    e->name = copy;
    if (!e->corpus || !e->lang) {
        free(e->corpus);
        free(e->lang);
        free(copy);
        return tb_fail(err, TB_EINPUT, "language names: out of memory");
    }
    ln->n++;
    return TB_OK;
}

const char *langnames_get(const langnames *ln, const char *corpus, const char *lang)
{
    const struct entry *e = find(ln, corpus, lang);
    return e ? e->name : NULL;
}

size_t langnames_count(const langnames *ln) { return ln ? ln->n : 0; }

/* Bytes of s that fit in room bytes without cutting a UTF-8 sequence. */
static size_t fit(const char *s, size_t len, size_t room)
{
    if (len <= room)
        return len;
    size_t k = room;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return k;
}

static size_t code_points(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Bytes of the first n code points of s (len bytes). */
static size_t first_cps(const char *s, size_t len, size_t n)
{
    size_t cps = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && cps++ == n)
            return i;
    return len;
}

char *langnames_label(const char *code, const char *name, size_t max_cp, char *buf, size_t cap)
{
    if (!cap)
        return buf;
    size_t clen = strlen(code), at = fit(code, clen, cap - 1);
    memcpy(buf, code, at);
    buf[at] = '\0';
    if (!name || !name[0] || at < clen)
        return buf;
    static const char ell[] = "…";
    size_t len = strlen(name), keep = len, ccp = code_points(code, clen);
    int cut = 0;
    if (max_cp && ccp + 1 + code_points(name, len) > max_cp) {
        /* room for the name and the ellipsis */
        if (ccp + 3 > max_cp)
            return buf;
        keep = first_cps(name, len, max_cp - ccp - 2);
        while (keep > 0 && (name[keep - 1] == ' ' || name[keep - 1] == ','))
            keep--;
        if (!keep)
            return buf;
        cut = 1;
    }
    if (at + 2 >= cap) /* no room for the space and a byte of the name */
        return buf;
    buf[at++] = ' ';
    size_t room = cap - 1 - at;
    if (keep + (cut ? sizeof ell - 1 : 0) <= room) {
        memcpy(buf + at, name, keep);
        at += keep;
        if (cut) {
            memcpy(buf + at, ell, sizeof ell - 1);
            at += sizeof ell - 1;
        }
    } else {
        size_t k = fit(name, keep, room);
        memcpy(buf + at, name, k);
        at += k;
    }
    buf[at] = '\0';
    return buf;
}
