/* pretok.c - regex pre-tokenization with PCRE2 (see pretok.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pretok.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#define PRETOK_MAX_STAGES 16

static const char k_pat_gpt2[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char k_pat_cl100k[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
    " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char k_pat_qwen2[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|"
    " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char k_pat_o200k[] =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"
    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

static const struct {
    const char *name;
    const char *pattern;    /* NULL: no stage */
} k_presets[] = {
    {"gpt2", k_pat_gpt2},     {"r50k", k_pat_gpt2},   {"p50k", k_pat_gpt2},
    {"cl100k", k_pat_cl100k}, {"llama3", k_pat_cl100k}, {"qwen2", k_pat_qwen2},
    {"o200k", k_pat_o200k},   {"none", NULL},
};

static const char k_preset_list[] = "gpt2, r50k, p50k, cl100k, llama3, qwen2, o200k, none";

struct stage {
    pcre2_code *re;
    int jit;                        /* 1 when JIT-compiled */
    enum pretok_behavior behavior;
    int invert;
    int literal;                    /* pattern is a plain string */
    char *src;                      /* (src_len + 1) the pattern as given, owned */
    size_t src_len;
};

struct pretok {
    const char *preset;             /* static string or NULL */
    struct stage st[PRETOK_MAX_STAGES];
    int n;
};

const char *pretok_presets(void)
{
    return k_preset_list;
}

int pretok_new(pretok **out, tb_error *err)
{
    *out = tb_calloc(1, sizeof **out, err);
    return *out ? TB_OK : TB_EINPUT;
}

void pretok_free(pretok *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++) {
        pcre2_code_free(p->st[i].re);
        free(p->st[i].src);
    }
    free(p);
}

const char *pretok_preset(const pretok *p)
{
    return p->preset;
}

int pretok_n_stages(const pretok *p)
{
    return p->n;
}

void pretok_stage(const pretok *p, int i, const char **pattern, size_t *len, int *literal,
                  enum pretok_behavior *behavior, int *invert)
{
    const struct stage *s = &p->st[i];
    *pattern = s->src;
    *len = s->src_len;
    *literal = s->literal;
    *behavior = s->behavior;
    *invert = s->invert;
}

/* Copies pattern with \s widened to Unicode White_Space (adds U+0085):
 * outside a class \s -> [\s\x{85}] and \S -> [^\s\x{85}]; inside a class
 * \s -> \s\x{85}. Returns a malloc'd NUL-terminated string. */
static char *widen_space(const char *pat, size_t len, size_t *out_len, tb_error *err)
{
    char *o = tb_malloc(len * 12 + 1, err);
    if (!o)
        return NULL;
    size_t k = 0;
    int in_class = 0;
    for (size_t i = 0; i < len; i++) {
        char c = pat[i];
        if (c == '\\' && i + 1 < len) {
            char d = pat[i + 1];
            if (d == 's' && !in_class) {
                memcpy(o + k, "[\\s\\x{85}]", 10);
                k += 10;
            } else if (d == 's') {
                memcpy(o + k, "\\s\\x{85}", 8);
                k += 8;
            } else if (d == 'S' && !in_class) {
                memcpy(o + k, "[^\\s\\x{85}]", 11);
                k += 11;
            } else {
                o[k++] = c;
                o[k++] = d;
            }
            i++;
            continue;
        }
        if (!in_class && c == '[') {
            in_class = 1;
            o[k++] = c;
            /* a ']' right after '[' or '[^' is a literal */
            if (i + 1 < len && pat[i + 1] == '^')
                o[k++] = pat[++i];
            if (i + 1 < len && pat[i + 1] == ']')
                o[k++] = pat[++i];
            continue;
        }
        if (in_class && c == ']')
            in_class = 0;
        o[k++] = c;
    }
    o[k] = 0;
    *out_len = k;
    return o;
}

int pretok_add_split(pretok *p, const char *pattern, size_t len, int literal,
                     enum pretok_behavior behavior, int invert, tb_error *err)
{
    if (p->n == PRETOK_MAX_STAGES)
        return tb_fail(err, TB_EINPUT, "pre-tokenizer: more than %d split stages",
                       PRETOK_MAX_STAGES);
    size_t wl = len;
    char *w = NULL;
    if (!literal) {
        w = widen_space(pattern, len, &wl, err);
        if (!w)
            return TB_EINPUT;
    }
    int ec;
    PCRE2_SIZE eo;
    /* PCRE2_LITERAL refuses UCP and DOLLAR_ENDONLY (nothing to apply them to) */
    uint32_t opts = literal ? PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_LITERAL
                            : PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | PCRE2_DOLLAR_ENDONLY;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)(literal ? pattern : w), wl, opts, &ec, &eo, NULL);
    free(w);
    char *src = re ? tb_malloc(len + 1, err) : NULL;
    if (re && !src) {
        pcre2_code_free(re);
        return TB_EINPUT;
    }
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return tb_fail(err, TB_EINPUT, "pre-tokenizer regex '%.*s': %s near offset %zu",
                       (int)(len > 200 ? 200 : len), pattern, (const char *)msg, (size_t)eo);
    }
    struct stage *s = &p->st[p->n++];
    s->re = re;
    s->jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    s->behavior = behavior;
    s->invert = invert != 0;
    s->literal = literal != 0;
    memcpy(src, pattern, len);
    src[len] = 0;
    s->src = src;
    s->src_len = len;
    p->preset = NULL;
    return TB_OK;
}

