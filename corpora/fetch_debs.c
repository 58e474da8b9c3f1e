/* fetch_debs.c - corpus_fetch_debs: Debian packages downloaded with
 * `apt-get download` and unpacked with `dpkg-deb -x`, never installed.
 *
 * Cache layout under cache_dir:
 *   debs/<pkg>_<version>_<arch>.deb   complete downloads only (apt-get runs
 *                                     in debs/.get.<pid>/, the .deb is then
 *                                     renamed into debs/)
 *   debs/.<pkg>.log                   stderr of the last command for pkg
 *   root/                             every package unpacked (dpkg-deb -x)
 *   root/.<pkg>.unpacked              stamp: the .deb file name unpacked
 * A package is skipped when its stamp names a .deb that is in debs/. The
 * commands run with posix_spawnp (no shell); their stderr goes to the log
 * so an error can quote it. */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/afile.h"

extern char **environ;

#define PATH_CAP 4400

/* Runs argv (PATH lookup) with stdin from /dev/null, stdout to out_path
 * (or /dev/null), stderr to err_path, in folder cwd (NULL: ours). Paths
 * are taken relative to our folder. Returns 0 and the exit status in
 * *status (-1 when killed by a signal), or an errno value when it could
 * not be started. */
static int run(char *const argv[], const char *cwd, const char *out_path, const char *err_path,
               int *status)
{
    posix_spawn_file_actions_t fa;
    int e = posix_spawn_file_actions_init(&fa);
    if (e)
        return e;
    e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!e)
        e = posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
                                             O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!e)
        e = posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!e && cwd)
        e = posix_spawn_file_actions_addchdir_np(&fa, cwd);
    pid_t pid;
    if (!e)
        e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e)
        return e;
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return errno;
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    return 0;
}

/* The line of a command's stderr log worth quoting: the last "E: " line
 * (apt's errors; warnings may follow it), else the last non-empty line. */
static void log_line(const char *log_path, char *out, size_t cap)
{
    snprintf(out, cap, "no error message");
    FILE *f = fopen(log_path, "r");
    if (!f)
        return;
    char line[1024];
    int have_e = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        int is_e = strncmp(line, "E: ", 3) == 0;
        if (is_e || !have_e)
            tb_copy_str(out, cap, line);
        have_e |= is_e;
    }
    fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Finds "<pkg>_*.deb" in folder; the strcmp-greatest when there are
 * several. Returns 1 and the name in out, or 0. */
static int find_deb(const char *folder, const char *pkg, char *out, size_t cap)
{
    DIR *d = opendir(folder);
    if (!d)
        return 0;
    size_t pl = strlen(pkg);
    char *best = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > pl + 5 && strncmp(e->d_name, pkg, pl) == 0 && e->d_name[pl] == '_' &&
            strcmp(e->d_name + l - 4, ".deb") == 0) {
            char *name = e->d_name;
            if (!best || cmp_str(&name, &best) > 0) {
                free(best);
                best = strdup(name);
            }
        }
    }
    closedir(d);
    if (!best)
        return 0;
    snprintf(out, cap, "%s", best);
    free(best);
    return 1;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads the stamp (the .deb name, one line) into out; 0 when absent. */
static int read_stamp(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    if (ok)
        out[strcspn(out, "\n")] = '\0';
    return ok && out[0];
}

/* Downloads pkg into debs (via a private folder) and names the .deb. */
static int download(const char *debs, const char *pkg, const char *log, char *deb, size_t cap,
                    tb_error *err)
{
    char get[PATH_CAP], from[PATH_CAP + 300], to[PATH_CAP + 300];
    if (tb_pathf(err, get, sizeof get, "%s/.get.%ld", debs, (long)getpid()) || tb_mkdirs(get, err))
        return TB_EINPUT;
    char *argv[] = {"apt-get", "download", "-q", (char *)pkg, NULL};
    int status = 0;
    int e = run(argv, get, NULL, log, &status);
    int rc = TB_OK;
    if (e) {
        rc = tb_fail(err, TB_EINPUT,
                     "cannot download '%s': cannot run apt-get: %s (on Debian and Ubuntu it is "
                     "in the 'apt' package)",
                     pkg, strerror(e));
    } else if (status != 0) {
        char line[512];
        log_line(log, line, sizeof line);
        rc = tb_fail(err, TB_EINPUT, "cannot download '%s': %s; run 'apt-get update' and retry",
                     pkg, line);
    } else if (!find_deb(get, pkg, deb, cap)) {
        rc = tb_fail(err, TB_EINPUT,
                     "cannot download '%s': apt-get download left no '%s_*.deb' in '%s'", pkg,
                     pkg, get);
    } else {
        snprintf(from, sizeof from, "%s/%s", get, deb);
        snprintf(to, sizeof to, "%s/%s", debs, deb);
        if (rename(from, to) != 0)
            rc = tb_fail(err, TB_EINPUT, "cannot move '%s' to '%s': %s", from, to,
                         strerror(errno));
    }
    /* the private folder holds at most a partial download now */
    DIR *d = opendir(get);
    if (d) {
        struct dirent *ent;
        while ((ent = readdir(d))) {
            if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) {
                snprintf(from, sizeof from, "%s/%s", get, ent->d_name);
                unlink(from);
            }
        }
        closedir(d);
    }
    rmdir(get);
    return rc;
}

