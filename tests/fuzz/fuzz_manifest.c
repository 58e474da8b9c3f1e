/* fuzz_manifest.c - libFuzzer target: the run manifest's two readers on any
 * bytes. The first byte picks one: even, the bytes are a manifest.json
 * (manifest_load, then the language names, the Markdown, and a save and
 * reload that must give the same names); odd, the rest is a corpus MANIFEST
 * (manifest_new reads its source keys and `lang:` names). Either returns
 * TB_OK or TB_EINPUT with a message, never crashes or leaks, and every name
 * handed out is a non-empty string that langnames takes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../bench/manifest.h"
#include "../../bench/run.h"
#include "../../reports/langnames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct names {
    langnames *ln;
    size_t n;
};

static int add(void *ctx, const char *cname, const char *lang, const char *name)
{
    struct names *s = ctx;
    tb_error err = {0};
    if (!cname || !lang || !name)
        abort();
    s->n++;
    return langnames_add(s->ln, cname, lang, name, &err) != TB_OK;
}

static size_t names_of(const manifest *m)
{
    struct names s = {0};
    tb_error err = {0};
    if (langnames_new(&s.ln, &err))
        abort();
    if (manifest_lang_names(m, add, &s))
        abort();
    langnames_free(s.ln);
    return s.n;
}

static int write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 1;
    fwrite(data, 1, size, f);
    return fclose(f) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/tb-fuzz-manifest-%ld", (long)getpid());
    mkdir(dir, 0700);
    tb_error err = {0};
    manifest *m = NULL;
    if (data[0] % 2 == 0) {
        snprintf(path, sizeof path, "%s/manifest.json", dir);
        if (write_file(path, data + 1, size - 1))
            return 0;
        int rc = manifest_load(path, &m, &err);
        if (rc == TB_OK) {
            size_t n = names_of(m);
            free(manifest_markdown(m));
            char out[160];
            snprintf(out, sizeof out, "%s/again.json", dir);
            manifest *back = NULL;
            if (manifest_save(m, out, &err) != TB_OK || manifest_load(out, &back, &err) != TB_OK ||
                names_of(back) != n)
                abort();
            manifest_free(back);
            unlink(out);
        } else if (rc != TB_EINPUT || err.msg[0] == '\0') {
            abort();
        }
        manifest_free(m);
        unlink(path);
        rmdir(dir);
        return 0;
    }
    /* a corpus "c" of one language whose MANIFEST is the rest */
    char cdir[96];
    snprintf(cdir, sizeof cdir, "%s/c", dir);
    mkdir(cdir, 0700);
    snprintf(path, sizeof path, "%s/en.txt", cdir);
    static const uint8_t line[] = "a\n";
    if (write_file(path, line, sizeof line - 1))
        return 0;
    snprintf(path, sizeof path, "%s/MANIFEST", cdir);
    if (write_file(path, data + 1, size - 1))
        return 0;
    const char *corpora[] = {"c"};
    run_config cfg = {.data_dir = dir, .corpora = corpora, .n_corpora = 1};
    char *argv[] = {"fuzz", NULL};
    int rc = manifest_new(&cfg, 1, argv, &m, &err);
    if (rc == TB_OK) {
        names_of(m);
        free(manifest_markdown(m));
    } else if (rc != TB_EINPUT || err.msg[0] == '\0') {
        abort();
    }
    manifest_free(m);
    unlink(path);
    snprintf(path, sizeof path, "%s/en.txt", cdir);
    unlink(path);
    rmdir(cdir);
    rmdir(dir);
    return 0;
}
