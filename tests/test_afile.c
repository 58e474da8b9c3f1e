/* test_afile.c - atomic folders (common/afile.h): a committed set replaces
 * the old one whole (with and without renameat2 RENAME_EXCHANGE), an aborted
 * one leaves it untouched, carry keeps what the writer does not replace, and
 * afolder_clean_stale removes the leftovers of dead writers only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/afile.h"

static char root[256];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/tokbench-afile.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return tb_remove_tree(root);
}

static int exists(const char *fmt, const char *a)
{
    char p[600];
    snprintf(p, sizeof p, fmt, root, a);
    struct stat st;
    return lstat(p, &st) == 0;
}

static void put(const char *dir, const char *name, const char *text)
{
    char p[4300];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void assert_text(const char *dir, const char *name, const char *want)
{
    char p[4300], buf[256] = {0};
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

/* A new set replaces the old one whole: files of the old set that the new
 * one lacks are gone; no tmp or old folder remains. exchange 0: the
 * rename-aside fallback. */
static void replace_whole(int exchange)
{
    char out[400];
    snprintf(out, sizeof out, "%s/out%d", root, exchange);
    tb_error err = {0};
    afolder af;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(afolder_open(&af, out, &err), TB_OK);
        af.no_exchange = !exchange;
        put(af.tmp, "results.csv", round ? "new\n" : "old\n");
        if (round == 0)
            put(af.tmp, "stale.png", "x");
        assert_int_equal(afolder_commit(&af, &err), TB_OK);
        assert_text(out, "results.csv", round ? "new\n" : "old\n");
    }
    char p[600];
    snprintf(p, sizeof p, "%s/stale.png", out);
    assert_int_not_equal(access(p, F_OK), 0);
    assert_int_not_equal(access(af.tmp, F_OK), 0);
    assert_int_not_equal(access(af.old, F_OK), 0);
}

static void test_commit_exchange(void **state)
{
    (void)state;
    replace_whole(1);
}

static void test_commit_fallback(void **state)
{
    (void)state;
    replace_whole(0);
}

static void test_abort_keeps_old(void **state)
{
    (void)state;
    char out[400];
    snprintf(out, sizeof out, "%s/kept", root);
    tb_error err = {0};
    afolder af;
    assert_int_equal(afolder_open(&af, out, &err), TB_OK);
    put(af.tmp, "a", "1");
    assert_int_equal(afolder_commit(&af, &err), TB_OK);
    assert_int_equal(afolder_open(&af, out, &err), TB_OK);
    put(af.tmp, "a", "2");
    afolder_abort(&af);
    afolder_abort(&af);                      /* twice is fine */
    assert_text(out, "a", "1");
    assert_int_not_equal(access(af.tmp, F_OK), 0);
    /* a file where the folder should be is refused, and left alone */
    snprintf(out, sizeof out, "%s/afile", root);
    put(root, "afile", "mine");
    assert_int_equal(afolder_open(&af, out, &err), TB_OK);
    assert_int_equal(afolder_commit(&af, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "is not a folder"));
    assert_text(root, "afile", "mine");
    assert_int_not_equal(access(af.tmp, F_OK), 0);
}

static void test_carry(void **state)
{
    (void)state;
    char out[400], sub[4300];
    snprintf(out, sizeof out, "%s/carry", root);
    tb_error err = {0};
    afolder af;
    assert_int_equal(afolder_open(&af, out, &err), TB_OK);
    put(af.tmp, "results.csv", "rows");
    put(af.tmp, "REPORT.md", "old report");
    snprintf(sub, sizeof sub, "%s/charts", af.tmp);
    assert_int_equal(mkdir(sub, 0755), 0);
    put(sub, "old.png", "x");
    snprintf(sub, sizeof sub, "%s/notes", af.tmp);
    assert_int_equal(mkdir(sub, 0755), 0);
    put(sub, "n.txt", "keep me");
    assert_int_equal(afolder_commit(&af, &err), TB_OK);

    static const char *const skip[] = {"REPORT.md", "charts"};
    assert_int_equal(afolder_open(&af, out, &err), TB_OK);
    assert_int_equal(afolder_carry(&af, skip, 2, &err), TB_OK);
    put(af.tmp, "REPORT.md", "new report");
    assert_int_equal(afolder_commit(&af, &err), TB_OK);
    assert_text(out, "results.csv", "rows");
    assert_text(out, "REPORT.md", "new report");
    snprintf(sub, sizeof sub, "%s/notes", out);
    assert_text(sub, "n.txt", "keep me");
    snprintf(sub, sizeof sub, "%s/charts", out);
    assert_int_not_equal(access(sub, F_OK), 0);
}

/* The pid of a process that has exited and been reaped. */
static long dead_pid(void)
{
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0)
        _exit(0);
    waitpid(p, NULL, 0);
    return (long)p;
}

static void test_clean_stale(void **state)
{
    (void)state;
    char p[600], names[200];
    long dead = dead_pid(), live = (long)getppid(), me = (long)getpid();
    const char *made[] = {"out.tmp.%ld", "out.old.%ld", "out.charts.tmp.%ld", "outer.tmp.%ld",
                          "other.tmp.%ld"};
    for (int i = 0; i < 5; i++) {
        char nm[64];
        snprintf(nm, sizeof nm, made[i], dead);
        snprintf(p, sizeof p, "%s/%s", root, nm);
        assert_int_equal(mkdir(p, 0755), 0);
        put(p, "x", "y");
    }
    snprintf(p, sizeof p, "%s/out.tmp.%ld", root, live);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/out.tmp.%ld", root, me);
    assert_int_equal(mkdir(p, 0755), 0);
    put(root, "out.tmp.x1", "not a pid");
    tb_error err = {0};
    size_t n = 9;
    assert_int_equal(afolder_clean_stale(root, "out", names, sizeof names, &n, &err), TB_OK);
    assert_int_equal(n, 3);                  /* out's three, not outer's or other's */
    char nm[64];
    snprintf(nm, sizeof nm, "out.charts.tmp.%ld", dead);
    assert_non_null(strstr(names, nm));
    snprintf(nm, sizeof nm, "outer.tmp.%ld", dead);
    assert_true(exists("%s/%s", nm));
    snprintf(nm, sizeof nm, "out.tmp.%ld", live);
    assert_true(exists("%s/%s", nm));        /* a live process's */
    snprintf(nm, sizeof nm, "out.tmp.%ld", me);
    assert_true(exists("%s/%s", nm));        /* our own */
    assert_true(exists("%s/%s", "out.tmp.x1"));
    /* base NULL: every dead writer's leftover in the folder */
    assert_int_equal(afolder_clean_stale(root, NULL, names, 8, &n, &err), TB_OK);
    assert_int_equal(n, 2);
    assert_true(strlen(names) < 8);          /* cut, not overflowed */
    snprintf(nm, sizeof nm, "other.tmp.%ld", dead);
    assert_false(exists("%s/%s", nm));
    /* a missing folder has no leftovers */
    snprintf(p, sizeof p, "%s/none", root);
    assert_int_equal(afolder_clean_stale(p, NULL, names, sizeof names, &n, &err), TB_OK);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_carry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean_stale, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
