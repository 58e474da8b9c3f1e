/* fetch_debs.c - corpus_fetch_debs: Debian packages downloaded with
 * `apt-get download` and unpacked with `dpkg-deb -x`, never installed.
 *
 * Cache layout under cache_dir:
 *   debs/<pkg>_<version>_<arch>.deb   complete downloads only (apt-get runs
 *                                     in debs/.get.tmp.<pid>/, the .deb is then
 *                                     renamed into debs/)
 *   debs/.<pkg>.log                   stderr of the last command for pkg
 *   root/                             every package unpacked (dpkg-deb -x)
 *   root/.<pkg>.unpacked              stamp: the .deb file name unpacked
 * A package is skipped when its stamp names a .deb that is in debs/. The
 * commands run with tb_spawn_run (no shell, PATH lookup); their stderr goes
 * to the log so an error can quote it. */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/afile.h"
#include "../common/spawn.h"

#define PATH_CAP 4400

/* The line of a command's stderr worth quoting (tail: the end of its log):
 * the last "E: " line (apt's errors; warnings may follow it), else the last
 * non-empty line. */
static void log_line(const char *tail, char *out, size_t cap)
{
    snprintf(out, cap, "no error message");
    int have_e = 0;
    for (const char *p = tail; *p;) {
        size_t n = strcspn(p, "\r\n");
        if (n) {
            int is_e = strncmp(p, "E: ", 3) == 0;
            if (is_e || !have_e) {
                size_t k = n < cap - 1 ? n : cap - 1;
                memcpy(out, p, k);
                out[k] = '\0';
            }
            have_e |= is_e;
        }
        p += n;
        p += strspn(p, "\r\n");
    }
}

/* How a command that fails is reported. */
struct step {
    const char *what;      /* the subject: "cannot download 'pkg'" */
    const char *install;   /* where the program comes from, when it cannot be run */
    const char *advice;    /* appended when it fails: "; run 'apt-get update' and retry" */
};

/* Runs argv (PATH lookup) with stdin from /dev/null, stdout to out_path
 * (or /dev/null), stderr to log, in folder cwd (NULL: ours); paths are
 * relative to our folder. On failure: "<what>: cannot run <prog>: <errno>
 * (<install>)" or "<what>: <log line><advice>". */
static int run(char *const argv[], const char *cwd, const char *out_path, const char *log,
               const struct step *st, tb_error *err)
{
    tb_spawn_config cfg = {.argv = (const char *const *)argv, .path_lookup = 1, .cwd = cwd,
                           .stdout_path = out_path, .stderr_path = log};
    tb_spawn_result res;
    tb_error why = {0};
    if (tb_spawn_run(&cfg, &res, &why) == TB_OK)
        return TB_OK;
    if (res.start_errno)
        return tb_fail(err, TB_EINPUT, "%s: cannot run %s: %s (%s)", st->what, argv[0],
                       strerror(res.start_errno), st->install);
    if (!res.exited && !res.signal) /* it ran, but could not be waited for */
        return tb_fail(err, TB_EINPUT, "%s: %s", st->what, why.msg);
    char line[512];
    log_line(res.tail, line, sizeof line);
    return tb_fail(err, TB_EINPUT, "%s: %s%s", st->what, line, st->advice);
}

static const char k_dpkg_install[] = "install 'dpkg-dev' or run 'make deps'";

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
    if (tb_pathf(err, get, sizeof get, "%s/.get.tmp.%ld", debs, (long)getpid()) ||
        tb_mkdirs(get, err))
        return TB_EINPUT;
    char *argv[] = {"apt-get", "download", "-q", (char *)pkg, NULL};
    char what[300];
    snprintf(what, sizeof what, "cannot download '%s'", pkg);
    const struct step st = {what, "on Debian and Ubuntu it is in the 'apt' package",
                            "; run 'apt-get update' and retry"};
    int rc = run(argv, get, NULL, log, &st, err);
    if (rc == TB_OK && !find_deb(get, pkg, deb, cap)) {
        rc = tb_fail(err, TB_EINPUT,
                     "cannot download '%s': apt-get download left no '%s_*.deb' in '%s'", pkg,
                     pkg, get);
    } else if (rc == TB_OK) {
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
    char what[PATH_CAP + 400];
    snprintf(what, sizeof what, "cannot read the version of '%s'", deb_path);
    const struct step st = {what, k_dpkg_install, ""};
    if (run(argv, NULL, out, log, &st, err)) {
        unlink(out);
        return TB_EINPUT;
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
        char what[PATH_CAP + 400];
        snprintf(what, sizeof what, "cannot unpack '%s'", deb_path);
        const struct step st = {what, k_dpkg_install, " (delete it to download it again)"};
        if (run(argv, NULL, NULL, log, &st, err))
            return TB_EINPUT;
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
    /* downloads and stamps of fetches killed part way (dead pids only) */
    char gone[8];
    size_t n_gone;
    if (afolder_clean_stale(debs, NULL, gone, sizeof gone, &n_gone, err) ||
        afolder_clean_stale(root, NULL, gone, sizeof gone, &n_gone, err))
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
