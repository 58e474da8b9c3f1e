#include "tb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tb_fail(tb_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

int tb_wrap(tb_error *err, const char *fmt, ...)
{
    if (!err)
        return TB_EINPUT;
    char prefix[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t pl = strlen(prefix);
    if (pl >= sizeof err->msg)
        pl = sizeof err->msg - 1;
    memcpy(err->msg, prefix, pl);
    size_t ol = strnlen(old, sizeof old - 1);
    if (ol > sizeof err->msg - 1 - pl)
        ol = sizeof err->msg - 1 - pl;
    memcpy(err->msg + pl, old, ol);
    err->msg[pl + ol] = '\0';
    if (err->status == TB_OK)
        err->status = TB_EINPUT;
    return err->status;
}

void tb_error_clear(tb_error *err)
{
    if (err) {
        err->status = TB_OK;
        err->msg[0] = '\0';
    }
}

void *tb_malloc(size_t n, tb_error *err)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        tb_fail(err, TB_EINPUT, "out of memory allocating %zu bytes", n);
    return p;
}

void *tb_calloc(size_t n, size_t size, tb_error *err)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        tb_fail(err, TB_EINPUT, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *tb_realloc(void *p, size_t n, tb_error *err)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        tb_fail(err, TB_EINPUT, "out of memory allocating %zu bytes", n);
    return q;
}

int tb_read_file(const char *path, char **out, size_t *len, tb_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tb_fail(err, TB_EINPUT, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = tb_malloc(cap + 1, err);
    if (!buf) {
        fclose(f);
        return TB_EINPUT;
    }
    for (;;) {
        if (n == cap) {
            cap *= 2;
            char *nb = tb_realloc(buf, cap + 1, err);
            if (!nb) {
                free(buf);
                fclose(f);
                return TB_EINPUT;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return tb_fail(err, TB_EINPUT, "cannot read '%s'", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return TB_OK;
}

int tb_pathf(tb_error *err, char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap)
        return tb_fail(err, TB_EINPUT, "path too long: '%.80s...'", out);
    return TB_OK;
}

void tb_copy_str(char *out, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);
    memcpy(out, s, n);
    out[n] = '\0';
}

#define FNV1A64_PRIME 0x100000001b3ULL

uint64_t tb_fnv1a64_update(uint64_t h, const void *p, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= FNV1A64_PRIME;
    }
    return h;
}

uint64_t tb_fnv1a64(const void *p, size_t n)
{
    return tb_fnv1a64_update(TB_FNV1A64_INIT, p, n);
}

uint64_t tb_fnv1a64_fields(uint64_t h, const char *const *s, size_t n, unsigned char sep)
{
    for (size_t i = 0; i < n; i++) {
        h = tb_fnv1a64_update(h, s[i], strlen(s[i]));
        h = tb_fnv1a64_update(h, &sep, 1);
    }
    return h;
}