int pretok_new_preset(const char *name, pretok **out, tb_error *err)
{
    *out = NULL;
    for (size_t i = 0; i < sizeof k_presets / sizeof k_presets[0]; i++) {
        if (strcmp(name, k_presets[i].name) != 0)
            continue;
        pretok *p;
        int rc = pretok_new(&p, err);
        if (rc)
            return rc;
        if (k_presets[i].pattern) {
            rc = pretok_add_split(p, k_presets[i].pattern, strlen(k_presets[i].pattern), 0,
                                  PRETOK_ISOLATED, 0, err);
            if (rc) {
                pretok_free(p);
                return rc;
            }
        }
        p->preset = k_presets[i].name;
        *out = p;
        return TB_OK;
    }
    return tb_fail(err, TB_EINPUT, "unknown pre-tokenizer preset '%s' (known: %s)", name,
                   k_preset_list);
}

struct split_run {
    const pretok *p;
    const char *text;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    pretok_piece_fn fn;
    void *arg;
    tb_error *err;
};

static int emit(struct split_run *r, int stage, size_t a, size_t b, int is_match);

/* Next match of stage `stage` in text[from..end) (subject = [base, end)).
 * Returns 1 with [*ms, *me), 0 for none, or a negative tb status. */
static int next_match(struct split_run *r, int stage, size_t base, size_t end, size_t from,
                      size_t *ms, size_t *me)
{
    const struct stage *s = &r->p->st[stage];
    PCRE2_SPTR subj = (PCRE2_SPTR)(r->text + base);
    size_t slen = end - base;
    size_t off = from - base;
    while (off <= slen) {
        int rc;
        for (;;) {
            if (s->jit)
                rc = pcre2_jit_match(s->re, subj, slen, off, PCRE2_NO_UTF_CHECK, r->md, r->mctx);
            else
                rc = pcre2_match(s->re, subj, slen, off, PCRE2_NO_UTF_CHECK, r->md, r->mctx);
            if (rc != PCRE2_ERROR_JIT_STACKLIMIT || r->jstack)
                break;
            /* pathological input: retry once with a 64 MB JIT stack */
            r->jstack = pcre2_jit_stack_create(64 * 1024, 64 * 1024 * 1024, NULL);
            if (!r->mctx)
                r->mctx = pcre2_match_context_create(NULL);
            if (!r->jstack || !r->mctx)
                return -tb_fail(r->err, TB_EINPUT, "pre-tokenizer: out of memory");
            pcre2_jit_stack_assign(r->mctx, NULL, r->jstack);
        }
        if (rc == PCRE2_ERROR_NOMATCH)
            return 0;
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            return -tb_fail(r->err, TB_EINPUT, "pre-tokenizer: regex match at byte %zu: %s",
                            base + off + 1, (const char *)msg);
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
        if (ov[1] > ov[0]) {
            *ms = base + ov[0];
            *me = base + ov[1];
            return 1;
        }
        /* empty match: skip one code point and search again */
        off = ov[0] + 1;
        while (off < slen && (subj[off] & 0xC0) == 0x80)
            off++;
    }
    return 0;
}

static int split_stage(struct split_run *r, int stage, size_t a, size_t b)
{
    if (stage == r->p->n)
        return r->fn(r->arg, a, b);
    size_t pos = a, ms, me;
    for (;;) {
        int m = next_match(r, stage, a, b, pos, &ms, &me);
        if (m < 0)
            return -m;
        if (m == 0)
            break;
        int rc;
        if (ms > pos && (rc = emit(r, stage, pos, ms, 0)))
            return rc;
        if ((rc = emit(r, stage, ms, me, 1)))
            return rc;
        pos = me;
        if (pos >= b)
            break;
    }
    if (pos < b)
        return emit(r, stage, pos, b, 0);
    return 0;
}

static int emit(struct split_run *r, int stage, size_t a, size_t b, int is_match)
{
    const struct stage *s = &r->p->st[stage];
    if (s->invert)
        is_match = !is_match;
    if (s->behavior == PRETOK_REMOVED && is_match)
        return 0;
    return split_stage(r, stage + 1, a, b);
}

int pretok_split(const pretok *p, const char *text, size_t len, pretok_piece_fn fn, void *arg,
                 tb_error *err)
{
    if (len == 0)
        return TB_OK;
    struct split_run r = {.p = p, .text = text, .fn = fn, .arg = arg, .err = err};
    if (p->n > 0) {
        r.md = pcre2_match_data_create(1, NULL);
        if (!r.md)
            return tb_fail(err, TB_EINPUT, "pre-tokenizer: out of memory");
    }
    int rc = split_stage(&r, 0, 0, len);
    pcre2_match_data_free(r.md);
    pcre2_match_context_free(r.mctx);
    if (r.jstack)
        pcre2_jit_stack_free(r.jstack);
    return rc;
}
