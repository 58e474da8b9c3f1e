/* test_bpe.c - pre-tokenization, the BPE merge loop, the model file and the
 * loaders' error paths, on tiny hand-checkable inputs (the parity with the
 * reference implementations on real corpora is tests/cli_bpe.sh).
 *
 * Tiny model used throughout (ranks = ids): 0..255 the bytes, then
 *   256 "ab", 257 "abab", 258 " a", 259 "bc", 260 "aa", 261 "aaaa".
 * Hand results (tiktoken rule: lowest-rank adjacent pair first, leftmost on
 * ties; a piece that is a token is taken whole):
 *   "abab ab" (gpt2 preset: pieces "abab", " ab") -> 257 | 32 256
 *   "abc": pairs ab (256) and bc (259) -> ab first -> 256 99
 *   "aaa": aa at 0 and at 1 tie -> leftmost -> 260 97
 *   100000 x 'a' (preset none): 50000 "aa" then 25000 "aaaa" -> 25000 x 261 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/utf8.h"
#include "../tokenizers/bpe.h"
#include "../tokenizers/bpe_model.h"
#include "../tokenizers/pretok.h"
#include "../tokenizers/tokenizer.h"
#include "../tokenizers/tokenizer_impl.h"

/* ---- helpers ------------------------------------------------------------ */

static char g_dir[256];

static int setup(void **state)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/test_bpe.%d", (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_dir, name);
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

struct pieces {
    char buf[64][64];
    int n;
    const char *text;
};

static int collect(void *arg, size_t a, size_t b)
{
    struct pieces *p = arg;
    if (p->n < 64 && b - a < 64) {
        memcpy(p->buf[p->n], p->text + a, b - a);
        p->buf[p->n][b - a] = 0;
    }
    p->n++;
    return 0;
}

static void expect_pieces(const char *preset, const char *text, const char *const *want, int n)
{
    pretok *pt;
    tb_error err = {0};
    assert_int_equal(pretok_new_preset(preset, &pt, &err), TB_OK);
    struct pieces p = {.text = text};
    assert_int_equal(pretok_split(pt, text, strlen(text), collect, &p, &err), TB_OK);
    pretok_free(pt);
    assert_int_equal(p.n, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(p.buf[i], want[i]);
}

/* The tiny model as a rank table. */
static const char *const k_extra[] = {"ab", "abab", " a", "bc", "aa", "aaaa"};
#define N_TINY (256 + 6)

static void tiny_table(uint8_t bytes[256], const uint8_t *tok[N_TINY], size_t len[N_TINY])
{
    for (int i = 0; i < 256; i++) {
        bytes[i] = (uint8_t)i;
        tok[i] = &bytes[i];
        len[i] = 1;
    }
    for (int i = 0; i < 6; i++) {
        tok[256 + i] = (const uint8_t *)k_extra[i];
        len[256 + i] = strlen(k_extra[i]);
    }
}

static tokenizer *tiny(const char *preset)
{
    uint8_t bytes[256];
    const uint8_t *tok[N_TINY];
    size_t len[N_TINY];
    tiny_table(bytes, tok, len);
    /* a handle built the way tokenizer_new builds one */
    tokenizer *t = calloc(1, sizeof *t);
    t->name = strdup("tiny");
    tb_error err = {0};
    int rc = bpe_tokenizer_from_ranks(t, preset, tok, len, N_TINY, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    return t;
}

static size_t enc(const tokenizer *t, const char *text, size_t len, uint32_t *ids, uint32_t *offs,
                  size_t cap)
{
    size_t n = 0;
    tb_error err = {0};
    int rc = tokenizer_encode(t, text, len, ids, offs, cap, &n, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    return n;
}

/* ---- pre-tokenization ---------------------------------------------------- */

static void test_pretok_cl100k(void **state)
{
    const char *w1[] = {"I", "'M", " here", "  ", " x"};
    expect_pieces("cl100k", "I'M here   x", w1, 5);
    const char *w2[] = {"DON", "'T", " you", "'re", " WE", "'LL"};
    expect_pieces("cl100k", "DON'T you're WE'LL", w2, 6);
    const char *w3[] = {"a", "  "};
    expect_pieces("cl100k", "a  ", w3, 2);
    const char *w4[] = {"123", "45", " ", "6"};
    expect_pieces("cl100k", "12345 6", w4, 4);
    const char *w5[] = {"a", "\n\n", "b"};
    expect_pieces("cl100k", "a\n\nb", w5, 3);
}

static void test_pretok_gpt2_case_sensitive(void **state)
{
    const char *w1[] = {"I", "'", "M", " here", "'s"};
    expect_pieces("gpt2", "I'M here's", w1, 5);
}

static void test_pretok_qwen2_o200k(void **state)
{
    const char *w1[] = {"1", "2", "3", "4"};
    expect_pieces("qwen2", "1234", w1, 4);
    /* o200k: upper* lower+ words, so camel case splits before each capital
     * that starts a lower-case run; a lone upper-case run is a word too */
    const char *w2[] = {"Hello", "WORLDFoo", "Bar", " a", "/b", "//", " XML"};
    expect_pieces("o200k", "HelloWORLDFooBar a/b// XML", w2, 7);
    const char *w3[] = {"anything goes  "};
    expect_pieces("none", "anything goes  ", w3, 1);
}

/* U+0085 is White_Space for Rust regex and Oniguruma: \s must match it. */
static void test_pretok_nel_is_space(void **state)
{
    const char *w[] = {"\xC2\x85", "\xC2\x85", "x"};
    expect_pieces("gpt2", "\xC2\x85\xC2\x85x", w, 3);
}

static int stop_at_second(void *arg, size_t a, size_t b)
{
    return ++*(int *)arg == 2 ? TB_EUSAGE : 0;
}

static void test_pretok_custom(void **state)
{
    pretok *pt;
    tb_error err = {0};
    assert_int_equal(pretok_new(&pt, &err), TB_OK);
    /* an empty-matching regex: empty matches are skipped, gaps kept */
    assert_int_equal(pretok_add_split(pt, "x*", 2, 0, PRETOK_ISOLATED, 0, &err), TB_OK);
    assert_null(pretok_preset(pt));
    struct pieces p = {.text = "abxxc"};
    assert_int_equal(pretok_split(pt, p.text, 5, collect, &p, &err), TB_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.buf[0], "ab");
    assert_string_equal(p.buf[1], "xx");
    assert_string_equal(p.buf[2], "c");
    int calls = 0;
    assert_int_equal(pretok_split(pt, p.text, 5, stop_at_second, &calls, &err), TB_EUSAGE);
    pretok_free(pt);
    /* Removed + invert keeps only matches (tiktoken's find_iter) */
    assert_int_equal(pretok_new(&pt, &err), TB_OK);
    assert_int_equal(pretok_add_split(pt, "[0-9]+", 6, 0, PRETOK_REMOVED, 1, &err), TB_OK);
    struct pieces q = {.text = "a12b345"};
    assert_int_equal(pretok_split(pt, q.text, 7, collect, &q, &err), TB_OK);
    assert_int_equal(q.n, 2);
    assert_string_equal(q.buf[0], "12");
    assert_string_equal(q.buf[1], "345");
    /* a bad regex names the problem */
    assert_int_equal(pretok_add_split(pt, "(ab", 3, 0, PRETOK_ISOLATED, 0, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "'(ab'"));
    pretok_free(pt);
    assert_int_equal(pretok_new_preset("nosuch", &pt, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "unknown pre-tokenizer preset 'nosuch'"));
}

/* ---- the merge loop ------------------------------------------------------ */

static void test_merge_by_hand(void **state)
{
    tokenizer *t = tiny("gpt2");
    uint32_t ids[16], offs[16];
    size_t n = enc(t, "abab ab", 7, ids, offs, 16);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 257);
    assert_int_equal(ids[1], 32);
    assert_int_equal(ids[2], 256);
    assert_int_equal(offs[0], 0);
    assert_int_equal(offs[1], 4);
    assert_int_equal(offs[2], 5);
    n = enc(t, "abc", 3, ids, offs, 16);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 256);
    assert_int_equal(ids[1], 99);
    n = enc(t, "aaa", 3, ids, offs, 16);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 260);
    assert_int_equal(ids[1], 97);
    assert_int_equal(offs[1], 2);
    /* too small a buffer: the full count, nothing written past cap */
    ids[1] = 12345;
    n = enc(t, "abab ab", 7, ids, NULL, 1);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 257);
    assert_int_equal(ids[1], 12345);
    char out[16];
    size_t nb;
    tb_error err = {0};
    uint32_t back[] = {257, 32, 256};
    assert_int_equal(tokenizer_decode(t, back, 3, out, sizeof out, &nb, &err), TB_OK);
    assert_int_equal(nb, 7);
    assert_memory_equal(out, "abab ab", 7);
    assert_int_equal(tokenizer_vocab_size(t), N_TINY);
    assert_int_equal(tokenizer_is_fallback(t, 97), 0);
    tokenizer_free(t);
}

