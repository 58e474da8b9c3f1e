/* roofline.c - roofline projections, the hardware/model data file and the
 * validation against the reference transformer (see roofline.h). */
#include "roofline.h"

#include <cblas.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/timer.h"
#include "transformer.h"
#include "../common/utf8.h"
#include "transformer.h"

#define LINE_MAX_BYTES 4096
#define HW_FIELDS 8
#define MODEL_FIELDS 15
#define GEMM_N 1024         /* the measured sgemm: C (n, n) = A (n, n) B (n, n) */
#define BW_FLOATS ((size_t)64 << 20)

#define DEFAULT_EFF 0.5
#define DEFAULT_UTIL 0.4
#define DEFAULT_BUDGET 1000.0
#define DEFAULT_CACHE 512
#define DEFAULT_PROMPT 2048

static const char *const k_presets[] = {"tiny", "small", "base", "7b"};
enum { N_PRESETS = sizeof k_presets / sizeof k_presets[0] };

struct roofline {
    roofline_hw hw[ROOFLINE_MAX_HW + 1];            /* + the machine when the file has none */
    size_t n_hw;
    roofline_dims models[ROOFLINE_MAX_MODELS + N_PRESETS];
    size_t n_models;
    size_t n_file_models;                           /* models[0..n_file_models) from the file */
};

/* ---- formulas --------------------------------------------------------------- */

static double kv_width(const roofline_dims *m)
{
    return (double)m->d_model / (double)m->n_heads * (double)m->n_kv_heads;
}

static double mlp_mats(const roofline_dims *m) { return m->mlp == ROOFLINE_SWIGLU ? 3 : 2; }

double roofline_flops(const roofline_dims *m, size_t n_, size_t p0, int all_logits)
{
    double n = (double)n_, T = (double)(p0 + n_), d = (double)m->d_model,
           L = (double)m->n_layers, f = (double)m->d_ff, V = (double)m->vocab, kvd = kv_width(m),
           g = mlp_mats(m);
    double rows = all_logits ? n : (n_ ? 1 : 0);
    double qkvo = L * (2 * n * d * d + 2 * n * d * 2 * kvd + 2 * n * d * d);
    double attn = L * (2 * n * T * d + 2 * n * T * d);
    double mlp = L * (2 * g * n * d * f);
    double head = 2 * rows * d * V;
    return qkvo + attn + mlp + head;
}

/* Parameters of one layer (matrices, norms, biases). */
static double layer_params(const roofline_dims *m)
{
    double d = (double)m->d_model, f = (double)m->d_ff, kvd = kv_width(m), g = mlp_mats(m);
    double p = 2 * d * d + 2 * d * kvd + g * d * f;
    p += 2 * (m->norm == ROOFLINE_LAYERNORM ? 2 * d : d);
    if (m->bias == ROOFLINE_BIAS_ALL)
        p += d + 2 * kvd + d + (g - 1) * f + d;
    else if (m->bias == ROOFLINE_BIAS_QKV)
        p += d + 2 * kvd;
    return p;
}

static double final_norm_params(const roofline_dims *m)
{
    return m->norm == ROOFLINE_LAYERNORM ? 2.0 * (double)m->d_model : (double)m->d_model;
}

double roofline_params(const roofline_dims *m)
{
    double d = (double)m->d_model, V = (double)m->vocab;
    double emb = V * d + (m->positions == ROOFLINE_LEARNED ? (double)m->context * d : 0) +
                 (m->tied ? 0 : V * d);
    return emb + (double)m->n_layers * layer_params(m) + final_norm_params(m);
}

double roofline_matmul_params(const roofline_dims *m)
{
    double d = (double)m->d_model, f = (double)m->d_ff, kvd = kv_width(m), g = mlp_mats(m);
    return (double)m->n_layers * (2 * d * d + 2 * d * kvd + g * d * f) + (double)m->vocab * d;
}

double roofline_kv_elements(const roofline_dims *m, size_t cache)
{
    return 2 * (double)m->n_layers * (double)cache * kv_width(m);
}

double roofline_decode_bytes(const roofline_dims *m, const roofline_hw *hw, size_t cache)
{
    double weights = (double)m->n_layers * layer_params(m) + final_norm_params(m) +
                     (double)m->vocab * (double)m->d_model;
    return hw->wbytes * (weights + roofline_kv_elements(m, cache));
}

double roofline_prefill_ms(const roofline_dims *m, const roofline_hw *hw, size_t n, double eff)
{
    return roofline_flops(m, n, 0, 1) / (hw->peak_flops * eff) * 1e3;
}

double roofline_decode_ms(const roofline_dims *m, const roofline_hw *hw, size_t cache,
                          int *compute_bound)
{
    double tb = roofline_decode_bytes(m, hw, cache) / hw->bw_bytes;
    double tf = roofline_flops(m, 1, cache, 0) / hw->peak_flops;
    if (compute_bound)
        *compute_bound = tf > tb;
    return (tf > tb ? tf : tb) * 1e3;
}

/* ---- parsing ------------------------------------------------------------------ */

