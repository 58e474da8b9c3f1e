/* test_bpe_train.c - the byte-level BPE trainer and its model file.
 *
 * Hand-checkable case (the classic example, one piece "aaabdaaabac"):
 *   pairs aa 4 (overlapping: 2 per "aaab"), ab 2, bd da ba ac 1
 *   merge 256 = a+a "aa"           -> [aa] a b d [aa] a b a c
 *   pairs (aa,a) 2, (a,b) 2 tie: lower left id wins: a (97) < aa (256)
 *   merge 257 = a+b "ab"           -> [aa][ab] d [aa][ab] a c
 *   merge 258 = 256+257 "aaab"     -> [aaab] d [aaab] a c
 *   every pair now has count 1: stop early at vocabulary 259.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../corpora/corpus.h"
#include "../tokenizers/bpe_cache.h"
#include "../tokenizers/bpe_model.h"
#include "../tokenizers/bpe_train.h"
#include "../tokenizers/pretok.h"
#include "../tokenizers/tokenizer.h"

static const char *root_dir(void)
{
    const char *r = getenv("TB_ROOT");
    return r && *r ? r : ".";
}

static char g_tmp[256];

static int setup(void **state)
{
    const char *t = getenv("TMPDIR");
    snprintf(g_tmp, sizeof g_tmp, "%s/test_bpe_train.XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(g_tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static bpe_trainer *new_trainer(size_t vocab, bpe_split_fn split)
{
    bpe_train_config cfg = {.vocab_size = vocab, .split = split, .pretok = "none"};
    bpe_trainer *t;
    tb_error err;
    if (bpe_trainer_new(&cfg, &t, &err))
        fail_msg("%s", err.msg);
    return t;
}

static void train(bpe_trainer *t)
{
    tb_error err;
    if (bpe_trainer_train(t, &err))
        fail_msg("%s", err.msg);
}

static void assert_token(const bpe_trainer *t, uint32_t id, const char *bytes, uint32_t l,
                         uint32_t r)
{
    size_t n;
    const uint8_t *b = bpe_trainer_token(t, id, &n);
    assert_int_equal(n, strlen(bytes));
    assert_memory_equal(b, bytes, n);
    uint32_t gl, gr;
    assert_int_equal(bpe_trainer_merge(t, id, &gl, &gr), 0);
    assert_int_equal(gl, l);
    assert_int_equal(gr, r);
}

static void test_classic(void **state)
{
    bpe_trainer *t = new_trainer(1000, NULL);
    tb_error err;
    assert_int_equal(bpe_trainer_add_text(t, "aaabdaaabac", 11, &err), TB_OK);
    train(t);
    assert_int_equal(bpe_trainer_vocab_size(t), 259);
    assert_token(t, 256, "aa", 'a', 'a');
    assert_token(t, 257, "ab", 'a', 'b');
    assert_token(t, 258, "aaab", 256, 257);
    bpe_train_stats st;
    bpe_trainer_stats(t, &st);
    assert_int_equal(st.stopped_early, 1);
    assert_int_equal(st.vocab, 259);
    assert_int_equal(st.pieces, 1);
    assert_int_equal(st.unique_pieces, 1);
    assert_int_equal(st.pairs, 6);
    size_t n;
    bpe_trainer_token(t, 'q', &n);
    assert_int_equal(n, 1);
    uint32_t l, r;
    assert_int_equal(bpe_trainer_merge(t, 'q', &l, &r), -1);
    bpe_trainer_free(t);

    /* A target below what the data allows stops at the target. */
    t = new_trainer(257, NULL);
    assert_int_equal(bpe_trainer_add_text(t, "aaabdaaabac", 11, &err), TB_OK);
    train(t);
    assert_int_equal(bpe_trainer_vocab_size(t), 257);
    bpe_trainer_stats(t, &st);
    assert_int_equal(st.stopped_early, 0);
    bpe_trainer_free(t);
}

/* Overlapping occurrences: "aaaa" has (a,a) 3 times; merging left to right
 * gives [aa][aa], and the new pair (aa,aa) has count 1 only. With weight 2
 * it has count 2 and is merged too. */
static void test_overlap_and_weights(void **state)
{
    tb_error err;
    bpe_trainer *t = new_trainer(300, NULL);
    assert_int_equal(bpe_trainer_add_piece(t, "aaaa", 4, 1, &err), TB_OK);
    train(t);
    assert_int_equal(bpe_trainer_vocab_size(t), 257);
    assert_token(t, 256, "aa", 'a', 'a');
    bpe_trainer_free(t);

    t = new_trainer(300, NULL);
    assert_int_equal(bpe_trainer_add_piece(t, "aaaa", 4, 2, &err), TB_OK);
    train(t);
    assert_int_equal(bpe_trainer_vocab_size(t), 258);
    assert_token(t, 257, "aaaa", 256, 256);
    bpe_trainer_free(t);

    /* Counts are weighted: "xy" x3 beats "ab" x2 although 'a' < 'x'. */
    t = new_trainer(257, NULL);
    assert_int_equal(bpe_trainer_add_piece(t, "ab", 2, 2, &err), TB_OK);
    assert_int_equal(bpe_trainer_add_piece(t, "xy", 2, 3, &err), TB_OK);
    train(t);
    assert_token(t, 256, "xy", 'x', 'y');
    bpe_trainer_free(t);
}

/* Equal counts: lower left id first, then lower right id; the order in
 * which pieces arrive does not matter. */
