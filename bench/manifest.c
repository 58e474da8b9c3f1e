/* manifest.c - run manifest in JSON (jansson) and Markdown. */
#include "manifest.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../common/afile.h"
#include "../corpora/corpus.h"
#include "../tokenizers/tokenizer.h"

#ifndef TB_VERSION
#define TB_VERSION "0.0.0"
#endif
#ifndef TB_COMMIT
#define TB_COMMIT "unknown"
#endif

struct manifest {
    json_t *root;
};

const char *manifest_tokbench_version(void) { return TB_VERSION " (" TB_COMMIT ")"; }

static void cpu_model(char *buf, size_t cap)
{
    snprintf(buf, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                p++;
                while (*p == ' ')
                    p++;
                p[strcspn(p, "\n")] = '\0';
                snprintf(buf, cap, "%s", p);
            }
            break;
        }
    }
    fclose(f);
}

/* The "key: value" lines of a corpus MANIFEST that describe its source into
 * *sources, and its languages' display names (`lang: CODE ... name=NAME`,
 * NAME the rest of the line) into *names, {CODE: NAME} in file order. */
static void corpus_sources(const char *dir, json_t **sources, json_t **names)
{
    *sources = json_object();
    *names = json_object();
    char path[4200];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (!strchr(line, '\n') && !feof(f)) { /* longer than line: none of ours, skipped */
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            continue;
        }
        line[strcspn(line, "\n")] = '\0';
        char *colon = strstr(line, ": ");
        if (!colon || strncmp(line, "file", 4) == 0)
            continue;
        *colon = '\0';
        if (strcmp(line, "lang") == 0) {
            char *code = colon + 2, *name = strstr(code, " name=");
            size_t n = strcspn(code, " ");
            if (name && n && name[6]) {
                code[n] = '\0';
                json_object_set_new(*names, code, json_string(name + 6));
            }
            continue;
        }
        json_object_set_new(*sources, line, json_string(colon + 2));
    }
    fclose(f);
}

/* A manifest handle that owns root; on failure root is released. */
static int manifest_wrap(json_t *root, manifest **out, tb_error *err)
{
    manifest *m = tb_calloc(1, sizeof *m, err);
    if (!m) {
        json_decref(root);
        return TB_EINPUT;
    }
    m->root = root;
    *out = m;
    return TB_OK;
}