/* `dpkg-deb -f deb Version` into version (trimmed). */
static int deb_version(const char *deb_path, const char *pkg, const char *debs, const char *log,
                       char *version, size_t cap, tb_error *err)
{
    char out[PATH_CAP + 300];
    snprintf(out, sizeof out, "%s/.%s.version", debs, pkg);
    char *argv[] = {"dpkg-deb", "-f", (char *)deb_path, "Version", NULL};
    int status = 0;
    int e = run(argv, NULL, out, log, &status);
    if (e)
        return tb_fail(err, TB_EINPUT,
                       "cannot read the version of '%s': cannot run dpkg-deb: %s (install "
                       "'dpkg-dev' or run 'make deps')",
                       deb_path, strerror(e));
    if (status != 0) {
        char line[512];
        log_line(log, line, sizeof line);
        unlink(out);
        return tb_fail(err, TB_EINPUT, "cannot read the version of '%s': %s", deb_path, line);
    }
    FILE *f = fopen(out, "r");
    int ok = f && fgets(version, (int)cap, f) != NULL;
    if (f)
        fclose(f);
    unlink(out);
    if (ok)
        version[strcspn(version, "\r\n")] = '\0';
    if (!ok || !version[0])
        return tb_fail(err, TB_EINPUT, "cannot read the version of '%s': dpkg-deb printed none",
                       deb_path);
    return TB_OK;
}

static int fetch_one(const char *debs, const char *root, const char *pkg, char *version,
                     size_t vcap, tb_error *err)
{
    char stamp[PATH_CAP + 300], log[PATH_CAP + 300], deb[256], deb_path[PATH_CAP + 300];
    snprintf(stamp, sizeof stamp, "%s/.%s.unpacked", root, pkg);
    snprintf(log, sizeof log, "%s/.%s.log", debs, pkg);
    int unpacked = 0;
    if (read_stamp(stamp, deb, sizeof deb)) {
        snprintf(deb_path, sizeof deb_path, "%s/%s", debs, deb);
        unpacked = file_exists(deb_path);
    }
    if (!unpacked) {
        if (!find_deb(debs, pkg, deb, sizeof deb) &&
            download(debs, pkg, log, deb, sizeof deb, err))
            return TB_EINPUT;
        snprintf(deb_path, sizeof deb_path, "%s/%s", debs, deb);
        char *argv[] = {"dpkg-deb", "-x", deb_path, (char *)root, NULL};
        int status = 0;
        int e = run(argv, NULL, NULL, log, &status);
        if (e)
            return tb_fail(err, TB_EINPUT,
                           "cannot unpack '%s': cannot run dpkg-deb: %s (install 'dpkg-dev' or "
                           "run 'make deps')",
                           deb_path, strerror(e));
        if (status != 0) {
            char line[512];
            log_line(log, line, sizeof line);
            return tb_fail(err, TB_EINPUT,
                           "cannot unpack '%s': %s (delete it to download it again)", deb_path,
                           line);
        }
        afile af;
        if (afile_open(&af, stamp, err))
            return TB_EINPUT;
        fprintf(af.fp, "%s\n", deb);
        if (afile_commit(&af, err))
            return TB_EINPUT;
    }
    return deb_version(deb_path, pkg, debs, log, version, vcap, err);
}

int corpus_fetch_debs(const char *cache_dir, size_t n, const char *const *pkgs,
                      char (*versions)[128], tb_error *err)
{
    char debs[PATH_CAP], root[PATH_CAP];
    if (snprintf(debs, sizeof debs, "%s/debs", cache_dir) >= (int)sizeof debs - 300 ||
        snprintf(root, sizeof root, "%s/root", cache_dir) >= (int)sizeof root - 300)
        return tb_fail(err, TB_EUSAGE, "cache folder path too long: '%s'", cache_dir);
    if (tb_mkdirs(debs, err) || tb_mkdirs(root, err))
        return TB_EINPUT;
    for (size_t i = 0; i < n; i++) {
        const char *p = pkgs[i];
        if (!p[0] || p[0] == '-' || strchr(p, '/') || strlen(p) > 100)
            return tb_fail(err, TB_EUSAGE, "bad Debian package name '%s'", p);
        if (fetch_one(debs, root, p, versions[i], 128, err))
            return TB_EINPUT;
    }
    return TB_OK;
}
