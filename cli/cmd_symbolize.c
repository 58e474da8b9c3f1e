/* cmd_symbolize.c - `tokbench symbolize`: text to symbol text and back
 * (tokenizers/symbol.h), and the compression table of one corpus language. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tb.h"
#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "../tokenizers/symbol.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"
#include "../bench/stage_compress.h"
#include "../results/results.h"
#include "../bench/run.h"

static const cli_opt symbolize_opts[] = {
    {"tokenizer", 't', "SPEC", "tokenizer spec (symbol:V, symbol-stem:V, symbol-space:V, or any "
                               "scheme whose vocabulary fits the assignment)"},
    {"corpus", 'c', "CORPUS", "corpus whose train split trains the tokenizer"},
    {"lang", 'l', "LANG", "language of that corpus (or joint)"},
    {"decode", 0, NULL, "read symbol text, write the original text"},
    {"sizes", 0, "SPLIT", "instead of converting, print the compression table rows of the "
                          "corpus language (all, train or test) as CSV"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command symbolize_cmd = {
    "symbolize",
    "symbolize -c CORPUS -l LANG -t SPEC [--decode] [FILE] | --sizes SPLIT",
    "Write text as symbol text (one code point per token) or decode it back, byte-exact.",
    "Each line of FILE (or stdin) becomes one line of symbol text: token id k is written as\n"
    "the k-th code point of the assignment documented in tokenizers/symbol.h (printable\n"
    "ASCII, then 2-byte letters, CJK, the rest of the BMP, then planes 2-3, 1, 15-16,\n"
    "4-14; never a surrogate, noncharacter or control). --decode is the inverse. A final\n"
    "line without a newline stays without one, so both directions are byte-exact.\n"
    "Bad input (invalid UTF-8, a code point outside the assignment or the vocabulary,\n"
    "symbol text whose decoding is not valid UTF-8 or holds a newline) exits 3 naming\n"
    "FILE, line and byte, and writes nothing.\n"
    "--sizes SPLIT prints CSV rows instead: text_bytes, gzip9_bytes, xz9_bytes,\n"
    "zstd19_bytes (tokenizer column 'archive') and symbol_text_bytes, symbol_text_chars,\n"
    "symbol_dict_bytes, symbol_text_dict_bytes, oov_words, oov_word_count for the\n"
    "tokenizer (a symbol:, symbol-stem: or symbol-space: spec).\n",
    symbolize_opts,
    NULL,
};


static int sizes(const corpus *c, int lang, const tokenizer *t, const char *split_name,
                 tb_error *err)
{
    enum corpus_split split;
    if (strcmp(split_name, "all") == 0)
        split = CORPUS_ALL;
    else if (strcmp(split_name, "train") == 0)
        split = CORPUS_TRAIN;
    else if (strcmp(split_name, "test") == 0)
        split = CORPUS_TEST;
    else
        return tb_fail(err, TB_EUSAGE, "--sizes: unknown split '%s' (all, train, test)",
                       split_name);
    if (lang < 0)
        return tb_fail(err, TB_EUSAGE, "--sizes needs one language, not joint");
    results *res;
    if (results_new(&res, err))
        return TB_EINPUT;
    int rc = compress_emit_archivers(res, c, (size_t)lang, split, "archive", err);
    if (rc == TB_OK)
        rc = compress_emit_symbol(res, c, (size_t)lang, split, t, err);
    if (rc == TB_OK)
        rc = compress_emit_oov_words(res, c, (size_t)lang, split, t, err);
    if (rc == TB_OK)
        rc = results_write_csv(res, stdout, err);
    results_free(res);
    return rc;
}

/* Byte offset (from 1) in line[0..len) of the symbol whose piece holds
 * byte j of the decoded line (which decoded without error), and its code
 * point. */
static size_t symbol_at(const tokenizer *t, const char *line, size_t len, size_t j,
                        int32_t *cp)
{
    size_t i = 0, pos = 0;
    while (i < len) {
        int l = utf8_decode((const uint8_t *)line + i, len - i, cp);
        uint32_t id = (uint32_t)symbol_cp_index(*cp);
        size_t got = 0;
        tb_error ignore;
        if (l == 0 || tokenizer_decode(t, &id, 1, NULL, 0, &got, &ignore))
            break;
        if (j < pos + got)
            break;
        pos += got;
        i += (size_t)l;
    }
    return i + 1;
}

/* Converts every line of in into one buffer, written to stdout only when the
 * whole input converted: bad input leaves no partial output. A decoded line
 * must not hold a newline (symbol text can spell one with the byte
 * fallback), or the output would have more lines than the input. */
