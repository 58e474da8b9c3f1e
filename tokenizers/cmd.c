/* cmd.c - `cmd:[NAME=]COMMAND`: an external tokenizer program as a scheme
 * (the spec's grammar and the name rows carry: cmd.h).
 *
 * Contract with the program (the same as `tokbench tokenize --ids`): it reads
 * lines on stdin and prints, for each input line, one line of space-separated
 * decimal ids, then exits 0. It is run with /bin/sh -c COMMAND, stdin from a
 * temporary file of lines and stdout to another, so a program that buffers
 * its output cannot deadlock. Everything it prints is checked: a crash
 * (signal), a non-zero exit, more or fewer lines than were given, and
 * anything but digits and spaces are errors that quote its stderr, each
 * starting "cmd 'COMMAND': language 'ru': " ("cmd:NAME ('COMMAND'): ..." when
 * named; the language when the context has a corpus, 'joint' for all of its
 * languages, or when it names one without a corpus).
 *
 * Environment of the program: TOKBENCH_LANG, the language code of the lines
 * ("ru"; "joint" when they are every language of the corpus; without a
 * corpus ctx->lang_code), and TOKBENCH_CORPUS, the corpus name; each set
 * only when known, otherwise left as tokbench's own environment has it. There
 * is no split variable: one run covers every split of the language.
 *
 * Every run has a time limit: TOKBENCH_CMD_TIMEOUT seconds (read at
 * construction; unset or empty: 60; 0: none; anything but whole seconds up
 * to 1000000 is TB_EUSAGE naming the variable). A run that passes it gets
 * SIGKILL with its whole process group and fails with TB_EINPUT. With or
 * without a limit the program runs in a process group of its own, listed
 * for tb_spawn_kill_live (common/spawn.h), so the CLI's SIGINT/SIGTERM
 * handler kills it and whatever it started; when it ends, whatever it left
 * running in its group is killed.
 *
 * With a corpus in the context every segment of the language (all languages
 * for joint) is encoded in one run at construction and kept in a hash table
 * text -> ids, so `run` starts the program once per language. A text not in
 * the table is encoded by a run of its own. The vocabulary size is the
 * largest id seen at construction + 1 (at least 1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/spawn.h"
#include "../corpora/corpus.h"
#include "cmd.h"
#include "tokenizer_impl.h"

struct entry {
    uint64_t hash;
    size_t text_off, text_len;  /* in texts */
    size_t ids_off, n_ids;      /* in ids */
};

#define CMD_DEFAULT_TIMEOUT_S 60u
#define CMD_MAX_TIMEOUT_S 1000000ul

struct cmd_state {
    char *command;
    char *who;                  /* "cmd 'COMMAND'" (or "cmd:NAME ('COMMAND')"), then
                                 * ": language 'ru'" when known: the start of every
                                 * error message */
    char *lang;                 /* TOKBENCH_LANG, or NULL: not set */
    char *corpus;               /* TOKBENCH_CORPUS, or NULL: not set */
    unsigned timeout_s;         /* seconds per run before its group is killed; 0: none */
    int named;                  /* 1: cmd:NAME=COMMAND */
    char *texts;                /* every prepared text, back to back */
    uint32_t *ids;              /* every prepared id list, back to back */
    struct entry *slots;        /* open addressing; hash 0 marks empty */
    size_t cap;                 /* power of two */
};

static uint64_t text_hash(const char *s, size_t n)
{
    uint64_t h = tb_fnv1a64(s, n);
    return h ? h : 1; /* 0 marks an empty slot */
}

/* TOKBENCH_CMD_TIMEOUT into *out (see the top of the file). */
static int timeout_from_env(unsigned *out, tb_error *err)
{
    const char *v = getenv("TOKBENCH_CMD_TIMEOUT");
    *out = CMD_DEFAULT_TIMEOUT_S;
    if (!v || !*v)
        return TB_OK;
    unsigned long n = 0;
    const char *p = v;
    for (; *p >= '0' && *p <= '9' && n <= CMD_MAX_TIMEOUT_S; p++)
        n = n * 10 + (unsigned long)(*p - '0');
    if (*p || n > CMD_MAX_TIMEOUT_S)
        return tb_fail(err, TB_EUSAGE,
                       "TOKBENCH_CMD_TIMEOUT '%s': expected whole seconds per run of a cmd: "
                       "tokenizer, 0 (no limit) to %lu",
                       v, CMD_MAX_TIMEOUT_S);
    *out = (unsigned)n;
    return TB_OK;
}

