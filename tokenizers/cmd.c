/* cmd.c - `cmd:COMMAND`: an external tokenizer program as a scheme.
 *
 * Contract with the program (the same as `tokbench tokenize --ids`): it reads
 * lines on stdin and prints, for each input line, one line of space-separated
 * decimal ids, then exits 0. It is run with /bin/sh -c COMMAND, stdin from a
 * temporary file of lines and stdout to another, so a program that buffers
 * its output cannot deadlock. Everything it prints is checked: a crash
 * (signal), a non-zero exit, more or fewer lines than were given, and
 * anything but digits and spaces are errors that quote its stderr.
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
#include "tokenizer_impl.h"

struct entry {
    uint64_t hash;
    size_t text_off, text_len;  /* in texts */
    size_t ids_off, n_ids;      /* in ids */
};

struct cmd_state {
    char *command;
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

/* Runs the command on n lines; on success *out holds its whole stdout. */
static int run_command(const char *command, const char *const *lines, const size_t *lens,
                       size_t n, char **out, size_t *out_len, tb_error *err)
{
    char dir[] = "/tmp/tokbench-cmd-XXXXXX";
    if (!mkdtemp(dir))
        return tb_fail(err, TB_EINPUT, "cmd: cannot create a temporary folder: %s",
                       strerror(errno));
    char in_path[64], out_path[64], err_path[64];
    snprintf(in_path, sizeof in_path, "%s/in", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    snprintf(err_path, sizeof err_path, "%s/err", dir);
    int rc = TB_OK;
    FILE *f = fopen(in_path, "wb");
    if (!f)
        rc = tb_fail(err, TB_EINPUT, "cmd: cannot write '%s'", in_path);
    for (size_t i = 0; i < n && rc == TB_OK; i++) {
        fwrite(lines[i], 1, lens[i], f);
        fputc('\n', f);
    }
    if (f && fclose(f) != 0 && rc == TB_OK)
        rc = tb_fail(err, TB_EINPUT, "cmd: cannot write '%s'", in_path);
    if (rc == TB_OK) {
        const char *argv[] = {"sh", "-c", command, NULL};
        tb_spawn_config cfg = {.argv = argv, .path = "/bin/sh", .stdin_path = in_path,
                               .stdout_path = out_path, .stderr_path = err_path,
                               .file_mode = 0600};
        tb_spawn_result res;
        tb_error why = {0};
        if (tb_spawn_run(&cfg, &res, &why) != TB_OK) {
            char tail[512];
            tb_spawn_last_line(res.tail, tail, sizeof tail);
            const char *sep = tail[0] ? "; stderr: " : "";
            if (res.start_errno)
                rc = tb_fail(err, TB_EINPUT, "cmd '%s': cannot start /bin/sh: %s", command,
                             strerror(res.start_errno));
            else if (res.signal)
                rc = tb_fail(err, TB_EINPUT, "cmd '%s' crashed (signal %d%s%s)", command,
                             res.signal, sep, tail);
            else if (res.exited)
                rc = tb_fail(err, TB_EINPUT, "cmd '%s' exited with status %d%s%s", command,
                             res.exit_status, sep, tail);
            else /* it ran, but could not be waited for */
                rc = tb_fail(err, TB_EINPUT, "cmd '%s': %s", command, why.msg);
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
static int parse_output(const char *command, const char *outp, size_t len, size_t n,
                        uint32_t **ids, size_t *n_ids, size_t *cap, size_t *starts,
                        tb_error *err)
{
    size_t pos = 0, line = 0;
    while (pos < len) {
        if (line == n)
            return tb_fail(err, TB_EINPUT, "cmd '%s': printed more than %zu lines for %zu input lines",
                           command, n, n);
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
                               "cmd '%s': output line %zu: byte %zu: expected a token id, found "
                               "0x%02X",
                               command, line + 1, col + 1, (unsigned char)ch);
            uint64_t v = 0;
            size_t start = col;
            while (pos < len && outp[pos] >= '0' && outp[pos] <= '9') {
                v = v * 10 + (uint64_t)(outp[pos] - '0');
                if (v > UINT32_MAX - 1)
                    return tb_fail(err, TB_EINPUT,
                                   "cmd '%s': output line %zu: byte %zu: id too large", command,
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
        return tb_fail(err, TB_EINPUT, "cmd '%s': printed %zu lines for %zu input lines", command,
                       line, n);
    starts[n] = *n_ids;
    return TB_OK;
}

static int cmd_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                      uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    const struct cmd_state *st = t->state;
    if (memchr(text, '\n', len))
        return tb_fail(err, TB_EINPUT, "cmd: text contains a newline (one line per text)");
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
    int rc = run_command(st->command, &text, &len, 1, &outp, &olen, err);
    if (rc == TB_OK)
        rc = parse_output(st->command, outp, olen, 1, &got, &n_ids, &idcap, starts, err);
    for (size_t i = 0; rc == TB_OK && i < n_ids; i++)
        if (got[i] >= t->vocab_size)
            rc = tb_fail(err, TB_EINPUT,
                         "cmd '%s': id %u is outside the vocabulary seen at construction (%zu)",
                         st->command, got[i], t->vocab_size);
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
        rc = run_command(st->command, lines, lens, n, &outp, &olen, err);
    if (rc == TB_OK)
        rc = parse_output(st->command, outp, olen, n, &st->ids, &n_ids, &idcap, starts, err);
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

int cmd_tokenizer_new(tokenizer *t, const char *command, const tokenizer_ctx *ctx,
                      tb_error *err)
{
    if (!*command)
        return tb_fail(err, TB_EINPUT, "tokenizer spec 'cmd:' needs a command, e.g. "
                                       "cmd:'./my_tokenizer --ids'");
    struct cmd_state *st = tb_calloc(1, sizeof *st, err);
    if (!st)
        return TB_EINPUT;
    st->command = strdup(command);
    t->ops = &k_cmd_ops;
    t->state = st;
    t->vocab_size = UINT32_MAX;
    int rc = st->command ? TB_OK : tb_fail(err, TB_EINPUT, "out of memory");
    if (rc == TB_OK && ctx && ctx->corpus)
        rc = prepare(t, st, ctx, err);
    if (rc != TB_OK) {
        cmd_free(t);
        t->state = NULL;
    }
    return rc;
}
