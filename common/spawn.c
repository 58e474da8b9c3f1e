#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The registry behind tb_spawn_kill_live, the one piece of mutable process
 * state in common/: a signal handler cannot be handed a pointer, so the
 * process groups it must kill have to be reachable from a global. Slot
 * values: 0 free, -1 claimed by a starting run, > 1 the process group (the
 * child's pid) of a running child. Slots change only under g_live_lock; the
 * handler only reads them (sig_atomic_t is int on every target, wide enough
 * for a pid_t). */
static volatile sig_atomic_t g_live[TB_SPAWN_MAX_LIVE];
static pthread_mutex_t g_live_lock = PTHREAD_MUTEX_INITIALIZER;

/* Claims a free slot; its index, or -1 when all are taken. */
static int live_claim(void)
{
    int slot = -1;
    pthread_mutex_lock(&g_live_lock);
    for (int i = 0; i < TB_SPAWN_MAX_LIVE && slot < 0; i++)
        if (g_live[i] == 0) {
            g_live[i] = -1;
            slot = i;
        }
    pthread_mutex_unlock(&g_live_lock);
    return slot;
}

static void live_set(int slot, sig_atomic_t value)
{
    pthread_mutex_lock(&g_live_lock);
    g_live[slot] = value;
    pthread_mutex_unlock(&g_live_lock);
}

void tb_spawn_kill_live(void)
{
    for (int i = 0; i < TB_SPAWN_MAX_LIVE; i++) {
        sig_atomic_t g = g_live[i];
        if (g > 1)
            kill(-(pid_t)g, SIGKILL);
    }
}

size_t tb_spawn_n_live(void)
{
    size_t n = 0;
    pthread_mutex_lock(&g_live_lock);
    for (int i = 0; i < TB_SPAWN_MAX_LIVE; i++)
        n += g_live[i] > 1;
    pthread_mutex_unlock(&g_live_lock);
    return n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The redirections and the folder change, every call checked. Returns 0 or
 * the errno value of the call that failed. */
static int set_actions(posix_spawn_file_actions_t *fa, const tb_spawn_config *cfg)
{
    int mode = cfg->file_mode ? (int)cfg->file_mode : 0644;
    int wr = O_WRONLY | O_CREAT | O_TRUNC;
    int e = posix_spawn_file_actions_addopen(fa, 0, cfg->stdin_path ? cfg->stdin_path : "/dev/null",
                                             O_RDONLY, 0);
    if (!e)
        e = posix_spawn_file_actions_addopen(
            fa, 1, cfg->stdout_path ? cfg->stdout_path : "/dev/null", wr, (mode_t)mode);
    if (!e && cfg->stderr_to_stdout)
        e = posix_spawn_file_actions_adddup2(fa, 1, 2);
    else if (!e)
        e = posix_spawn_file_actions_addopen(
            fa, 2, cfg->stderr_path ? cfg->stderr_path : "/dev/null", wr, (mode_t)mode);
    /* after the opens: redirect paths are relative to the caller's folder */
    if (!e && cfg->cwd)
        e = posix_spawn_file_actions_addchdir_np(fa, cfg->cwd);
    return e;
}

/* Starts the child; 0 or an errno value. With child_mask it runs in a
 * process group of its own (id = its pid) with that signal mask. */
static int start(const tb_spawn_config *cfg, const sigset_t *child_mask, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    int e = posix_spawn_file_actions_init(&fa);
    if (e)
        return e;
    posix_spawnattr_t attr;
    int have_attr = 0;
    e = set_actions(&fa, cfg);
    if (!e && child_mask) {
        e = posix_spawnattr_init(&attr);
        have_attr = !e;
        if (!e)
            e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
        if (!e)
            e = posix_spawnattr_setpgroup(&attr, 0);
        if (!e) /* the caller's mask, not the all-blocked one of the start */
            e = posix_spawnattr_setsigmask(&attr, child_mask);
    }
    if (!e) {
        char *const *argv = (char *const *)cfg->argv;
        const char *prog = cfg->path ? cfg->path : argv[0];
        e = cfg->path_lookup
                ? posix_spawnp(pid, prog, &fa, have_attr ? &attr : NULL, argv, environ)
                : posix_spawn(pid, prog, &fa, have_attr ? &attr : NULL, argv, environ);
    }
    if (have_attr)
        posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return e;
}

/* Blocking wait, restarted after signals. 0 or an errno value; *ws is
 * always set. */
static int wait_child(pid_t pid, int *ws)
{
    *ws = 0;
    while (waitpid(pid, ws, 0) < 0) {
        if (errno != EINTR)
            return errno;
    }
    return 0;
}

/* Waits for a child in a group of its own (registry slot `slot`) until it
 * ends or, when timeout_s > 0, the timeout passes; then kills its group
 * (on expiry all of it, else whatever the child left there), takes it off
 * the registry and reaps it. The end is seen with WNOWAIT, so until the kill
 * the unreaped child keeps its pid, the group id, ours. 0 or an errno value;
 * *ws is always set. */
static int wait_own(pid_t pid, int slot, unsigned timeout_s, double t0, int *ws, int *timed_out)
{
    *ws = 0;
    *timed_out = 0;
    double deadline = t0 + timeout_s;
    long step_ns = 1000000; /* 1 ms, doubling to 50 ms */
    int expired = 0;
    for (;;) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT | (timeout_s ? WNOHANG : 0)) < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            if (e != ECHILD) /* ECHILD: reaped elsewhere, the pid may be reused */
                kill(-pid, SIGKILL);
            live_set(slot, 0);
            return e;
        }
        if (si.si_pid == pid)
            break;
        if (now_s() >= deadline) {
            expired = 1;
            break;
        }
        struct timespec ts = {0, step_ns};
        nanosleep(&ts, NULL);
        if (step_ns < 50000000)
            step_ns *= 2;
    }
    kill(-pid, SIGKILL);
    live_set(slot, 0);
    int e = wait_child(pid, ws);
    /* a child that exited just before the kill did not time out */
    *timed_out = expired && !e && WIFSIGNALED(*ws) && WTERMSIG(*ws) == SIGKILL;
    return e;
}