static void test_long_run(void **state)
{
    tokenizer *t = tiny("none");
    size_t len = 100001;
    char *text = malloc(len);
    memset(text, 'a', len);
    uint32_t *ids = malloc(len * sizeof *ids), *offs = malloc(len * sizeof *offs);
    size_t n = enc(t, text, len, ids, offs, len);
    assert_int_equal(n, 25001);
    for (size_t i = 0; i < 25000; i++) {
        assert_int_equal(ids[i], 261);
        assert_int_equal(offs[i], 4 * i);
    }
    assert_int_equal(ids[25000], 97);
    assert_int_equal(offs[25000], 100000);
    free(text);
    free(ids);
    free(offs);
    tokenizer_free(t);
}

/* Every piece of random text over {a, b, c, ' '} round-trips and the ids are
 * the same with and without the piece cache warm (encode twice). */
static void test_random_round_trip(void **state)
{
    tokenizer *t = tiny("gpt2");
    uint64_t s = 42;
    char text[300], out[300];
    uint32_t ids[300], ids2[300], offs[300];
    for (int iter = 0; iter < 300; iter++) {
        size_t len = 0, want = 1 + (size_t)(iter % 299);
        while (len < want) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            text[len++] = "abc a"[(s >> 33) % 5];
        }
        size_t n = enc(t, text, len, ids, offs, 300);
        size_t n2 = enc(t, text, len, ids2, NULL, 300);
        assert_int_equal(n, n2);
        assert_memory_equal(ids, ids2, n * sizeof *ids);
        size_t nb;
        tb_error err = {0};
        assert_int_equal(tokenizer_decode(t, ids, n, out, sizeof out, &nb, &err), TB_OK);
        assert_int_equal(nb, len);
        assert_memory_equal(out, text, len);
        for (size_t k = 1; k < n; k++)
            assert_true(offs[k] > offs[k - 1]);
    }
    tokenizer_free(t);
}