/* Runs the command on n lines; on success *out holds its whole stdout. */
static int run_command(const struct cmd_state *st, const char *const *lines, const size_t *lens,
                       size_t n, char **out, size_t *out_len, tb_error *err)
{
    const char *who = st->who;
    char dir[] = "/tmp/tokbench-cmd-XXXXXX";
    if (!mkdtemp(dir))
        return tb_fail(err, TB_EINPUT, "%s: cannot create a temporary folder: %s", who,
                       strerror(errno));
    char in_path[64], out_path[64], err_path[64];
    snprintf(in_path, sizeof in_path, "%s/in", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    snprintf(err_path, sizeof err_path, "%s/err", dir);
    int rc = TB_OK;
    FILE *f = fopen(in_path, "wb");
    if (!f)
        rc = tb_fail(err, TB_EINPUT, "%s: cannot write '%s'", who, in_path);
    for (size_t i = 0; i < n && rc == TB_OK; i++) {
        fwrite(lines[i], 1, lens[i], f);
        fputc('\n', f);
    }
    if (f && fclose(f) != 0 && rc == TB_OK)
        rc = tb_fail(err, TB_EINPUT, "%s: cannot write '%s'", who, in_path);
    if (rc == TB_OK) {
        /* the variables travel as arguments of a wrapper shell that exports
         * them and execs the command's (same process, same group): no
         * setenv in a process whose jobs run in threads */
        static const char wrap[] = "[ -n \"$1\" ] && export TOKBENCH_LANG=\"$1\"; "
                                   "[ -n \"$2\" ] && export TOKBENCH_CORPUS=\"$2\"; "
                                   "exec /bin/sh -c \"$3\" sh";
        const char *plain[] = {"sh", "-c", st->command, NULL};
        const char *wrapped[] = {"sh", "-c", wrap, "sh", st->lang ? st->lang : "",
                                 st->corpus ? st->corpus : "", st->command, NULL};
        const char *const *argv = st->lang || st->corpus ? wrapped : plain;
        tb_spawn_config cfg = {.argv = argv, .path = "/bin/sh", .stdin_path = in_path,
                               .stdout_path = out_path, .stderr_path = err_path,
                               .file_mode = 0600, .timeout_s = st->timeout_s, .own_group = 1};
        tb_spawn_result res;
        tb_error why = {0};
        if (tb_spawn_run(&cfg, &res, &why) != TB_OK) {
            char tail[512];
            tb_spawn_last_line(res.tail, tail, sizeof tail);
            const char *sep = tail[0] ? "; stderr: " : "";
            if (res.start_errno)
                rc = tb_fail(err, TB_EINPUT, "%s: cannot start /bin/sh: %s", who,
                             strerror(res.start_errno));
            else if (res.timed_out)
                rc = tb_fail(err, TB_EINPUT,
                             "%s: no answer within %u s for %zu line%s; killed it and its "
                             "process group (raise the limit with TOKBENCH_CMD_TIMEOUT=SECONDS, "
                             "0 for none)%s%s",
                             who, st->timeout_s, n, n == 1 ? "" : "s", sep, tail);
            else if (res.signal)
                rc = tb_fail(err, TB_EINPUT, "%s: crashed (signal %d%s%s)", who, res.signal, sep,
                             tail);
            else if (res.exited)
                /* 127, not found: maybe cmd:var=value ./prog read as a name */
                rc = tb_fail(err, TB_EINPUT, "%s: exited with status %d%s%s%s", who,
                             res.exit_status, sep, tail,
                             st->named && res.exit_status == 127
                                 ? " (the spec was read as cmd:NAME=COMMAND; a command that "
                                   "starts with an assignment var=value is written cmd:=var=value "
                                   "... or cmd:env var=value ...)"
                                 : "");
            else /* it ran, but could not be waited for */
                rc = tb_fail(err, TB_EINPUT, "%s: %s", who, why.msg);
        }
    }
    if (rc == TB_OK)
        rc = tb_read_file(out_path, out, out_len, err);
    unlink(in_path);
    unlink(out_path);
    unlink(err_path);
    rmdir(dir);
    return rc;
}

/* Parses the program's output into n id lists (appended to *ids). */
static int parse_output(const char *who, const char *outp, size_t len, size_t n,
                        uint32_t **ids, size_t *n_ids, size_t *cap, size_t *starts,
                        tb_error *err)
{
    size_t pos = 0, line = 0;
    while (pos < len) {
        if (line == n)
            return tb_fail(err, TB_EINPUT, "%s: printed more than %zu lines for %zu input lines",
                           who, n, n);
        starts[line] = *n_ids;
        size_t col = 0;
        while (pos < len && outp[pos] != '\n') {
            char ch = outp[pos];
            if (ch == ' ' || ch == '\t' || ch == '\r') {
                pos++;
                col++;
                continue;
            }
            if (ch < '0' || ch > '9')
                return tb_fail(err, TB_EINPUT,
                               "%s: output line %zu: byte %zu: expected a token id, found "
                               "0x%02X",
                               who, line + 1, col + 1, (unsigned char)ch);
            uint64_t v = 0;
            size_t start = col;
            while (pos < len && outp[pos] >= '0' && outp[pos] <= '9') {
                v = v * 10 + (uint64_t)(outp[pos] - '0');
                if (v > UINT32_MAX - 1)
                    return tb_fail(err, TB_EINPUT,
                                   "%s: output line %zu: byte %zu: id too large", who,
                                   line + 1, start + 1);
                pos++;
                col++;
            }
            if (*n_ids == *cap) {
                *cap = *cap ? 2 * *cap : 4096;
                uint32_t *ni = tb_realloc(*ids, *cap * sizeof *ni, err);
                if (!ni)
                    return TB_EINPUT;
                *ids = ni;
            }
            (*ids)[(*n_ids)++] = (uint32_t)v;
        }
        pos++; /* the newline (or the end) */
        line++;
    }
    if (line != n)
        return tb_fail(err, TB_EINPUT, "%s: printed %zu lines for %zu input lines", who, line,
                       n);
    starts[n] = *n_ids;
    return TB_OK;
}

static int cmd_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                      uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    const struct cmd_state *st = t->state;
    if (memchr(text, '\n', len))
        return tb_fail(err, TB_EINPUT, "%s: text contains a newline (one line per text)",
                       st->who);
    if (st->cap) {
        uint64_t h = text_hash(text, len);
        for (size_t i = (size_t)h & (st->cap - 1); st->slots[i].hash;
             i = (i + 1) & (st->cap - 1)) {
            const struct entry *e = &st->slots[i];
            if (e->hash == h && e->text_len == len && memcmp(st->texts + e->text_off, text, len) == 0) {
                *n_tokens = e->n_ids;
                if (e->n_ids && cap)
                    memcpy(ids, st->ids + e->ids_off,
                           (e->n_ids < cap ? e->n_ids : cap) * sizeof *ids);
                return TB_OK;
            }
        }
    }
    char *outp = NULL;
    size_t olen = 0, n_ids = 0, idcap = 0, starts[2];
    uint32_t *got = NULL;
    int rc = run_command(st, &text, &len, 1, &outp, &olen, err);
    if (rc == TB_OK)
        rc = parse_output(st->who, outp, olen, 1, &got, &n_ids, &idcap, starts, err);
    for (size_t i = 0; rc == TB_OK && i < n_ids; i++)
        if (got[i] >= t->vocab_size)
            rc = tb_fail(err, TB_EINPUT,
                         "%s: id %u is outside the vocabulary seen at construction (%zu)",
                         st->who, got[i], t->vocab_size);
    if (rc == TB_OK) {
        *n_tokens = n_ids;
        if (n_ids && cap)
            memcpy(ids, got, (n_ids < cap ? n_ids : cap) * sizeof *ids);
    }
    free(outp);
    free(got);
    return rc;
}

