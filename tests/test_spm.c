/* test_spm.c - spm:PATH (tokenizers/spm.h) on tiny hand-built .model files
 * (a protobuf writer below) whose answers can be checked by hand, and its
 * error paths. The parity with SentencePiece on trained models and real
 * corpora is tests/cli_spm.sh.
 *
 * Model A (identity: no charsmap; dummy prefix, extra spaces removed, spaces
 * escaped), pieces:
 *   0 <unk> UNKNOWN, 1 <s> CONTROL, 2 ▁ -2, 3 a -1, 4 b -1, 5 ab -1.5,
 *   6 ▁ab -2, 7 c -3, 8 xy USER_DEFINED
 *   min NORMAL score -3, so unknown = -13; every score is negative, so
 *   max_score stays FLT_MIN and xy scores 2 * FLT_MIN - 0.1 ~ -0.1.
 * Hand results:
 *   "ab"    -> "▁ab": ▁ab -2 beats ▁+ab -3.5 and ▁+a+b -4 -> 6, offs 0
 *   "ab  c" -> "▁ab▁c" (the second space removed): 6 2 7, offs 0 2 4
 *   "zz a"  -> "▁zz▁a": ▁, z and z unknown (fused into one 0), ▁, a:
 *              2 0 2 3, offs 0 0 2 3
 *   "xyab"  -> ▁ (-2) + xy (-0.1) + ab (-1.5): 2 8 5
 *   "  "    -> nothing
 * Model B = A + byte_fallback and piece 9 <0x7A> BYTE ("z"):
 *   "zz a"  -> 2 9 9 2 3 (a byte piece per unknown byte, nothing fused)
 *
 * Model C (BPE, identity), pieces: 0 <unk>, 1 ▁ 0, 2 a 0, 3 b 0, 4 c 0,
 *   5 bc -1 (NORMAL, or UNUSED in C'), 6 ab -2, 7 ba -2, 8 ▁a -3, 9 ▁ab -4,
 *   10 ▁xy -0.5, 11 xy USER_DEFINED, 12 <0x7A> BYTE (C' only, byte_fallback)
 * Hand results (a merge goes into its left symbol; ties: leftmost):
 *   "abc" -> ▁ a b c: bc (-1) first, then ab is stale (b grew), ▁a (-3):
 *            ▁a bc = 8 5, offs 0 1; in C' bc splits back: 8 3 4, offs 0 1 2
 *   "aba" -> ▁ a b a: ab and ba tie at -2, the leftmost (ab) goes first;
 *            then ▁ab (-4): 9 2, offs 0 2 (rightmost first would give ▁a ba)
 *   "xya" -> ▁ xy a: xy is frozen, so ▁xy (-0.5) never forms: 1 11 2
 *   "zz"  -> ▁ z z: the unknown z's fused: 1 0; in C' bytes: 1 12 12 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tokenizers/tokenizer.h"

/* ---- a protobuf writer -------------------------------------------------- */

typedef struct pbw {
    unsigned char b[4096];
    size_t n;
} pbw;

static void w_varint(pbw *w, uint64_t v)
{
    do {
        unsigned char c = v & 0x7F;
        v >>= 7;
        w->b[w->n++] = c | (v ? 0x80 : 0);
    } while (v);
}