/* ---- the model file ------------------------------------------------------- */

static void test_model_save_load(void **state)
{
    uint8_t bytes[256];
    const uint8_t *tok[N_TINY];
    size_t len[N_TINY];
    tiny_table(bytes, tok, len);
    char path[300], spec[320];
    path_in(path, sizeof path, "tiny.bpe");
    tb_error err = {0};
    assert_int_equal(bpe_model_save(path, "cl100k", tok, len, N_TINY, &err), TB_OK);
    bpe_model_data m;
    assert_int_equal(bpe_model_data_read(path, &m, &err), TB_OK);
    assert_string_equal(m.pretok, "cl100k");
    assert_int_equal(m.n, N_TINY);
    for (size_t r = 0; r < N_TINY; r++) {
        assert_int_equal(m.off[r + 1] - m.off[r], len[r]);
        assert_memory_equal(m.bytes + m.off[r], tok[r], len[r]);
    }
    bpe_model_data_release(&m);
    snprintf(spec, sizeof spec, "bpe-file:%s", path);
    tokenizer *t;
    assert_int_equal(tokenizer_new(spec, NULL, &t, &err), TB_OK);
    uint32_t ids[8];
    assert_int_equal(enc(t, "abab", 4, ids, NULL, 8), 1);
    assert_int_equal(ids[0], 257);
    tokenizer_free(t);
    /* a table that is not rank-ordered bytes first is refused */
    const uint8_t *swapped[N_TINY];
    memcpy(swapped, tok, sizeof swapped);
    swapped[0] = tok[1];
    assert_int_equal(bpe_model_save(path, "cl100k", swapped, len, N_TINY, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "rank 0 is not the single byte 0x00"));
    assert_int_equal(bpe_model_save(path, "nosuch", tok, len, N_TINY, &err), TB_EINPUT);
    /* the writer refuses what the reader refuses: 256 "ab" then 257 "abcd"
     * ("cd" is no entry, so "abcd" is no merge of two earlier ones) */
    const uint8_t *nomerge[N_TINY];
    size_t nlen[N_TINY];
    memcpy(nomerge, tok, sizeof nomerge);
    memcpy(nlen, len, sizeof nlen);
    nomerge[257] = (const uint8_t *)"abcd";
    nlen[257] = 4;
    assert_int_equal(bpe_model_save(path, "cl100k", nomerge, nlen, N_TINY, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "line 261: rank 257 is not the concatenation"));
}

/* bpe-file: on text fails with exit status 3 (TB_EINPUT) and a message that
 * names the file and contains want. */
static void expect_load_error(const char *name, const char *text, const char *want)
{
    char path[300], spec[320];
    path_in(path, sizeof path, name);
    write_file(path, text, strlen(text));
    snprintf(spec, sizeof spec, "bpe-file:%s", path);
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(tokenizer_new(spec, NULL, &t, &err), TB_EINPUT);
    assert_null(t);
    if (!strstr(err.msg, want))
        fprintf(stderr, "got: %s\nwant: %s\n", err.msg, want);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, name));
}

/* bpe-file: reads with the one reader (bpe_model_data_read, bpe_model.c), so its
 * errors are that reader's: "bpe model 'PATH': line L: ...". */
static void test_model_errors(void **state)
{
    /* 256 byte lines, built once */
    static char head[256 * 8 + 64];
    size_t k = (size_t)sprintf(head, "tokbench-bpe 1\npretok gpt2\nvocab 257\n");
    for (int i = 0; i < 256; i++)
        k += (size_t)sprintf(head + k, "%d %02x\n", i, i);
    char buf[sizeof head + 64];
    expect_load_error("magic.bpe", "tokbench-bpe 2\n",
                      "magic.bpe': line 1: expected 'tokbench-bpe 1'");
    snprintf(buf, sizeof buf, "%s", head);
    memcpy(strstr(buf, "pretok gpt2"), "pretok xyz2", 11);
    memcpy(strstr(buf, "vocab 257"), "vocab 256", 9);
    expect_load_error("preset.bpe", buf, "preset.bpe': line 2: unknown pre-tokenizer preset 'xyz2'");
    expect_load_error("vocab.bpe", "tokbench-bpe 1\npretok gpt2\nvocab 12\n",
                      "vocab.bpe': line 3: expected 'vocab <N>' with N in 256..1000000");
    snprintf(buf, sizeof buf, "%s", head);
    expect_load_error("trunc.bpe", buf, "trunc.bpe': line 260: file ends after 256 of 257");
    snprintf(buf, sizeof buf, "%s256 6162", head);
    expect_load_error("nonl.bpe", buf, "nonl.bpe': line 260: no newline at the end");
    snprintf(buf, sizeof buf, "%s256 6g\n", head);
    expect_load_error("hex.bpe", buf, "hex.bpe': line 260: non-hex character at column 6");
    snprintf(buf, sizeof buf, "%s257 6162\n", head);
    expect_load_error("order.bpe", buf, "order.bpe': line 260: rank 257 where 256 was expected");
    snprintf(buf, sizeof buf, "%s256 6162\nextra\n", head);
    expect_load_error("extra.bpe", buf, "extra.bpe': line 261: unexpected content");
    snprintf(buf, sizeof buf, "%s256 61\n", head);
    expect_load_error("short.bpe", buf, "short.bpe': line 260: rank 256 is a single byte");
    snprintf(buf, sizeof buf, "%s256 616263\n", head);
    expect_load_error("merge.bpe", buf, "merge.bpe': line 260: rank 256 is not the concatenation");
    snprintf(buf, sizeof buf, "%s", head);
    memcpy(strstr(buf, "vocab 257"), "vocab 258", 9);
    strcat(buf, "256 6162\n257 6162\n");
    expect_load_error("dup.bpe", buf, "dup.bpe': line 261: rank 257 repeats rank 256");
    /* a missing file is named too */
    char path[300], spec[320];
    path_in(path, sizeof path, "missing.bpe");
    snprintf(spec, sizeof spec, "bpe-file:%s", path);
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(tokenizer_new(spec, NULL, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "missing.bpe"));
}