static int convert(const tokenizer *t, FILE *in, const char *fname, int decode, tb_error *err)
{
    char *line = NULL, *buf = NULL;
    size_t lcap = 0, bcap = 0, blen = 0, lineno = 0;
    ssize_t got;
    int rc = TB_OK;
    while (rc == TB_OK && (got = getline(&line, &lcap, in)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        int nl = len && line[len - 1] == '\n';
        if (nl)
            len--;
        size_t n;
        for (int pass = 0; pass < 2; pass++) {
            char *at = blen < bcap ? buf + blen : NULL;
            size_t room = bcap - blen;
            rc = decode ? symbol_text_decode(t, line, len, at, room, &n, err)
                        : symbol_text_encode(t, line, len, at, room, &n, NULL, err);
            if (rc || n + 1 <= room)
                break;
            size_t nc = bcap * 2 > blen + n + 1 ? bcap * 2 : blen + n + 1 + 4096;
            char *nb = realloc(buf, nc);
            if (!nb) {
                rc = tb_fail(err, TB_EINPUT, "out of memory");
                break;
            }
            buf = nb;
            bcap = nc;
        }
        if (rc == TB_OK && decode && n) {
            const char *lf = memchr(buf + blen, '\n', n);
            if (lf) {
                int32_t cp = 0;
                size_t at = symbol_at(t, line, len, (size_t)(lf - (buf + blen)), &cp);
                rc = tb_fail(err, TB_EINPUT,
                             "symbol text: byte %zu: U+%04X decodes to a newline, which no "
                             "line holds",
                             at, (unsigned)cp);
            }
        }
        if (rc) {
            tb_wrap(err, "%s:%zu: ", fname, lineno);
            break;
        }
        blen += n;
        if (nl)
            buf[blen++] = '\n';
    }
    if (rc == TB_OK && ferror(in))
        rc = tb_fail(err, TB_EINPUT, "cannot read '%s'", fname);
    if (rc == TB_OK && blen)
        fwrite(buf, 1, blen, stdout);
    free(line);
    free(buf);
    return rc;
}

int cmd_symbolize(const cli_args *a)
{
    int rc = 0;
    tb_error err = {0};
    const char *spec = cli_get(&symbolize_cmd, a, "tokenizer", NULL);
    const char *cname = cli_get(&symbolize_cmd, a, "corpus", NULL);
    const char *lname = cli_get(&symbolize_cmd, a, "lang", NULL);
    const char *split = cli_get(&symbolize_cmd, a, "sizes", NULL);
    if (!spec || !cname || !lname) {
        fprintf(stderr, "tokbench symbolize: needs -c CORPUS -l LANG -t SPEC\n");
        return TB_EUSAGE;
    }
    if (split && (a->npos > 0 || cli_count(&symbolize_cmd, a, "decode"))) {
        fprintf(stderr, "tokbench symbolize: --sizes takes no FILE and no --decode\n");
        return TB_EUSAGE;
    }
    if (a->npos > 1) {
        fprintf(stderr, "tokbench symbolize: at most one FILE\n");
        return TB_EUSAGE;
    }
    corpus *c = NULL;
    tokenizer *t = NULL;
    FILE *in = NULL;
    const char *fname = "<stdin>";
    rc = cli_open_corpus(&symbolize_cmd, a, cname, &c, &err);
    tokenizer_ctx ctx = cli_tokenizer_ctx(c, -1);
    if (rc == TB_OK && strcmp(lname, "joint") != 0) {
        ctx.lang = corpus_find_lang(c, lname);
        if (ctx.lang < 0)
            rc = tb_fail(&err, TB_EUSAGE, "corpus '%s' has no language '%s'", corpus_name(c),
                         lname);
    }
    if (rc == TB_OK)
        rc = tokenizer_new(spec, &ctx, &t, &err);
    if (rc == TB_OK && split) {
        rc = sizes(c, ctx.lang, t, split, &err);
    } else if (rc == TB_OK) {
        in = stdin;
        if (a->npos > 0 && strcmp(a->pos[0], "-") != 0) {
            fname = a->pos[0];
            in = fopen(fname, "rb");
            if (!in)
                rc = tb_fail(&err, TB_EINPUT, "cannot open '%s': %s", fname, strerror(errno));
        }
        if (rc == TB_OK)
            rc = convert(t, in, fname, cli_count(&symbolize_cmd, a, "decode") > 0, &err);
        if (in && in != stdin)
            fclose(in);
    }
    tokenizer_free(t);
    corpus_free(c);
    if (fflush(stdout) != 0 && rc == TB_OK)
        rc = tb_fail(&err, TB_EINPUT, "cannot write output: %s", strerror(errno));
    return rc ? cli_fail("symbolize", &err) : 0;
}