static void test_tie_breaks(void **state)
{
    static const char *const pieces[] = {"ca", "ba", "ac", "ab", "cb"};
    static const int orders[3][5] = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}};
    /* expected: (a,b) (a,c) (b,a) (c,a) (c,b) */
    static const char *const want[] = {"ab", "ac", "ba", "ca", "cb"};
    tb_error err;
    for (int o = 0; o < 3; o++) {
        bpe_trainer *t = new_trainer(1000, NULL);
        for (int i = 0; i < 5; i++)
            assert_int_equal(bpe_trainer_add_piece(t, pieces[orders[o][i]], 2, 2, &err), TB_OK);
        train(t);
        assert_int_equal(bpe_trainer_vocab_size(t), 261);
        for (uint32_t k = 0; k < 5; k++)
            assert_token(t, 256 + k, want[k], (uint8_t)want[k][0], (uint8_t)want[k][1]);
        bpe_trainer_free(t);
    }
    /* Right-id tie after a merge: pieces "xab" x2 and "xac" x2: (x,a) 4
     * first; then (xa,b) and (xa,c) both 2: b < c. */
    bpe_trainer *t = new_trainer(1000, NULL);
    assert_int_equal(bpe_trainer_add_piece(t, "xac", 3, 2, &err), TB_OK);
    assert_int_equal(bpe_trainer_add_piece(t, "xab", 3, 2, &err), TB_OK);
    train(t);
    assert_int_equal(bpe_trainer_vocab_size(t), 259);
    assert_token(t, 256, "xa", 'x', 'a');
    assert_token(t, 257, "xab", 256, 'b');
    assert_token(t, 258, "xac", 256, 'c');
    bpe_trainer_free(t);
}

static void test_split_spaces(void **state)
{
    tb_error err;
    /* pieces: "to" x1, " be" x2, " or" x1, " not" x1, " to" x1 */
    bpe_trainer *t = new_trainer(1000, bpe_split_spaces);
    const char *s = "to be or not to be";
    assert_int_equal(bpe_trainer_add_text(t, s, strlen(s), &err), TB_OK);
    bpe_train_stats st;
    bpe_trainer_stats(t, &st);
    assert_int_equal(st.pieces, 6);
    assert_int_equal(st.unique_pieces, 5);
    train(t);
    /* pairs: (' ',b) 2, (b,e) 2, (' ',o) 1, (o,r) 1, (' ',n) 1, (n,o) 1,
     * (o,t) 1, (' ',t) 1, (t,o) 2: tie at 2: ' ' (32) first; then
     * (t,o) 2 and ( b,e) 2: t (116) < " b" (256). */
    assert_token(t, 256, " b", ' ', 'b');
    assert_token(t, 257, "to", 't', 'o');
    assert_token(t, 258, " be", 256, 'e');
    assert_int_equal(bpe_trainer_vocab_size(t), 259);
    bpe_trainer_free(t);
}

static void test_vocab_range(void **state)
{
    tb_error err;
    bpe_trainer *t = NULL;
    bpe_train_config cfg = {.vocab_size = 256};
    assert_int_equal(bpe_trainer_new(&cfg, &t, &err), TB_EINPUT);
    assert_null(t);
    assert_non_null(strstr(err.msg, "257..1000000"));
    cfg.vocab_size = 1000001;
    assert_int_equal(bpe_trainer_new(&cfg, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "1000001"));
    cfg.vocab_size = 1000000;
    assert_int_equal(bpe_trainer_new(&cfg, &t, &err), TB_OK);
    bpe_trainer_free(t);
    cfg.vocab_size = 1000;
    cfg.pretok = "a b";
    assert_int_equal(bpe_trainer_new(&cfg, &t, &err), TB_EINPUT);
}

/* ---- model files ------------------------------------------------------- */

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path, size_t *n)
{
    char *d;
    tb_error err;
    if (tb_read_file(path, &d, n, &err))
        fail_msg("%s", err.msg);
    return d;
}

/* Naive reference encoder: applies the merges in rank order, each left to
 * right over the whole piece. ids[] has room for len entries. */
static size_t naive_encode(const bpe_trainer *t, const uint8_t *s, size_t len, uint32_t *ids)
{
    size_t n = len;
    for (size_t i = 0; i < len; i++)
        ids[i] = s[i];
    size_t v = bpe_trainer_vocab_size(t);
    for (uint32_t x = 256; x < v && n > 1; x++) {
        uint32_t a, b;
        bpe_trainer_merge(t, x, &a, &b);
        size_t o = 0;
        for (size_t i = 0; i < n;) {
            if (i + 1 < n && ids[i] == a && ids[i + 1] == b) {
                ids[o++] = x;
                i += 2;
            } else {
                ids[o++] = ids[i++];
            }
        }
        n = o;
    }
    return n;
}

static void test_model_roundtrip(void **state)
{
    tb_error err;
    bpe_train_config cfg = {.vocab_size = 300, .split = bpe_split_spaces, .pretok = "gpt2"};
    bpe_trainer *t;
    assert_int_equal(bpe_trainer_new(&cfg, &t, &err), TB_OK);
    const char *s = "the cat sat on the mat; the \xE7\x8C\xAB sat on the \xE7\x8C\xAB mat";
    for (int i = 0; i < 3; i++)
        assert_int_equal(bpe_trainer_add_text(t, s, strlen(s), &err), TB_OK);
    train(t);
    char path[512];
    snprintf(path, sizeof path, "%s/m.model", g_tmp);
    assert_int_equal(bpe_trainer_save(t, path, &err), TB_OK);
    size_t n;
    char *d = read_all(path, &n);
    const char *head = "tokbench-bpe 1\npretok gpt2\nvocab ";
    assert_memory_equal(d, head, strlen(head));
    assert_non_null(strstr(d, "\n0 00\n1 01\n"));
    assert_non_null(strstr(d, "\n255 ff\n256 "));
    free(d);

    bpe_model_data m;
    assert_int_equal(bpe_model_data_read(path, &m, &err), TB_OK);
    assert_string_equal(m.pretok, "gpt2");
    assert_int_equal(m.n, bpe_trainer_vocab_size(t));
    assert_true(m.n > 256);
    for (uint32_t k = 0; k < m.n; k++) {
        size_t l;
        const uint8_t *b = bpe_trainer_token(t, k, &l);
        assert_int_equal(m.off[k + 1] - m.off[k], l);
        assert_memory_equal(m.bytes + m.off[k], b, l);
    }
    bpe_model_data_release(&m);
    bpe_trainer_free(t);
}