/* ---- tiktoken rank files ---------------------------------------------------- */

static void b64(const uint8_t *p, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? a[v & 63] : '=';
    }
    out[o] = 0;
}

/* "export default {...}" with the 256 bytes (without byte `skip_byte` when
 * >= 0) in group "! 0", then `tail` (JSON-escaped, appended to bpe_ranks). */
static char *rank_file(int skip_byte, const char *tail)
{
    char *s = malloc(8192 + strlen(tail));
    size_t k = (size_t)sprintf(s, "export default {\"pat_str\":\"x\",\"special_tokens\":"
                                  "{\"<|end|>\":260},\"bpe_ranks\":\"! 0");
    for (int i = 0; i < 256; i++) {
        char e[8];
        uint8_t c = (uint8_t)i;
        if (i == skip_byte)
            continue;
        b64(&c, 1, e);
        k += (size_t)sprintf(s + k, " %s", e);
    }
    k += (size_t)sprintf(s + k, "%s\"};", tail);
    return s;
}

static int load_rank_text(const char *name, const char *text, tokenizer **t, tb_error *err)
{
    char path[300], spec[400];
    path_in(path, sizeof path, name);
    write_file(path, text, strlen(text));
    snprintf(spec, sizeof spec, "tiktoken:gpt2:%s", path);
    return tokenizer_new(spec, NULL, t, err);
}

static void test_tiktoken_format(void **state)
{
    char *s = rank_file(-1, "\\n! 256 YWI= YWJhYg==");  /* "ab", "abab" */
    tokenizer *t;
    tb_error err = {0};
    int rc = load_rank_text("ok.js", s, &t, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    assert_int_equal(tokenizer_vocab_size(t), 261);   /* special 260 */
    uint32_t ids[32];
    assert_int_equal(enc(t, "abab", 4, ids, NULL, 32), 1);
    assert_int_equal(ids[0], 257);
    /* the special token's text is ordinary text */
    size_t n = enc(t, "<|end|>", 7, ids, NULL, 32);
    for (size_t i = 0; i < n; i++)
        assert_true(ids[i] != 260);
    char out[16];
    size_t nb;
    uint32_t sp = 260, gap = 258;
    assert_int_equal(tokenizer_decode(t, &sp, 1, out, sizeof out, &nb, &err), TB_OK);
    assert_int_equal(nb, 7);
    assert_memory_equal(out, "<|end|>", 7);
    assert_int_equal(tokenizer_decode(t, &gap, 1, out, sizeof out, &nb, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "id 258 has no token"));
    tokenizer_free(t);
    free(s);
}

static void expect_rank_error(const char *name, const char *text, const char *want)
{
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(load_rank_text(name, text, &t, &err), TB_EINPUT);
    if (!strstr(err.msg, want))
        fprintf(stderr, "got: %s\nwant: %s\n", err.msg, want);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, name));
    assert_null(t);
}

static void test_tiktoken_errors(void **state)
{
    char *s = rank_file(-1, "\\n! 256 YW!=");
    expect_rank_error("b64.js", s, "bad base64 'YW!='");
    free(s);
    s = rank_file(-1, "\\n! 255 YWI=");
    expect_rank_error("dupr.js", s, "rank 255 appears twice");
    free(s);
    s = rank_file(-1, "\\n! x YWI=");
    expect_rank_error("first.js", s, "bpe_ranks group 2: bad first rank 'x'");
    free(s);
    s = rank_file(7, "");
    expect_rank_error("missing.js", s, "no token for the single byte 0x07");
    free(s);
    s = rank_file(-1, "\\n! 256 YWI= YWI=");
    expect_rank_error("dupb.js", s, "duplicates the bytes");
    free(s);
    s = rank_file(-1, "\\n! 256 YWI=");
    s[strlen(s) / 2] = 0;   /* truncated in the middle of bpe_ranks */
    expect_rank_error("trunc.js", s, "trunc.js: ends at byte ");
    free(s);
    expect_rank_error("empty.js", "", "no JSON object");
    expect_rank_error("noranks.js", "export default {\"special_tokens\":{}};",
                      "no \"bpe_ranks\" string");
    tokenizer *t;
    tb_error err = {0};
    assert_int_equal(tokenizer_new("tiktoken:nosuch", NULL, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "unknown tiktoken encoding 'nosuch'"));
}

/* ---- tokenizer.json ------------------------------------------------------------ */

/* A byte-level tokenizer.json: the 256 byte characters (ids 0..255), then
 * "ab" (256) from merge "a b", and `extra` spliced into the top object. */
