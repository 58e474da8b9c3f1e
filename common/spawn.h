/* spawn.h - run an external program to completion: argv without a shell,
 * stdin/stdout/stderr redirected from/to files, an optional working folder
 * and an optional timeout. The parent never reads a pipe, so a child that
 * writes a lot cannot deadlock; its stderr file gives the tail quoted in
 * error messages.
 *
 * Redirect paths are opened in the child before it changes folder, so they
 * are relative to the caller's working folder (as is the stderr file the
 * tail is read from). With a timeout the child runs in a process group of
 * its own, and on expiry the whole group (the child and whatever it started,
 * unless that left the group with setsid/setpgid) gets SIGKILL and the child
 * is reaped; without one it stays in ours, so a terminal's Ctrl-C still
 * reaches it. The wait polls (1 ms doubling to 50 ms) only with a timeout;
 * no signal handler is installed. Safe to call from several threads. */
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

#endif