/* Builds a valid model text with the given extra entries after the 256
 * bytes (hex strings), vocab count n_decl. */
static size_t make_model(char *buf, size_t cap, long n_decl, const char *const *extra,
                         size_t n_extra)
{
    size_t p = (size_t)snprintf(buf, cap, "tokbench-bpe 1\npretok none\nvocab %ld\n", n_decl);
    for (int k = 0; k < 256; k++)
        p += (size_t)snprintf(buf + p, cap - p, "%d %02x\n", k, k);
    for (size_t k = 0; k < n_extra; k++)
        p += (size_t)snprintf(buf + p, cap - p, "%zu %s\n", 256 + k, extra[k]);
    return p;
}

static void expect_bad(const char *data, size_t n, const char *want1, const char *want2)
{
    bpe_model_data m;
    tb_error err;
    int rc = bpe_model_data_parse("x.model", data, n, &m, &err);
    if (rc != TB_EINPUT)
        fail_msg("accepted a bad model (expecting '%s')", want1);
    if (!strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
        fail_msg("message '%s' lacks '%s' / '%s'", err.msg, want1, want2 ? want2 : "");
    assert_null(m.bytes);
}

static void test_model_bad(void **state)
{
    static char buf[8192];
    static const char *const good[] = {"6162", "616263", "6161"};
    bpe_model_data m;
    tb_error err;
    size_t n = make_model(buf, sizeof buf, 259, good, 3);
    assert_int_equal(bpe_model_data_parse("x.model", buf, n, &m, &err), TB_OK);
    assert_int_equal(m.n, 259);
    assert_int_equal(m.off[259] - m.off[258], 2);
    bpe_model_data_release(&m);
    /* upper-case hex is accepted */
    static const char *const upper[] = {"6A6B"};
    n = make_model(buf, sizeof buf, 257, upper, 1);
    assert_int_equal(bpe_model_data_parse("x.model", buf, n, &m, &err), TB_OK);
    bpe_model_data_release(&m);

    /* truncated: every proper prefix fails (a cut line has no newline or a
     * short count) */
    n = make_model(buf, sizeof buf, 259, good, 3);
    for (size_t cut = 0; cut < n; cut += (cut < 60 ? 1 : 97))
        expect_bad(buf, cut, "x.model", "line");
    expect_bad(buf, n - 1, "line 262:", "no newline");
    expect_bad(buf, n - 5, "line 262:", NULL);
    /* declared more than present */
    n = make_model(buf, sizeof buf, 260, good, 3);
    expect_bad(buf, n, "line 263:", "file ends after 259 of 260");
    /* far more declared than the file can hold: named where it ends (the
     * allocation is bounded by the file, not by the declared count) */
    n = make_model(buf, sizeof buf, 1000000, good, 3);
    expect_bad(buf, n, "line 263:", "file ends after 259 of 1000000 entries");
    /* more than declared */
    n = make_model(buf, sizeof buf, 258, good, 3);
    expect_bad(buf, n, "line 262:", "unexpected content");
    /* non-hex */
    static const char *const nonhex[] = {"61g2"};
    n = make_model(buf, sizeof buf, 257, nonhex, 1);
    expect_bad(buf, n, "line 260:", "non-hex character at column 7");
    static const char *const odd[] = {"616"};
    n = make_model(buf, sizeof buf, 257, odd, 1);
    expect_bad(buf, n, "line 260:", "odd");
    /* not a merge of earlier entries: "abc" before "ab" exists */
    static const char *const notmerge[] = {"616263"};
    n = make_model(buf, sizeof buf, 257, notmerge, 1);
    expect_bad(buf, n, "line 260:", "not the concatenation of two earlier entries");
    static const char *const dup[] = {"6162", "6162"};
    n = make_model(buf, sizeof buf, 258, dup, 2);
    expect_bad(buf, n, "line 261:", "repeats rank 256");
    static const char *const single[] = {"61"};
    n = make_model(buf, sizeof buf, 257, single, 1);
    expect_bad(buf, n, "line 260:", "single byte");
    /* rank gap */
    n = make_model(buf, sizeof buf, 258, good, 2);
    char *p = strstr(buf, "\n257 616263\n");
    assert_non_null(p);
    p[3] = '8'; /* "258 616263" */
    expect_bad(buf, n, "line 261:", "rank 258 where 257 was expected");
    /* a byte rank that is not its byte */
    n = make_model(buf, sizeof buf, 256, NULL, 0);
    p = strstr(buf, "\n65 41\n");
    assert_non_null(p);
    p[5] = '2';
    expect_bad(buf, n, "line 69:", "single byte 41");
    /* headers */
    expect_bad("tokbench-bpe 2\n", 15, "line 1:", NULL);
    expect_bad("tokbench-bpe 1\npretok a b\n", 26, "line 2:", NULL);
    expect_bad("tokbench-bpe 1\npretok x\nvocab 12\n", 33, "line 3:", "256..1000000");
    expect_bad("tokbench-bpe 1\npretok x\nvocab 99999999999\n", 42, "line 3:", NULL);
    expect_bad("tokbench-bpe 1\npretok x\nvocab 1000\n", 35, "line 4:", "truncated");
    expect_bad("", 0, "line 1:", NULL);

    /* the reader names the file */
    char path[512];
    snprintf(path, sizeof path, "%s/missing.model", g_tmp);
    assert_int_equal(bpe_model_data_read(path, &m, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "missing.model"));
    snprintf(path, sizeof path, "%s/bad.model", g_tmp);
    n = make_model(buf, sizeof buf, 257, notmerge, 1);
    write_file(path, buf, n);
    assert_int_equal(bpe_model_data_read(path, &m, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "bad.model': line 260:"));
}

/* Random corruptions of a valid model (fixed-seed LCG: byte flips,
 * deletions, cuts) are accepted or rejected with TB_EINPUT and a line
 * number, never crash (this test runs under ASan/UBSan too); an accepted
 * one satisfies the documented invariants. */
static void test_model_mutations(void **state)
{
    static char base[8192], buf[8192];
    static const char *const extra[] = {"6162", "616263", "6161", "61616161", "0a0a"};
    size_t n0 = make_model(base, sizeof base, 261, extra, 5);
    uint64_t x = 42;
    int accepted = 0, rejected = 0;
    static const char alphabet[] = "0123456789abcdefAFgz \n-";
    for (int it = 0; it < 3000; it++) {
        memcpy(buf, base, n0);
        size_t n = n0;
        int muts = 1 + it % 3;
        for (int k = 0; k < muts && n > 0; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t pos = (size_t)(x >> 33) % n;
            switch ((x >> 20) % 3) {
            case 0: buf[pos] = alphabet[(x >> 8) % (sizeof alphabet - 1)]; break;
            case 1: memmove(buf + pos, buf + pos + 1, n - pos - 1); n--; break;
            default: n = pos; break;
            }
        }
        bpe_model_data m;
        tb_error err;
        int rc = bpe_model_data_parse("m", buf, n, &m, &err);
        if (rc == TB_OK) {
            accepted++;
            assert_true(m.n >= 256);
            for (size_t k = 0; k < 256; k++) {
                assert_int_equal(m.off[k + 1] - m.off[k], 1);
                assert_int_equal(m.bytes[m.off[k]], k);
            }
            for (size_t k = 256; k < m.n; k++)
                assert_true(m.off[k + 1] - m.off[k] >= 2);
            bpe_model_data_release(&m);
        } else {
            rejected++;
            assert_int_equal(rc, TB_EINPUT);
            assert_non_null(strstr(err.msg, "bpe model 'm': line "));
        }
    }
    assert_true(rejected > 1000);
    /* some mutations stay valid (a preset name letter, an upper-case hex
     * digit of the same value): with this seed both outcomes occur */
    assert_true(accepted > 0);
}

/* bpe:1000 on the udhr train split of each language and joint: the naive
 * encoding of every segment (train and test) decodes to the segment, uses
 * only merges, and is shorter than the bytes; two trainings agree. */
static void test_udhr(void **state)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/corpora/data/udhr", root_dir());
    corpus *c;
    tb_error err;
    if (corpus_open(dir, &c, &err))
        fail_msg("%s (import it with: tokbench corpus fetch udhr)", err.msg);
    size_t nl = corpus_n_langs(c);
    for (int lang = -1; lang < (int)nl; lang++) {
        bpe_trainer *t[2];
        for (int r = 0; r < 2; r++) {
            t[r] = new_trainer(1000, bpe_split_spaces);
            assert_int_equal(bpe_trainer_add_corpus(t[r], c, lang, &err), TB_OK);
            train(t[r]);
        }
        size_t v = bpe_trainer_vocab_size(t[0]);
        print_message("udhr %s: vocabulary %zu\n", lang < 0 ? "joint" : corpus_lang(c, (size_t)lang), v);
        assert_true(v > 500 && v <= 1000);
        assert_int_equal(bpe_trainer_vocab_size(t[1]), v);
        for (uint32_t k = 0; k < v; k++) {
            size_t l0, l1;
            const uint8_t *b0 = bpe_trainer_token(t[0], k, &l0);
            const uint8_t *b1 = bpe_trainer_token(t[1], k, &l1);
            assert_int_equal(l0, l1);
            assert_memory_equal(b0, b1, l0);
        }
        size_t l0 = lang < 0 ? 0 : (size_t)lang, l1 = lang < 0 ? nl : (size_t)lang + 1;
        uint64_t total_bytes = 0, total_tokens = 0;
        for (size_t li = l0; li < l1; li++) {
            for (size_t seg = 0; seg < corpus_n_segments(c); seg++) {
                size_t len;
                const uint8_t *s = (const uint8_t *)corpus_segment(c, li, seg, &len);
                uint32_t *ids = malloc((len + 1) * sizeof *ids);
                uint8_t *back = malloc(len + 1);
                assert_non_null(ids);
                assert_non_null(back);
                /* encode piece by piece (the trainer's own splitter) */
                size_t nt = 0, start = 0;
                for (size_t i = 1; i <= len; i++)
                    if (i == len || s[i] == ' ') {
                        nt += naive_encode(t[0], s + start, i - start, ids + nt);
                        start = i;
                    }
                size_t pos = 0;
                for (size_t k = 0; k < nt; k++) {
                    assert_true(ids[k] < v);
                    size_t tl;
                    const uint8_t *tb = bpe_trainer_token(t[0], ids[k], &tl);
                    assert_true(pos + tl <= len);
                    memcpy(back + pos, tb, tl);
                    pos += tl;
                }
                assert_int_equal(pos, len);
                assert_memory_equal(back, s, len);
                total_bytes += len;
                total_tokens += nt;
                free(ids);
                free(back);
            }
        }
        /* a 1000-token vocabulary compresses text by well over 2x */
        assert_true(total_tokens * 2 < total_bytes);
        bpe_trainer_free(t[0]);
        bpe_trainer_free(t[1]);
    }
    corpus_free(c);
}

