/* test_spbpe.c - SentencePiece-style BPE (tokenizers/spbpe.h) on a tiny
 * hand-checkable tokenizer.json, its error paths, and hf:llama2 shared by
 * two threads (the parity with HF tokenizers on real corpora is
 * tests/cli_bpe.sh).
 *
 * Tiny model (k_tiny): Metaspace (always, split), byte_fallback,
 *   vocab <unk> 0, ▁ 1, a 2, b 3, ▁a 4, ab 5, ▁ab 6, <0xE4> 7, <0xB8> 8,
 *         <0xAD> 9, c 10; added token <s> 11 (not normalized)
 *   merges "a b" (rank 0), "▁ a" (1), "▁a b" (2)
 * Hand results:
 *   "ab ab" -> words "▁ab", "▁ab"; in each, a+b (rank 0) merges before
 *     ▁+a (rank 1), and ▁ + ab has no merge -> 1 5 1 5; offsets: the
 *     prepended ▁ belongs to byte 0, "ab" starts at 0, the second ▁ is the
 *     space at 2, its "ab" at 3 -> 0 0 2 3
 *   "中" -> ▁ then the bytes E4 B8 AD -> 1 7 8 9, offsets 0 0 1 2
 *   "é" (C3 A9: no byte tokens) -> ▁ <unk> -> 1 0
 *   "a<s>c" -> the added token cuts the text; Metaspace always prepends
 *     to each side: "a" -> ▁a (4), <s> (11), "c" -> ▁ c (no merge) ->
 *     4 11 1 10, offsets 0 1 4 4
 *
 * Tiny Unigram (k_uni): Metaspace (always, split), unk_id 0, vocab
 *   <unk> 0, ▁ -1, a -2, b -2, ▁ab -2.5, ab -1.5, <0xC3> 0, <0xA9> 0
 *   "ab" -> "▁ab": ▁ab alone scores -2.5, ▁ + ab also -2.5: the tie keeps
 *     the candidate found first (▁ab, from start 0) -> 4
 *   "ba" -> "▁ba": ▁ b a = -5 -> 1 3 2
 *   "éé" -> ▁ and two unknown characters fused into one unk -> 1 0; with
 *     byte_fallback the fused string's bytes C3 A9 C3 A9 -> 1 6 7 6 7
 *
 *   NFKC, Sequence[WhitespaceSplit, Metaspace first]: "e\u0301 ab" ->
 *     "\u00E9" (offset 0: "\u2581\u00E9") and "ab" (offset 4: no \u2581)
 *     -> 1 0 5 (the composed e must not map the whole text to offset 0)
 *
 * Tiny WordPiece (k_wp): BertNormalizer (defaults: lowercase, accents
 *   stripped, CJK spaced), BertPreTokenizer, max_input_chars_per_word 10,
 *   vocab [UNK] 0, un 1, ##aff 2, ##able 3, a 4, ##b 5, "," 6, 中 7
 *   "Unaffable, ab" -> un ##aff ##able , a ##b -> 1 2 3 6 4 5, offsets
 *     0 2 5 9 11 12; decoded "unaffable, ab" (cleanup joins " ,")
 *   "abc" -> a ##b, then "c" matches nothing: the whole word is [UNK] -> 0
 *   "x中y" -> "x", "中", "y" -> 0 7 0;  "Àb" -> "ab" -> 4 5
 *   "unaffableab" (11 characters > 10) -> 0
 *   marks: BertNormalizer's strip_accents drops only Mn, so "a\u20E3b"
 *     (U+20E3 enclosing keycap, Me) stays one word with no match -> 0 and
 *     "a\u0903b" (U+0903 visarga, Mc) too; the StripAccents normalizer
 *     (Sequence[NFD, StripAccents]) drops every mark: both -> "ab" -> 4 5
 *
 * Whitespace (\w+|[^\w\s]+, Oniguruma's \w) over WordPiece k_ws: vocab
 *   [UNK] 0, a 1, ##b 2, b 3, ##\u216B 4, \u00BD 5, ##\u200D 6
 *   "a\u216Bb" (Nl is \w) -> 1 4 2; "a\u00BDb" (No is not) -> 1 5 3;
 *   "a\u200Db" (ZWJ is \w) -> 1 6 2 */
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

