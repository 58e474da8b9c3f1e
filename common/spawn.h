/* spawn.h - run an external program to completion: argv without a shell,
 * stdin/stdout/stderr redirected from/to files, an optional working folder
 * and an optional timeout. The parent never reads a pipe, so a child that
 * writes a lot cannot deadlock; its stderr file gives the tail quoted in
 * error messages.
 *
 * Redirect paths are opened in the child before it changes folder, so they
 * are relative to the caller's working folder (as is the stderr file the
 * tail is read from).
 *
 * Process groups. With a timeout, or with own_group, the child runs in a
 * process group of its own; on expiry the whole group (the child and
 * whatever it started, unless that left the group with setsid/setpgid) gets
 * SIGKILL and the child is reaped, and when the child ends by itself whatever
 * it left running in its group is killed too (the group id is still the
 * unreaped child's, so the kill cannot reach anyone else). Without either the
 * child stays in ours, so a terminal's Ctrl-C reaches it directly. A child
 * in a group of its own is not in the terminal's foreground group, so Ctrl-C
 * does not reach it: while it runs its group is listed in a process-wide
 * registry, and a SIGINT/SIGTERM handler in cli/ calls tb_spawn_kill_live
 * before re-raising the signal. The wait polls (1 ms doubling to 50 ms) only
 * with a timeout; no signal handler is installed here. Safe to call from
 * several threads. */
#ifndef TB_SPAWN_H
#define TB_SPAWN_H

#include "tb.h"

typedef struct tb_spawn_config {
    const char *const *argv;   /* program and arguments, NULL-terminated */
    const char *path;          /* program file to run; NULL: argv[0] (argv[0] is then only
                                * the name it sees, e.g. path "/bin/sh", argv[0] "sh") */
    int path_lookup;           /* 1: a program name without '/' is searched in PATH */
    const char *cwd;           /* child's working folder; NULL: ours */
    const char *stdin_path;    /* read from this file; NULL: /dev/null */
    const char *stdout_path;   /* created or truncated; NULL: /dev/null */
    const char *stderr_path;   /* created or truncated; NULL: /dev/null (no tail) */
    int stderr_to_stdout;      /* 1: stderr goes to the stdout file (stderr_path unused;
                                * the tail comes from stdout_path) */
    unsigned file_mode;        /* permission bits of created files; 0: 0644 */
    unsigned timeout_s;        /* seconds before the process group is killed; 0: none */
    int own_group;             /* 1: a process group of its own even without a timeout
                                * (implied by timeout_s > 0), killable by tb_spawn_kill_live */
} tb_spawn_config;

#define TB_SPAWN_TAIL 4096

typedef struct tb_spawn_result {
    int start_errno;           /* errno why the program could not be started; 0 if it was */
    int exited;                /* 1: exited by itself (exit_status is valid) */
    int exit_status;           /* exit status when exited, else -1 */
    int signal;                /* signal that ended it, 0 if none (SIGKILL after a timeout) */
    int timed_out;             /* 1: killed after timeout_s */
    double seconds;            /* wall time from start to reaping */
    char tail[TB_SPAWN_TAIL];  /* last bytes of the stderr file (less than TB_SPAWN_TAIL,
                                * from a line start, NUL-terminated); "" when none */
} tb_spawn_result;

/* Runs cfg->argv and waits for it (or for the timeout). Always fills *res.
 * Returns TB_OK when the program exited with status 0; otherwise TB_EINPUT
 * with a message naming the program (path, else argv[0]):
 *   "cannot run 'prog': No such file or directory"
 *   "'prog' exited with status 7; stderr: <last line>"
 *   "'prog' crashed (signal 11; stderr: <last line>)"
 *   "'prog' timed out after 5 s; stderr: <last line>"
 * Callers that need their own wording build it from *res. TB_EUSAGE for a
 * missing argv. */
int tb_spawn_run(const tb_spawn_config *cfg, tb_spawn_result *res, tb_error *err);

/* The last non-empty line of tail (a tb_spawn_result tail) into out[cap],
 * cut at cap - 1 bytes; "" when there is none. */
void tb_spawn_last_line(const char *tail, char *out, size_t cap);

/* Sends SIGKILL to the process group of every child that tb_spawn_run is
 * running right now in a group of its own (any thread's). Async-signal-safe:
 * it reads a fixed table of volatile sig_atomic_t group ids and calls kill(),
 * nothing else, so a SIGINT/SIGTERM handler may call it and then re-raise
 * the signal. A child is listed from just after it starts (the starting
 * thread blocks signals meanwhile, so a signal it takes is handled after the
 * listing) until just before it is reaped. Limits: a signal that another
 * thread takes in the microseconds between a start and its listing misses
 * that child; at most TB_SPAWN_MAX_LIVE such children run at once (one more
 * fails to start with EAGAIN). */
void tb_spawn_kill_live(void);

/* How many children are listed for tb_spawn_kill_live right now (tests). */
size_t tb_spawn_n_live(void);

#define TB_SPAWN_MAX_LIVE 256

#endif
