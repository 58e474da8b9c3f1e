/* test_spawn.c - tb_spawn_run: exit status, signal death, a missing program,
 * the stderr tail, redirections, the working folder, the timeout that kills
 * a whole process group, the registry of live groups that a signal handler
 * kills (tb_spawn_kill_live), and a failing waitpid. Timings are only
 * bounded generously (a 1 s timeout returns in under 30 s). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/spawn.h"

static char tmpdir[] = "/tmp/tb-spawn-XXXXXX";

/* tmpdir/name in one of four rotating buffers (a call may need several). */
static const char *tmp(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static char *slurp(const char *path)
{
    char *s = NULL;
    size_t n = 0;
    tb_error err = {0};
    assert_int_equal(tb_read_file(path, &s, &n, &err), TB_OK);
    return s;
}

static int run_sh(const char *script, tb_spawn_config *cfg, tb_spawn_result *res, tb_error *err)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    cfg->argv = argv;
    return tb_spawn_run(cfg, res, err);
}

static void test_success_and_redirections(void **state)
{
    (void)state;
    FILE *f = fopen(tmp("in"), "wb");
    assert_non_null(f);
    fputs("one\ntwo\n", f);
    fclose(f);
    tb_spawn_config cfg = {.stdin_path = tmp("in"), .stdout_path = tmp("out"),
                           .stderr_path = tmp("err")};
    tb_spawn_result res;
    tb_error err = {0};
    assert_int_equal(run_sh("cat; echo warn >&2", &cfg, &res, &err), TB_OK);
    assert_int_equal(res.exited, 1);
    assert_int_equal(res.exit_status, 0);
    assert_int_equal(res.signal, 0);
    assert_int_equal(res.timed_out, 0);
    char *out = slurp(tmp("out"));
    assert_string_equal(out, "one\ntwo\n");
    free(out);
    assert_string_equal(res.tail, "warn\n");

    /* stderr into the stdout file; the tail comes from it */
    tb_spawn_config both = {.stdout_path = tmp("both"), .stderr_to_stdout = 1};
    assert_int_equal(run_sh("echo out; echo err >&2", &both, &res, &err), TB_OK);
    out = slurp(tmp("both"));
    assert_string_equal(out, "out\nerr\n");
    free(out);
    assert_string_equal(res.tail, "out\nerr\n");

    /* a program file apart from the name it sees as argv[0] */
    const char *named[] = {"tb-name", "-c", "echo $0", NULL};
    tb_spawn_config n = {.argv = named, .path = "/bin/sh", .stdout_path = tmp("name")};
    assert_int_equal(tb_spawn_run(&n, &res, &err), TB_OK);
    out = slurp(tmp("name"));
    assert_string_equal(out, "tb-name\n");
    free(out);

    /* PATH lookup */
    const char *argv[] = {"true", NULL};
    tb_spawn_config p = {.argv = argv, .path_lookup = 1};
    assert_int_equal(tb_spawn_run(&p, &res, &err), TB_OK);
}

static void test_exit_status(void **state)
{
    (void)state;
    tb_spawn_config cfg = {.stderr_path = tmp("err")};
    tb_spawn_result res;
    tb_error err = {0};
    assert_int_equal(run_sh("echo first >&2; echo oops >&2; exit 7", &cfg, &res, &err),
                     TB_EINPUT);
    assert_int_equal(res.exited, 1);
    assert_int_equal(res.exit_status, 7);
    assert_int_equal(res.signal, 0);
    assert_string_equal(err.msg, "'/bin/sh' exited with status 7; stderr: oops");

    /* no stderr: no "; stderr:" part */
    tb_spawn_config quiet = {0};
    assert_int_equal(run_sh("exit 3", &quiet, &res, &err), TB_EINPUT);
    assert_string_equal(err.msg, "'/bin/sh' exited with status 3");
    assert_string_equal(res.tail, "");
}