static void w_bytes(pbw *w, unsigned field, const void *p, size_t n)
{
    w_varint(w, field << 3 | 2);
    w_varint(w, n);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void w_uint(pbw *w, unsigned field, uint64_t v)
{
    w_varint(w, field << 3);
    w_varint(w, v);
}

static void w_piece(pbw *w, const char *text, float score, int type)
{
    pbw p = {.n = 0};
    w_bytes(&p, 1, text, strlen(text));
    uint32_t u;
    memcpy(&u, &score, 4);
    w_varint(&p, 2 << 3 | 5);
    for (int i = 0; i < 4; i++)
        p.b[p.n++] = (unsigned char)(u >> (8 * i));
    if (type)
        w_uint(&p, 3, (uint64_t)type);
    w_bytes(w, 1, p.b, p.n);
}

/* Model A; byte_fallback adds piece 9 <0x7A>; model_type 0 leaves it out. */
static void model_a(pbw *w, int byte_fallback, int model_type)
{
    w->n = 0;
    w_piece(w, "<unk>", 0, 2);
    w_piece(w, "<s>", 0, 3);
    w_piece(w, "\xE2\x96\x81", -2, 1);
    w_piece(w, "a", -1, 0);
    w_piece(w, "b", -1, 1);
    w_piece(w, "ab", -1.5f, 1);
    w_piece(w, "\xE2\x96\x81" "ab", -2, 1);
    w_piece(w, "c", -3, 1);
    w_piece(w, "xy", 0, 4);
    if (byte_fallback)
        w_piece(w, "<0x7A>", 0, 6);
    pbw t = {.n = 0};
    if (model_type)
        w_uint(&t, 3, (uint64_t)model_type);
    w_uint(&t, 35, byte_fallback != 0);
    w_bytes(w, 2, t.b, t.n);
    pbw nz = {.n = 0};
    w_bytes(&nz, 1, "identity", 8);
    w_bytes(w, 3, nz.b, nz.n);
}

static char g_path[256];

static int load(const pbw *w, tokenizer **t, tb_error *err)
{
    FILE *f = fopen(g_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(w->b, 1, w->n, f), w->n);
    fclose(f);
    char spec[300];
    snprintf(spec, sizeof spec, "spm:%s", g_path);
    return tokenizer_new(spec, NULL, t, err);
}

static void expect(const tokenizer *t, const char *text, const uint32_t *want, size_t n_want,
                   const uint32_t *want_offs)
{
    uint32_t ids[32], offs[32];
    size_t n;
    tb_error err = {0};
    assert_int_equal(tokenizer_encode(t, text, strlen(text), ids, offs, 32, &n, &err), TB_OK);
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ids[i], want[i]);
        if (want_offs)
            assert_int_equal(offs[i], want_offs[i]);
    }
}

static void test_by_hand(void **state)
{
    pbw w;
    tokenizer *t;
    tb_error err = {0};
    model_a(&w, 0, 1);
    assert_int_equal(load(&w, &t, &err), TB_OK);
    assert_int_equal(tokenizer_vocab_size(t), 9);
    expect(t, "ab", (uint32_t[]){6}, 1, (uint32_t[]){0});
    expect(t, "ab  c", (uint32_t[]){6, 2, 7}, 3, (uint32_t[]){0, 2, 4});
    expect(t, "zz a", (uint32_t[]){2, 0, 2, 3}, 4, (uint32_t[]){0, 0, 2, 3});
    expect(t, "xyab", (uint32_t[]){2, 8, 5}, 3, NULL);
    expect(t, "  ", NULL, 0, NULL);
    assert_true(tokenizer_is_fallback(t, 0));
    assert_false(tokenizer_is_fallback(t, 6));
    /* a short buffer still learns the count */
    uint32_t one[1];
    size_t n;
    assert_int_equal(tokenizer_encode(t, "ab  c", 5, one, NULL, 1, &n, &err), TB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(one[0], 6);
    /* decode: the dummy prefix's space dropped, ▁ as a space, <s> empty */
    char out[64];
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){1, 6, 2, 7}, 4, out, sizeof out, &n, &err),
                     TB_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "ab c", 4);
    tokenizer_free(t);

    model_a(&w, 1, 0);  /* model_type absent: UNIGRAM, the proto2 default */
    assert_int_equal(load(&w, &t, &err), TB_OK);
    expect(t, "zz a", (uint32_t[]){2, 9, 9, 2, 3}, 5, (uint32_t[]){0, 0, 1, 2, 3});
    assert_true(tokenizer_is_fallback(t, 9));
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){2, 9, 9}, 3, out, sizeof out, &n, &err),
                     TB_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "zz", 2);
    tokenizer_free(t);
}

