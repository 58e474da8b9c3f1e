/* spm.c - SentencePiece `.model` files and their Unigram encoding (spm.h
 * has the contract; sentencepiece's src/normalizer.cc, unigram_model.cc
 * EncodeOptimized and sentencepiece_processor.cc are what it reproduces). */
#include "spm.h"

#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spm_impl.h"
#include "tokenizer_impl.h"

/* ---- errors ------------------------------------------------------------ */

static int fail_at(tb_error *err, const char *name, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(tb_error *err, const char *name, size_t off, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tb_fail(err, TB_EINPUT, "spm model '%s': byte %zu: %s", name, off, msg);
}

/* ---- protobuf wire format ---------------------------------------------- */

typedef struct pb_field {
    uint32_t num;
    int wt;                 /* 0 varint, 1 fixed64, 2 bytes, 5 fixed32 */
    uint64_t v;             /* varint or fixed value */
    const unsigned char *p; /* wt 2: the payload */
    size_t len;
    size_t at;              /* offset of the tag in the file */
    size_t body;            /* offset of the payload (wt 2) in the file */
} pb_field;

static int pb_varint(const unsigned char *d, size_t end, size_t *pos, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= end)
            return -1;
        unsigned char b = d[(*pos)++];
        r |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* Reads the field at *pos of d[..end) (base: d's offset in the file). */
static int pb_next(const unsigned char *d, size_t end, size_t *pos, size_t base, pb_field *f,
                   const char *name, tb_error *err)
{
    f->at = base + *pos;
    uint64_t tag;
    if (pb_varint(d, end, pos, &tag))
        return fail_at(err, name, f->at, "truncated or overlong field tag");
    f->num = (uint32_t)(tag >> 3);
    f->wt = (int)(tag & 7);
    if (f->num == 0 || tag >> 32)
        return fail_at(err, name, f->at, "field number %llu is not valid",
                       (unsigned long long)(tag >> 3));
    switch (f->wt) {
    case 0:
        if (pb_varint(d, end, pos, &f->v))
            return fail_at(err, name, f->at, "field %u: truncated varint", f->num);
        return TB_OK;
    case 1:
    case 5: {
        size_t k = f->wt == 1 ? 8 : 4;
        if (end - *pos < k)
            return fail_at(err, name, f->at, "field %u: truncated fixed%zu value", f->num, k * 8);
        f->v = 0;
        for (size_t i = 0; i < k; i++)
            f->v |= (uint64_t)d[*pos + i] << (8 * i);
        *pos += k;
        return TB_OK;
    }
    case 2: {
        uint64_t n;
        if (pb_varint(d, end, pos, &n))
            return fail_at(err, name, f->at, "field %u: truncated length", f->num);
        if (n > end - *pos)
            return fail_at(err, name, f->at,
                           "field %u: length %llu runs past the end of its message (%zu bytes left)",
                           f->num, (unsigned long long)n, end - *pos);
        f->p = d + *pos;
        f->len = (size_t)n;
        f->body = base + *pos;
        *pos += (size_t)n;
        return TB_OK;
    }
    default:
        return fail_at(err, name, f->at, "field %u: wire type %d is not supported", f->num,
                       f->wt);
    }
}

static int want_wt(const pb_field *f, int wt, const char *what, const char *name, tb_error *err)
{
    if (f->wt == wt)
        return TB_OK;
    return fail_at(err, name, f->at, "%s (field %u) has wire type %d, expected %d", what, f->num,
                   f->wt, wt);
}

static float pb_float(uint64_t v)
{
    uint32_t u = (uint32_t)v;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* ---- the piece trie ------------------------------------------------------ */

static int trie_build(spm_state *s, const char *name, tb_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < s->n; i++)
        total += s->pieces[i].len;
    if (piece_trie_init(&s->trie, total, err))
        return TB_EINPUT;
    for (size_t id = 0; id < s->n; id++) {
        const spm_piece *p = &s->pieces[id];
        if (p->type != SPM_NORMAL && p->type != SPM_USER && p->type != SPM_UNUSED)
            continue;
        int32_t was = piece_trie_add(&s->trie, s->text + p->off, p->len, (int32_t)id);
        if (was >= 0)
            return tb_fail(err, TB_EINPUT, "spm model '%s': piece %zu '%.*s' is already piece %d",
                           name, id, (int)(p->len > 80 ? 80 : p->len), s->text + p->off, was);
    }
    return TB_OK;
}

/* ---- loading ------------------------------------------------------------- */

static void state_free(spm_state *s)
{
    if (!s)
        return;
    free(s->text);
    free(s->pieces);
    piece_trie_release(&s->trie);
    charsmap_release(&s->cmap);
    free(s);
}

static int parse_piece(spm_state *s, const pb_field *outer, size_t *text_len, size_t *text_cap,
                       const char *name, tb_error *err)
{
    size_t id = s->n;
    spm_piece pc = {.off = 0, .len = 0, .score = 0.0f, .type = SPM_NORMAL};
    int have_piece = 0;
    size_t pos = 0;
    while (pos < outer->len) {
        pb_field f;
        if (pb_next(outer->p, outer->len, &pos, outer->body, &f, name, err))
            return tb_wrap(err, "piece %zu: ", id), TB_EINPUT;
        if (f.num == 1) {
            if (want_wt(&f, 2, "piece text", name, err))
                return TB_EINPUT;
            if (f.len == 0)
                return fail_at(err, name, f.at, "piece %zu is empty", id);
            if (f.len > UINT32_MAX / 2 || *text_len + f.len > UINT32_MAX)
                return fail_at(err, name, f.at, "piece %zu is too long", id);
            if (*text_len + f.len > *text_cap) {
                size_t nc = (*text_cap + f.len) * 2;
                char *nt = tb_realloc(s->text, nc, err);
                if (!nt)
                    return TB_EINPUT;
                s->text = nt;
                *text_cap = nc;
            }
            memcpy(s->text + *text_len, f.p, f.len);
            pc.off = (uint32_t)*text_len;
            pc.len = (uint32_t)f.len;
            *text_len += f.len;
            have_piece = 1;
        } else if (f.num == 2) {
            if (want_wt(&f, 5, "piece score", name, err))
                return TB_EINPUT;
            pc.score = pb_float(f.v);
        } else if (f.num == 3) {
            if (want_wt(&f, 0, "piece type", name, err))
                return TB_EINPUT;
            if (f.v < 1 || f.v > 6)
                return fail_at(err, name, f.at, "piece %zu: type %llu is not a SentencePiece type "
                               "(1 NORMAL .. 6 BYTE)", id, (unsigned long long)f.v);
            pc.type = (uint8_t)f.v;
        }
    }
    if (!have_piece)
        return fail_at(err, name, outer->at, "piece %zu has no text", id);
    s->pieces[s->n++] = pc;
    return TB_OK;
}

static int parse_bool(const pb_field *f, int *out, const char *what, const char *name,
                      tb_error *err)
{
    if (want_wt(f, 0, what, name, err))
        return TB_EINPUT;
    *out = f->v != 0;
    return TB_OK;
}

static int parse_trainer(spm_state *s, const pb_field *outer, const char *name, tb_error *err)
{
    size_t pos = 0;
    while (pos < outer->len) {
        pb_field f;
        if (pb_next(outer->p, outer->len, &pos, outer->body, &f, name, err))
            return tb_wrap(err, "trainer_spec: "), TB_EINPUT;
        if (f.num == 3) {
            if (want_wt(&f, 0, "trainer_spec.model_type", name, err))
                return TB_EINPUT;
            if (f.v != SPM_MODEL_UNIGRAM && f.v != SPM_MODEL_BPE) {
                static const char *const types[] = {"?", "UNIGRAM", "BPE", "WORD", "CHAR"};
                return fail_at(err, name, f.at, "model_type %s is not supported (spm: reads "
                               "UNIGRAM and BPE models)", f.v < 5 ? types[f.v] : "unknown");
            }
            s->model_type = (int)f.v;
        } else if (f.num == 24) {
            if (parse_bool(&f, &s->ws_suffix, "trainer_spec.treat_whitespace_as_suffix", name, err))
                return TB_EINPUT;
        } else if (f.num == 35) {
            if (parse_bool(&f, &s->byte_fallback, "trainer_spec.byte_fallback", name, err))
                return TB_EINPUT;
        } else if (f.num == 44) {
            if (want_wt(&f, 2, "trainer_spec.unk_surface", name, err))
                return TB_EINPUT;
            if (f.len >= sizeof s->unk_surface)
                return fail_at(err, name, f.at, "unk_surface of %zu bytes is too long", f.len);
            memcpy(s->unk_surface, f.p, f.len);
            s->unk_surface[f.len] = 0;
        }
    }
    return TB_OK;
}

static int parse_charsmap(spm_state *s, const pb_field *f, const char *name, tb_error *err)
{
    if (charsmap_init(&s->cmap, f->p, f->len, err))
        return tb_wrap(err, "spm model '%s': byte %zu: ", name, f->body);
    return TB_OK;
}

static int parse_normalizer(spm_state *s, const pb_field *outer, const char *name, tb_error *err)
{
    size_t pos = 0;
    while (pos < outer->len) {
        pb_field f;
        if (pb_next(outer->p, outer->len, &pos, outer->body, &f, name, err))
            return tb_wrap(err, "normalizer_spec: "), TB_EINPUT;
        int rc = TB_OK;
        if (f.num == 1) {
            if (want_wt(&f, 2, "normalizer_spec.name", name, err))
                return TB_EINPUT;
            size_t k = f.len < sizeof s->norm_name - 1 ? f.len : sizeof s->norm_name - 1;
            memcpy(s->norm_name, f.p, k);
            s->norm_name[k] = 0;
        } else if (f.num == 2) {
            if (want_wt(&f, 2, "normalizer_spec.precompiled_charsmap", name, err))
                return TB_EINPUT;
            charsmap_release(&s->cmap);
            rc = parse_charsmap(s, &f, name, err);
        } else if (f.num == 3) {
            rc = parse_bool(&f, &s->add_dummy_prefix, "normalizer_spec.add_dummy_prefix", name, err);
        } else if (f.num == 4) {
            rc = parse_bool(&f, &s->remove_extra_ws, "normalizer_spec.remove_extra_whitespaces",
                            name, err);
        } else if (f.num == 5) {
            rc = parse_bool(&f, &s->escape_ws, "normalizer_spec.escape_whitespaces", name, err);
        }
        if (rc)
            return rc;
    }
    return TB_OK;
}

static int parse_model(spm_state *s, const unsigned char *d, size_t len, const char *name,
                       tb_error *err)
{
    /* the pieces first counted, so the array is allocated once */
    size_t pos = 0, n_pieces = 0;
    pb_field f;
    while (pos < len) {
        if (pb_next(d, len, &pos, 0, &f, name, err))
            return TB_EINPUT;
        n_pieces += f.num == 1;
    }
    if (n_pieces == 0)
        return fail_at(err, name, 0, "no pieces (is this a SentencePiece .model file?)");
    if (n_pieces > INT32_MAX)
        return fail_at(err, name, 0, "%zu pieces are too many", n_pieces);
    s->pieces = tb_malloc(n_pieces * sizeof *s->pieces, err);
    if (!s->pieces)
        return TB_EINPUT;
    size_t text_len = 0, text_cap = 0;
    pos = 0;
    while (pos < len) {
        pb_next(d, len, &pos, 0, &f, name, err);
        int rc = TB_OK;
        if (f.num == 1)
            rc = want_wt(&f, 2, "pieces", name, err) ||
                 parse_piece(s, &f, &text_len, &text_cap, name, err);
        else if (f.num == 2)
            rc = want_wt(&f, 2, "trainer_spec", name, err) || parse_trainer(s, &f, name, err);
        else if (f.num == 3)
            rc = want_wt(&f, 2, "normalizer_spec", name, err) ||
                 parse_normalizer(s, &f, name, err);
        if (rc)
            return TB_EINPUT;
    }
    return TB_OK;
}

/* Checks what SentencePiece checks when it loads pieces, and fills
 * unk_id, byte_id, min_score and max_score. */
static int check_pieces(spm_state *s, const char *name, tb_error *err)
{
    s->unk_id = -1;
    s->min_score = FLT_MAX;
    s->max_score = FLT_MIN;
    int have_byte = 0;
    for (size_t i = 0; i < s->n; i++) {
        const spm_piece *p = &s->pieces[i];
        if (p->type == SPM_UNKNOWN) {
            if (s->unk_id >= 0)
                return tb_fail(err, TB_EINPUT, "spm model '%s': piece %zu: a second unknown "
                               "piece (the first is %d)", name, i, s->unk_id);
            s->unk_id = (int32_t)i;
        } else if (p->type == SPM_NORMAL) {
            if (p->score < s->min_score)
                s->min_score = p->score;
            if (p->score > s->max_score)
                s->max_score = p->score;
        } else if (p->type == SPM_BYTE) {
            have_byte = 1;
        } else if (p->type == SPM_UNUSED) {
            s->has_unused = 1;
        }
    }
    if (s->unk_id < 0)
        return tb_fail(err, TB_EINPUT, "spm model '%s': no piece of type UNKNOWN", name);
    if (have_byte && !s->byte_fallback)
        return tb_fail(err, TB_EINPUT, "spm model '%s': BYTE pieces although "
                       "trainer_spec.byte_fallback is false", name);
    for (int b = 0; b < 256; b++)
        s->byte_id[b] = s->unk_id;
    /* PieceToId looks in the reserved pieces (not NORMAL, USER_DEFINED or
     * UNUSED) before the others: byte pieces of reserved types win. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = s->n; i-- > 0;) {
            const spm_piece *p = &s->pieces[i];
            int reserved = p->type != SPM_NORMAL && p->type != SPM_USER && p->type != SPM_UNUSED;
            if (reserved != (pass == 1) || p->len != 6)
                continue;
            const char *t = s->text + p->off;
            unsigned v;
            char hex[3] = {t[3], t[4], 0};
            static const char digits[] = "0123456789ABCDEF";
            if (memcmp(t, "<0x", 3) != 0 || t[5] != '>' || !strchr(digits, t[3]) ||
                !strchr(digits, t[4]) || !t[3] || !t[4] || sscanf(hex, "%2X", &v) != 1)
                continue;
            s->byte_id[v] = (int32_t)i;
        }
    return TB_OK;
}

/* ---- normalization ------------------------------------------------------- */

size_t spm_user_match(const spm_state *s, const char *text, size_t n)
{
    size_t best = 0;
    uint32_t node = 0;
    for (size_t i = 0; i < n; i++) {
        node = piece_trie_child(&s->trie, node, (unsigned char)text[i]);
        if (!node)
            break;
        int32_t id = piece_trie_id(&s->trie, node);
        if (id >= 0 && s->pieces[id].type == SPM_USER)
            best = i + 1;
    }
    return best;
}

/* NormalizePrefix: what text[0..n) starts with, normalized, into *out
 * (*out_len bytes); returns the input bytes it stands for (>= 1). */
static size_t norm_prefix(const spm_state *s, const char *text, size_t n, const char **out,
                          size_t *out_len)
{
    size_t k = spm_user_match(s, text, n);
    if (k) {
        *out = text;
        *out_len = k;
        return k;
    }
    k = charsmap_match(&s->cmap, text, n, CHARSMAP_LONGEST, out, out_len);
    if (k)
        return k;
    k = spm_one_char_len((unsigned char)text[0]);
    if (k > n)
        k = n;
    *out = text;
    *out_len = k;
    return k;
}

typedef struct spm_buf {
    char *b;
    uint32_t *orig;         /* per byte of b: the input offset it came from */
    size_t n, cap;
} spm_buf;

static int buf_put(spm_buf *o, const char *p, size_t n, uint32_t orig, tb_error *err)
{
    if (o->n + n > o->cap) {
        size_t nc = (o->n + n) * 2 + 64;
        char *nb = tb_realloc(o->b, nc, err);
        if (!nb)
            return TB_EINPUT;
        o->b = nb;
        uint32_t *no = tb_realloc(o->orig, nc * sizeof *no, err);
        if (!no)
            return TB_EINPUT;
        o->orig = no;
        o->cap = nc;
    }
    memcpy(o->b + o->n, p, n);
    for (size_t i = 0; i < n; i++)
        o->orig[o->n + i] = orig;
    o->n += n;
    return TB_OK;
}

static const char k_ws[] = "\xE2\x96\x81"; /* U+2581 */

static int put_ws(const spm_state *s, spm_buf *o, uint32_t orig, tb_error *err)
{
    return s->escape_ws ? buf_put(o, k_ws, 3, orig, err) : buf_put(o, " ", 1, orig, err);
}

static int normalize(const spm_state *s, const char *text, size_t len, spm_buf *o, tb_error *err)
{
    size_t consumed = 0;
    const char *sp;
    size_t sp_len;
    if (s->remove_extra_ws)
        while (consumed < len) {
            size_t k = norm_prefix(s, text + consumed, len - consumed, &sp, &sp_len);
            if (sp_len != 1 || sp[0] != ' ')
                break;
            consumed += k;
        }
    if (consumed == len)
        return TB_OK;
    if (!s->ws_suffix && s->add_dummy_prefix && put_ws(s, o, 0, err))
        return TB_EINPUT;
    int prev_space = s->remove_extra_ws;
    while (consumed < len) {
        size_t k = norm_prefix(s, text + consumed, len - consumed, &sp, &sp_len);
        if (prev_space)
            while (sp_len && sp[0] == ' ') {
                sp++;
                sp_len--;
            }
        if (sp_len) {
            for (size_t i = 0; i < sp_len; i++) {
                int rc = s->escape_ws && sp[i] == ' ' ? buf_put(o, k_ws, 3, (uint32_t)consumed, err)
                                                      : buf_put(o, sp + i, 1, (uint32_t)consumed, err);
                if (rc)
                    return rc;
            }
            prev_space = sp[sp_len - 1] == ' ';
        }
        consumed += k;
        if (!s->remove_extra_ws)
            prev_space = 0;
    }
    if (s->remove_extra_ws) {
        size_t wl = s->escape_ws ? 3 : 1;
        const char *w = s->escape_ws ? k_ws : " ";
        while (o->n >= wl && memcmp(o->b + o->n - wl, w, wl) == 0)
            o->n -= wl;
    }
    if (s->ws_suffix && s->add_dummy_prefix &&
        put_ws(s, o, (uint32_t)(len ? len - 1 : 0), err))
        return TB_EINPUT;
    return TB_OK;
}

/* ---- encoding -------------------------------------------------------------- */

typedef struct spm_node {
    float score;            /* best path score ending here */
    int32_t start;          /* where its last piece starts, -1: unreached */
    int32_t id;
} spm_node;

static int spm_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                      uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    const spm_state *s = t->state;
    spm_buf o = {0};
    spm_node *best = NULL;
    int32_t *path = NULL;
    int rc = normalize(s, text, len, &o, err);
    size_t size = o.n, k = 0;
    if (rc || size == 0)
        goto done;
    if (s->model_type == SPM_MODEL_BPE) {
        rc = spm_bpe_encode(s, o.b, o.orig, size, ids, offs, cap, &k, err);
        goto done;
    }
    if (size > INT32_MAX - 1) {
        rc = tb_fail(err, TB_EINPUT, "normalized text of %zu bytes is too long", size);
        goto done;
    }
    best = tb_malloc((size + 1) * sizeof *best, err);
    path = tb_malloc((size + 1) * sizeof *path, err);
    if (!best || !path) {
        rc = TB_EINPUT;
        goto done;
    }
    for (size_t i = 0; i <= size; i++) {
        best[i].score = 0.0f;
        best[i].start = -1;
        best[i].id = -1;
    }
    const float unk_score = s->min_score - 10.0f;
    const char *nb = o.b;
    for (size_t start = 0; start < size;) {
        const float till_here = best[start].score;
        size_t mblen = spm_one_char_len((unsigned char)nb[start]);
        if (mblen > size - start)
            mblen = size - start;
        int has_single = 0;
        uint32_t node = 0;
        for (size_t key = start; key < size;) {
            node = piece_trie_child(&s->trie, node, (unsigned char)nb[key]);
            key++;
            if (!node)
                break;
            int32_t id = piece_trie_id(&s->trie, node);
            if (id < 0)
                continue;
            const spm_piece *p = &s->pieces[id];
            if (p->type == SPM_UNUSED)
                continue;
            size_t length = key - start;
            /* the types of unigram_model.cc: a double score, a float total */
            double score = p->type == SPM_USER ? (double)((float)length * s->max_score) - 0.1
                                               : (double)p->score;
            double cand = score + (double)till_here;
            spm_node *tn = &best[key];
            if (tn->start == -1 || cand > (double)tn->score) {
                tn->score = (float)cand;
                tn->start = (int32_t)start;
                tn->id = id;
            }
            if (!has_single && length == mblen)
                has_single = 1;
        }
        if (!has_single) {
            spm_node *tn = &best[start + mblen];
            float cand = unk_score + till_here;
            if (tn->start == -1 || cand > tn->score) {
                tn->score = cand;
                tn->start = (int32_t)start;
                tn->id = s->unk_id;
            }
        }
        start += mblen;
    }
    /* back from the end: path[] holds the starts, last piece first */
    size_t np = 0;
    for (size_t end = size; end > 0; end = (size_t)best[end].start)
        path[np++] = (int32_t)end;
    int prev_unk = 0;
    for (size_t j = np; j-- > 0;) {
        size_t end = (size_t)path[j], st = (size_t)best[end].start;
        int32_t id = best[end].id;
        uint32_t at = o.orig[st];
        if (id == s->unk_id && s->byte_fallback) {
            for (size_t b = st; b < end; b++, k++)
                if (k < cap) {
                    ids[k] = (uint32_t)s->byte_id[(unsigned char)nb[b]];
                    if (offs)
                        offs[k] = at;
                }
            prev_unk = 0;
            continue;
        }
        int unk = id == s->unk_id;
        if (!(unk && prev_unk)) {
            if (k < cap) {
                ids[k] = (uint32_t)id;
                if (offs)
                    offs[k] = at;
            }
            k++;
        }
        prev_unk = unk;
    }
done:
    *n_tokens = rc ? 0 : k;
    free(o.b);
    free(o.orig);
    free(best);
    free(path);
    return rc;
}

/* ---- pieces and decode ----------------------------------------------------- */

/* drop_ws: leave out a leading U+2581 (the dummy prefix). */
static void piece_text(const spm_state *s, uint32_t id, int drop_ws, char *out, size_t cap,
                       size_t *pos)
{
    const spm_piece *p = &s->pieces[id];
    const char *t = s->text + p->off;
    if (p->type == SPM_CONTROL)
        return;
    if ((int32_t)id == s->unk_id) {
        const char *u = s->unk_surface[0] ? s->unk_surface : " \xE2\x81\x87 ";
        tokenizer_append(out, cap, pos, u, strlen(u));
        return;
    }
    if (p->type == SPM_BYTE) {
        unsigned v;
        char hex[3] = {t[3], t[4], 0};
        if (p->len == 6 && sscanf(hex, "%2X", &v) == 1) {
            char b = (char)v;
            tokenizer_append(out, cap, pos, &b, 1);
            return;
        }
    }
    uint32_t i = drop_ws && p->len >= 3 && memcmp(t, k_ws, 3) == 0 ? 3 : 0;
    while (i < p->len) {
        if (i + 3 <= p->len && memcmp(t + i, k_ws, 3) == 0) {
            tokenizer_append(out, cap, pos, " ", 1);
            i += 3;
        } else {
            tokenizer_append(out, cap, pos, t + i, 1);
            i++;
        }
    }
}

static int spm_piece_op(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *pos,
                        tb_error *err)
{
    const spm_state *s = t->state;
    if (id >= s->n)
        return tb_fail(err, TB_EINPUT, "id %u out of range (vocabulary size %zu)", id, s->n);
    piece_text(s, id, 0, out, cap, pos);
    return TB_OK;
}

/* As SentencePiece's Decode: while nothing is written, a NORMAL, UNUSED or
 * USER_DEFINED piece loses one leading U+2581 when add_dummy_prefix or
 * remove_extra_whitespaces is on; without remove_extra_whitespaces only the
 * first such loss counts (the dummy prefix), with it every leading space
 * goes. Byte, control and unknown pieces lose nothing. */
static int spm_decode(const tokenizer *t, const uint32_t *ids, size_t n, char *out, size_t cap,
                      size_t *n_bytes, tb_error *err)
{
    const spm_state *s = t->state;
    size_t pos = 0;
    int at_bos = 1, bos_ws_seen = 0;
    const int strip = s->add_dummy_prefix || s->remove_extra_ws;
    for (size_t i = 0; i < n; i++) {
        const spm_piece *p = &s->pieces[ids[i]];
        if (p->type == SPM_BYTE) {
            piece_text(s, ids[i], 0, out, cap, &pos);
            continue;
        }
        if (bos_ws_seen || pos > 0)
            at_bos = 0;
        int drop = at_bos && strip && p->type != SPM_CONTROL && (int32_t)ids[i] != s->unk_id &&
                   p->len >= 3 && memcmp(s->text + p->off, k_ws, 3) == 0;
        piece_text(s, ids[i], drop, out, cap, &pos);
        bos_ws_seen = drop && !s->remove_extra_ws;
    }
    *n_bytes = pos;
    return TB_OK;
}

static int spm_is_fallback(const tokenizer *t, uint32_t id)
{
    const spm_state *s = t->state;
    return id < s->n && ((int32_t)id == s->unk_id || s->pieces[id].type == SPM_BYTE);
}

static void spm_free(tokenizer *t)
{
    state_free(t->state);
    t->state = NULL;
}

static const struct tokenizer_ops spm_ops = {
    .scheme = "spm",
    .encode = spm_encode,
    .piece = spm_piece_op,
    .decode = spm_decode,
    .is_fallback = spm_is_fallback,
    .free = spm_free,
};

int spm_tokenizer_from_data(tokenizer *t, const char *name, const unsigned char *data,
                            size_t len, tb_error *err)
{
    spm_state *s = tb_calloc(1, sizeof *s, err);
    if (!s)
        return TB_EINPUT;
    s->add_dummy_prefix = s->remove_extra_ws = s->escape_ws = 1;
    s->model_type = SPM_MODEL_UNIGRAM;
    int rc = parse_model(s, data, len, name, err);
    if (!rc)
        rc = check_pieces(s, name, err);
    if (!rc)
        rc = trie_build(s, name, err);
    if (rc) {
        state_free(s);
        return TB_EINPUT;
    }
    t->ops = &spm_ops;
    t->state = s;
    t->vocab_size = s->n;
    return TB_OK;
}

int spm_tokenizer_new(tokenizer *t, const char *path, const tokenizer_ctx *ctx, tb_error *err)
{
    if (!path[0])
        return tb_fail(err, TB_EINPUT, "spm: needs a path to a SentencePiece .model file");
    char *data;
    size_t len;
    if (tb_read_file(path, &data, &len, err))
        return tb_wrap(err, "spm model: "), TB_EINPUT;
    int rc = spm_tokenizer_from_data(t, path, (const unsigned char *)data, len, err);
    free(data);
    return rc;
}
