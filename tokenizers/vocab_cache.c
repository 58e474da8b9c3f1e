/* vocab_cache.c - compiled vocabularies: writer, checked reader and the
 * cache around the slow loaders (format and rules in vocab_cache.h). */
#define BPE_INTERNAL
#include "vocab_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/afile.h"
#include "../common/sha256.h"
#include "../common/timer.h"
#include "bpe.h"
#include "pretok.h"
#include "spbpe_cache.h"
#include "spbpe_impl.h"
#include "tokenizer_impl.h"
#include "vocab_files.h"

_Static_assert(sizeof(size_t) == 8, "tok_off is stored as u64");
_Static_assert(sizeof(struct bpe_pair) == 16, "bytepair entries are 16 bytes");
_Static_assert(sizeof(struct bpe_rpair) == 12, "plist entries are 12 bytes");

static const char k_magic[8] = {'T', 'B', 'V', 'O', 'C', 'A', 'B', '\n'};
#define ENDIAN_MARK 0x01020304u
#define ALIGN VOCAB_CACHE_ALIGN
#define VBLOOM_WORDS ((size_t)1 << 15)
#define FLAG_DIRECT 1u
#define FLAG_NFC 2u
#define FLAG_NFKC 4u /* with FLAG_NFC: NFKC */

enum { S_BYTES, S_TOK_OFF, S_TOK_LEN, S_KIND, S_VSLOT, S_VBLOOM, S_PIDX, S_PLIST, S_PFILT,
       S_BYTEPAIR, S_PRETOK, N_SEC };
static const char *const k_sec_name[N_SEC] = {"bytes", "tok_off", "tok_len", "kind",
                                              "vslot", "vbloom",  "pidx",    "plist",
                                              "pfilt", "bytepair", "pretok"};

struct vocab_cache_header {
    struct vocab_cache_prefix p;
    uint32_t n_ids, flags;
    uint64_t n_bytes, vmask, n_plist;
    uint32_t byte_id[256];
    struct vocab_cache_sec sec[N_SEC];
};
_Static_assert(sizeof(struct vocab_cache_header) == 1432, "header layout");
_Static_assert(sizeof(struct vocab_cache_prefix) == 200, "prefix layout");
_Static_assert(offsetof(struct vocab_cache_prefix, src_size) == 32, "checksum covers [32, end)");

/* ---- checksum ------------------------------------------------------------ */

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

static inline uint64_t round64(uint64_t acc, uint64_t v)
{
    return rotl(acc + v * P2, 31) * P1;
}

