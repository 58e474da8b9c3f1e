/* cmd_tokenize.c - tokbench tokenize and detokenize: lines in, one line out
 * per line (the contract of the cmd: spec as well). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tb.h"
#include "../common/utf8.h"
#include "../tokenizers/tokenizer.h"
#include "commands.h"
#include "setup.h"

static const cli_opt tokenize_opts[] = {
    {"tokenizer", 't', "SPEC", "tokenizer spec (bytes, chars, graphemes, ...)"},
    {"corpus", 'c', "CORPUS", "corpus whose train split trains the tokenizer, if it learns"},
    {"lang", 'l', "LANG", "language of that corpus"},
    {"ids", 0, NULL, "print space-separated ids (the default)"},
    {"pieces", 0, NULL, "print the pieces; bytes that are not printable UTF-8, space and "
                        "backslash as \\xHH"},
    {"count", 0, NULL, "print the number of tokens"},
    {"verbose", 'v', NULL, "say on stderr whether the vocabulary came from the cache"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};
const cli_command tokenize_cmd = {
    "tokenize",
    "tokenize -t SPEC [-c CORPUS -l LANG] [--ids | --pieces | --count] [--verbose] [FILE]",
    "Encode lines (FILE or stdin): one output line per input line.",
    "Each line is encoded alone, without its newline and without special tokens. This is\n"
    "also the contract of the cmd: spec, so tokbench can test itself as an external\n"
    "tokenizer. Invalid UTF-8 stops with exit 3 and names the line and byte.\n"
    "\n"
    "-t cmd:COMMAND runs an external program that follows this contract (with\n"
    "/bin/sh -c; with -c, once over the language's corpus, else once per line). A\n"
    "crash, a non-zero exit, a wrong number of lines or anything but ids is exit 3.\n"
    "It gets -l's language code in TOKBENCH_LANG (with or without -c) and -c's\n"
    "corpus name in TOKBENCH_CORPUS. cmd:NAME=COMMAND names it (tokbench help run).\n"
    "Each run may take TOKBENCH_CMD_TIMEOUT seconds (default 60; 0: no limit; not\n"
    "whole seconds: exit 2); past it the program and everything it started are\n"
    "killed (exit 3). Ctrl-C or SIGTERM to tokbench kills them too.\n"
    "\n"
    "tiktoken:, hf: and bpe-file: vocabularies are compiled on first use (hf:\n"
    "Unigram and WordPiece files excepted) into\n"
    "$TOKBENCH_CACHE/vocab/ (default build/cache) and memory-mapped afterwards, so a\n"
    "second start-up takes milliseconds; a stale or damaged compiled file is rebuilt\n"
    "from the source, a cache that cannot be written is skipped. --verbose says which.\n",
    tokenize_opts,
    NULL,
};
static const cli_opt detokenize_opts[] = {
    {"tokenizer", 't', "SPEC", "tokenizer spec"},
    {"corpus", 'c', "CORPUS", "corpus the tokenizer was trained on, if it learns"},
    {"lang", 'l', "LANG", "language of that corpus"},
    {"verbose", 'v', NULL, "say on stderr whether the vocabulary came from the cache"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};
const cli_command detokenize_cmd = {
    "detokenize", "detokenize -t SPEC [-c CORPUS -l LANG] [--verbose] [FILE]",
    "Decode lines of space-separated ids (FILE or stdin) back to text, byte-exact.", NULL,
    detokenize_opts,
    NULL,
};

static void print_piece(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        int len = utf8_decode((const uint8_t *)p + i, n - i, &cp);
        if (len == 0 || cp <= 0x20 || cp == 0x7F || cp == '\\' || (cp >= 0x80 && cp < 0xA0)) {
            printf("\\x%02X", (unsigned char)p[i]);
            i++;
        } else {
            fwrite(p + i, 1, (size_t)len, stdout);
            i += (size_t)len;
        }
    }
}

/* ids[0..n) as decimal, space separated, and a newline into out (room for
 * 11 bytes an id + 1); returns the bytes written. printf per id was a third
 * of a whole `tokenize --ids` run (perf/startup.sh). */