static void test_add_file(void **state)
{
    tb_error err;
    char path[512];
    snprintf(path, sizeof path, "%s/in.txt", g_tmp);
    write_file(path, "aaabdaaabac\naaabdaaabac", 23);
    bpe_trainer *t = new_trainer(1000, NULL);
    assert_int_equal(bpe_trainer_add_file(t, path, &err), TB_OK);
    bpe_train_stats st;
    bpe_trainer_stats(t, &st);
    assert_int_equal(st.texts, 2);
    assert_int_equal(st.unique_pieces, 1);
    train(t);
    /* doubled counts: aa 8, ab 4; (aa,a) 4 vs (a,b) 4: a first, as before;
     * then "aaab" 4; then (aaab,d), (d,aaab), (aaab,a), (a,c) all 2:
     * lowest left id: a (97) -> "ac"; then d (100) -> "daaab"; then
     * 258 "aaab"+d ... each remaining pair of the one word is merged. */
    assert_token(t, 256, "aa", 'a', 'a');
    assert_token(t, 257, "ab", 'a', 'b');
    assert_token(t, 258, "aaab", 256, 257);
    assert_token(t, 259, "ac", 'a', 'c');
    assert_token(t, 260, "daaab", 'd', 258);
    assert_token(t, 261, "aaabdaaab", 258, 260);
    assert_token(t, 262, "aaabdaaabac", 261, 259);
    assert_int_equal(bpe_trainer_vocab_size(t), 263);
    bpe_trainer_free(t);

    /* empty input */
    t = new_trainer(1000, NULL);
    write_file(path, "", 0);
    assert_int_equal(bpe_trainer_add_file(t, path, &err), TB_OK);
    assert_int_equal(bpe_trainer_train(t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "empty input"));
    bpe_trainer_free(t);

    write_file(path, "ok\nbad \xC3\n", 9);
    t = new_trainer(1000, NULL);
    assert_int_equal(bpe_trainer_add_file(t, path, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "in.txt': line 2: invalid UTF-8 at byte 5"));
    bpe_trainer_free(t);

    t = new_trainer(1000, NULL);
    assert_int_equal(bpe_trainer_add_text(t, "ab\xE2\x82", 4, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "invalid UTF-8 at byte 3"));
    bpe_trainer_free(t);
}