uint64_t vocab_cache_checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t n = len;
    uint64_t h;
    if (n >= 32) {
        uint64_t a = P1 + P2, b = P2, c = 0, d = (uint64_t)0 - P1;
        while (n >= 32) {
            uint64_t v[4];
            memcpy(v, p, 32);
            a = round64(a, v[0]);
            b = round64(b, v[1]);
            c = round64(c, v[2]);
            d = round64(d, v[3]);
            p += 32;
            n -= 32;
        }
        h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18);
        uint64_t lanes[4] = {a, b, c, d};
        for (int k = 0; k < 4; k++)
            h = (h ^ round64(0, lanes[k])) * P1 + P4;
    } else {
        h = P5;
    }
    h += (uint64_t)len;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = rotl(h ^ round64(0, v), 27) * P1 + P4;
        p += 8;
        n -= 8;
    }
    while (n--) {
        h = rotl(h ^ (*p++ * P5), 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

void vocab_cache_seal(void *data, size_t len)
{
    struct vocab_cache_prefix *h = data;
    if (len < sizeof *h)
        return;
    h->checksum = vocab_cache_checksum((uint8_t *)data + 32, len - 32);
}

void vocab_cache_prefix_put(struct vocab_cache_prefix *p, const char magic[8], uint32_t version,
                            uint64_t file_bytes, const vocab_cache_source *src)
{
    memset(p, 0, sizeof *p);
    memcpy(p->magic, magic, 8);
    p->version = version;
    p->endian = ENDIAN_MARK;
    p->file_bytes = file_bytes;
    p->src_size = src->size;
    p->src_dev = src->dev;
    p->src_ino = src->ino;
    p->src_mtime_ns = src->mtime_ns;
    p->src_ctime_ns = src->ctime_ns;
    memcpy(p->src_sha256, src->sha256, 64);
    tb_copy_str(p->loader, sizeof p->loader, src->loader);
}

/* ---- writer ------------------------------------------------------------- */

static size_t align_up(size_t n)
{
    return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

size_t vocab_cache_layout(struct vocab_cache_sec *sec, const size_t *sz, int n, size_t header)
{
    size_t at = align_up(header);
    for (int s = 0; s < n; s++) {
        sec[s].off = at;
        sec[s].len = sz[s];
        at = align_up(at + sz[s]);
    }
    return at;
}

/* The pretok section of pt into buf (NULL: size only); returns its bytes. */
static size_t put_pretok(const pretok *pt, uint8_t *buf)
{
    size_t n = 0;
#define PUT(src, k)                        \
    do {                                   \
        if (buf)                           \
            memcpy(buf + n, (src), (k));   \
        n += (k);                          \
    } while (0)
    const char *preset = pretok_preset(pt);
    uint32_t pl = preset ? (uint32_t)strlen(preset) : 0;
    PUT(&pl, 4);
    if (pl)
        PUT(preset, pl);
    uint32_t ns = preset ? 0 : (uint32_t)pretok_n_stages(pt);
    PUT(&ns, 4);
    for (uint32_t i = 0; i < ns; i++) {
        const char *pat;
        size_t len;
        int literal, invert;
        enum pretok_behavior b;
        pretok_stage(pt, (int)i, &pat, &len, &literal, &b, &invert);
        uint32_t f[4] = {(uint32_t)literal, (uint32_t)b, (uint32_t)invert, (uint32_t)len};
        PUT(f, sizeof f);
        PUT(pat, len);
    }
#undef PUT
    return n;
}

int vocab_cache_image(const struct bpe *m, const vocab_cache_source *src, uint8_t **out,
                      size_t *len, tb_error *err)
{
    *out = NULL;
    *len = 0;
    if (!m->pidx || !m->plist || !m->pfilt || !m->bytepair || !m->vslot || !m->vbloom)
        return tb_fail(err, TB_EINPUT, "compiled vocabulary: the model has no pair tables");
    size_t n_plist = m->pidx[m->n_ids + 1];
    const void *ptr[N_SEC] = {m->bytes, m->tok_off, m->tok_len, m->kind, m->vslot,
                              m->vbloom, m->pidx,   m->plist,   m->pfilt, m->bytepair, NULL};
    size_t sz[N_SEC] = {m->n_bytes,
                        (size_t)m->n_ids * 8,
                        (size_t)m->n_ids * 4,
                        m->n_ids,
                        (m->vmask + 1) * 4,
                        VBLOOM_WORDS * 8,
                        ((size_t)m->n_ids + 2) * 4,
                        n_plist * sizeof(struct bpe_rpair),
                        (size_t)m->n_ids * 8,
                        65536 * sizeof(struct bpe_pair),
                        put_pretok(m->pt, NULL)};
    struct vocab_cache_header h;
    memset(&h, 0, sizeof h);
    size_t at = vocab_cache_layout(h.sec, sz, N_SEC, sizeof h);
    uint8_t *img = tb_calloc(1, at, err);
    if (!img)
        return TB_EINPUT;
    vocab_cache_prefix_put(&h.p, k_magic, VOCAB_CACHE_VERSION, at, src);
    h.n_ids = m->n_ids;
    h.flags = (m->direct ? FLAG_DIRECT : 0) | (m->nfc ? FLAG_NFC : 0) |
              (m->nfc == 2 ? FLAG_NFKC : 0);
    h.n_bytes = m->n_bytes;
    h.vmask = m->vmask;
    h.n_plist = n_plist;
    memcpy(h.byte_id, m->byte_id, sizeof h.byte_id);
    memcpy(img, &h, sizeof h);
    for (int s = 0; s < S_PRETOK; s++)
        if (sz[s])
            memcpy(img + h.sec[s].off, ptr[s], sz[s]);
    put_pretok(m->pt, img + h.sec[S_PRETOK].off);
    vocab_cache_seal(img, at);
    *out = img;
    *len = at;
    return TB_OK;
}

/* ---- reader ------------------------------------------------------------- */

int vocab_cache_fail(tb_error *err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tb_fail(err, TB_EINPUT, "compiled vocabulary: %s", msg);
}

int vocab_cache_check_sections(const struct vocab_cache_sec *sec, const uint64_t *want,
                               const char *const *names, int n, size_t header, uint64_t len,
                               tb_error *err)
{
    uint64_t end = header;
    for (int s = 0; s < n; s++) {
        uint64_t o = sec[s].off, l = sec[s].len;
        if (l != want[s] || o % ALIGN || o < end || o > len || l > len - o)
            return vocab_cache_fail(err, "section %s: bad place or size", names[s]);
        end = o + l;
    }
    return TB_OK;
}

/* The pretok section p[0..n) -> *out. */
static int get_pretok(const uint8_t *p, size_t n, pretok **out, tb_error *err)
{
    *out = NULL;
    size_t at = 0;
    uint32_t pl, ns;
    if (n < 4)
        return vocab_cache_fail(err, "pretok section cut short");
    memcpy(&pl, p, 4);
    at = 4;
    if (pl >= 64 || pl > n - at)
        return vocab_cache_fail(err, "pretok section: bad preset name length %u", pl);
    char name[64];
    memcpy(name, p + at, pl);
    name[pl] = 0;
    at += pl;
    if (n - at < 4)
        return vocab_cache_fail(err, "pretok section cut short");
    memcpy(&ns, p + at, 4);
    at += 4;
    if (pl) {
        if (ns != 0 || at != n || memchr(name, 0, pl))
            return vocab_cache_fail(err, "pretok section: a preset with stages or trailing bytes");
        return pretok_new_preset(name, out, err)
                   ? vocab_cache_fail(err, "pretok preset '%s' unknown", name)
                   : TB_OK;
    }
    if (ns > 16)
        return vocab_cache_fail(err, "pretok section: %u stages", ns);
    pretok *pt;
    if (pretok_new(&pt, err))
        return TB_EINPUT;
    for (uint32_t i = 0; i < ns; i++) {
        uint32_t f[4];
        if (n - at < sizeof f) {
            pretok_free(pt);
            return vocab_cache_fail(err, "pretok section cut short in stage %u", i + 1);
        }
        memcpy(f, p + at, sizeof f);
        at += sizeof f;
        if (f[0] > 1 || f[1] > PRETOK_REMOVED || f[2] > 1 || f[3] == 0 || f[3] > n - at) {
            pretok_free(pt);
            return vocab_cache_fail(err, "pretok section: bad stage %u", i + 1);
        }
        if (pretok_add_split(pt, (const char *)p + at, f[3], (int)f[0],
                             (enum pretok_behavior)f[1], (int)f[2], err)) {
            pretok_free(pt);
            return tb_wrap(err, "compiled vocabulary: stage %u: ", i + 1);
        }
        at += f[3];
    }
    if (at != n) {
        pretok_free(pt);
        return vocab_cache_fail(err, "pretok section: %zu trailing bytes", n - at);
    }
    *out = pt;
    return TB_OK;
}

static int is_hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int vocab_cache_prefix_check(const void *data, size_t len, const char magic[8], uint32_t version,
                             vocab_cache_source *src, tb_error *err)
{
    struct vocab_cache_prefix h;
    if ((uintptr_t)data % ALIGN)
        return vocab_cache_fail(err, "image not %d-byte aligned in memory", ALIGN);
    if (len < sizeof h)
        return vocab_cache_fail(err, "%zu bytes, shorter than its header (%zu)", len, sizeof h);
    memcpy(&h, data, sizeof h);
    if (memcmp(h.magic, magic, 8) != 0)
        return vocab_cache_fail(err, "not a compiled vocabulary of this kind (bad magic)");
    if (h.version != version)
        return vocab_cache_fail(err, "format version %u, this tokbench reads %u", h.version,
                                version);
    if (h.endian != ENDIAN_MARK)
        return vocab_cache_fail(err, "written on a machine of another byte order");
    if (h.file_bytes != len)
        return vocab_cache_fail(err, "%zu bytes, the header says %llu (cut short?)", len,
                                (unsigned long long)h.file_bytes);
    if (vocab_cache_checksum((const uint8_t *)data + 32, len - 32) != h.checksum)
        return vocab_cache_fail(err, "checksum mismatch (damaged)");
    if (!memchr(h.loader, 0, sizeof h.loader) || !is_hex64(h.src_sha256))
        return vocab_cache_fail(err, "bad source identity");
    if (src) {
        memset(src, 0, sizeof *src);
        tb_copy_str(src->loader, sizeof src->loader, h.loader);
        memcpy(src->sha256, h.src_sha256, 64);
        src->sha256[64] = 0;
        src->size = h.src_size;
        src->dev = h.src_dev;
        src->ino = h.src_ino;
        src->mtime_ns = h.src_mtime_ns;
        src->ctime_ns = h.src_ctime_ns;
    }
    return TB_OK;
}

int vocab_cache_parse(const void *data, size_t len, vocab_cache_source *src, struct bpe **out,
                      tb_error *err)
{
    *out = NULL;
    const uint8_t *base = data;
    struct vocab_cache_header h;
    if (vocab_cache_prefix_check(data, len, k_magic, VOCAB_CACHE_VERSION, src, err))
        return TB_EINPUT;
    if (len < sizeof h)
        return vocab_cache_fail(err, "%zu bytes, shorter than its header (%zu)", len, sizeof h);
    memcpy(&h, data, sizeof h);
    uint32_t n = h.n_ids;
    if (n < 256 || n >= UINT32_MAX - 2 || (h.flags & ~(FLAG_DIRECT | FLAG_NFC | FLAG_NFKC)) ||
        (h.flags & (FLAG_NFC | FLAG_NFKC)) == FLAG_NFKC)
        return vocab_cache_fail(err, "bad n_ids %u or flags %u", n, h.flags);
    if (h.vmask < 15 || h.vmask >= UINT32_MAX || (h.vmask & (h.vmask + 1)))
        return vocab_cache_fail(err, "bad vmask %llu", (unsigned long long)h.vmask);
    if (h.n_plist >= UINT32_MAX || h.n_bytes >= ((uint64_t)1 << 40))
        return vocab_cache_fail(err, "bad pair or byte count");
    uint64_t want[N_SEC] = {h.n_bytes,          (uint64_t)n * 8,  (uint64_t)n * 4,
                            n,                  (h.vmask + 1) * 4, VBLOOM_WORDS * 8,
                            ((uint64_t)n + 2) * 4, h.n_plist * 12, (uint64_t)n * 8,
                            65536 * 16,         h.sec[S_PRETOK].len};
    if (vocab_cache_check_sections(h.sec, want, k_sec_name, N_SEC, sizeof h, len, err))
        return TB_EINPUT;
    const uint8_t *bytes = base + h.sec[S_BYTES].off;
    const uint64_t *tok_off = (const uint64_t *)(base + h.sec[S_TOK_OFF].off);
    const uint32_t *tok_len = (const uint32_t *)(base + h.sec[S_TOK_LEN].off);
    const uint8_t *kind = base + h.sec[S_KIND].off;
    const uint32_t *vslot = (const uint32_t *)(base + h.sec[S_VSLOT].off);
    const uint32_t *pidx = (const uint32_t *)(base + h.sec[S_PIDX].off);
    const struct bpe_rpair *plist = (const struct bpe_rpair *)(base + h.sec[S_PLIST].off);
    const struct bpe_pair *bytepair = (const struct bpe_pair *)(base + h.sec[S_BYTEPAIR].off);
    /* tokens: inside the arena, ordinary ones short enough for the heap */
    for (uint32_t id = 0; id < n; id++) {
        uint8_t k = kind[id];
        uint64_t l = tok_len[id], o = tok_off[id];
        if (k > BPE_SPECIAL || (k == BPE_UNUSED) != (l == 0) || o > h.n_bytes ||
            l > h.n_bytes - o || (k == BPE_ORDINARY && l > 65535))
            return vocab_cache_fail(err, "token %u: bad kind, offset or length", id);
    }
#define ORD(id) ((id) < n && kind[id] == BPE_ORDINARY)
#define TOK(id) (bytes + tok_off[id])
    for (int b = 0; b < 256; b++) {
        uint32_t id = h.byte_id[b];
        if (!ORD(id) || tok_len[id] != 1 || TOK(id)[0] != b)
            return vocab_cache_fail(err, "byte 0x%02x: bad id", b);
    }
    size_t empty = 0;
    for (uint64_t i = 0; i <= h.vmask; i++) {
        uint32_t v = vslot[i];
        if (v == 0)
            empty++;
        else if (!ORD(v - 1))
            return vocab_cache_fail(err, "token hash slot %llu: bad id", (unsigned long long)i);
    }
    if (!empty)
        return vocab_cache_fail(err, "token hash without a free slot");
    if (pidx[0] != 0 || pidx[n + 1] != h.n_plist)
        return vocab_cache_fail(err, "pair index: bad bounds");
    for (uint32_t a = 0; a <= n; a++)
        if (pidx[a + 1] < pidx[a])
            return vocab_cache_fail(err, "pair index: not ascending at %u", a);
    /* every merge is as long as its pair (the encoder's offsets and symbol
     * lengths rest on it), lists sorted by right id; that its bytes are the
     * pair's is the checksum's to guard (comparing them costs more than the
     * rest of the load) */
    for (uint32_t a = 0; a < n; a++) {
        for (uint32_t i = pidx[a]; i < pidx[a + 1]; i++) {
            const struct bpe_rpair *e = &plist[i];
            if (!ORD(a) || !ORD(e->right) || !ORD(e->merged) ||
                (i > pidx[a] && plist[i - 1].right >= e->right) ||
                tok_len[e->merged] != tok_len[a] + tok_len[e->right])
                return vocab_cache_fail(err, "pair %u: not as long as its two tokens", i);
        }
    }
    for (unsigned ab = 0; ab < 65536; ab++) {
        const struct bpe_pair *e = &bytepair[ab];
        if (e->rank == UINT32_MAX)
            continue;
        if (!ORD(e->merged) || tok_len[e->merged] != 2 || TOK(e->merged)[0] != ab >> 8 ||
            TOK(e->merged)[1] != (ab & 255))
            return vocab_cache_fail(err, "byte pair 0x%04x: not a merge of its two bytes", ab);
    }
#undef ORD
#undef TOK
    pretok *pt;
    if (get_pretok(base + h.sec[S_PRETOK].off, h.sec[S_PRETOK].len, &pt, err))
        return TB_EINPUT;
    struct bpe *m = tb_calloc(1, sizeof *m, err);
    if (!m) {
        pretok_free(pt);
        return TB_EINPUT;
    }
    m->pt = pt;
    m->direct = (h.flags & FLAG_DIRECT) != 0;
    m->nfc = (h.flags & FLAG_NFKC) ? 2 : (h.flags & FLAG_NFC) != 0;
    m->n_ids = n;
    m->bytes = (uint8_t *)bytes;
    m->n_bytes = m->cap_bytes = h.n_bytes;
    m->tok_off = (size_t *)tok_off;
    m->tok_len = (uint32_t *)tok_len;
    m->kind = (uint8_t *)kind;
    memcpy(m->byte_id, h.byte_id, sizeof m->byte_id);
    m->vslot = (uint32_t *)vslot;
    m->vbloom = (uint64_t *)(base + h.sec[S_VBLOOM].off);
    m->vmask = h.vmask;
    m->n_pairs = h.n_plist;
    m->pidx = (uint32_t *)pidx;
    m->plist = (struct bpe_rpair *)plist;
    m->pfilt = (uint64_t *)(base + h.sec[S_PFILT].off);
    m->bytepair = (struct bpe_pair *)bytepair;
    m->uid = bpe_new_uid();
    m->map = (void *)data;
    m->map_len = 0;
    *out = m;
    return TB_OK;
}

/* ---- the cache around the loaders ---------------------------------------- */

static void note(const tokenizer_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(const tokenizer_ctx *ctx, const char *fmt, ...)
{
    if (!ctx->vocab_note || !ctx->vocab_note_cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->vocab_note, ctx->vocab_note_cap, fmt, ap);
    va_end(ap);
}

/* CPU seconds of this thread (the load's own work, whatever the machine's
 * load does to the wall time). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void stat_identity(const struct stat *st, vocab_cache_source *s)
{
    s->size = (uint64_t)st->st_size;
    s->dev = (uint64_t)st->st_dev;
    s->ino = (uint64_t)st->st_ino;
    s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    s->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static int same_identity(const vocab_cache_source *a, const vocab_cache_source *b)
{
    return a->size == b->size && a->dev == b->dev && a->ino == b->ino &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* The loader of spec (vocab_cache.h) into out; v: its packaged entry. */
static void loader_of(const char *spec, const vocab_file *v, char *out, size_t cap)
{
    if (v) {
        tb_copy_str(out, cap, spec);
    } else if (strncmp(spec, "tiktoken:", 9) == 0) {
        const char *c = strchr(spec + 9, ':');
        snprintf(out, cap, "tiktoken:%.*s", c ? (int)(c - spec - 9) : 0, spec + 9);
    } else if (strncmp(spec, "hf:", 3) == 0) {
        tb_copy_str(out, cap, "hf");
    } else {
        tb_copy_str(out, cap, "bpe-file");
    }
}

/* <cache_dir>/vocab/<name>.tbv into path (vocab_cache.h); -1 when it does
 * not fit or the real path of a user's file is unknown. */
static int cache_file(const char *cache_dir, const char *src_path, const vocab_file *v,
                      const char *loader, char *path, size_t cap)
{
    char name[160], lo[64];
    size_t i = 0;
    for (; loader[i] && i + 1 < sizeof lo; i++)
        lo[i] = loader[i] == ':' || loader[i] == '/' ? '-' : loader[i];
    lo[i] = 0;
    if (v) {
        snprintf(name, sizeof name, "%s-%s", v->sha256, lo);
    } else {
        char real[PATH_MAX], hex[65];
        if (!realpath(src_path, real))
            return -1;
        sha256_hex(real, strlen(real), hex);
        snprintf(name, sizeof name, "path-%.32s-%s", hex, lo);
    }
    int k = snprintf(path, cap, "%s/vocab/%s.tbv", cache_dir, name);
    return k < 0 || (size_t)k >= cap ? -1 : 0;
}

/* Writes img atomically to path: a temporary "<path>.<thread>.tmp.<pid>"
 * (unique per thread, so two jobs of one `run` compiling the same
 * vocabulary do not share it; afolder_clean_stale still knows the name),
 * fsync'd and renamed into place. */
static int write_image(const char *path, const uint8_t *img, size_t len, tb_error *err)
{
    char dir[4200], tmp[4300];
    tb_copy_str(dir, sizeof dir, path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    if (tb_mkdirs(dir, err))
        return TB_EINPUT;
    char gone[8];
    size_t n_gone;
    tb_error ignore;
    afolder_clean_stale(dir, NULL, gone, sizeof gone, &n_gone, &ignore);
    if (tb_pathf(err, tmp, sizeof tmp, "%s.%ld.tmp.%ld", path, (long)gettid(), (long)getpid()))
        return TB_EINPUT;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return tb_fail(err, TB_EINPUT, "cannot create '%s': %s", tmp, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fd, img + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    int e = done == len ? 0 : errno ? errno : EIO;
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return tb_fail(err, TB_EINPUT, "cannot write '%s': %s", path, strerror(e));
    }
    return TB_OK;
}

/* Empties t after a model was attached and then refused. */
static void detach(tokenizer *t)
{
    if (t->ops && t->ops->free)
        t->ops->free(t);
    t->ops = NULL;
    t->state = NULL;
    t->vocab_size = 0;
}

/* Parses the mapping map[0..len) by its magic (vocab_cache.h: a byte-level
 * BPE model, spbpe_cache.h: a SentencePiece-style one) and attaches the
 * model to t, which owns the mapping from then on. */
static int attach_image(tokenizer *t, void *map, size_t len, vocab_cache_source *rec,
                        tb_error *err)
{
    if (len >= 8 && memcmp(map, spbpe_cache_magic, 8) == 0) {
        struct spbpe *m;
        if (spbpe_cache_parse(map, len, rec, &m, err))
            return TB_EINPUT;
        spbpe_cache_own_map(m, len);
        spbpe_attach(t, m);
        return TB_OK;
    }
    struct bpe *m;
    if (vocab_cache_parse(map, len, rec, &m, err))
        return TB_EINPUT;
    m->map_len = len;   /* bpe_free unmaps it from now on */
    bpe_attach(t, m);
    return TB_OK;
}

/* The cached model at path, attached to t, when it answers the source now:
 * 0, else -1 with the reason in why (t left empty). */
static int try_cache(const char *path, const char *src_path, const vocab_file *v,
                     const vocab_cache_source *now, tokenizer *t, char *why, size_t wcap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, wcap, "%s", errno == ENOENT ? "no compiled file yet" : strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        close(fd);
        snprintf(why, wcap, "not a regular file or empty");
        return -1;
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(why, wcap, "mmap: %s", strerror(errno));
        return -1;
    }
    tb_error e = {0};
    vocab_cache_source rec;
    if (attach_image(t, map, len, &rec, &e)) {
        munmap(map, len);
        snprintf(why, wcap, "%s", e.msg);
        return -1;
    }
    const char *fail = NULL;
    if (strcmp(rec.loader, now->loader) != 0)
        fail = "made by another loader";
    else if (v && strcmp(rec.sha256, v->sha256) != 0)
        fail = "the packaged file's recorded sha256 changed";
    else if (rec.size != now->size)
        fail = "the source changed (size)";
    if (!fail && !same_identity(&rec, now)) {
        /* same size, another inode or time: the content decides */
        char hex[65];
        size_t n;
        tb_error ignore;
        if (vocab_file_read(src_path, NULL, NULL, &n, hex, &ignore) || n != now->size ||
            strcmp(hex, rec.sha256) != 0) {
            fail = "the source changed (sha256)";
        } else {
            /* same content: record the new identity so the next load skips the hash */
            uint8_t *img = malloc(len);
            if (img) {
                memcpy(img, map, len);
                struct vocab_cache_prefix *h = (struct vocab_cache_prefix *)img;
                h->src_dev = now->dev;
                h->src_ino = now->ino;
                h->src_mtime_ns = now->mtime_ns;
                h->src_ctime_ns = now->ctime_ns;
                vocab_cache_seal(img, len);
                write_image(path, img, len, &ignore);
                free(img);
            }
        }
    }
    if (fail) {
        detach(t);
        snprintf(why, wcap, "%s", fail);
        return -1;
    }
    return 0;
}

int vocab_cache_new(tokenizer *t, const char *spec, vocab_cache_make_fn make, const char *arg,
                    const tokenizer_ctx *ctx, tb_error *err)
{
    note(ctx, "%s", "");
    if (!ctx->cache_dir || !ctx->cache_dir[0])
        return make(t, arg, ctx, err);
    char src_path[4096], path[4400], why[1100];
    const vocab_file *v;
    tb_error ignore;
    struct stat st;
    if (vocab_file_resolve(spec, src_path, sizeof src_path, &v, &ignore) || !src_path[0] ||
        stat(src_path, &st) != 0 || !S_ISREG(st.st_mode) || (v && (uint64_t)st.st_size != v->size))
        return make(t, arg, ctx, err);   /* the loader's own error, or a model it checks */
    vocab_cache_source now;
    memset(&now, 0, sizeof now);
    stat_identity(&st, &now);
    loader_of(spec, v, now.loader, sizeof now.loader);
    if (cache_file(ctx->cache_dir, src_path, v, now.loader, path, sizeof path))
        return make(t, arg, ctx, err);
    double t0 = tb_now(), c0 = cpu_now();
    if (try_cache(path, src_path, v, &now, t, why, sizeof why) == 0) {
        note(ctx, "vocabulary cache: loaded '%s' (%.1f ms, %.1f ms CPU)", path,
             1000 * (tb_now() - t0), 1000 * (cpu_now() - c0));
        return TB_OK;
    }
    int fresh = strcmp(why, "no compiled file yet") == 0;
    int rc = make(t, arg, ctx, err);
    if (rc)
        return rc;
    const struct bpe *bm = bpe_of(t);
    const struct spbpe *sm = spbpe_of(t);
    if (!bm && !sm) {
        note(ctx, "vocabulary cache: '%s' is a scheme the cache does not know, not cached", spec);
        return TB_OK;
    }
    if (sm && !spbpe_cache_supported(sm)) {
        note(ctx, "vocabulary cache: '%s' is a Unigram or WordPiece model, not cached", spec);
        return TB_OK;
    }
    double s_load = tb_now() - t0;
    /* the content the loader read: a packaged file was checked against the
     * table; a user's file is hashed here */
    size_t n;
    if (v)
        tb_copy_str(now.sha256, sizeof now.sha256, v->sha256);
    else if (vocab_file_read(src_path, NULL, NULL, &n, now.sha256, &ignore))
        return TB_OK;
    struct stat st2;
    vocab_cache_source after;
    if (stat(src_path, &st2) != 0)
        return TB_OK;
    stat_identity(&st2, &after);
    if (!same_identity(&now, &after)) {
        note(ctx, "vocabulary cache: '%s' changed while loading, not cached", src_path);
        return TB_OK;
    }
    uint8_t *img;
    size_t len;
    tb_error werr = {0};
    if ((bm ? vocab_cache_image(bm, &now, &img, &len, &werr)
            : spbpe_cache_image(sm, &now, &img, &len, &werr)) == TB_OK) {
        write_image(path, img, len, &werr);
        free(img);
    }
    if (werr.status)
        note(ctx, "vocabulary cache: loaded '%s' the slow way (%.3f s); not cached: %s",
             src_path, s_load, werr.msg);
    else if (fresh)
        note(ctx, "vocabulary cache: built '%s' from '%s' (%.3f s)", path, src_path, s_load);
    else
        note(ctx, "vocabulary cache: rebuilt '%s' from '%s' (%.3f s): %s", path, src_path,
             s_load, why);
    return TB_OK;
}