/* The last bytes of the file at path into tail[TB_SPAWN_TAIL], starting after a
 * newline when the file is longer. */
static void read_tail(const char *path, char *tail)
{
    tail[0] = '\0';
    if (!path)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    off_t off = 0;
    if (fstat(fd, &st) == 0 && st.st_size > TB_SPAWN_TAIL - 1)
        off = st.st_size - (TB_SPAWN_TAIL - 1);
    size_t n = 0;
    if (lseek(fd, off, SEEK_SET) == off) {
        while (n < TB_SPAWN_TAIL - 1) {
            ssize_t got = read(fd, tail + n, TB_SPAWN_TAIL - 1 - n);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break;
            n += (size_t)got;
        }
    }
    close(fd);
    for (size_t i = 0; i < n; i++)
        if (tail[i] == '\0')
            tail[i] = ' ';
    tail[n] = '\0';
    if (off > 0) {
        /* drop the cut first line unless it is all there is */
        char *nl = memchr(tail, '\n', n);
        if (nl && nl[1])
            memmove(tail, nl + 1, n - (size_t)(nl + 1 - tail) + 1);
    }
}

void tb_spawn_last_line(const char *tail, char *out, size_t cap)
{
    if (cap == 0)
        return;
    out[0] = '\0';
    const char *end = tail + strlen(tail);
    while (end > tail) {
        while (end > tail && (end[-1] == '\n' || end[-1] == '\r'))
            end--;
        const char *start = end;
        while (start > tail && start[-1] != '\n')
            start--;
        if (end > start) {
            size_t n = (size_t)(end - start);
            if (n > cap - 1)
                n = cap - 1;
            memcpy(out, start, n);
            out[n] = '\0';
            return;
        }
        end = start;
    }
}

int tb_spawn_run(const tb_spawn_config *cfg, tb_spawn_result *res, tb_error *err)
{
    memset(res, 0, sizeof *res);
    res->exit_status = -1;
    if (!cfg->argv || !cfg->argv[0] || !cfg->argv[0][0])
        return tb_fail(err, TB_EUSAGE, "spawn: no program to run");
    const char *prog = cfg->path ? cfg->path : cfg->argv[0];
    int own = cfg->timeout_s || cfg->own_group;
    int slot = own ? live_claim() : -1;
    if (own && slot < 0) {
        res->start_errno = EAGAIN;
        return tb_fail(err, TB_EINPUT, "cannot run '%s': more than %d programs running at once",
                       prog, TB_SPAWN_MAX_LIVE);
    }
    /* all signals blocked from the start until the child is listed, so a
     * handler this thread runs sees it; the child gets the caller's mask */
    sigset_t all, caller;
    if (own) {
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &caller);
    }
    double t0 = now_s();
    pid_t pid = 0;
    int e = start(cfg, own ? &caller : NULL, &pid);
    if (own) {
        live_set(slot, e ? 0 : (sig_atomic_t)pid);
        pthread_sigmask(SIG_SETMASK, &caller, NULL);
    }
    if (e) {
        res->start_errno = e;
        return tb_fail(err, TB_EINPUT, "cannot run '%s': %s", prog, strerror(e));
    }
    int ws = 0;
    e = own ? wait_own(pid, slot, cfg->timeout_s, t0, &ws, &res->timed_out)
            : wait_child(pid, &ws);
    res->seconds = now_s() - t0;
    read_tail(cfg->stderr_to_stdout ? cfg->stdout_path : cfg->stderr_path, res->tail);
    if (e)
        return tb_fail(err, TB_EINPUT, "cannot wait for '%s': %s", prog, strerror(e));
    if (WIFEXITED(ws)) {
        res->exited = 1;
        res->exit_status = WEXITSTATUS(ws);
    } else if (WIFSIGNALED(ws)) {
        res->signal = WTERMSIG(ws);
    }
    if (res->exited && res->exit_status == 0 && !res->timed_out)
        return TB_OK;
    char line[512];
    tb_spawn_last_line(res->tail, line, sizeof line);
    const char *sep = line[0] ? "; stderr: " : "";
    if (res->timed_out)
        return tb_fail(err, TB_EINPUT, "'%s' timed out after %u s%s%s", prog, cfg->timeout_s,
                       sep, line);
    if (res->exited)
        return tb_fail(err, TB_EINPUT, "'%s' exited with status %d%s%s", prog, res->exit_status,
                       sep, line);
    return tb_fail(err, TB_EINPUT, "'%s' crashed (signal %d%s%s)", prog, res->signal, sep, line);
}