static void cmd_free(tokenizer *t)
{
    struct cmd_state *st = t->state;
    if (!st)
        return;
    free(st->command);
    free(st->who);
    free(st->lang);
    free(st->corpus);
    free(st->texts);
    free(st->ids);
    free(st->slots);
    free(st);
}

static const struct tokenizer_ops k_cmd_ops = {
    .scheme = "cmd",
    .encode = cmd_encode,
    .piece = NULL,
    .is_fallback = NULL,
    .free = cmd_free,
    .no_offsets = 1,
};

/* Encodes every distinct segment of the context's language(s) in one run. */
static int prepare(tokenizer *t, struct cmd_state *st, const tokenizer_ctx *ctx, tb_error *err)
{
    const corpus *c = ctx->corpus;
    size_t nl = corpus_n_langs(c), ns = corpus_n_segments(c);
    size_t lo = ctx->lang >= 0 ? (size_t)ctx->lang : 0, hi = ctx->lang >= 0 ? lo + 1 : nl;
    size_t n = (hi - lo) * ns;
    const char **lines = tb_malloc(n * sizeof *lines, err);
    size_t *lens = tb_malloc(n * sizeof *lens, err), *starts = tb_malloc((n + 1) * sizeof *starts, err);
    st->cap = 16;
    while (st->cap < 2 * n)
        st->cap *= 2;
    st->slots = tb_calloc(st->cap, sizeof *st->slots, err);
    int rc = (lines && lens && starts && st->slots) ? TB_OK : TB_EINPUT;
    size_t total = 0, k = 0;
    for (size_t l = lo; l < hi && rc == TB_OK; l++)
        for (size_t s = 0; s < ns; s++, k++) {
            lines[k] = corpus_segment(c, l, s, &lens[k]);
            total += lens[k];
        }
    char *outp = NULL;
    size_t olen = 0, n_ids = 0, idcap = 0;
    if (rc == TB_OK)
        rc = run_command(st, lines, lens, n, &outp, &olen, err);
    if (rc == TB_OK)
        rc = parse_output(st->who, outp, olen, n, &st->ids, &n_ids, &idcap, starts, err);
    free(outp);
    if (rc == TB_OK && !(st->texts = tb_malloc(total ? total : 1, err)))
        rc = TB_EINPUT;
    uint32_t max_id = 0;
    for (size_t i = 0; i < n_ids; i++)
        if (st->ids[i] > max_id)
            max_id = st->ids[i];
    size_t toff = 0;
    for (size_t i = 0; i < n && rc == TB_OK; i++) {
        memcpy(st->texts + toff, lines[i], lens[i]);
        uint64_t h = text_hash(lines[i], lens[i]);
        size_t j = (size_t)h & (st->cap - 1);
        int dup = 0;
        while (st->slots[j].hash) {
            const struct entry *e = &st->slots[j];
            if (e->hash == h && e->text_len == lens[i] &&
                memcmp(st->texts + e->text_off, lines[i], lens[i]) == 0) {
                dup = 1;
                break;
            }
            j = (j + 1) & (st->cap - 1);
        }
        if (!dup)
            st->slots[j] = (struct entry){h, toff, lens[i], starts[i], starts[i + 1] - starts[i]};
        toff += lens[i];
    }
    t->vocab_size = n_ids ? (size_t)max_id + 1 : 1;
    free(lines);
    free(lens);
    free(starts);
    return rc;
}