#include "../tokenizers/tokenizer.h"

static char g_dir[256];

static int setup(void **state)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/test_spbpe.%d", (int)getpid());
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

static const char k_tiny[] =
    "{\"added_tokens\": [{\"id\": 11, \"content\": \"<s>\", \"normalized\": false, "
    "\"special\": true}],\n"
    " \"normalizer\": null,\n"
    " \"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"\xe2\x96\x81\", "
    "\"prepend_scheme\": \"always\", \"split\": true},\n"
    " \"decoder\": {\"type\": \"Sequence\", \"decoders\": [{\"type\": \"ByteFallback\"}, "
    "{\"type\": \"Metaspace\", \"replacement\": \"\xe2\x96\x81\", \"prepend_scheme\": "
    "\"always\"}]},\n"
    " \"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\", \"fuse_unk\": true, "
    "\"byte_fallback\": true,\n"
    "  \"vocab\": {\"<unk>\": 0, \"\xe2\x96\x81\": 1, \"a\": 2, \"b\": 3, "
    "\"\xe2\x96\x81\x61\": 4, \"ab\": 5, \"\xe2\x96\x81\x61\x62\": 6, \"<0xE4>\": 7, "
    "\"<0xB8>\": 8, \"<0xAD>\": 9, \"c\": 10},\n"
    "  \"merges\": [\"a b\", \"\xe2\x96\x81 a\", \"\xe2\x96\x81\x61 b\"]}}\n";

static const char k_uni[] =
    "{\"added_tokens\": [], \"normalizer\": null,\n"
    " \"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"\xe2\x96\x81\", "
    "\"prepend_scheme\": \"always\", \"split\": true},\n"
    " \"decoder\": {\"type\": \"Metaspace\", \"replacement\": \"\xe2\x96\x81\", "
    "\"prepend_scheme\": \"always\"},\n"
    " \"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"byte_fallback\": false,\n"
    "  \"vocab\": [[\"<unk>\", 0], [\"\xe2\x96\x81\", -1], [\"a\", -2], [\"b\", -2], "
    "[\"\xe2\x96\x81\x61\x62\", -2.5], [\"ab\", -1.5], [\"<0xC3>\", 0], [\"<0xA9>\", 0]]}}\n";

static const char k_wp[] =
    "{\"added_tokens\": [{\"id\": 0, \"content\": \"[UNK]\", \"normalized\": false, "
    "\"special\": true}],\n"
    " \"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true, "
    "\"handle_chinese_chars\": true, \"strip_accents\": null, \"lowercase\": true},\n"
    " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},\n"
    " \"decoder\": {\"type\": \"WordPiece\", \"prefix\": \"##\", \"cleanup\": true},\n"
    " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "
    "\"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": 10,\n"
    "  \"vocab\": {\"[UNK]\": 0, \"un\": 1, \"##aff\": 2, \"##able\": 3, \"a\": 4, "
    "\"##b\": 5, \",\": 6, \"\xe4\xb8\xad\": 7}}}\n";

static const char k_ws[] =
    "{\"added_tokens\": [], \"normalizer\": null, \"pre_tokenizer\": {\"type\": \"Whitespace\"},\n"
    " \"decoder\": {\"type\": \"WordPiece\", \"prefix\": \"##\", \"cleanup\": true},\n"
    " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "
    "\"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": 100,\n"
    "  \"vocab\": {\"[UNK]\": 0, \"a\": 1, \"##b\": 2, \"b\": 3, \"##\xe2\x85\xab\": 4, "
    "\"\xc2\xbd\": 5, \"##\xe2\x80\x8d\": 6}}}\n";