/* A field quoted for a message: printable ASCII, at most 40 bytes. */
static const char *quoted(const char *s, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < cap && i < 40; i++)
        buf[k++] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
    if (n > 40 && k + 4 < cap) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

typedef struct field {
    const char *s;
    size_t n;
} field;

typedef struct parser {
    const char *name;       /* the file, for messages */
    size_t line;
    tb_error *err;
} parser;

static int perr(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(parser *p, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tb_fail(p->err, TB_EINPUT, "hardware file '%s': line %zu: %s", p->name, p->line, msg);
}

static int is_name(const field *f)
{
    if (f->n == 0 || f->n >= ROOFLINE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < f->n; i++) {
        char c = f->s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

static int field_is(const field *f, const char *word)
{
    return f->n == strlen(word) && memcmp(f->s, word, f->n) == 0;
}

/* A finite decimal number in [min, max] (min > 0): digits, '.', exponent. */
static int parse_number(const field *f, double min, double max, double *out)
{
    char buf[64];
    if (f->n == 0 || f->n >= sizeof buf)
        return 0;
    for (size_t i = 0; i < f->n; i++) {
        char c = f->s[i];
        if (!(isdigit((unsigned char)c) || c == '.' || c == 'e' || c == 'E' || c == '+' ||
              c == '-'))
            return 0;
    }
    memcpy(buf, f->s, f->n);
    buf[f->n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v) || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

/* A decimal integer in [lo, hi]. */
static int parse_int(const field *f, size_t lo, size_t hi, size_t *out)
{
    if (f->n == 0 || f->n > 12)
        return 0;
    size_t v = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (!isdigit((unsigned char)f->s[i]))
            return 0;
        v = v * 10 + (size_t)(f->s[i] - '0');
    }
    if (v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* One of words[0..n): its index, or -1. */
static int parse_word(const field *f, const char *const *words, int n)
{
    for (int i = 0; i < n; i++)
        if (field_is(f, words[i]))
            return i;
    return -1;
}

static int copy_source(parser *p, const field *f, char *dst)
{
    if (f->n == 0)
        return perr(p, "SOURCE is empty (say where the figures come from)");
    if (f->n >= ROOFLINE_SOURCE_MAX)
        return perr(p, "SOURCE is %zu bytes (at most %d)", f->n, ROOFLINE_SOURCE_MAX - 1);
    size_t bad;
    if (!utf8_valid(f->s, f->n, &bad))
        return perr(p, "SOURCE: invalid UTF-8 at byte %zu", bad);
    for (size_t i = 0; i < f->n; i++)
        if ((unsigned char)f->s[i] < 0x20 || f->s[i] == 0x7f)
            return perr(p, "SOURCE: control character at byte %zu", i);
    memcpy(dst, f->s, f->n);
    dst[f->n] = '\0';
    return TB_OK;
}

static int name_taken(const roofline *rf, const char *name)
{
    for (size_t i = 0; i < rf->n_hw; i++)
        if (strcmp(rf->hw[i].name, name) == 0)
            return 1;
    for (size_t i = 0; i < rf->n_models; i++)
        if (strcmp(rf->models[i].name, name) == 0)
            return 1;
    for (size_t i = 0; i < N_PRESETS; i++)
        if (strcmp(k_presets[i], name) == 0)
            return 2;
    return 0;
}

static int check_name(parser *p, const roofline *rf, const char *kind, const field *f, char *dst)
{
    char q[64];
    if (!is_name(f))
        return perr(p, "%s name '%s': expected 1..%d of a-z 0-9 . -", kind,
                    quoted(f->s, f->n, q, sizeof q), ROOFLINE_NAME_MAX - 1);
    memcpy(dst, f->s, f->n);
    dst[f->n] = '\0';
    int t = name_taken(rf, dst);
    if (t == 2)
        return perr(p, "%s name '%s' is a built-in model preset", kind, dst);
    if (t)
        return perr(p, "%s name '%s' is already defined", kind, dst);
    return TB_OK;
}

static int parse_hw(parser *p, roofline *rf, const field *fs)
{
    if (rf->n_hw == ROOFLINE_MAX_HW)
        return perr(p, "more than %d hw records", ROOFLINE_MAX_HW);
    roofline_hw h;
    memset(&h, 0, sizeof h);
    if (check_name(p, rf, "hw", &fs[1], h.name))
        return TB_EINPUT;
    char q[64];
    int mp = field_is(&fs[2], "measured"), mb = field_is(&fs[3], "measured");
    if (mp != mb)
        return perr(p, "hw '%s': PEAK_TFLOPS and BW_GBS must both be 'measured' or both numbers",
                    h.name);
    h.measured = mp;
    if (h.measured != (strcmp(h.name, ROOFLINE_MACHINE) == 0))
        return perr(p, "hw '%s': only '%s' is measured, and it must be", h.name,
                    ROOFLINE_MACHINE);
    double v;
    if (!h.measured) {
        if (!parse_number(&fs[2], 1e-6, 1e7, &v))
            return perr(p, "hw '%s': PEAK_TFLOPS '%s' is not a number in 1e-6..1e7 or 'measured'",
                        h.name, quoted(fs[2].s, fs[2].n, q, sizeof q));
        h.peak_flops = v * 1e12;
        if (!parse_number(&fs[3], 1e-6, 1e7, &v))
            return perr(p, "hw '%s': BW_GBS '%s' is not a number in 1e-6..1e7 or 'measured'", h.name,
                        quoted(fs[3].s, fs[3].n, q, sizeof q));
        h.bw_bytes = v * 1e9;
    }
    if (!field_is(&fs[4], "-")) {
        if (!parse_number(&fs[4], 1e-6, 1e7, &v))
            return perr(p, "hw '%s': MEM_GB '%s' is not a number in 1e-6..1e7 or '-'", h.name,
                        quoted(fs[4].s, fs[4].n, q, sizeof q));
        h.mem_bytes = v * 1e9;
    }
    if (!field_is(&fs[5], "-")) {
        if (!parse_number(&fs[5], 1e-3, 1e6, &v))
            return perr(p, "hw '%s': WATTS '%s' is not a number in 0.001..1e6 or '-'", h.name,
                        quoted(fs[5].s, fs[5].n, q, sizeof q));
        h.watts = v;
    }
    if (!parse_number(&fs[6], 0.125, 8, &v))
        return perr(p, "hw '%s': WBYTES '%s' is not a number in 0.125..8", h.name,
                    quoted(fs[6].s, fs[6].n, q, sizeof q));
    h.wbytes = v;
    if (copy_source(p, &fs[7], h.source))
        return TB_EINPUT;
    rf->hw[rf->n_hw++] = h;
    return TB_OK;
}

static int parse_model(parser *p, roofline *rf, const field *fs)
{
    if (rf->n_file_models == ROOFLINE_MAX_MODELS)
        return perr(p, "more than %d model records", ROOFLINE_MAX_MODELS);
    roofline_dims m;
    memset(&m, 0, sizeof m);
    if (check_name(p, rf, "model", &fs[1], m.name))
        return TB_EINPUT;
    static const char *const ints[] = {"VOCAB", "D_MODEL", "N_LAYERS", "N_HEADS", "N_KV_HEADS",
                                       "D_FF"};
    static const size_t hi[] = {(size_t)1 << 24, 1 << 17, 4096, 4096, 4096, 1 << 20};
    size_t *dst[] = {&m.vocab, &m.d_model, &m.n_layers, &m.n_heads, &m.n_kv_heads, &m.d_ff};
    char q[64];
    for (int i = 0; i < 6; i++)
        if (!parse_int(&fs[2 + i], 1, hi[i], dst[i]))
            return perr(p, "model '%s': %s '%s' is not an integer in 1..%zu", m.name, ints[i],
                        quoted(fs[2 + i].s, fs[2 + i].n, q, sizeof q), hi[i]);
    if (m.d_model % m.n_heads)
        return perr(p, "model '%s': N_HEADS %zu does not divide D_MODEL %zu", m.name, m.n_heads,
                    m.d_model);
    if (m.n_heads % m.n_kv_heads)
        return perr(p, "model '%s': N_KV_HEADS %zu does not divide N_HEADS %zu", m.name,
                    m.n_kv_heads, m.n_heads);
    static const char *const mlps[] = {"gelu", "swiglu"}, *const norms[] = {"layernorm", "rmsnorm"},
                             *const biases[] = {"all", "qkv", "none"},
                             *const poss[] = {"learned", "rope"};
    if ((m.mlp = parse_word(&fs[8], mlps, 2)) < 0)
        return perr(p, "model '%s': MLP '%s' is not gelu or swiglu", m.name,
                    quoted(fs[8].s, fs[8].n, q, sizeof q));
    if ((m.norm = parse_word(&fs[9], norms, 2)) < 0)
        return perr(p, "model '%s': NORM '%s' is not layernorm or rmsnorm", m.name,
                    quoted(fs[9].s, fs[9].n, q, sizeof q));
    if ((m.bias = parse_word(&fs[10], biases, 3)) < 0)
        return perr(p, "model '%s': BIAS '%s' is not all, qkv or none", m.name,
                    quoted(fs[10].s, fs[10].n, q, sizeof q));
    if ((m.positions = parse_word(&fs[11], poss, 2)) < 0)
        return perr(p, "model '%s': POSITIONS '%s' is not learned or rope", m.name,
                    quoted(fs[11].s, fs[11].n, q, sizeof q));
    if (!parse_int(&fs[12], 1, (size_t)1 << 24, &m.context))
        return perr(p, "model '%s': CONTEXT '%s' is not an integer in 1..%zu", m.name,
                    quoted(fs[12].s, fs[12].n, q, sizeof q), (size_t)1 << 24);
    size_t tied;
    if (!parse_int(&fs[13], 0, 1, &tied))
        return perr(p, "model '%s': TIED '%s' is not 0 or 1", m.name,
                    quoted(fs[13].s, fs[13].n, q, sizeof q));
    m.tied = (int)tied;
    if (copy_source(p, &fs[14], m.source))
        return TB_EINPUT;
    /* file models stay ahead of the presets, which are appended after parsing */
    rf->models[rf->n_models++] = m;
    rf->n_file_models++;
    return TB_OK;
}

static int parse_line(parser *p, roofline *rf, const char *s, size_t n)
{
    field fs[MODEL_FIELDS + 1];
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '\t') {
            if (nf == MODEL_FIELDS + 1)
                return perr(p, "more than %d TAB-separated fields", MODEL_FIELDS);
            fs[nf].s = s + start;
            fs[nf].n = i - start;
            nf++;
            start = i + 1;
        }
    }
    char q[64];
    if (field_is(&fs[0], "hw")) {
        if (nf != HW_FIELDS)
            return perr(p, "hw record has %zu TAB-separated fields, expected %d (hw NAME "
                           "PEAK_TFLOPS BW_GBS MEM_GB WATTS WBYTES SOURCE)",
                        nf, HW_FIELDS);
        return parse_hw(p, rf, fs);
    }
    if (field_is(&fs[0], "model")) {
        if (nf != MODEL_FIELDS)
            return perr(p, "model record has %zu TAB-separated fields, expected %d (model NAME "
                           "VOCAB D_MODEL N_LAYERS N_HEADS N_KV_HEADS D_FF MLP NORM BIAS "
                           "POSITIONS CONTEXT TIED SOURCE)",
                        nf, MODEL_FIELDS);
        return parse_model(p, rf, fs);
    }
    return perr(p, "unknown record '%s' (expected hw or model)",
                quoted(fs[0].s, fs[0].n, q, sizeof q));
}

static void dims_from_tf(const char *name, const tf_config *c, roofline_dims *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->vocab = c->vocab;
    m->d_model = c->d_model;
    m->n_layers = c->n_layers;
    m->n_heads = m->n_kv_heads = c->n_heads;
    m->d_ff = c->d_ff;
    m->context = c->context;
    m->mlp = ROOFLINE_GELU;
    m->norm = ROOFLINE_LAYERNORM;
    m->bias = ROOFLINE_BIAS_ALL;
    m->positions = ROOFLINE_LEARNED;
    m->tied = c->tied;
    m->preset = 1;
    snprintf(m->source, sizeof m->source,
             "tokbench preset '%s' (model/transformer.h: GPT-style pre-LN decoder, GELU MLP, "
             "learned positions)",
             name);
}

int roofline_parse(const char *text, size_t len, const char *name, roofline **out, tb_error *err)
{
    *out = NULL;
    roofline *rf = tb_calloc(1, sizeof *rf, err);
    if (!rf)
        return TB_EINPUT;
    parser p = {name, 0, err};
    int rc = TB_OK;
    size_t records = 0;
    for (size_t pos = 0; pos < len && rc == TB_OK;) {
        p.line++;
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t n = end - pos;
        const char *s = text + pos;
        pos = end + 1;
        if (n && s[n - 1] == '\r')
            n--;
        if (memchr(s, '\0', n))
            rc = perr(&p, "NUL byte");
        else if (n > LINE_MAX_BYTES)
            rc = perr(&p, "line of %zu bytes (at most %d)", n, LINE_MAX_BYTES);
        else {
            size_t k = 0;
            while (k < n && (s[k] == ' ' || s[k] == '\t'))
                k++;
            if (k == n || s[0] == '#')
                continue;
            rc = parse_line(&p, rf, s, n);
            records++;
        }
    }
    if (rc == TB_OK && records == 0)
        rc = tb_fail(err, TB_EINPUT, "hardware file '%s': no hw or model records", name);
    for (size_t i = 0; i < N_PRESETS && rc == TB_OK; i++) {
        tf_config c;
        if (tf_preset(k_presets[i], &c, err))
            rc = TB_EINPUT;
        else
            dims_from_tf(k_presets[i], &c, &rf->models[rf->n_models++]);
    }
    if (rc) {
        free(rf);
        return err && err->status ? err->status : TB_EINPUT;
    }
    *out = rf;
    return TB_OK;
}

int roofline_new(const char *path, roofline **out, tb_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    if (tb_read_file(path, &text, &len, err))
        return tb_wrap(err, "hardware file: ");
    int rc = roofline_parse(text, len, path, out, err);
    free(text);
    return rc;
}

void roofline_free(roofline *rf) { free(rf); }

size_t roofline_n_hw(const roofline *rf) { return rf->n_hw; }
const roofline_hw *roofline_hw_at(const roofline *rf, size_t i) { return &rf->hw[i]; }
size_t roofline_n_models(const roofline *rf) { return rf->n_models; }
const roofline_dims *roofline_model_at(const roofline *rf, size_t i) { return &rf->models[i]; }

const roofline_hw *roofline_find_hw(const roofline *rf, const char *name)
{
    for (size_t i = 0; i < rf->n_hw; i++)
        if (strcmp(rf->hw[i].name, name) == 0)
            return &rf->hw[i];
    return NULL;
}

const roofline_dims *roofline_find_model(const roofline *rf, const char *name)
{
    for (size_t i = 0; i < rf->n_models; i++)
        if (strcmp(rf->models[i].name, name) == 0)
            return &rf->models[i];
    return NULL;
}

static void join(char *buf, size_t cap, size_t i, const char *name)
{
    size_t k = strlen(buf);
    if (k < cap)
        snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", name);
}

void roofline_hw_names(const roofline *rf, char *buf, size_t cap)
{
    if (cap)
        buf[0] = '\0';
    for (size_t i = 0; i < rf->n_hw; i++)
        join(buf, cap, i, rf->hw[i].name);
}

void roofline_model_names(const roofline *rf, char *buf, size_t cap)
{
    if (cap)
        buf[0] = '\0';
    for (size_t i = 0; i < rf->n_models; i++)
        join(buf, cap, i, rf->models[i].name);
}

/* ---- this machine --------------------------------------------------------------- */

/* The clock of the measurements: the calling thread's CPU clock when
 * OpenBLAS runs one thread (every FLOP then runs on this thread, and time the
 * scheduler gives to other processes - or to other threads of this one - on
 * a shared machine counts against neither side), else the wall clock. */
static double clock_now(int cpu)
{
    if (!cpu)
        return tb_now();
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int use_cpu_clock(void) { return openblas_get_num_threads() == 1; }

/* Seconds of one C = A B on n x n row-major matrices. */
static double time_sgemm(const float *A, const float *B, float *C, int n, int cpu)
{
    double t0 = clock_now(cpu);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
    return clock_now(cpu) - t0;
}

typedef struct gemm_bufs {
    float *A, *B, *C;
} gemm_bufs;

static int gemm_bufs_init(gemm_bufs *g, tb_error *err)
{
    size_t nn = (size_t)GEMM_N * GEMM_N;
    g->A = tb_malloc(nn * sizeof(float), err);
    g->B = tb_malloc(nn * sizeof(float), err);
    g->C = tb_malloc(nn * sizeof(float), err);
    if (!g->A || !g->B || !g->C)
        return TB_EINPUT;
    for (size_t i = 0; i < nn; i++) {
        g->A[i] = (float)(i % 97) * 0.01f - 0.48f;
        g->B[i] = (float)(i % 89) * 0.01f - 0.44f;
    }
    return TB_OK;
}

static void gemm_bufs_release(gemm_bufs *g)
{
    free(g->A);
    free(g->B);
    free(g->C);
}

static double gemm_gflops(double seconds)
{
    return 2.0 * GEMM_N * GEMM_N * GEMM_N / seconds / 1e9;
}

/* The read loop of the bandwidth measurement, left uninstrumented in
 * sanitized builds (it reads only its own buffer), so that build measures
 * the memory and not AddressSanitizer's shadow checks. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize")))
#endif
__attribute__((no_sanitize("address", "undefined")))
static float read_pass(const float *buf, size_t n)
{
    /* 16 independent sums, which GCC packs into four 4-wide vectors: the loop
     * is bound by the loads, not by the latency of a chain of additions
     * (8 scalar sums measured 7% below a vector read); n % 16 == 0 */
    float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    float b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0;
    for (size_t i = 0; i < n; i += 16) {
        const float *p = buf + i;
        a0 += p[0], a1 += p[1], a2 += p[2], a3 += p[3];
        a4 += p[4], a5 += p[5], a6 += p[6], a7 += p[7];
        b0 += p[8], b1 += p[9], b2 += p[10], b3 += p[11];
        b4 += p[12], b5 += p[13], b6 += p[14], b7 += p[15];
    }
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((b0 + b1) + (b2 + b3)) +
           ((b4 + b5) + (b6 + b7));
}

int roofline_read_bandwidth(double *gbs, int cpu, tb_error *err)
{
    float *buf = tf_alloc_stream(BW_FLOATS * sizeof(float), err);
    if (!buf)
        return TB_EINPUT;
    for (size_t i = 0; i < BW_FLOATS; i++)
        buf[i] = (float)(i & 1023);
    double best = 0;
    volatile float sink = 0;
    for (int r = 0; r < 4; r++) {
        double t0 = clock_now(cpu);
        float sum = read_pass(buf, BW_FLOATS);
        double dt = clock_now(cpu) - t0;
        sink += sum;
        double g = (double)BW_FLOATS * sizeof(float) / dt / 1e9;
        if (r > 0 && g > best)
            best = g;
    }
    (void)sink;
    free(buf);
    *gbs = best;
    return TB_OK;
}

int roofline_measure(roofline_machine *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    gemm_bufs g = {0};
    int rc = gemm_bufs_init(&g, err);
    if (rc == TB_OK) {
        double t[3];
        out->threads = openblas_get_num_threads();
        out->cpu_clock = use_cpu_clock();
        time_sgemm(g.A, g.B, g.C, GEMM_N, out->cpu_clock); /* warm-up: packing, threads */
        for (int r = 0; r < 3; r++)
            t[r] = time_sgemm(g.A, g.B, g.C, GEMM_N, out->cpu_clock);
        out->sgemm_gflops = gemm_gflops(tb_median(t, 3));
    }
    gemm_bufs_release(&g);
    if (rc == TB_OK)
        rc = roofline_read_bandwidth(&out->bandwidth_gbs, out->cpu_clock, err);
    return rc;
}

int roofline_set_machine(roofline *rf, const roofline_machine *m, tb_error *err)
{
    if (!(m->sgemm_gflops > 0) || !(m->bandwidth_gbs > 0) || !isfinite(m->sgemm_gflops) ||
        !isfinite(m->bandwidth_gbs))
        return tb_fail(err, TB_EUSAGE, "roofline: machine measurement %g GFLOP/s, %g GB/s is "
                                       "not positive",
                       m->sgemm_gflops, m->bandwidth_gbs);
    roofline_hw *h = NULL;
    for (size_t i = 0; i < rf->n_hw; i++)
        if (rf->hw[i].measured)
            h = &rf->hw[i];
    if (!h) {
        h = &rf->hw[rf->n_hw++];
        memset(h, 0, sizeof *h);
        snprintf(h->name, sizeof h->name, "%s", ROOFLINE_MACHINE);
        h->measured = 1;
        h->wbytes = 4;
        snprintf(h->source, sizeof h->source,
                 "measured in this run: fp32 sgemm 1024^3 and a streaming read, OpenBLAS "
                 "threads %d, %s clock",
                 m->threads, m->cpu_clock ? "CPU" : "wall");
    }
    h->peak_flops = m->sgemm_gflops * 1e9;
    h->bw_bytes = m->bandwidth_gbs * 1e9;
    return TB_OK;
}

/* ---- projections ------------------------------------------------------------------ */

static roofline_settings resolve(const roofline_config *cfg)
{
    roofline_settings s;
    s.eff = cfg->prefill_efficiency > 0 ? cfg->prefill_efficiency : DEFAULT_EFF;
    s.util = cfg->utilisation > 0 ? cfg->utilisation : DEFAULT_UTIL;
    s.budget = cfg->budget > 0 ? cfg->budget : DEFAULT_BUDGET;
    s.cache = cfg->decode_cache ? cfg->decode_cache : DEFAULT_CACHE;
    s.prompt = cfg->prompt_tokens ? cfg->prompt_tokens : DEFAULT_PROMPT;
    return s;
}

void roofline_resolve(const roofline_config *cfg, roofline_settings *out)
{
    *out = resolve(cfg);
}

/* A price "USD" or "NAME=USD": fills *name (empty for every profile) and *usd. */
static int parse_price(const char *s, char *name, size_t cap, double *usd)
{
    const char *eq = strchr(s, '=');
    const char *num = eq ? eq + 1 : s;
    name[0] = '\0';
    if (eq) {
        field f = {s, (size_t)(eq - s)};
        if (!is_name(&f) || f.n >= cap)
            return 0;
        memcpy(name, s, f.n);
        name[f.n] = '\0';
    }
    field v = {num, strlen(num)};
    if (field_is(&v, "0")) {
        *usd = 0;
        return 1;
    }
    return parse_number(&v, 1e-9, 1e6, usd);
}

/* USD per hour for profile hw, or -1. */
static double price_for(const roofline_config *cfg, const char *hw)
{
    double p = -1, v;
    char name[ROOFLINE_NAME_MAX];
    for (size_t i = 0; i < cfg->n_prices; i++)
        if (parse_price(cfg->prices[i], name, sizeof name, &v) &&
            (!name[0] || strcmp(name, hw) == 0))
            p = v;
    return p;
}

int roofline_config_check(const roofline *rf, const roofline_config *cfg, tb_error *err)
{
    char known[1024];
    for (size_t i = 0; i < cfg->n_hw; i++)
        if (!roofline_find_hw(rf, cfg->hw[i])) {
            roofline_hw_names(rf, known, sizeof known);
            if (!roofline_find_hw(rf, ROOFLINE_MACHINE))
                join(known, sizeof known, 1, ROOFLINE_MACHINE);
            if (strcmp(cfg->hw[i], ROOFLINE_MACHINE) != 0)
                return tb_fail(err, TB_EUSAGE, "unknown hardware profile '%s' (known: %s)",
                               cfg->hw[i], known);
        }
    for (size_t i = 0; i < cfg->n_models; i++)
        if (!roofline_find_model(rf, cfg->models[i])) {
            roofline_model_names(rf, known, sizeof known);
            return tb_fail(err, TB_EUSAGE, "unknown model dims '%s' (known: %s)", cfg->models[i],
                           known);
        }
    if (cfg->machine_model && cfg->machine_model[0] &&
        !roofline_find_model(rf, cfg->machine_model)) {
        roofline_model_names(rf, known, sizeof known);
        return tb_fail(err, TB_EUSAGE, "unknown model dims '%s' (known: %s)", cfg->machine_model,
                       known);
    }
    if (!(cfg->prefill_efficiency <= 1) || !(cfg->utilisation <= 1))
        return tb_fail(err, TB_EUSAGE, "efficiency %g and utilisation %g must be in (0, 1]",
                       cfg->prefill_efficiency, cfg->utilisation);
    if (!(cfg->budget <= 1e15))
        return tb_fail(err, TB_EUSAGE, "content budget %g is out of range (at most 1e15)",
                       cfg->budget);
    if (cfg->decode_cache > (size_t)1 << 24 || cfg->prompt_tokens > (size_t)1 << 24)
        return tb_fail(err, TB_EUSAGE, "decode cache %zu or prompt %zu tokens above 16777216",
                       cfg->decode_cache, cfg->prompt_tokens);
    for (size_t i = 0; i < cfg->n_prices; i++) {
        char name[ROOFLINE_NAME_MAX];
        double v;
        if (!parse_price(cfg->prices[i], name, sizeof name, &v))
            return tb_fail(err, TB_EUSAGE,
                           "price '%s': expected USD or NAME=USD per accelerator-hour (a "
                           "number in 0..1e6)",
                           cfg->prices[i]);
        if (name[0] && !roofline_find_hw(rf, name) && strcmp(name, ROOFLINE_MACHINE) != 0) {
            roofline_hw_names(rf, known, sizeof known);
            return tb_fail(err, TB_EUSAGE, "price '%s': unknown hardware profile '%s' (known: %s)",
                           cfg->prices[i], name, known);
        }
    }
    return TB_OK;
}

size_t roofline_pairs(const roofline *rf, const roofline_config *cfg, const roofline_dims **models,
                      const roofline_hw **hws, size_t cap)
{
    /* unique models and profiles, in the order given */
    const roofline_dims *ml[ROOFLINE_MAX_MODELS + N_PRESETS];
    const roofline_hw *hl[ROOFLINE_MAX_HW + 1];
    size_t nm = 0, nh = 0, n = 0;
    size_t cm = cfg->n_models ? cfg->n_models : rf->n_file_models;
    for (size_t i = 0; i < cm; i++) {
        const roofline_dims *m =
            cfg->n_models ? roofline_find_model(rf, cfg->models[i]) : &rf->models[i];
        size_t j = 0;
        while (j < nm && ml[j] != m)
            j++;
        if (m && j == nm)
            ml[nm++] = m;
    }
    size_t ch = cfg->n_hw ? cfg->n_hw : rf->n_hw;
    for (size_t i = 0; i < ch; i++) {
        const roofline_hw *h = cfg->n_hw ? roofline_find_hw(rf, cfg->hw[i]) : &rf->hw[i];
        if (!h || (!cfg->n_hw && h->measured) || (h->measured && !(h->peak_flops > 0)))
            continue; /* unknown, or the measured profile by default or before it is set */
        size_t j = 0;
        while (j < nh && hl[j] != h)
            j++;
        if (j == nh)
            hl[nh++] = h;
    }
    for (size_t i = 0; i < nm; i++)
        for (size_t j = 0; j < nh; j++, n++)
            if (n < cap) {
                models[n] = ml[i];
                hws[n] = hl[j];
            }
    /* the preset run on this machine, unless the product already holds it */
    const char *mm = cfg->machine_model ? cfg->machine_model : "small";
    const roofline_hw *mh = roofline_find_hw(rf, ROOFLINE_MACHINE);
    const roofline_dims *md = mm[0] ? roofline_find_model(rf, mm) : NULL;
    if (mh && md && mh->peak_flops > 0) {
        int dup = 0;
        for (size_t i = 0; i < nm; i++)
            dup |= ml[i] == md;
        int duph = 0;
        for (size_t j = 0; j < nh; j++)
            duph |= hl[j] == mh;
        if (!(dup && duph)) {
            if (n < cap) {
                models[n] = md;
                hws[n] = mh;
            }
            n++;
        }
    }
    return n;
}

int roofline_project(const roofline_dims *m, size_t vocab, const roofline_hw *hw,
                     const roofline_config *cfg, const size_t *lens, size_t n_seqs,
                     roofline_proj *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    roofline_dims d = *m;
    if (vocab)
        d.vocab = vocab;
    if (!d.vocab)
        return tb_fail(err, TB_EUSAGE, "roofline: model '%s' has no vocabulary size", m->name);
    if (!(hw->peak_flops > 0) || !(hw->bw_bytes > 0))
        return tb_fail(err, TB_EUSAGE, "roofline: hardware profile '%s' has not been measured",
                       hw->name);
    roofline_settings s = resolve(cfg);
    double eff = hw->measured ? 1.0 : s.eff;
    size_t C = d.context;
    for (size_t i = 0; i < n_seqs; i++) {
        size_t n = lens[i];
        out->tokens += (double)n;
        while (n > 0) {
            size_t k = n < C ? n : C;
            n -= k;
            out->prefill_flops += roofline_flops(&d, k, 0, 1);
        }
    }
    out->prefill_ms = out->prefill_flops / (hw->peak_flops * eff) * 1e3;
    out->prompt_tokens = s.prompt < C ? s.prompt : C;
    /* a prompt needs the next-token logits only: the head runs once */
    out->prompt_flops = roofline_flops(&d, out->prompt_tokens, 0, 0);
    out->prompt_ms = out->prompt_flops / (hw->peak_flops * eff) * 1e3;
    out->decode_cache = s.cache < C ? s.cache : C - 1;
    out->decode_flops = roofline_flops(&d, 1, out->decode_cache, 0);
    out->decode_bytes = roofline_decode_bytes(&d, hw, out->decode_cache);
    out->decode_ms = roofline_decode_ms(&d, hw, out->decode_cache, &out->decode_compute_bound);
    out->params = roofline_params(&d);
    out->weight_bytes = out->params * hw->wbytes;
    out->train_tokens = out->tokens * s.budget;
    out->train_flops = 3 * out->prefill_flops * s.budget;
    out->train_hours = out->train_kwh = out->train_usd = -1;
    if (!hw->measured) {
        out->train_hours = out->train_flops / (hw->peak_flops * s.util) / 3600;
        if (hw->watts > 0)
            out->train_kwh = out->train_hours * hw->watts / 1000;
        double price = price_for(cfg, hw->name);
        if (price >= 0)
            out->train_usd = out->train_hours * price;
    }
    return TB_OK;
}

/* ---- validation -------------------------------------------------------------------- */

int roofline_check_run(const char *preset, size_t vocab, size_t n, size_t cache, int repeats,
                       roofline_check *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    tf_config c;
    if (tf_preset(preset, &c, err))
        return TB_EUSAGE;
    c.vocab = vocab;
    if (tf_config_check(&c, err))
        return TB_EUSAGE;
    if (n < 1 || n > c.context || cache < 1 || cache > n || cache >= c.context)
        return tb_fail(err, TB_EUSAGE,
                       "roofline check: prefill %zu and cache %zu tokens must satisfy 1 <= cache "
                       "<= prefill <= context %zu and cache < context",
                       n, cache, c.context);
    if ((double)n * (double)vocab > 5e8)
        return tb_fail(err, TB_EUSAGE,
                       "roofline check: %zu x %zu logits (limit 5e8 floats); use a smaller "
                       "vocabulary",
                       n, vocab);
    if (repeats < 1)
        repeats = 3;
    if (repeats > 64)
        repeats = 64;
    snprintf(out->preset, sizeof out->preset, "%s", preset);
    out->n = n;
    out->vocab = vocab;
    out->cache = cache;
    out->repeats = repeats;
    out->machine.threads = openblas_get_num_threads();
    int cpu = out->machine.cpu_clock = use_cpu_clock();
    roofline_dims d;
    dims_from_tf(preset, &c, &d);
    out->prefill_flops = roofline_flops(&d, n, 0, 1);

    gemm_bufs g = {0};
    tf_model *m = NULL;
    uint32_t *ids = tb_malloc(n * sizeof *ids, err);
    float *lg = tb_malloc(n * vocab * sizeof *lg, err);
    int rc = ids && lg ? gemm_bufs_init(&g, err) : TB_EINPUT;
    if (rc == TB_OK)
        rc = tf_new(&c, &m, err);
    if (rc == TB_OK) {
        uint64_t s = 0x9E3779B97F4A7C15ull;
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            ids[i] = (uint32_t)((s >> 33) % vocab);
        }
        double ts[64], tp[64];
        time_sgemm(g.A, g.B, g.C, GEMM_N, cpu);
        rc = tf_prefill(m, ids, n, 1, lg, err); /* warm-up */
        for (int r = 0; r < repeats && rc == TB_OK; r++) {
            ts[r] = time_sgemm(g.A, g.B, g.C, GEMM_N, cpu);
            double t0 = clock_now(cpu);
            rc = tf_prefill(m, ids, n, 1, lg, err);
            tp[r] = clock_now(cpu) - t0;
        }
        if (rc == TB_OK) {
            out->machine.sgemm_gflops = gemm_gflops(tb_median(ts, repeats));
            out->prefill_ms_measured = 1e3 * tb_median(tp, repeats);
        }
    }
    gemm_bufs_release(&g);
    free(lg);
    lg = NULL;
    if (rc == TB_OK)
        rc = roofline_read_bandwidth(&out->machine.bandwidth_gbs, cpu, err);
    if (rc == TB_OK) {
        /* the cache holds n >= cache positions: steps at position cache */
        float *one = tb_malloc(vocab * sizeof *one, err);
        double td[66];
        int R = repeats + 2;
        rc = one ? TB_OK : TB_EINPUT;
        for (int r = -1; r < R && rc == TB_OK; r++) {
            double t0 = clock_now(cpu);
            rc = tf_decode(m, ids[cache - 1], cache, one, err);
            if (r >= 0)
                td[r] = clock_now(cpu) - t0;
        }
        if (rc == TB_OK)
            out->decode_ms_measured = 1e3 * tb_median(td, R);
        free(one);
    }
    tf_free(m);
    free(ids);
    if (rc)
        return rc;
    roofline_hw h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "%s", ROOFLINE_MACHINE);
    h.measured = 1;
    h.wbytes = 4;
    h.peak_flops = out->machine.sgemm_gflops * 1e9;
    h.bw_bytes = out->machine.bandwidth_gbs * 1e9;
    out->prefill_ms_projected = roofline_prefill_ms(&d, &h, n, 1.0);
    out->prefill_err = out->prefill_ms_projected / out->prefill_ms_measured - 1;
    out->decode_bytes = roofline_decode_bytes(&d, &h, cache);
    out->decode_ms_projected = roofline_decode_ms(&d, &h, cache, NULL);
    out->decode_err = out->decode_ms_projected / out->decode_ms_measured - 1;
    return TB_OK;
}