/* Encodes every segment of language li with t, checks ids < |V| and the
 * round trip; appends the ids to *all (for comparing two tokenizers). */
static void roundtrip_all(const tokenizer *t, const corpus *c, size_t li, uint32_t **all,
                          size_t *n_all)
{
    tb_error err;
    size_t v = tokenizer_vocab_size(t);
    for (size_t seg = 0; seg < corpus_n_segments(c); seg++) {
        size_t len, nt, nb;
        const char *s = corpus_segment(c, li, seg, &len);
        uint32_t *ids = malloc((len + 1) * sizeof *ids);
        char *back = malloc(len + 1);
        assert_non_null(ids);
        assert_non_null(back);
        if (tokenizer_encode(t, s, len, ids, NULL, len + 1, &nt, &err))
            fail_msg("%s", err.msg);
        assert_true(nt <= len);
        for (size_t k = 0; k < nt; k++)
            assert_true(ids[k] < v);
        if (tokenizer_decode(t, ids, nt, back, len + 1, &nb, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(nb, len);
        assert_memory_equal(back, s, len);
        uint32_t *na = realloc(*all, (*n_all + nt + 1) * sizeof *na);
        assert_non_null(na);
        *all = na;
        memcpy(na + *n_all, ids, nt * sizeof *ids);
        *n_all += nt;
        na[(*n_all)++] = UINT32_MAX; /* segment separator */
        free(ids);
        free(back);
    }
}

struct naive_sink {
    const bpe_trainer *t;
    const char *text;
    uint32_t *ids;
    size_t n;
};

static int naive_piece(void *arg, size_t start, size_t end)
{
    struct naive_sink *ns = arg;
    ns->n += naive_encode(ns->t, (const uint8_t *)ns->text + start, end - start,
                          ns->ids + ns->n);
    return 0;
}

/* The merge-order encoding (naive_encode per gpt2 piece) of every segment of
 * languages l0..l1, in the layout of roundtrip_all. */
static uint32_t *naive_all(const bpe_trainer *t, const pretok *pt, const corpus *c, size_t l0,
                           size_t l1, size_t *n_all)
{
    uint32_t *all = NULL;
    *n_all = 0;
    tb_error err;
    for (size_t li = l0; li < l1; li++)
        for (size_t seg = 0; seg < corpus_n_segments(c); seg++) {
            size_t len;
            const char *s = corpus_segment(c, li, seg, &len);
            uint32_t *na = realloc(all, (*n_all + len + 1) * sizeof *na);
            assert_non_null(na);
            all = na;
            struct naive_sink ns = {t, s, all + *n_all, 0};
            if (pretok_split(pt, s, len, naive_piece, &ns, &err))
                fail_msg("%s", err.msg);
            *n_all += ns.n;
            all[(*n_all)++] = UINT32_MAX;
        }
    return all;
}

/* The bpe:1000 spec on udhr, each language and joint: every segment round
 * trips; the model is cached at the documented path; a second handle comes
 * from the cache; a corrupt cache is rebuilt; bpe-file: on the cached model
 * gives identical ids. */
static void test_spec_udhr(void **state)
{
    char dir[512], cache[600];
    snprintf(dir, sizeof dir, "%s/corpora/data/udhr", root_dir());
    snprintf(cache, sizeof cache, "%s/cache", g_tmp);
    corpus *c;
    tb_error err;
    if (corpus_open(dir, &c, &err))
        fail_msg("%s (import it with: tokbench corpus fetch udhr)", err.msg);
    size_t nl = corpus_n_langs(c);
    for (int lang = -1; lang < (int)nl; lang++) {
        const char *lname = lang < 0 ? "joint" : corpus_lang(c, (size_t)lang);
        tokenizer_ctx ctx = {.corpus = c, .lang = lang, .cache_dir = cache};
        tokenizer *t, *t2, *tf;
        if (tokenizer_new("bpe:1000", &ctx, &t, &err))
            fail_msg("%s", err.msg);
        assert_true(tokenizer_vocab_size(t) > 500 && tokenizer_vocab_size(t) <= 1000);
        char path[1024], spec[1100];
        snprintf(path, sizeof path, "%s/%s/%s/bpe-1000-gpt2.model", cache,
                 corpus_manifest_hash(c), lname);
        bpe_model_data m;
        if (bpe_model_data_read(path, &m, &err))
            fail_msg("cache not written: %s", err.msg);
        assert_int_equal(m.n, tokenizer_vocab_size(t));
        bpe_model_data_release(&m);

        size_t l0 = lang < 0 ? 0 : (size_t)lang, l1 = lang < 0 ? nl : (size_t)lang + 1;
        uint32_t *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        for (size_t li = l0; li < l1; li++)
            roundtrip_all(t, c, li, &a, &na);

        /* corrupt the cache: one byte of the last entry's hex */
        size_t flen;
        char *fd = read_all(path, &flen);
        assert_true(flen > 10);
        fd[flen - 2] = 'z';
        write_file(path, fd, flen);
        free(fd);
        if (tokenizer_new("bpe:1000", &ctx, &t2, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(bpe_model_data_read(path, &m, &err), TB_OK); /* rewritten */
        bpe_model_data_release(&m);
        for (size_t li = l0; li < l1; li++)
            roundtrip_all(t2, c, li, &b, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof *a);

        /* The encoder (tiktoken's rule: lowest-rank concatenation, whole
         * piece if it is a token) gives exactly the segmentation of applying
         * the trained merges in order. */
        pretok *pt;
        bpe_trainer *tr;
        if (pretok_new_preset("gpt2", &pt, &err))
            fail_msg("%s", err.msg);
        bpe_train_config cfg = {.vocab_size = 1000, .split = bpe_split_pretok, .split_arg = pt,
                                .pretok = "gpt2"};
        assert_int_equal(bpe_trainer_new(&cfg, &tr, &err), TB_OK);
        assert_int_equal(bpe_trainer_add_corpus(tr, c, lang, &err), TB_OK);
        train(tr);
        assert_int_equal(bpe_trainer_vocab_size(tr), tokenizer_vocab_size(t));
        size_t nn;
        uint32_t *nv = naive_all(tr, pt, c, l0, l1, &nn);
        assert_int_equal(nn, na);
        assert_memory_equal(nv, a, na * sizeof *a);
        free(nv);
        bpe_trainer_free(tr);
        pretok_free(pt);

        snprintf(spec, sizeof spec, "bpe-file:%s", path);
        if (tokenizer_new(spec, NULL, &tf, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(tokenizer_vocab_size(tf), tokenizer_vocab_size(t));
        nb = 0;
        for (size_t li = l0; li < l1; li++)
            roundtrip_all(tf, c, li, &b, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof *a);
        free(a);
        free(b);
        tokenizer_free(t);
        tokenizer_free(t2);
        tokenizer_free(tf);
    }
    /* bad specs */
    tokenizer_ctx ctx = {.corpus = c, .lang = 0, .cache_dir = NULL};
    tokenizer *t = NULL;
    static const char *const bad[] = {"bpe:256", "bpe:1000001", "bpe:", "bpe:x", "bpe:12x",
                                      "bpe:1000:nosuch", "bpe:1000:"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        if (tokenizer_new(bad[k], &ctx, &t, &err) != TB_EINPUT)
            fail_msg("spec '%s' accepted", bad[k]);
        assert_null(t);
    }
    assert_int_equal(tokenizer_new("bpe:256", &ctx, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "257..1000000"));
    assert_int_equal(tokenizer_new("bpe:1000", NULL, &t, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "needs a corpus"));
    /* without a cache folder: trained each time, same result as cached */
    assert_int_equal(tokenizer_new("bpe:300:none", &ctx, &t, &err), TB_OK);
    uint32_t *a = NULL;
    size_t na = 0;
    roundtrip_all(t, c, 0, &a, &na);
    free(a);
    tokenizer_free(t);
    corpus_free(c);
}

/* ---- the cache: reuse of larger models, training time ------------------- */

static corpus *open_udhr(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/corpora/data/udhr", root_dir());
    corpus *c;
    tb_error err;
    if (corpus_open(dir, &c, &err))
        fail_msg("%s (import it with: tokbench corpus fetch udhr)", err.msg);
    return c;
}

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* <cache>/<hash>/<lang|joint>/bpe-<n>-<preset><ext> */
static void cache_file(char *out, size_t cap, const char *cache, const corpus *c, int lang,
                       size_t n, const char *preset, const char *ext)
{
    snprintf(out, cap, "%s/%s/%s/bpe-%zu-%s%s", cache, corpus_manifest_hash(c),
             lang < 0 ? "joint" : corpus_lang(c, (size_t)lang), n, preset, ext);
}

static tokenizer *spec_new(const char *spec, const corpus *c, int lang, const char *cache,
                           double *s_train)
{
    tokenizer_ctx ctx = {.corpus = c, .lang = lang, .cache_dir = cache, .s_train = s_train};
    tokenizer *t;
    tb_error err;
    if (s_train)
        *s_train = 0;
    if (tokenizer_new(spec, &ctx, &t, &err))
        fail_msg("%s", err.msg);
    return t;
}

/* The proof that the cache shortcut is exact. For each language and joint,
 * bpe:BIG is trained once into a cache (bpe_cache_warm); it stops
 * early on udhr (E < BIG entries). Then bpe:N for N below E (the first N
 * entries of that model), at E, just above E and far above BIG (the model
 * that stopped early answers them all) comes from that cache without
 * training, and is compared with bpe:N trained from scratch without a
 * cache: same vocabulary, token for token, and the same ids for every
 * segment of every udhr language (which round trip). */
static void test_cache_truncation_exact(void **state)
{
    enum { BIG = 100000 };
    corpus *c = open_udhr();
    char cache[600];
    snprintf(cache, sizeof cache, "%s/trunc", g_tmp);
    size_t nl = corpus_n_langs(c);
    tb_error err;
    for (int lang = -1; lang < (int)nl; lang++) {
        const char *lname = lang < 0 ? "joint" : corpus_lang(c, (size_t)lang);
        assert_int_equal(bpe_cache_warm(c, lang, cache, BIG, "gpt2", &err), TB_OK);
        char path[1200];
        cache_file(path, sizeof path, cache, c, lang, BIG, "gpt2", ".model");
        bpe_model_data m;
        if (bpe_model_data_read(path, &m, &err))
            fail_msg("warm cache wrote no model: %s", err.msg);
        size_t e = m.n;
        bpe_model_data_release(&m);
        print_message("udhr %s: bpe:%d stops early at %zu entries\n", lname, BIG, e);
        assert_true(e > 500 && e < BIG);
        double s_big;
        tokenizer_free(spec_new("bpe:100000", c, lang, cache, &s_big));
        assert_true(s_big > 0);

        const size_t ns[] = {300, 1000, (e + 256) / 2, e - 1, e, e + 1, 2 * BIG};
        for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
            char spec[64];
            snprintf(spec, sizeof spec, "bpe:%zu", ns[k]);
            double s_cut, s_fresh;
            tokenizer *cut = spec_new(spec, c, lang, cache, &s_cut);
            tokenizer *fresh = spec_new(spec, c, lang, NULL, &s_fresh);
            /* the shortcut was taken: nothing trained, nothing written */
            cache_file(path, sizeof path, cache, c, lang, ns[k], "gpt2", ".model");
            assert_false(file_exists(path));
            assert_true(s_fresh > 0);
            assert_true(s_cut > 0 && s_cut <= s_big);
            size_t v = tokenizer_vocab_size(fresh);
            assert_int_equal(v, ns[k] < e ? ns[k] : e);
            assert_int_equal(tokenizer_vocab_size(cut), v);
            for (uint32_t id = 0; id < v; id++) {
                char a[512], b[512];
                size_t la, lb;
                assert_int_equal(tokenizer_piece(cut, id, a, sizeof a, &la, &err), TB_OK);
                assert_int_equal(tokenizer_piece(fresh, id, b, sizeof b, &lb, &err), TB_OK);
                assert_int_equal(la, lb);
                assert_true(la <= sizeof a);
                assert_memory_equal(a, b, la);
            }
            uint32_t *ia = NULL, *ib = NULL;
            size_t na = 0, nb = 0;
            for (size_t li = 0; li < nl; li++) {
                roundtrip_all(cut, c, li, &ia, &na);
                roundtrip_all(fresh, c, li, &ib, &nb);
            }
            assert_int_equal(na, nb);
            assert_memory_equal(ia, ib, na * sizeof *ia);
            free(ia);
            free(ib);
            tokenizer_free(cut);
            tokenizer_free(fresh);
        }
    }
    corpus_free(c);
}

static char *slurp(const char *path)
{
    size_t n;
    return read_all(path, &n);
}

/* The rule of bpe_cache.h on small cases, the time file and s_train. */
static void test_cache_rules(void **state)
{
    corpus *c = open_udhr();
    int ru = corpus_find_lang(c, "ru");
    assert_true(ru >= 0);
    char cache[600], path[1200], tpath[1200];
    snprintf(cache, sizeof cache, "%s/rules", g_tmp);
    tb_error err;

    /* bpe:600 trained here: model and time file; s_train measured */
    double s1, s2;
    tokenizer *t = spec_new("bpe:600", c, ru, cache, &s1);
    tokenizer_free(t);
    assert_true(s1 > 0);
    cache_file(path, sizeof path, cache, c, ru, 600, "gpt2", ".model");
    cache_file(tpath, sizeof tpath, cache, c, ru, 600, "gpt2", ".time");
    assert_true(file_exists(path));
    char *tf = slurp(tpath);
    assert_memory_equal(tf, "tokbench-bpe-time 1\ns_count ", 28);
    assert_non_null(strstr(tf, "\nat 500 "));
    assert_non_null(strstr(tf, "\nat 600 "));
    assert_null(strstr(tf, "\nat 250 "));
    assert_int_equal(tf[strlen(tf) - 1], '\n');
    free(tf);
    /* from the cache: the stored seconds (6 decimals) */
    t = spec_new("bpe:600", c, ru, cache, &s2);
    tokenizer_free(t);
    assert_true(s2 > 0 && s2 - s1 < 1e-5 && s1 - s2 < 1e-5);

    /* a smaller target is cut from it: no new file; s_train is the time
     * recorded at 500 entries, at most the whole */
    t = spec_new("bpe:400", c, ru, cache, &s2);
    assert_int_equal(tokenizer_vocab_size(t), 400);
    tokenizer_free(t);
    cache_file(path, sizeof path, cache, c, ru, 400, "gpt2", ".model");
    assert_false(file_exists(path));
    assert_true(s2 > 0 && s2 <= s1 + 1e-5);

    /* a larger target is not answered by a model that reached its target */
    t = spec_new("bpe:700", c, ru, cache, NULL);
    assert_int_equal(tokenizer_vocab_size(t), 700);
    tokenizer_free(t);
    cache_file(path, sizeof path, cache, c, ru, 700, "gpt2", ".model");
    assert_true(file_exists(path));

    /* another preset is never reused */
    t = spec_new("bpe:300:cl100k", c, ru, cache, NULL);
    tokenizer_free(t);
    cache_file(path, sizeof path, cache, c, ru, 300, "cl100k", ".model");
    assert_true(file_exists(path));

    /* a model without its time file, or with a bad one, is not used: the
     * target is trained and both files written */
    cache_file(tpath, sizeof tpath, cache, c, ru, 600, "gpt2", ".time");
    assert_int_equal(unlink(tpath), 0);
    cache_file(tpath, sizeof tpath, cache, c, ru, 700, "gpt2", ".time");
    write_file(tpath, "tokbench-bpe-time 1\ns_count 1\nat 699 2\n", 39);
    t = spec_new("bpe:350", c, ru, cache, &s2);
    tokenizer_free(t);
    assert_true(s2 > 0);
    cache_file(path, sizeof path, cache, c, ru, 350, "gpt2", ".model");
    cache_file(tpath, sizeof tpath, cache, c, ru, 350, "gpt2", ".time");
    assert_true(file_exists(path));
    assert_true(file_exists(tpath));

    /* the time file decides s_train: a hand-written one is read back */
    cache_file(tpath, sizeof tpath, cache, c, ru, 350, "gpt2", ".time");
    write_file(tpath, "tokbench-bpe-time 1\ns_count 1.5\nat 350 2.25\n", 44);
    t = spec_new("bpe:350", c, ru, cache, &s2);
    tokenizer_free(t);
    assert_true(s2 == 3.75);
    t = spec_new("bpe:300", c, ru, cache, &s2); /* cut from 350 */
    tokenizer_free(t);
    assert_true(s2 == 3.75);

    /* schemes that are not trained here leave s_train alone */
    double s3 = -1;
    tokenizer_ctx ctx = {.corpus = c, .lang = ru, .cache_dir = cache, .s_train = &s3};
    assert_int_equal(tokenizer_new("bytes", &ctx, &t, &err), TB_OK);
    tokenizer_free(t);
    assert_true(s3 == -1);

    /* warm: nothing to do when a usable model is there; an unwritable
     * cache is an error naming the path */
    cache_file(path, sizeof path, cache, c, ru, 320, "gpt2", ".model");
    assert_int_equal(bpe_cache_warm(c, ru, cache, 320, NULL, &err), TB_OK);
    assert_false(file_exists(path)); /* answered by bpe-350 */
    cache_file(path, sizeof path, cache, c, ru, 800, "gpt2", ".model");
    assert_int_equal(bpe_cache_warm(c, ru, cache, 800, NULL, &err), TB_OK);
    assert_true(file_exists(path)); /* trained */
    char blocked[700];
    snprintf(blocked, sizeof blocked, "%s/plainfile", g_tmp);
    write_file(blocked, "x", 1);
    assert_int_equal(bpe_cache_warm(c, ru, blocked, 300, "gpt2", &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "plainfile"));
    assert_int_equal(bpe_cache_warm(c, ru, NULL, 300, "gpt2", &err), TB_OK);
    assert_int_equal(bpe_cache_warm(c, ru, cache, 256, "gpt2", &err), TB_EINPUT);
    assert_int_equal(bpe_cache_warm(c, ru, cache, 300, "nosuch", &err), TB_EINPUT);
    assert_int_equal(bpe_cache_warm(c, 7, cache, 300, "gpt2", &err), TB_EINPUT);
    corpus_free(c);
}

static void test_spec_parse(void **state)
{
    size_t n = 0;
    char pre[64];
    int joint = -1;
    assert_int_equal(bpe_cache_spec_parse("bpe:32k", &n, pre, sizeof pre, &joint), 1);
    assert_int_equal(n, 32000);
    assert_string_equal(pre, "gpt2");
    assert_int_equal(joint, 0);
    assert_int_equal(bpe_cache_spec_parse("joint:bpe:1000:cl100k", &n, pre, sizeof pre, &joint),
                     1);
    assert_int_equal(n, 1000);
    assert_string_equal(pre, "cl100k");
    assert_int_equal(joint, 1);
    static const char *const no[] = {"bytes", "bpe:256", "bpe:12x", "bpe:", "bpe:1000:",
                                     "bpe-file:x", "joint:bytes", "bpe:1001k", "bpe:300:a b"};
    for (size_t k = 0; k < sizeof no / sizeof no[0]; k++)
        assert_int_equal(bpe_cache_spec_parse(no[k], &n, pre, sizeof pre, &joint), 0);
    char tiny[4];
    assert_int_equal(bpe_cache_spec_parse("bpe:300:cl100k", &n, tiny, sizeof tiny, &joint), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classic),
        cmocka_unit_test(test_overlap_and_weights),
        cmocka_unit_test(test_tie_breaks),
        cmocka_unit_test(test_split_spaces),
        cmocka_unit_test(test_vocab_range),
        cmocka_unit_test(test_model_roundtrip),
        cmocka_unit_test(test_model_bad),
        cmocka_unit_test(test_model_mutations),
        cmocka_unit_test(test_add_file),
        cmocka_unit_test(test_udhr),
        cmocka_unit_test(test_spec_udhr),
        cmocka_unit_test(test_cache_truncation_exact),
        cmocka_unit_test(test_cache_rules),
        cmocka_unit_test(test_spec_parse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