static void write_json(const char *name, const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

static tokenizer *load(const char *name, const char *text)
{
    char path[512], spec[600];
    write_json(name, text, path, sizeof path);
    snprintf(spec, sizeof spec, "hf:%s", path);
    tokenizer *t = NULL;
    tb_error err = {0};
    int rc = tokenizer_new(spec, NULL, &t, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    return t;
}

static void expect(const tokenizer *t, const char *text, const uint32_t *want,
                   const uint32_t *want_offs, size_t n)
{
    uint32_t ids[64], offs[64];
    size_t got;
    tb_error err = {0};
    assert_int_equal(tokenizer_encode(t, text, strlen(text), ids, offs, 64, &got, &err), TB_OK);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ids[i], want[i]);
        if (want_offs)
            assert_int_equal(offs[i], want_offs[i]);
    }
}

static void test_tiny_by_hand(void **state)
{
    tokenizer *t = load("tiny.json", k_tiny);
    assert_int_equal(tokenizer_vocab_size(t), 12);
    expect(t, "ab ab", (uint32_t[]){1, 5, 1, 5}, (uint32_t[]){0, 0, 2, 3}, 4);
    expect(t, "\xe4\xb8\xad", (uint32_t[]){1, 7, 8, 9}, (uint32_t[]){0, 0, 1, 2}, 4);
    expect(t, "\xc3\xa9\xc3\xa9", (uint32_t[]){1, 0}, (uint32_t[]){0, 0}, 2);
    expect(t, "a<s>c", (uint32_t[]){4, 11, 1, 10}, (uint32_t[]){0, 1, 4, 4}, 4);
    expect(t, "", NULL, NULL, 0);
    /* fallback: the unk and the byte tokens, nothing else */
    assert_true(tokenizer_is_fallback(t, 0));
    assert_true(tokenizer_is_fallback(t, 7));
    assert_false(tokenizer_is_fallback(t, 1));
    assert_false(tokenizer_is_fallback(t, 5));
    /* a short buffer reports the size it needed */
    uint32_t ids[2];
    size_t n;
    tb_error err = {0};
    assert_int_equal(tokenizer_encode(t, "ab ab", 5, ids, NULL, 2, &n, &err), TB_OK);
    assert_int_equal(n, 4);
    /* decode: ByteFallback joins the bytes, Metaspace drops the first ▁ */
    char out[64];
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){1, 5, 1, 5}, 4, out, sizeof out, &n, &err),
                     TB_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "ab ab", 5);
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){1, 7, 8, 9}, 4, out, sizeof out, &n, &err),
                     TB_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\xe4\xb8\xad", 3);
    /* a cut byte run is one U+FFFD per byte token, as HF */
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){7, 8}, 2, out, sizeof out, &n, &err),
                     TB_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "\xef\xbf\xbd\xef\xbf\xbd", 6);
    /* pieces: the token alone, ▁ as a space, a byte token as its byte */
    assert_int_equal(tokenizer_piece(t, 1, out, sizeof out, &n, &err), TB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], ' ');
    assert_int_equal(tokenizer_piece(t, 7, out, sizeof out, &n, &err), TB_OK);
    assert_int_equal(n, 1);
    assert_int_equal((uint8_t)out[0], 0xE4);
    assert_int_equal(tokenizer_piece(t, 11, out, sizeof out, &n, &err), TB_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "<s>", 3);
    tokenizer_free(t);
}