static char *hf_json(const char *model_type, const char *extra)
{
    char *s = malloc(16384 + strlen(extra));
    size_t k = (size_t)sprintf(s, "{%s\"model\": {\"type\": \"%s\", \"vocab\": {", extra,
                               model_type);
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        int32_t cp = keep ? b : 256 + n++;
        uint8_t u[4];
        int l = utf8_encode(cp, u);
        s[k++] = '"';
        if (cp == '"' || cp == '\\')
            s[k++] = '\\';
        memcpy(s + k, u, (size_t)l);
        k += (size_t)l;
        k += (size_t)sprintf(s + k, "\": %d, ", b);
    }
    k += (size_t)sprintf(s + k, "\"ab\": 256}, \"merges\": [\"a b\"]}}");
    return s;
}

static int load_hf_text(const char *name, const char *text, tokenizer **t, tb_error *err)
{
    char path[300], spec[400];
    path_in(path, sizeof path, name);
    write_file(path, text, strlen(text));
    snprintf(spec, sizeof spec, "hf:%s", path);
    return tokenizer_new(spec, NULL, t, err);
}

static void test_hf_small(void **state)
{
    char *s = hf_json("BPE", "\"normalizer\": {\"type\": \"NFC\"}, \"pre_tokenizer\": "
                             "{\"type\": \"ByteLevel\", \"add_prefix_space\": false}, "
                             "\"decoder\": {\"type\": \"ByteLevel\"}, \"added_tokens\": "
                             "[{\"id\": 300, \"content\": \"<s>\"}], ");
    tokenizer *t;
    tb_error err = {0};
    int rc = load_hf_text("ok.json", s, &t, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    assert_int_equal(tokenizer_vocab_size(t), 301);
    uint32_t ids[16], offs[16];
    /* pieces "ab", " ab" (no " a" merge): 256 | 32 256 */
    size_t n = enc(t, "ab ab", 5, ids, offs, 16);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 256);
    assert_int_equal(ids[1], 32);
    assert_int_equal(ids[2], 256);
    assert_int_equal(offs[2], 3);
    /* NFC: "e" + U+0301 becomes U+00E9 (bytes C3 A9), offsets stay in the input */
    n = enc(t, "xe\xCC\x81", 4, ids, offs, 16);
    assert_int_equal(n, 3);
    assert_int_equal(ids[1], 0xC3);
    assert_int_equal(ids[2], 0xA9);
    assert_int_equal(offs[1], 1);
    assert_int_equal(offs[2], 1);
    char out[8];
    size_t nb;
    uint32_t added = 300;
    assert_int_equal(tokenizer_decode(t, &added, 1, out, sizeof out, &nb, &err), TB_OK);
    assert_memory_equal(out, "<s>", 3);
    tokenizer_free(t);
    free(s);
}

static void expect_hf_error(const char *name, const char *text, const char *want)
{
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(load_hf_text(name, text, &t, &err), TB_EINPUT);
    if (!strstr(err.msg, want))
        fprintf(stderr, "got: %s\nwant: %s\n", err.msg, want);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, name));
    assert_null(t);
}

static void test_hf_errors(void **state)
{
    /* WordPiece and Unigram load now (spbpe.c); WordLevel is refused */
    char *s = hf_json("WordLevel", "");
    expect_hf_error("wl.json", s, "model type 'WordLevel' is not supported");
    free(s);
    s = hf_json("WordPiece", "");
    /* hf_json's model has no unk_token: WordPiece goes to spbpe.c, which wants it */
    expect_hf_error("wp.json", s, "model WordPiece: unk_token is not a string");
    free(s);
    s = hf_json("BPE", "\"pre_tokenizer\": {\"type\": \"Metaspace\"}, ");
    /* Metaspace goes to the SentencePiece-style loader (spbpe.c), which
     * wants its fields */
    expect_hf_error("meta.json", s, "pre_tokenizer Metaspace \"replacement\": expected a string");
    free(s);
    s = hf_json("BPE", "\"normalizer\": {\"type\": \"Replace\"}, ");
    expect_hf_error("norm.json", s, "normalizer 'Replace' is not supported");
    free(s);
    s = hf_json("BPE", "\"decoder\": {\"type\": \"ByteFallback\"}, ");
    expect_hf_error("dec.json", s, "decoder 'ByteFallback' is not supported");
    free(s);
    s = hf_json("BPE", "");
    s[strlen(s) / 2] = 0;
    expect_hf_error("trunc.json", s, "trunc.json:1:");
    free(s);
    s = hf_json("BPE", "");
    char *m = strstr(s, "\"a b\"");
    memcpy(m, "\"a Z\"", 5);
    expect_hf_error("merge.json", s, "merges[0]: merged token 'aZ' is not in vocab");
    free(s);
    expect_hf_error("nomodel.json", "{}", "no \"model\" object");
}

/* ---- whole characters first: against a reference encoder ------------------
 * The encoder takes a character whole before the merge loop when no
 * misaligned token can reach into it (tokenizers/bpe.c, "whole characters
 * first"). The reference below is tiktoken's own algorithm (_byte_pair_merge:
 * a list of parts, a linear scan for the lowest-rank adjacent pair, leftmost
 * on ties; a piece that is a token is taken whole), quadratic and sharing
 * nothing with the encoder but the rank table. */

struct vmap {
    const uint8_t **key;    /* (mask + 1) token bytes, NULL = empty */
    size_t *len;
    uint32_t *rank;
    size_t mask;
};

static uint64_t vmap_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void vmap_init(struct vmap *v, size_t n)
{
    v->mask = 1;
    while (v->mask < 2 * n)
        v->mask <<= 1;
    v->key = calloc(v->mask, sizeof *v->key);
    v->len = calloc(v->mask, sizeof *v->len);
    v->rank = calloc(v->mask, sizeof *v->rank);
    v->mask--;
    assert_non_null(v->key);
}