static size_t format_ids(const uint32_t *ids, size_t n, char *out)
{
    char *o = out;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ' ';
        char tmp[10];
        int k = 0;
        uint32_t v = ids[i];
        do {
            tmp[k++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (k)
            *o++ = tmp[--k];
    }
    *o++ = '\n';
    return (size_t)(o - out);
}

int cmd_tokenize(const cli_args *a)
{
    int rc = 0;
    int mode = cli_count(&tokenize_cmd, a, "pieces") ? 1 : cli_count(&tokenize_cmd, a, "count") ? 2 : 0;
    if (cli_count(&tokenize_cmd, a, "pieces") + cli_count(&tokenize_cmd, a, "count") +
            cli_count(&tokenize_cmd, a, "ids") > 1) {
        fprintf(stderr, "tokbench tokenize: choose one of --ids, --pieces, --count\n");
        return TB_EUSAGE;
    }
    tb_error err = {0};
    cli_tok ts;
    if (cli_tok_open(&tokenize_cmd, a, &ts, &err)) {
        cli_tok_release(&ts);
        return cli_fail("tokenize", &err);
    }
    const char *fname;
    FILE *in = cli_open_input(a, &fname, &err);
    if (!in) {
        cli_tok_release(&ts);
        return cli_fail("tokenize", &err);
    }
    char *line = NULL, piece[256];
    size_t lcap = 0, cap = 4096, lineno = 0;
    ssize_t got;
    uint32_t *ids = malloc(cap * sizeof *ids);
    char *obuf = malloc(cap * 11 + 2);  /* one line of --ids output (format_ids) */
    static char stdout_buf[1 << 16];
    setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
    rc = ids && obuf ? TB_OK : tb_fail(&err, TB_EINPUT, "out of memory");
    while (rc == TB_OK && (got = getline(&line, &lcap, in)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        if (len && line[len - 1] == '\n')
            len--;
        size_t nt;
        rc = tokenizer_encode(ts.t, line, len, ids, NULL, cap, &nt, &err);
        if (rc == TB_OK && nt > cap) {
            while (cap < nt)
                cap *= 2;
            uint32_t *ni = realloc(ids, cap * sizeof *ni);
            if (ni)
                ids = ni;
            char *no = ni ? realloc(obuf, cap * 11 + 2) : NULL;
            if (!no) {
                rc = tb_fail(&err, TB_EINPUT, "out of memory");
                break;
            }
            obuf = no;
            rc = tokenizer_encode(ts.t, line, len, ids, NULL, cap, &nt, &err);
        }
        if (rc) {
            tb_wrap(&err, "%s:%zu: ", fname, lineno);
            break;
        }
        if (mode == 2) {
            printf("%zu\n", nt);
            continue;
        }
        if (mode == 0) {
            fwrite(obuf, 1, format_ids(ids, nt, obuf), stdout);
            continue;
        }
        for (size_t i = 0; i < nt; i++) {
            if (i)
                putchar(' ');
            size_t pn;
            rc = tokenizer_piece(ts.t, ids[i], piece, sizeof piece, &pn, &err);
            if (rc)
                break;
            print_piece(piece, pn < sizeof piece ? pn : sizeof piece);
        }
        putchar('\n');
    }
    if (rc == TB_OK && ferror(in))
        rc = tb_fail(&err, TB_EINPUT, "cannot read '%s'", fname);
    free(line);
    free(ids);
    free(obuf);
    if (in != stdin)
        fclose(in);
    cli_tok_release(&ts);
    if (fflush(stdout) != 0 && rc == TB_OK)
        rc = tb_fail(&err, TB_EINPUT, "cannot write output: %s", strerror(errno));
    return rc ? cli_fail("tokenize", &err) : 0;
}

int cmd_detokenize(const cli_args *a)
{
    int rc = 0;
    tb_error err = {0};
    cli_tok ts;
    if (cli_tok_open(&detokenize_cmd, a, &ts, &err)) {
        cli_tok_release(&ts);
        return cli_fail("detokenize", &err);
    }
    const char *fname;
    FILE *in = cli_open_input(a, &fname, &err);
    if (!in) {
        cli_tok_release(&ts);
        return cli_fail("detokenize", &err);
    }
    char *line = NULL, *out = NULL;
    size_t lcap = 0, icap = 0, ocap = 0, lineno = 0;
    uint32_t *ids = NULL;
    ssize_t got;
    while (rc == TB_OK && (got = getline(&line, &lcap, in)) >= 0) {
        lineno++;
        size_t len = (size_t)got, n = 0;
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        if (icap < len / 2 + 2) {
            icap = len / 2 + 2;
            uint32_t *ni = realloc(ids, icap * sizeof *ni);
            if (!ni) {
                rc = tb_fail(&err, TB_EINPUT, "out of memory");
                break;
            }
            ids = ni;
        }
        size_t i = 0;
        while (i < len && rc == TB_OK) {
            if (line[i] == ' ') {
                i++;
                continue;
            }
            if (line[i] < '0' || line[i] > '9') {
                rc = tb_fail(&err, TB_EINPUT, "%s:%zu: byte %zu: expected a token id, found '%c'",
                             fname, lineno, i + 1, line[i]);
                break;
            }
            unsigned long long v = 0;
            size_t start = i;
            while (i < len && line[i] >= '0' && line[i] <= '9') {
                v = v * 10 + (unsigned)(line[i] - '0');
                if (v > UINT32_MAX) {
                    rc = tb_fail(&err, TB_EINPUT, "%s:%zu: byte %zu: id too large", fname,
                                 lineno, start + 1);
                    break;
                }
                i++;
            }
            if (rc == TB_OK && i < len && line[i] != ' ')
                rc = tb_fail(&err, TB_EINPUT, "%s:%zu: byte %zu: expected a space after an id",
                             fname, lineno, i + 1);
            ids[n++] = (uint32_t)v;
        }
        if (rc)
            break;
        size_t nb;
        rc = tokenizer_decode(ts.t, ids, n, out, ocap, &nb, &err);
        if (rc == TB_OK && nb > ocap) {
            ocap = nb * 2;
            char *no = realloc(out, ocap);
            if (!no) {
                rc = tb_fail(&err, TB_EINPUT, "out of memory");
                break;
            }
            out = no;
            rc = tokenizer_decode(ts.t, ids, n, out, ocap, &nb, &err);
        }
        if (rc) {
            tb_wrap(&err, "%s:%zu: ", fname, lineno);
            break;
        }
        fwrite(out, 1, nb, stdout);
        putchar('\n');
    }
    free(line);
    free(out);
    free(ids);
    if (in != stdin)
        fclose(in);
    cli_tok_release(&ts);
    return rc ? cli_fail("detokenize", &err) : 0;
}