/* Model C (unused: C'). */
static void model_c(pbw *w, int unused)
{
    w->n = 0;
    w_piece(w, "<unk>", 0, 2);
    w_piece(w, "\xE2\x96\x81", 0, 1);
    w_piece(w, "a", 0, 1);
    w_piece(w, "b", 0, 1);
    w_piece(w, "c", 0, 1);
    w_piece(w, "bc", -1, unused ? 5 : 1);
    w_piece(w, "ab", -2, 1);
    w_piece(w, "ba", -2, 1);
    w_piece(w, "\xE2\x96\x81" "a", -3, 1);
    w_piece(w, "\xE2\x96\x81" "ab", -4, 1);
    w_piece(w, "\xE2\x96\x81" "xy", -0.5f, 1);
    w_piece(w, "xy", 0, 4);
    if (unused)
        w_piece(w, "<0x7A>", 0, 6);
    pbw t = {.n = 0};
    w_uint(&t, 3, 2);
    w_uint(&t, 35, unused != 0);
    w_bytes(w, 2, t.b, t.n);
    pbw nz = {.n = 0};
    w_bytes(&nz, 1, "identity", 8);
    w_bytes(w, 3, nz.b, nz.n);
}

static void test_bpe_by_hand(void **state)
{
    pbw w;
    tokenizer *t;
    tb_error err = {0};
    model_c(&w, 0);
    assert_int_equal(load(&w, &t, &err), TB_OK);
    expect(t, "abc", (uint32_t[]){8, 5}, 2, (uint32_t[]){0, 1});
    expect(t, "aba", (uint32_t[]){9, 2}, 2, (uint32_t[]){0, 2});
    expect(t, "xya", (uint32_t[]){1, 11, 2}, 3, (uint32_t[]){0, 0, 2});
    expect(t, "zz", (uint32_t[]){1, 0}, 2, (uint32_t[]){0, 0});
    expect(t, "  ", NULL, 0, NULL);
    uint32_t one[1];
    size_t n;
    assert_int_equal(tokenizer_encode(t, "abc", 3, one, NULL, 1, &n, &err), TB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(one[0], 8);
    char out[64];
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){9, 2}, 2, out, sizeof out, &n, &err), TB_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "aba", 3);
    tokenizer_free(t);

    model_c(&w, 1);
    assert_int_equal(load(&w, &t, &err), TB_OK);
    expect(t, "abc", (uint32_t[]){8, 3, 4}, 3, (uint32_t[]){0, 1, 2});
    expect(t, "zz", (uint32_t[]){1, 12, 12}, 3, (uint32_t[]){0, 0, 1});
    tokenizer_free(t);
}

static void expect_fail(const pbw *w, const char *what)
{
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(load(w, &t, &err), TB_EINPUT);
    assert_null(t);
    if (!strstr(err.msg, what) || !strstr(err.msg, g_path)) {
        fprintf(stderr, "message: %s\nwanted: %s\n", err.msg, what);
        fail();
    }
}

static void test_errors(void **state)
{
    pbw w;
    model_a(&w, 0, 3);
    expect_fail(&w, "model_type WORD is not supported");
    model_a(&w, 0, 1);
    w.n -= 3;   /* into the normalizer_spec */
    expect_fail(&w, "runs past the end");
    model_a(&w, 0, 1);
    w.b[w.n++] = 0x0B;   /* field 1, wire type 3 (a group) */
    expect_fail(&w, "wire type 3 is not supported");
    w.n = 0;
    w_piece(&w, "a", -1, 9);
    expect_fail(&w, "byte 10: piece 0: type 9 is not a SentencePiece type");
    w.n = 0;
    w_piece(&w, "a", -1, 1);
    expect_fail(&w, "no piece of type UNKNOWN");
    w.n = 0;
    w_piece(&w, "<unk>", 0, 2);
    w_piece(&w, "a", -1, 1);
    w_piece(&w, "a", -2, 1);
    expect_fail(&w, "piece 2 'a' is already piece 1");
    w.n = 0;
    w_piece(&w, "<unk>", 0, 2);
    w_piece(&w, "<0x41>", 0, 6);
    expect_fail(&w, "BYTE pieces although trainer_spec.byte_fallback is false");
    w.n = 0;
    w_bytes(&w, 2, "", 0);
    expect_fail(&w, "byte 0: no pieces");
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(tokenizer_new("spm:/nonexistent/x.model", NULL, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "/nonexistent/x.model"));
}

int main(void)
{
    snprintf(g_path, sizeof g_path, "/tmp/test_spm.%d.model", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_bpe_by_hand),
        cmocka_unit_test(test_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(g_path);
    return rc;
}