static void vmap_put(struct vmap *v, const uint8_t *p, size_t n, uint32_t rank)
{
    size_t i = vmap_hash(p, n) & v->mask;
    while (v->key[i] && !(v->len[i] == n && memcmp(v->key[i], p, n) == 0))
        i = (i + 1) & v->mask;
    v->key[i] = p;
    v->len[i] = n;
    v->rank[i] = rank;
}

static uint32_t vmap_get(const struct vmap *v, const uint8_t *p, size_t n)
{
    for (size_t i = vmap_hash(p, n) & v->mask; v->key[i]; i = (i + 1) & v->mask)
        if (v->len[i] == n && memcmp(v->key[i], p, n) == 0)
            return v->rank[i];
    return UINT32_MAX;
}

static void vmap_free(struct vmap *v)
{
    free(v->key);
    free(v->len);
    free(v->rank);
}

/* Appends the ids of piece p[0..n) to out[*k..]. */
static void ref_piece(const struct vmap *v, const uint8_t *p, size_t n, uint32_t *out, size_t *k)
{
    uint32_t whole = vmap_get(v, p, n);
    if (whole != UINT32_MAX) {
        out[(*k)++] = whole;
        return;
    }
    /* part i is p[start[i] .. start[i + 1]), i < np; rank[i] is the rank of
     * parts i and i + 1 together (UINT32_MAX: not a token) */
    size_t *start = malloc((n + 1) * sizeof *start);
    uint32_t *rank = malloc(n * sizeof *rank);
    size_t np = n;
    for (size_t i = 0; i <= n; i++)
        start[i] = i;
    for (size_t i = 0; i + 1 < np; i++)
        rank[i] = vmap_get(v, p + start[i], start[i + 2] - start[i]);
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i + 1 < np; i++)
            if (rank[i] != UINT32_MAX && (best == SIZE_MAX || rank[i] < rank[best]))
                best = i;
        if (best == SIZE_MAX)
            break;
        /* parts best and best + 1 become one: drop start[best + 1] and the
         * rank of the pair (best + 1, best + 2) */
        memmove(start + best + 1, start + best + 2, (np - best - 1) * sizeof *start);
        if (np >= best + 3)
            memmove(rank + best + 1, rank + best + 2, (np - best - 3) * sizeof *rank);
        np--;
        if (best + 1 < np)
            rank[best] = vmap_get(v, p + start[best], start[best + 2] - start[best]);
        if (best > 0)
            rank[best - 1] = vmap_get(v, p + start[best - 1], start[best + 1] - start[best - 1]);
    }
    for (size_t i = 0; i < np; i++)
        out[(*k)++] = vmap_get(v, p + start[i], start[i + 1] - start[i]);
    free(start);
    free(rank);
}

struct ref_run {
    const struct vmap *v;
    const uint8_t *text;
    uint32_t *out;
    size_t k;
};

static int ref_cb(void *arg, size_t a, size_t b)
{
    struct ref_run *r = arg;
    ref_piece(r->v, r->text + a, b - a, r->out, &r->k);
    return 0;
}

/* The encoder's ids for text equal the reference's (pieces by preset), the
 * offsets cover the text in order and decode gives the text back. */
static void expect_ref(const tokenizer *t, const struct vmap *v, const char *preset,
                       const char *text, size_t len)
{
    uint32_t *want = malloc((len + 1) * sizeof *want), *got = malloc((len + 1) * sizeof *got);
    uint32_t *offs = malloc((len + 1) * sizeof *offs);
    pretok *pt;
    tb_error err = {0};
    assert_int_equal(pretok_new_preset(preset, &pt, &err), TB_OK);
    struct ref_run r = {v, (const uint8_t *)text, want, 0};
    assert_int_equal(pretok_split(pt, text, len, ref_cb, &r, &err), TB_OK);
    pretok_free(pt);
    size_t n = enc(t, text, len, got, offs, len + 1);
    if (n != r.k || memcmp(got, want, n * sizeof *got) != 0) {
        size_t i = 0;
        while (i < n && i < r.k && got[i] == want[i])
            i++;
        fprintf(stderr, "text of %zu bytes: %zu tokens, reference %zu; first difference at "
                        "token %zu (got %u, want %u)\n", len, n, r.k, i,
                i < n ? got[i] : 0, i < r.k ? want[i] : 0);
    }
    assert_int_equal(n, r.k);
    assert_memory_equal(got, want, n * sizeof *got);
    for (size_t i = 1; i < n; i++)
        assert_true(offs[i] > offs[i - 1]);
    char *back = malloc(len + 1);
    size_t nb;
    assert_int_equal(tokenizer_decode(t, got, n, back, len + 1, &nb, &err), TB_OK);
    assert_int_equal(nb, len);
    assert_memory_equal(back, text, len);
    free(back);
    free(want);
    free(got);
    free(offs);
}

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* Random text of nc characters drawn from alpha (NUL-separated, "" ends). */
static size_t rnd_text(uint64_t *s, const char *const *alpha, size_t na, size_t nc, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
        const char *c = alpha[rnd(s) % na];
        memcpy(out + n, c, strlen(c));
        n += strlen(c);
    }
    return n;
}