static int name_byte(char ch, int first)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           (!first && (ch == '.' || ch == '_' || ch == '-'));
}

void cmd_spec_split(const char *arg, const char **name, size_t *name_len, const char **command)
{
    *name = arg;
    *name_len = 0;
    *command = arg;
    if (arg[0] == '=') { /* cmd:=COMMAND: no name */
        *command = arg + 1;
        return;
    }
    size_t k = 0;
    while (k <= CMD_NAME_MAX && name_byte(arg[k], k == 0))
        k++;
    if (k >= 1 && k <= CMD_NAME_MAX && arg[k] == '=') {
        *name_len = k;
        *command = arg + k + 1;
    }
}

int cmd_tokenizer_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err)
{
    const char *name, *command;
    size_t name_len;
    cmd_spec_split(arg, &name, &name_len, &command);
    if (name_len && !*command)
        return tb_fail(err, TB_EINPUT,
                       "tokenizer spec 'cmd:%s' names a tokenizer but gives no command, e.g. "
                       "cmd:%.*s='./my_tokenizer --ids'",
                       arg, (int)name_len, name);
    if (!*command)
        return tb_fail(err, TB_EINPUT, "tokenizer spec 'cmd:%s' needs a command, e.g. "
                                       "cmd:'./my_tokenizer --ids'",
                       arg);
    struct cmd_state *st = tb_calloc(1, sizeof *st, err);
    if (!st)
        return TB_EINPUT;
    st->command = strdup(command);
    st->named = name_len > 0;
    t->ops = &k_cmd_ops;
    t->state = st;
    t->vocab_size = UINT32_MAX;
    int rc = timeout_from_env(&st->timeout_s, err);
    if (rc == TB_OK) {
        const char *lang = NULL;
        if (ctx && ctx->corpus) {
            lang = ctx->lang >= 0 ? corpus_lang(ctx->corpus, (size_t)ctx->lang) : "joint";
            st->corpus = strdup(corpus_name(ctx->corpus));
        } else if (ctx && ctx->lang_code && *ctx->lang_code) {
            lang = ctx->lang_code;
        }
        st->lang = lang ? strdup(lang) : NULL;
        size_t cap = strlen(command) + name_len + (lang ? strlen(lang) : 0) + 40;
        st->who = tb_malloc(cap, err);
        if (!st->who || !st->command || (lang && !st->lang) ||
            (ctx && ctx->corpus && !st->corpus)) {
            rc = tb_fail(err, TB_EINPUT, "out of memory");
        } else {
            int at = name_len ? snprintf(st->who, cap, "cmd:%.*s ('%s')", (int)name_len, name,
                                         command)
                              : snprintf(st->who, cap, "cmd '%s'", command);
            if (lang && at > 0 && (size_t)at < cap)
                snprintf(st->who + at, cap - (size_t)at, ": language '%s'", lang);
        }
    }
    if (rc == TB_OK && ctx && ctx->corpus)
        rc = prepare(t, st, ctx, err);
    if (rc != TB_OK) {
        cmd_free(t);
        t->state = NULL;
    }
    return rc;
}