static void test_unigram_by_hand(void **state)
{
    tokenizer *t = load("uni.json", k_uni);
    assert_int_equal(tokenizer_vocab_size(t), 8);
    expect(t, "ab", (uint32_t[]){4}, (uint32_t[]){0}, 1);
    expect(t, "ba", (uint32_t[]){1, 3, 2}, (uint32_t[]){0, 0, 1}, 3);
    expect(t, "\xc3\xa9\xc3\xa9", (uint32_t[]){1, 0}, (uint32_t[]){0, 0}, 2);
    assert_true(tokenizer_is_fallback(t, 0));
    assert_false(tokenizer_is_fallback(t, 6));   /* no byte_fallback: an ordinary piece */
    char out[64];
    size_t n;
    tb_error err = {0};
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){4, 1, 3, 2}, 4, out, sizeof out, &n, &err),
                     TB_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "ab ba", 5);
    /* a lone U+2581: the decoder leaves only empty strings */
    n = 99;
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){1}, 1, out, sizeof out, &n, &err), TB_OK);
    assert_int_equal(n, 0);
    tokenizer_free(t);
    const char *from = "\"byte_fallback\": false";
    const char *at = strstr(k_uni, from);
    assert_non_null(at);
    char text[sizeof k_uni + 8];
    snprintf(text, sizeof text, "%.*s\"byte_fallback\": true%s", (int)(at - k_uni), k_uni,
             at + strlen(from));
    t = load("uni_bf.json", text);
    expect(t, "\xc3\xa9\xc3\xa9", (uint32_t[]){1, 6, 7, 6, 7}, (uint32_t[]){0, 0, 0, 0, 0}, 5);
    assert_true(tokenizer_is_fallback(t, 6));
    tokenizer_free(t);
}

static void test_wordpiece_by_hand(void **state)
{
    tokenizer *t = load("wp.json", k_wp);
    expect(t, "Unaffable, ab", (uint32_t[]){1, 2, 3, 6, 4, 5},
           (uint32_t[]){0, 2, 5, 9, 11, 12}, 6);
    expect(t, "abc", (uint32_t[]){0}, (uint32_t[]){0}, 1);
    expect(t, "x\xe4\xb8\xady", (uint32_t[]){0, 7, 0}, NULL, 3);
    expect(t, "\xc3\x80" "b", (uint32_t[]){4, 5}, NULL, 2);
    expect(t, "unaffableab", (uint32_t[]){0}, NULL, 1);
    assert_true(tokenizer_is_fallback(t, 0));
    assert_false(tokenizer_is_fallback(t, 1));
    char out[64];
    size_t n;
    tb_error err = {0};
    assert_int_equal(tokenizer_decode(t, (uint32_t[]){1, 2, 3, 6, 4, 5}, 6, out, sizeof out, &n,
                                      &err),
                     TB_OK);
    assert_int_equal(n, 13);
    assert_memory_equal(out, "unaffable, ab", 13);
    tokenizer_free(t);
}

static void test_whitespace_word(void **state)
{
    tokenizer *t = load("ws.json", k_ws);
    expect(t, "a\xe2\x85\xab" "b", (uint32_t[]){1, 4, 2}, NULL, 3);
    expect(t, "a\xc2\xbd" "b", (uint32_t[]){1, 5, 3}, NULL, 3);
    expect(t, "a\xe2\x80\x8d" "b", (uint32_t[]){1, 6, 2}, NULL, 3);
    tokenizer_free(t);
}

/* base with one substring replaced. */
static char *variant_of(const char *base, const char *from, const char *to)
{
    const char *at = strstr(base, from);
    assert_non_null(at);
    size_t n = strlen(base) - strlen(from) + strlen(to);
    char *s = malloc(n + 1);
    assert_non_null(s);
    size_t k = (size_t)(at - base);
    memcpy(s, base, k);
    strcpy(s + k, to);
    strcat(s, at + strlen(from));
    return s;
}

static char *variant(const char *from, const char *to)
{
    return variant_of(k_tiny, from, to);
}