/* Random models over 1- to 4-byte characters whose extra tokens are parts
 * of characters, whole characters, runs of characters and misaligned byte
 * strings across character boundaries, in random rank order (so a token
 * may rank before the parts it is made of: merges out of order, and
 * misaligned tokens that do reach into characters); pieces are whole texts
 * (preset none) and cl100k pieces. */
static void test_chars_random_models(void **state)
{
    static const char *const alpha[] = {"a", "b", " ", "\xC3\xA9", "\xD0\xB6", "\xE4\xB8\xAD",
                                        "\xE6\x96\x87", "\xE5\x90\x8D", "\xF0\x9F\x98\x80"};
    const size_t na = sizeof alpha / sizeof alpha[0];
    uint64_t s = 7;
    uint8_t bytes[256];
    for (int model = 0; model < 120; model++) {
        enum { MAX_EXTRA = 160 };
        uint8_t store[MAX_EXTRA][16];
        const uint8_t *tok[256 + MAX_EXTRA];
        size_t len[256 + MAX_EXTRA];
        size_t n = 256;
        for (int i = 0; i < 256; i++) {
            bytes[i] = (uint8_t)i;
            tok[i] = &bytes[i];
            len[i] = 1;
        }
        struct vmap v;
        vmap_init(&v, 256 + MAX_EXTRA);
        for (int i = 0; i < 256; i++)
            vmap_put(&v, tok[i], 1, (uint32_t)i);
        size_t want_extra = 20 + rnd(&s) % (MAX_EXTRA - 20);
        for (int tries = 0; n < 256 + want_extra && tries < 4000; tries++) {
            char src[64];
            size_t sl = rnd_text(&s, alpha, na, 1 + rnd(&s) % 4, src);
            size_t a, b;
            switch (rnd(&s) % 4) {
            case 0: /* whole characters */
                a = 0, b = sl;
                break;
            case 1: /* a prefix */
                a = 0, b = 1 + rnd(&s) % sl;
                break;
            case 2: /* a suffix */
                a = rnd(&s) % sl, b = sl;
                break;
            default: /* any bytes */
                a = rnd(&s) % sl, b = a + 1 + rnd(&s) % (sl - a);
                break;
            }
            if (b - a < 2 || b - a > 16 || vmap_get(&v, (const uint8_t *)src + a, b - a) != UINT32_MAX)
                continue;
            uint8_t *dst = store[n - 256];
            memcpy(dst, src + a, b - a);
            tok[n] = dst;
            len[n] = b - a;
            vmap_put(&v, dst, b - a, (uint32_t)n);
            n++;
        }
        tokenizer *t = calloc(1, sizeof *t);
        t->name = strdup("random");
        tb_error err = {0};
        const char *preset = model % 2 ? "cl100k" : "none";
        assert_int_equal(bpe_tokenizer_from_ranks(t, preset, tok, len, n, &err), TB_OK);
        for (int k = 0; k < 40; k++) {
            char text[4 * 200];
            size_t tl = rnd_text(&s, alpha, na, 1 + rnd(&s) % 200, text);
            expect_ref(t, &v, preset, text, tl);
        }
        tokenizer_free(t);
        vmap_free(&v);
    }
}

/* A production vocabulary's ordinary tokens (ranks 0 .. n_ord - 1) as a
 * vmap; the bytes are copied into *arena. */
static void vmap_from(const tokenizer *t, uint32_t n_ord, struct vmap *v, uint8_t **arena)
{
    size_t cap = (size_t)n_ord * 16, used = 0;
    *arena = malloc(cap);
    vmap_init(v, n_ord);
    for (uint32_t id = 0; id < n_ord; id++) {
        char piece[512];
        size_t nb = 0;
        tb_error err = {0};
        if (tokenizer_piece(t, id, piece, sizeof piece, &nb, &err) != TB_OK || nb == 0)
            continue;
        assert_true(nb < sizeof piece && used + nb <= cap);
        memcpy(*arena + used, piece, nb);
        vmap_put(v, *arena + used, nb, id);
        used += nb;
    }
}