static void test_signal_death(void **state)
{
    (void)state;
    tb_spawn_config cfg = {.stderr_path = tmp("err")};
    tb_spawn_result res;
    tb_error err = {0};
    assert_int_equal(run_sh("echo dying >&2; kill -SEGV $$", &cfg, &res, &err), TB_EINPUT);
    assert_int_equal(res.exited, 0);
    assert_int_equal(res.exit_status, -1);
    assert_int_equal(res.signal, SIGSEGV);
    assert_int_equal(res.timed_out, 0);
    assert_string_equal(err.msg, "'/bin/sh' crashed (signal 11; stderr: dying)");
}

static void test_missing_program(void **state)
{
    (void)state;
    const char *argv[] = {"/nonexistent/tb-prog", NULL};
    tb_spawn_config cfg = {.argv = argv};
    tb_spawn_result res;
    tb_error err = {0};
    assert_int_equal(tb_spawn_run(&cfg, &res, &err), TB_EINPUT);
    assert_int_equal(res.start_errno, ENOENT);
    assert_int_equal(res.exited, 0);
    assert_string_equal(err.msg, "cannot run '/nonexistent/tb-prog': No such file or directory");

    const char *argv2[] = {"tb-no-such-program-3141", NULL};
    tb_spawn_config p = {.argv = argv2, .path_lookup = 1};
    assert_int_equal(tb_spawn_run(&p, &res, &err), TB_EINPUT);
    assert_int_equal(res.start_errno, ENOENT);

    /* without PATH lookup a bare name is a path in our folder */
    const char *argv3[] = {"true", NULL};
    tb_spawn_config np = {.argv = argv3};
    assert_int_equal(tb_spawn_run(&np, &res, &err), TB_EINPUT);
    assert_int_equal(res.start_errno, ENOENT);

    /* a redirection that cannot be opened is a start failure too */
    const char *argv4[] = {"/bin/true", NULL};
    tb_spawn_config bad = {.argv = argv4, .stdin_path = "/nonexistent/in"};
    assert_int_equal(tb_spawn_run(&bad, &res, &err), TB_EINPUT);
    assert_int_equal(res.start_errno, ENOENT);

    tb_spawn_config none = {0};
    assert_int_equal(tb_spawn_run(&none, &res, &err), TB_EUSAGE);
}

static void test_stderr_tail(void **state)
{
    (void)state;
    tb_spawn_config cfg = {.stderr_path = tmp("err")};
    tb_spawn_result res;
    tb_error err = {0};
    /* 300 lines of 41 bytes (12 300 bytes), then the last words */
    assert_int_equal(run_sh("i=0; while [ $i -lt 300 ]; do "
                            "echo 'noise noise noise noise noise noise 12' >&2; i=$((i+1)); "
                            "done; printf 'last words\\n\\n' >&2; exit 1",
                            &cfg, &res, &err),
                     TB_EINPUT);
    size_t n = strlen(res.tail);
    assert_true(n > 2048 && n < TB_SPAWN_TAIL);
    /* starts at a line start, ends with the file's end */
    assert_memory_equal(res.tail, "noise noise", 11);
    assert_string_equal(res.tail + n - 12, "last words\n\n");
    char line[64];
    tb_spawn_last_line(res.tail, line, sizeof line);
    assert_string_equal(line, "last words");
    assert_string_equal(err.msg, "'/bin/sh' exited with status 1; stderr: last words");

    tb_spawn_last_line("a\r\n\nbcdef\n\n", line, 4);
    assert_string_equal(line, "bcd");
    tb_spawn_last_line("no newline", line, sizeof line);
    assert_string_equal(line, "no newline");
    tb_spawn_last_line("\n\n", line, sizeof line);
    assert_string_equal(line, "");
}

static void test_working_folder(void **state)
{
    (void)state;
    tb_spawn_config cfg = {.cwd = tmpdir, .stdout_path = tmp("pwd")};
    tb_spawn_result res;
    tb_error err = {0};
    /* the redirection path is ours, the program runs in cwd */
    assert_int_equal(run_sh("pwd; echo x > rel", &cfg, &res, &err), TB_OK);
    char *out = slurp(tmp("pwd"));
    char want[600];
    snprintf(want, sizeof want, "%s\n", tmpdir);
    assert_string_equal(out, want);
    free(out);
    assert_int_equal(access(tmp("rel"), F_OK), 0);

    tb_spawn_config bad = {.cwd = "/nonexistent/folder"};
    assert_int_equal(run_sh("true", &bad, &res, &err), TB_EINPUT);
    assert_int_equal(res.start_errno, ENOENT);
}