static void test_unigram_nfkc_first(void **state)
{
    char *a = variant_of(k_uni, "\"normalizer\": null", "\"normalizer\": {\"type\": \"NFKC\"}");
    char *b = variant_of(a, "\"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": "
                            "\"\xe2\x96\x81\", \"prepend_scheme\": \"always\", \"split\": true}",
                         "\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": "
                         "[{\"type\": \"WhitespaceSplit\"}, {\"type\": \"Metaspace\", "
                         "\"replacement\": \"\xe2\x96\x81\", \"prepend_scheme\": \"first\", "
                         "\"split\": true}]}");
    free(a);
    tokenizer *t = load("uni_first.json", b);
    free(b);
    expect(t, "e\xcc\x81 ab", (uint32_t[]){1, 0, 5}, (uint32_t[]){0, 0, 4}, 3);
    expect(t, "ab ab", (uint32_t[]){4, 5}, (uint32_t[]){0, 3}, 2);
    tokenizer_free(t);
}

static void test_wordpiece_marks(void **state)
{
    tokenizer *t = load("wp.json", k_wp);
    expect(t, "a\xe2\x83\xa3" "b", (uint32_t[]){0}, NULL, 1);
    expect(t, "a\xe0\xa4\x83" "b", (uint32_t[]){0}, NULL, 1);
    tokenizer_free(t);
    char *text = variant_of(k_wp, "{\"type\": \"BertNormalizer\", \"clean_text\": true, "
                            "\"handle_chinese_chars\": true, \"strip_accents\": null, "
                            "\"lowercase\": true}",
                            "{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFD\"}, "
                            "{\"type\": \"StripAccents\"}]}");
    t = load("wp_marks.json", text);
    free(text);
    expect(t, "a\xe2\x83\xa3" "b", (uint32_t[]){4, 5}, NULL, 2);
    expect(t, "a\xe0\xa4\x83" "b", (uint32_t[]){4, 5}, NULL, 2);
    tokenizer_free(t);
}

static void expect_error(const char *from, const char *to, const char *want)
{
    char *text = variant(from, to), path[512], spec[600];
    write_json("bad.json", text, path, sizeof path);
    free(text);
    snprintf(spec, sizeof spec, "hf:%s", path);
    tokenizer *t = NULL;
    tb_error err = {0};
    int rc = tokenizer_new(spec, NULL, &t, &err);
    if (rc != TB_EINPUT || !strstr(err.msg, want) || !strstr(err.msg, "bad.json"))
        fprintf(stderr, "want '%s', got %d '%s'\n", want, rc, err.msg);
    assert_int_equal(rc, TB_EINPUT);
    assert_null(t);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "bad.json"));
}

static void test_errors(void **state)
{
    expect_error("\"normalizer\": null", "\"normalizer\": {\"type\": \"Nmt\"}",
                 "normalizer 'Nmt' is not supported");
    expect_error("\"normalizer\": null",
                 "\"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"Regex\": \" +\"}, "
                 "\"content\": \"x\"}",
                 "normalizer Replace with a Regex pattern is not supported");
    expect_error("\"prepend_scheme\": \"always\", \"split\"", "\"prepend_scheme\": \"sometimes\", "
                 "\"split\"",
                 "prepend_scheme 'sometimes'");
    expect_error("{\"type\": \"ByteFallback\"}", "{\"type\": \"CTC\"}",
                 "decoder 'CTC' is not supported");
    expect_error("\"normalized\": false", "\"normalized\": false, \"lstrip\": true",
                 "added_tokens[0] '<s>': lstrip is not supported");
    expect_error("\"a b\", ", "\"a c\", ", "merges[0]: merged token 'ac' is not in vocab");
    expect_error("\"a b\", ", "\"a z\", ", "merges[0]: 'a z' uses a token not in vocab");
    expect_error("\"a b\", ", "\"a  b\", ", "merges[0]: expected \"a b\" or [\"a\", \"b\"]");
    expect_error("\"c\": 10}", "\"c\": 4000000}", "entry 'c': id 4000000 is far beyond");
    /* no unk_token and no byte tokens for é: encode refuses instead of
     * dropping it as HF would */
    char *text = variant("\"unk_token\": \"<unk>\"", "\"unk_token\": null"), path[512],
         spec[600];
    write_json("nounk.json", text, path, sizeof path);
    free(text);
    snprintf(spec, sizeof spec, "hf:%s", path);
    tokenizer *t = NULL;
    tb_error err = {0};
    assert_int_equal(tokenizer_new(spec, NULL, &t, &err), TB_OK);
    uint32_t ids[8];
    size_t n;
    assert_int_equal(tokenizer_encode(t, "ab \xc3\xa9", 5, ids, NULL, 8, &n, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "U+00E9 at byte 4 has no token"));
    tokenizer_free(t);
}