static char *repeat(const char *s, size_t times, size_t *len)
{
    size_t l = strlen(s);
    char *out = malloc(l * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(out + i * l, s, l);
    *len = l * times;
    return out;
}

/* tiktoken:cl100k_base and o200k_base against the reference on random text
 * that is mostly runs of Han (one piece per run: the long \p{L}+ pieces),
 * mixed with kana, Cyrillic, Latin, digits, spaces and punctuation; then
 * 100 kB runs (one piece each; the merge loop must stay O(n log n)) with
 * tiktoken's own ids (npm tiktoken 1.0.22): 33334 x U+4E2D -> 33334 tokens,
 * 33334 x U+9F98 -> 66668 tokens (the character does not merge whole). */
static void test_chars_production(void **state)
{
    static const char common[] =
        "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家"
        "学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见"
        "经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话"
        "名称设置选择单元格式文件编辑插入工具窗口帮助表格数据图片功能键显示默认";
    static const char *const other[] = {
        "，", "。", "、", "（", "）", " ", " ", "a", "Office", "1", "23", "の", "テ", "キ", "ス",
        "ト", "ж", "з", "и", "\xF0\x9F\x98\x80", "\xE9\xBE\x98", "\xE4\xB8\x80\xE4\xB8\x80", "-"};
    /* the Han characters one by one */
    const char *han[sizeof common / 3];
    char hanbuf[sizeof common][4];
    size_t nh = 0;
    for (size_t i = 0; i + 3 <= sizeof common - 1; i += 3) {
        memcpy(hanbuf[nh], common + i, 3);
        hanbuf[nh][3] = 0;
        han[nh] = hanbuf[nh];
        nh++;
    }
    static const struct {
        const char *spec, *preset;
        uint32_t n_ord;     /* ordinary tokens: ranks 0 .. n_ord - 1 */
        uint32_t zhong, long_a, long_b;
    } k[] = {{"tiktoken:cl100k_base", "cl100k", 100256, 16325, 84012, 246},
             {"tiktoken:o200k_base", "o200k", 199998, 1404, 54462, 246}};
    for (size_t m = 0; m < sizeof k / sizeof k[0]; m++) {
        tokenizer *t;
        tb_error err = {0};
        int rc = tokenizer_new(k[m].spec, NULL, &t, &err);
        if (rc)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(rc, TB_OK);
        struct vmap v;
        uint8_t *arena;
        vmap_from(t, k[m].n_ord, &v, &arena);
        uint64_t s = 11 + m;
        char *text = malloc(12000);
        for (int i = 0; i < 300; i++) {
            size_t tl = 0, nc = 1 + rnd(&s) % 120;
            for (size_t c = 0; c < nc; c++) {
                const char *x = rnd(&s) % 5 ? han[rnd(&s) % nh] : other[rnd(&s) % (sizeof other / sizeof other[0])];
                memcpy(text + tl, x, strlen(x));
                tl += strlen(x);
            }
            expect_ref(t, &v, k[m].preset, text, tl);
        }
        /* one long run of mixed Han: 3000 characters, one piece */
        size_t tl = 0;
        for (int c = 0; c < 3000; c++) {
            memcpy(text + tl, han[rnd(&s) % nh], 3);
            tl += 3;
        }
        expect_ref(t, &v, k[m].preset, text, tl);
        free(text);
        /* 100 kB runs */
        size_t len;
        uint32_t *ids = malloc(70000 * sizeof *ids);
        char *run = repeat("\xE4\xB8\xAD", 33334, &len);
        size_t n = enc(t, run, len, ids, NULL, 70000);
        assert_int_equal(n, 33334);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(ids[i], k[m].zhong);
        free(run);
        run = repeat("\xE9\xBE\x98", 33334, &len);
        n = enc(t, run, len, ids, NULL, 70000);
        assert_int_equal(n, 66668);
        for (size_t i = 0; i < n; i += 2) {
            assert_int_equal(ids[i], k[m].long_a);
            assert_int_equal(ids[i + 1], k[m].long_b);
        }
        free(run);
        /* 100 kB of mixed Han in one piece: decodes back */
        run = malloc(100002);
        for (len = 0; len < 100000; len += 3)
            memcpy(run + len, han[rnd(&s) % nh], 3);
        n = enc(t, run, len, ids, NULL, 70000);
        assert_true(n > 10000 && n <= 70000);
        char *back = malloc(len);
        size_t nb;
        assert_int_equal(tokenizer_decode(t, ids, n, back, len, &nb, &err), TB_OK);
        assert_int_equal(nb, len);
        assert_memory_equal(back, run, len);
        free(back);
        free(run);
        free(ids);
        vmap_free(&v);
        free(arena);
        tokenizer_free(t);
    }
}

/* ---- a production vocabulary, shared by two threads ------------------------------ */

struct thr {
    const tokenizer *t;
    int ok;
};

static void *thr_main(void *arg)
{
    struct thr *x = arg;
    static const char text[] = "Hello world, Всеобщая декларация прав человека 人人生而自由";
    uint32_t ids[64], first[64];
    size_t n0 = 0, n;
    x->ok = 1;
    for (int i = 0; i < 2000; i++) {
        tb_error err = {0};
        if (tokenizer_encode(x->t, text, sizeof text - 1, i ? ids : first, NULL, 64, &n, &err))
            x->ok = 0;
        if (i == 0)
            n0 = n;
        else if (n != n0 || memcmp(ids, first, n * sizeof *ids) != 0)
            x->ok = 0;
    }
    return NULL;
}

static void test_cl100k(void **state)
{
    tokenizer *t;
    tb_error err = {0};
    int rc = tokenizer_new("tiktoken:cl100k_base", NULL, &t, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    assert_int_equal(tokenizer_vocab_size(t), 100277);
    uint32_t ids[8];
    assert_int_equal(enc(t, "hello world", 11, ids, NULL, 8), 2);
    assert_int_equal(ids[0], 15339);
    assert_int_equal(ids[1], 1917);
    struct thr a = {t, 0}, b = {t, 0};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, thr_main, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, thr_main, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_true(a.ok && b.ok);
    tokenizer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pretok_cl100k),
        cmocka_unit_test(test_pretok_gpt2_case_sensitive),
        cmocka_unit_test(test_pretok_qwen2_o200k),
        cmocka_unit_test(test_pretok_nel_is_space),
        cmocka_unit_test(test_pretok_custom),
        cmocka_unit_test(test_merge_by_hand),
        cmocka_unit_test(test_long_run),
        cmocka_unit_test(test_random_round_trip),
        cmocka_unit_test(test_model_save_load),
        cmocka_unit_test(test_model_errors),
        cmocka_unit_test(test_tiktoken_format),
        cmocka_unit_test(test_tiktoken_errors),
        cmocka_unit_test(test_hf_small),
        cmocka_unit_test(test_hf_errors),
        cmocka_unit_test(test_cl100k),
        cmocka_unit_test(test_chars_random_models),
        cmocka_unit_test(test_chars_production),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