/* 1 when pid is gone or a zombie (killed, waiting for its new parent). */
static int dead(long pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p && (p[2] == 'Z' || p[2] == 'X');
}

static void test_timeout_kills_group(void **state)
{
    (void)state;
    const char *argv[] = {"sleep", "100", NULL};
    tb_spawn_config cfg = {.argv = argv, .path_lookup = 1, .timeout_s = 1};
    tb_spawn_result res;
    tb_error err = {0};
    time_t t0 = time(NULL);
    assert_int_equal(tb_spawn_run(&cfg, &res, &err), TB_EINPUT);
    assert_true(time(NULL) - t0 < 30);
    assert_int_equal(res.timed_out, 1);
    assert_int_equal(res.signal, SIGKILL);
    assert_true(res.seconds >= 0.9 && res.seconds < 30);
    assert_string_equal(err.msg, "'sleep' timed out after 1 s");

    /* a grandchild in the background dies with the child */
    tb_spawn_config sh = {.timeout_s = 1, .stderr_path = tmp("err")};
    char script[700];
    snprintf(script, sizeof script, "sleep 100 & echo $! > '%s'; echo started >&2; sleep 100",
             tmp("gpid"));
    t0 = time(NULL);
    assert_int_equal(run_sh(script, &sh, &res, &err), TB_EINPUT);
    assert_true(time(NULL) - t0 < 30);
    assert_int_equal(res.timed_out, 1);
    assert_string_equal(err.msg, "'/bin/sh' timed out after 1 s; stderr: started");
    char *g = slurp(tmp("gpid"));
    long gpid = atol(g);
    free(g);
    assert_true(gpid > 0);
    int gone = 0;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = dead(gpid);
        if (!gone) {
            struct timespec ts = {0, 50000000};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(gone);

    /* a child that ends in time is not touched */
    tb_spawn_config quick = {.timeout_s = 20};
    assert_int_equal(run_sh("exit 4", &quick, &res, &err), TB_EINPUT);
    assert_int_equal(res.timed_out, 0);
    assert_int_equal(res.exit_status, 4);
}

static void test_timeout_own_group(void **state)
{
    (void)state;
    /* field 5 of /proc/<pid>/stat is the process group */
    tb_spawn_config cfg = {.timeout_s = 20, .stdout_path = tmp("pg")};
    tb_spawn_result res;
    tb_error err = {0};
    assert_int_equal(run_sh("echo $$; cut -d' ' -f5 /proc/$$/stat", &cfg, &res, &err), TB_OK);
    char *out = slurp(tmp("pg"));
    long pid = 0, pgid = 0;
    assert_int_equal(sscanf(out, "%ld %ld", &pid, &pgid), 2);
    free(out);
    assert_int_equal(pid, pgid);
    assert_true(pgid != (long)getpgrp());

    /* without a timeout it stays in ours */
    tb_spawn_config same = {.stdout_path = tmp("pg")};
    assert_int_equal(run_sh("cut -d' ' -f5 /proc/$$/stat", &same, &res, &err), TB_OK);
    out = slurp(tmp("pg"));
    assert_int_equal(atol(out), (long)getpgrp());
    free(out);
}

/* Polls (50 ms steps, at most 20 s) until dead(pid); 1 when it died. */
static int dies(long pid)
{
    for (int i = 0; i < 400; i++) {
        if (dead(pid))
            return 1;
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static long read_pid(const char *path)
{
    char *s = slurp(path);
    long v = atol(s);
    free(s);
    return v;
}

static void test_own_group_without_timeout(void **state)
{
    (void)state;
    tb_spawn_config cfg = {.own_group = 1, .stdout_path = tmp("pg")};
    tb_spawn_result res;
    tb_error err = {0};
    assert_int_equal(run_sh("echo $$; cut -d' ' -f5 /proc/$$/stat", &cfg, &res, &err), TB_OK);
    char *out = slurp(tmp("pg"));
    long pid = 0, pgid = 0;
    assert_int_equal(sscanf(out, "%ld %ld", &pid, &pgid), 2);
    free(out);
    assert_int_equal(pid, pgid);
    assert_true(pgid != (long)getpgrp());
    assert_int_equal(tb_spawn_n_live(), 0);

    /* what the child leaves in its group dies when it ends */
    char script[700];
    snprintf(script, sizeof script, "sleep 100 & echo $! > '%s'; exit 0", tmp("left"));
    tb_spawn_config left = {.own_group = 1};
    assert_int_equal(run_sh(script, &left, &res, &err), TB_OK);
    long gpid = read_pid(tmp("left"));
    assert_true(gpid > 0);
    assert_true(dies(gpid));
    /* ... but not without a group of its own */
    tb_spawn_config same = {0};
    assert_int_equal(run_sh(script, &same, &res, &err), TB_OK);
    gpid = read_pid(tmp("left"));
    assert_true(gpid > 0);
    assert_false(dead(gpid));
    kill((pid_t)gpid, SIGKILL);
}

struct hang_job {
    tb_spawn_result res;
    tb_error err;
    int rc;
};

static void *hang_thread(void *arg)
{
    struct hang_job *j = arg;
    char script[700];
    snprintf(script, sizeof script, "sleep 100 & echo $! > '%s.tmp'; mv '%s.tmp' '%s'; sleep 100",
             tmp("hang"), tmp("hang"), tmp("hang"));
    tb_spawn_config cfg = {.own_group = 1};
    j->rc = run_sh(script, &cfg, &j->res, &j->err);
    return NULL;
}

static void test_kill_live(void **state)
{
    (void)state;
    assert_int_equal(tb_spawn_n_live(), 0);
    tb_spawn_kill_live(); /* nothing listed: a no-op */
    struct hang_job j = {0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, hang_thread, &j), 0);
    int ready = 0;
    for (int i = 0; i < 400 && !ready; i++) {
        ready = tb_spawn_n_live() == 1 && access(tmp("hang"), F_OK) == 0;
        if (!ready) {
            struct timespec ts = {0, 50000000};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(ready);
    long gpid = read_pid(tmp("hang"));
    tb_spawn_kill_live(); /* what a SIGINT/SIGTERM handler calls */
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(j.rc, TB_EINPUT);
    assert_int_equal(j.res.signal, SIGKILL);
    assert_int_equal(j.res.timed_out, 0);
    assert_string_equal(j.err.msg, "'/bin/sh' crashed (signal 9)");
    assert_true(dies(gpid)); /* the grandchild went with its group */
    assert_int_equal(tb_spawn_n_live(), 0);
}

static void test_wait_failure(void **state)
{
    (void)state;
    /* with SIGCHLD ignored children reap themselves and waitpid fails with
     * ECHILD: an error, never a status read from nowhere */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
    const char *argv[] = {"/bin/true", NULL};
    tb_spawn_config cfg = {.argv = argv};
    tb_spawn_result res;
    tb_error err = {0};
    int rc = tb_spawn_run(&cfg, &res, &err);
    tb_spawn_config timed = {.argv = argv, .timeout_s = 5};
    tb_spawn_result res2;
    tb_error err2 = {0};
    int rc2 = tb_spawn_run(&timed, &res2, &err2);
    sigaction(SIGCHLD, &old, NULL);
    assert_int_equal(rc, TB_EINPUT);
    assert_string_equal(err.msg, "cannot wait for '/bin/true': No child processes");
    assert_int_equal(res.exited, 0);
    assert_int_equal(res.exit_status, -1);
    assert_int_equal(rc2, TB_EINPUT);
    assert_string_equal(err2.msg, "cannot wait for '/bin/true': No child processes");
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_and_redirections),
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test(test_signal_death),
        cmocka_unit_test(test_missing_program),
        cmocka_unit_test(test_stderr_tail),
        cmocka_unit_test(test_working_folder),
        cmocka_unit_test(test_timeout_kills_group),
        cmocka_unit_test(test_timeout_own_group),
        cmocka_unit_test(test_own_group_without_timeout),
        cmocka_unit_test(test_kill_live),
        cmocka_unit_test(test_wait_failure),
    };
    int failed = cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
