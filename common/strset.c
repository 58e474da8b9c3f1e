/* strset.c - a counted set of distinct byte strings (strset.h). */
#include "strset.h"

#include <stdlib.h>
#include <string.h>

void strset_init(strset *s, const char *what)
{
    memset(s, 0, sizeof *s);
    s->what = what;
}

void strset_release(strset *s)
{
    const char *what = s->what;
    free(s->bytes);
    free(s->e);
    free(s->slot);
    strset_init(s, what);
}

/* The slot holding b[0..len) (hash h), or the empty slot where it would go. */
static size_t slot_of(const strset *s, const char *b, size_t len, uint32_t h)
{
    size_t i = h & s->mask;
    for (;; i = (i + 1) & s->mask) {
        uint32_t v = s->slot[i];
        if (v == 0)
            return i;
        const strset_entry *e = &s->e[v - 1];
        if (e->hash == h && e->len == len && memcmp(s->bytes + e->off, b, len) == 0)
            return i;
    }
}

long strset_find(const strset *s, const char *b, size_t len)
{
    if (!s->slot)
        return -1;
    uint32_t v = s->slot[slot_of(s, b, len, (uint32_t)tb_fnv1a64(b, len))];
    return v ? (long)v - 1 : -1;
}

static int grow_table(strset *s, tb_error *err)
{
    size_t nmask = s->slot ? s->mask * 2 + 1 : 1023;
    uint32_t *ns = tb_calloc(nmask + 1, sizeof *ns, err);
    if (!ns)
        return TB_EINPUT;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = s->e[k].hash & nmask;
        while (ns[i])
            i = (i + 1) & nmask;
        ns[i] = (uint32_t)(k + 1);
    }
    free(s->slot);
    s->slot = ns;
    s->mask = nmask;
    return TB_OK;
}

int strset_add(strset *s, const char *b, size_t len, uint64_t count, uint32_t flags,
               tb_error *err)
{
    if ((s->n + 1) * 2 > (s->slot ? s->mask + 1 : 0) && grow_table(s, err))
        return TB_EINPUT;
    uint32_t h = (uint32_t)tb_fnv1a64(b, len);
    size_t i = slot_of(s, b, len, h);
    if (s->slot[i]) {
        strset_entry *e = &s->e[s->slot[i] - 1];
        e->count += count;
        e->flags |= flags;
        return TB_OK;
    }
    if (len > UINT32_MAX || s->n >= UINT32_MAX / 2)
        return tb_fail(err, TB_EINPUT, "%s set too large", s->what ? s->what : "string");
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 1024;
        strset_entry *ne = tb_realloc(s->e, nc * sizeof *ne, err);
        if (!ne)
            return TB_EINPUT;
        s->e = ne;
        s->cap = nc;
    }
    if (s->n_bytes + len > s->cap_bytes) {
        size_t nc = s->cap_bytes ? s->cap_bytes * 2 : 65536;
        while (nc < s->n_bytes + len)
            nc *= 2;
        char *nb = tb_realloc(s->bytes, nc, err);
        if (!nb)
            return TB_EINPUT;
        s->bytes = nb;
        s->cap_bytes = nc;
    }
    if (len)
        memcpy(s->bytes + s->n_bytes, b, len);
    s->e[s->n] = (strset_entry){.off = s->n_bytes, .len = (uint32_t)len, .hash = h,
                                .count = count, .flags = flags};
    s->n_bytes += len;
    s->slot[i] = (uint32_t)(s->n + 1);
    s->n++;
    return TB_OK;
}