int manifest_new(const run_config *cfg, int argc, char **argv, manifest **out, tb_error *err)
{
    *out = NULL;
    json_t *root = json_object();
    json_object_set_new(root, "tokbench", json_string(manifest_tokbench_version()));
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(root, "date", json_string(date));
    json_t *cmd = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(cmd, json_string(argv[i]));
    json_object_set_new(root, "command", cmd);

    json_t *machine = json_object();
    struct utsname u;
    if (uname(&u) == 0) {
        char os[512];
        snprintf(os, sizeof os, "%s %s %s", u.sysname, u.release, u.machine);
        json_object_set_new(machine, "os", json_string(os));
    }
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    json_object_set_new(machine, "cpu", json_string(cpu));
    json_object_set_new(machine, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    json_object_set_new(machine, "memory_gib",
                        json_real((double)pages * (double)psize / (1024.0 * 1024 * 1024)));
    json_object_set_new(root, "machine", machine);

    json_t *corpora = json_array();
    for (size_t i = 0; i < cfg->n_corpora; i++) {
        char path[4096];
        run_corpus_path(cfg->data_dir, cfg->corpora[i], path, sizeof path);
        corpus *c = NULL;
        if (run_corpus_open_pivot(cfg->data_dir, cfg->corpora[i], cfg->pivot, &c, err)) {
            json_decref(root);
            json_decref(corpora);
            return TB_EINPUT;
        }
        json_t *co = json_object();
        json_object_set_new(co, "name", json_string(corpus_name(c)));
        json_object_set_new(co, "manifest_sha256", json_string(corpus_manifest_hash(c)));
        json_object_set_new(co, "segments", json_integer((json_int_t)corpus_n_segments(c)));
        json_t *langs = json_array();
        for (size_t l = 0; l < corpus_n_langs(c); l++)
            json_array_append_new(langs, json_string(corpus_lang(c, l)));
        json_object_set_new(co, "langs", langs);
        /* the language parity and the _vs_en rows are relative to (corpus_pivot) */
        int pv = corpus_pivot(c);
        json_object_set_new(co, "pivot", pv >= 0 ? json_string(corpus_lang(c, (size_t)pv))
                                                 : json_null());
        json_t *src, *names;
        corpus_sources(path, &src, &names);
        json_object_set_new(co, "source", src);
        if (json_object_size(names))
            json_object_set_new(co, "lang_names", names);
        else
            json_decref(names);
        json_array_append_new(corpora, co);
        corpus_free(c);
    }
    json_object_set_new(root, "corpora", corpora);
    json_t *specs = json_array();
    for (size_t i = 0; i < cfg->n_specs; i++)
        json_array_append_new(specs, json_string(cfg->specs[i]));
    json_object_set_new(root, "tokenizers", specs);
    /* spec -> the vocabulary file it reads, with the sha256 the loader
     * checked (packaged names) or found (a user's file) */
    json_t *vocabs = json_object();
    for (size_t i = 0; i < cfg->n_specs; i++) {
        tokenizer_vocab tv;
        if (tokenizer_vocab_file(cfg->specs[i], &tv, err)) {
            json_decref(vocabs);
            json_decref(root);
            return TB_EINPUT;
        }
        if (!tv.path[0])
            continue;
        json_t *vo = json_object();
        json_object_set_new(vo, "path", json_string(tv.path));
        json_object_set_new(vo, "bytes", json_integer((json_int_t)tv.size));
        json_object_set_new(vo, "sha256", json_string(tv.sha256));
        json_object_set_new(vo, "checked", json_boolean(tv.verified));
        json_object_set_new(vocabs, cfg->specs[i], vo);
    }
    json_object_set_new(root, "vocabulary_files", vocabs);
    /* measured training: which specs on which corpora, each regime's settings */
    if (cfg->n_train) {
        json_t *tr = json_object(), *ts = json_array(), *tc = json_array(), *rg = json_array();
        for (size_t i = 0; i < cfg->n_train_specs; i++)
            json_array_append_new(ts, json_string(cfg->train_specs[i]));
        for (size_t i = 0; i < cfg->n_train_corpora; i++)
            json_array_append_new(tc, json_string(cfg->train_corpora[i]));
        static const char *const kinds[] = {"steps", "flops", "tokens", "epochs"};
        for (size_t r = 0; r < cfg->n_train; r++) {
            const stage_train_config *t = &cfg->train[r];
            json_t *o = json_object();
            json_object_set_new(o, "rows", json_string(t->label && t->label[0] ? t->label : "train"));
            json_object_set_new(o, "budget", json_real(t->budget));
            json_object_set_new(o, "budget_unit", json_string(kinds[t->kind]));
            json_object_set_new(o, "d_model", json_integer((json_int_t)t->model.d_model));
            json_object_set_new(o, "n_layers", json_integer((json_int_t)t->model.n_layers));
            json_object_set_new(o, "n_heads", json_integer((json_int_t)t->model.n_heads));
            json_object_set_new(o, "context", json_integer((json_int_t)t->model.context));
            json_object_set_new(o, "batch", json_integer((json_int_t)t->tc.batch));
            json_object_set_new(o, "seq", json_integer((json_int_t)t->tc.seq));
            json_object_set_new(o, "lr", json_real(t->tc.lr));
            json_object_set_new(o, "data_seed", json_integer((json_int_t)t->tc.data_seed));
            json_object_set_new(o, "eval_en_bytes", json_real(t->eval_bytes));
            json_object_set_new(o, "target", json_string(t->target_en ? "en" : "none"));
            json_array_append_new(rg, o);
        }
        json_object_set_new(tr, "tokenizers", ts);
        json_object_set_new(tr, "corpora", tc);
        json_object_set_new(tr, "regimes", rg);
        json_object_set_new(root, "training", tr);
    }

    return manifest_wrap(root, out, err);
}

int manifest_set_shards(manifest *m, size_t n, int timed, tb_error *err)
{
    json_t *o = json_object();
    if (!o)
        return tb_fail(err, TB_EINPUT, "manifest: out of memory");
    json_object_set_new(o, "shards", json_integer((json_int_t)n));
    json_object_set_new(
        o, "timings",
        json_string(timed ? "the timing rows are per-shard measurements: encode_mb_per_s is "
                            "the shards' summed bytes over their summed seconds, s_train "
                            "shard 0's (the cache's), the model's ms rows are priced with "
                            "shard 0's timing curve, the roofline check and this-machine "
                            "projections are shard 0's, ngram_s_build is the shards' counting "
                            "seconds summed plus the merge's estimation, the n-gram scoring, "
                            "suggestion and latency-stage timings are the merge's, and each "
                            "training job's timing rows come from the shard that ran it"
                          : "no timing rows (--no-timing)"));
    json_object_set_new(m->root, "sharded", o);
    return TB_OK;
}

void manifest_free(manifest *m)
{
    if (!m)
        return;
    json_decref(m->root);
    free(m);
}

int manifest_save(const manifest *m, const char *path, tb_error *err)
{
    afile af;
    if (afile_open(&af, path, err))
        return TB_EINPUT;
    if (json_dumpf(m->root, af.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
        afile_abort(&af);
        return tb_fail(err, TB_EINPUT, "cannot write '%s'", path);
    }
    fputc('\n', af.fp);
    return afile_commit(&af, err);
}

int manifest_load(const char *path, manifest **out, tb_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return tb_fail(err, TB_EINPUT, "manifest '%s': line %d, column %d: %s", path, je.line,
                       je.column, je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return tb_fail(err, TB_EINPUT, "manifest '%s': expected a JSON object", path);
    }
    return manifest_wrap(root, out, err);
}

int manifest_lang_names(const manifest *m, manifest_name_fn fn, void *ctx)
{
    size_t i;
    json_t *co;
    json_array_foreach(json_object_get(m->root, "corpora"), i, co)
    {
        const char *cname = json_string_value(json_object_get(co, "name"));
        json_t *names = json_object_get(co, "lang_names");
        if (!cname || !json_is_object(names))
            continue;
        const char *code;
        json_t *v;
        json_object_foreach(names, code, v)
        {
            const char *name = json_string_value(v);
            int rc = name ? fn(ctx, cname, code, name) : 0;
            if (rc)
                return rc;
        }
    }
    return 0;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

char *manifest_markdown(const manifest *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    json_t *r = m->root;
    fprintf(f, "- tokbench: %s\n", str_or(r, "tokbench", "?"));
    fprintf(f, "- date: %s\n", str_or(r, "date", "?"));
    json_t *cmd = json_object_get(r, "command");
    if (json_is_array(cmd)) {
        fputs("- command: `", f);
        size_t i;
        json_t *v;
        json_array_foreach(cmd, i, v) fprintf(f, "%s%s", i ? " " : "", json_string_value(v));
        fputs("`\n", f);
    }
    json_t *mc = json_object_get(r, "machine");
    if (json_is_object(mc))
        fprintf(f, "- machine: %s, %lld cores, %.1f GiB, %s\n", str_or(mc, "cpu", "?"),
                (long long)json_integer_value(json_object_get(mc, "cores")),
                json_number_value(json_object_get(mc, "memory_gib")), str_or(mc, "os", "?"));
    json_t *corpora = json_object_get(r, "corpora");
    size_t i;
    json_t *co;
    json_array_foreach(corpora, i, co)
    {
        fprintf(f, "- corpus `%s`: %lld segments, MANIFEST sha256 %.12s…", str_or(co, "name", "?"),
                (long long)json_integer_value(json_object_get(co, "segments")),
                str_or(co, "manifest_sha256", "?"));
        json_t *src = json_object_get(co, "source");
        const char *k;
        json_t *v;
        json_object_foreach(src, k, v)
        {
            if (strcmp(k, "source") == 0 || strcmp(k, "version") == 0 ||
                strcmp(k, "packages") == 0)
                fprintf(f, "; %s: %s", k, json_string_value(v));
        }
        fputc('\n', f);
    }
    json_t *specs = json_object_get(r, "tokenizers");
    if (json_is_array(specs)) {
        fputs("- tokenizers:", f);
        json_t *v;
        json_array_foreach(specs, i, v) fprintf(f, " `%s`", json_string_value(v));
        fputc('\n', f);
    }
    json_t *sh = json_object_get(r, "sharded");
    if (json_is_object(sh))
        fprintf(f, "- sharded: merged from %lld shards; %s\n",
                (long long)json_integer_value(json_object_get(sh, "shards")),
                str_or(sh, "timings", "?"));
    json_t *vocabs = json_object_get(r, "vocabulary_files");
    const char *vk;
    json_t *vv;
    json_object_foreach(vocabs, vk, vv)
    {
        fprintf(f, "- vocabulary `%s`: `%s`, sha256 %.12s…%s\n", vk, str_or(vv, "path", "?"),
                str_or(vv, "sha256", "?"),
                json_is_true(json_object_get(vv, "checked")) ? " (checked)" : "");
    }
    fclose(f);
    return buf;
}