/* ---- hf:llama2, shared by two threads ----------------------------------- */

struct thr {
    const tokenizer *t;
    int ok;
};

static const char k_text[] = "Hello world, \xd0\x92\xd1\x81\xd0\xb5\xd0\xbe\xd0\xb1\xd1\x89\xd0"
                             "\xb0\xd1\x8f \xe4\xba\xba\xe4\xba\xba\xe7\x94\x9f\xe8\x80\x8c "
                             "\xe9\xbe\x98  x";

static void *thr_main(void *arg)
{
    struct thr *x = arg;
    uint32_t ids[128], first[128], offs[128];
    size_t n0 = 0, n;
    x->ok = 1;
    for (int i = 0; i < 2000; i++) {
        tb_error err = {0};
        if (tokenizer_encode(x->t, k_text, sizeof k_text - 1, i ? ids : first, offs, 128, &n,
                             &err) ||
            n > 128)
            x->ok = 0;
        if (i == 0)
            n0 = n;
        else if (n != n0 || memcmp(ids, first, n * sizeof *ids) != 0)
            x->ok = 0;
        for (size_t k = 1; k < n && k < 128; k++)
            if (offs[k] < offs[k - 1] || offs[k] >= sizeof k_text - 1)
                x->ok = 0;
    }
    return NULL;
}

static void test_llama2(void **state)
{
    tokenizer *t;
    tb_error err = {0};
    int rc = tokenizer_new("hf:llama2", NULL, &t, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TB_OK);
    assert_int_equal(tokenizer_vocab_size(t), 32000);
    /* HF tokenizers: "Hello world" -> ▁Hello ▁world; "  two  spaces" ->
     * ▁▁ two ▁ ▁spaces (tests/parity/encode.mjs hf:llama2) */
    uint32_t ids[16];
    size_t n;
    assert_int_equal(tokenizer_encode(t, "Hello world", 11, ids, NULL, 16, &n, &err), TB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 22557);
    assert_int_equal(ids[1], 1526);
    assert_int_equal(tokenizer_encode(t, "  two  spaces", 13, ids, NULL, 16, &n, &err), TB_OK);
    assert_int_equal(n, 4);
    assert_int_equal(ids[0], 259);
    assert_int_equal(ids[1], 989);
    assert_int_equal(ids[2], 28705);
    assert_int_equal(ids[3], 10599);
    /* U+9F98 has no token: three byte-fallback tokens, counted as fallback */
    uint32_t all[128];
    assert_int_equal(tokenizer_encode(t, k_text, sizeof k_text - 1, all, NULL, 128, &n, &err),
                     TB_OK);
    size_t fb = 0;
    for (size_t i = 0; i < n; i++)
        fb += (size_t)tokenizer_is_fallback(t, all[i]);
    assert_int_equal(fb, 3);
    /* round trip: Strip removes the prepended space */
    char back[256];
    size_t nb;
    assert_int_equal(tokenizer_decode(t, all, n, back, sizeof back, &nb, &err), TB_OK);
    assert_int_equal(nb, sizeof k_text - 1);
    assert_memory_equal(back, k_text, nb);
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
        cmocka_unit_test(test_tiny_by_hand),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_unigram_by_hand),
        cmocka_unit_test(test_wordpiece_by_hand),
        cmocka_unit_test(test_unigram_nfkc_first),
        cmocka_unit_test(test_wordpiece_marks),
        cmocka_unit_test(test_whitespace_word),
        cmocka_unit_test(test_llama2),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
