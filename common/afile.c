#include "afile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int afile_open(afile *af, const char *path, tb_error *err)
{
    memset(af, 0, sizeof *af);
    if (strlen(path) + 32 >= sizeof af->path)
        return tb_fail(err, TB_EINPUT, "path too long: '%s'", path);
    snprintf(af->path, sizeof af->path, "%s", path);
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp, "wb");
    if (!af->fp)
        return tb_fail(err, TB_EINPUT, "cannot create '%s': %s", af->tmp, strerror(errno));
    return TB_OK;
}

int afile_commit(afile *af, tb_error *err)
{
    if (!af->fp)
        return tb_fail(err, TB_EUSAGE, "'%s' is not open", af->path);
    int bad = fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0;
    int e = errno;
    bad |= fclose(af->fp) != 0;
    af->fp = NULL;
    if (bad) {
        unlink(af->tmp);
        return tb_fail(err, TB_EINPUT, "cannot write '%s': %s", af->path, strerror(e));
    }
    if (rename(af->tmp, af->path) != 0) {
        e = errno;
        unlink(af->tmp);
        return tb_fail(err, TB_EINPUT, "cannot rename '%s' to '%s': %s", af->tmp, af->path,
                       strerror(e));
    }
    return TB_OK;
}

void afile_abort(afile *af)
{
    if (af->fp) {
        fclose(af->fp);
        af->fp = NULL;
        unlink(af->tmp);
    }
}

int tb_mkdirs(const char *path, tb_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return tb_fail(err, TB_EINPUT, "bad directory path '%s'", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return tb_fail(err, TB_EINPUT, "cannot create directory '%s': %s", buf,
                               strerror(errno));
            buf[i] = c;
        }
    }
    return TB_OK;
}

/* ---- atomic folders ------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 ? -1 : 0;
}

int tb_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);                           /* best effort: entries durable */
        close(fd);
    }
}

int afolder_open(afolder *af, const char *path, tb_error *err)
{
    memset(af, 0, sizeof *af);
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n == 0 || n + 32 >= sizeof af->path)
        return tb_fail(err, TB_EINPUT, "bad output folder '%s'", path);
    memcpy(af->path, path, n);
    af->path[n] = '\0';
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", af->path, (long)getpid());
    snprintf(af->old, sizeof af->old, "%s.old.%ld", af->path, (long)getpid());
    const char *slash = strrchr(af->path, '/');
    if (slash && slash != af->path) {
        char parent[4096];
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - af->path), af->path);
        if (tb_mkdirs(parent, err))
            return TB_EINPUT;
    }
    /* a leftover with our pid belongs to a dead process that had it before */
    if (tb_remove_tree(af->tmp) != 0 || mkdir(af->tmp, 0755) != 0)
        return tb_fail(err, TB_EINPUT, "cannot create folder '%s': %s", af->tmp,
                       strerror(errno));
    af->open = 1;
    return TB_OK;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY), out = -1, rc = -1;
    if (in >= 0)
        out = open(to, O_WRONLY | O_CREAT | O_EXCL, mode & 07777);
    if (out >= 0) {
        char buf[65536];
        ssize_t r;
        while ((r = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)r) != r)
                break;
        rc = r == 0 ? 0 : -1;
    }
    int e = errno;
    if (out >= 0 && close(out) != 0)
        rc = -1;
    if (in >= 0)
        close(in);
    errno = e;
    return rc;
}

/* Mirrors folder from into the existing folder to, skipping the top-level
 * names in skip (depth 0 only). */
static int carry_tree(const char *from, const char *to, const char *const *skip, size_t n_skip,
                      tb_error *err)
{
    DIR *d = opendir(from);
    if (!d)
        return tb_fail(err, TB_EINPUT, "cannot read folder '%s': %s", from, strerror(errno));
    int rc = TB_OK;
    struct dirent *ent;
    while (rc == TB_OK && (ent = readdir(d))) {
        const char *nm = ent->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
            continue;
        int skipped = 0;
        for (size_t i = 0; i < n_skip && !skipped; i++)
            skipped = strcmp(nm, skip[i]) == 0;
        if (skipped)
            continue;
        char src[4096], dst[4096];
        if (tb_pathf(err, src, sizeof src, "%s/%s", from, nm) ||
            tb_pathf(err, dst, sizeof dst, "%s/%s", to, nm)) {
            rc = TB_EINPUT;
            break;
        }
        struct stat st;
        if (lstat(src, &st) != 0) {
            rc = tb_fail(err, TB_EINPUT, "cannot inspect '%s': %s", src, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            if (mkdir(dst, st.st_mode & 07777) != 0)
                rc = tb_fail(err, TB_EINPUT, "cannot create folder '%s': %s", dst,
                             strerror(errno));
            else
                rc = carry_tree(src, dst, NULL, 0, err);
        } else if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t k = readlink(src, target, sizeof target - 1);
            if (k < 0 || (target[k] = '\0', symlink(target, dst) != 0))
                rc = tb_fail(err, TB_EINPUT, "cannot copy the link '%s' to '%s': %s", src, dst,
                             strerror(errno));
        } else if (link(src, dst) != 0 && copy_file(src, dst, st.st_mode) != 0) {
            rc = tb_fail(err, TB_EINPUT, "cannot copy '%s' to '%s': %s", src, dst,
                         strerror(errno));
        }
    }
    closedir(d);
    return rc;
}

int afolder_carry(afolder *af, const char *const *skip, size_t n_skip, tb_error *err)
{
    if (!af->open)
        return tb_fail(err, TB_EUSAGE, "'%s' is not open", af->path);
    struct stat st;
    if (lstat(af->path, &st) != 0)
        return errno == ENOENT ? TB_OK
                               : tb_fail(err, TB_EINPUT, "cannot inspect '%s': %s", af->path,
                                         strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return tb_fail(err, TB_EINPUT, "'%s' exists and is not a folder", af->path);
    return carry_tree(af->path, af->tmp, skip, n_skip, err);
}

/* The switch itself; af->tmp is left for the caller to remove. */
static int afolder_switch(afolder *af, tb_error *err)
{
    fsync_dir(af->tmp);
    struct stat st;
    if (lstat(af->path, &st) != 0) {
        if (errno != ENOENT)
            return tb_fail(err, TB_EINPUT, "cannot inspect '%s': %s", af->path, strerror(errno));
        if (rename(af->tmp, af->path) != 0)
            return tb_fail(err, TB_EINPUT, "cannot rename '%s' to '%s': %s", af->tmp, af->path,
                           strerror(errno));
        return TB_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return tb_fail(err, TB_EINPUT, "'%s' exists and is not a folder", af->path);
    const char *gone = af->old;
    if (!af->no_exchange &&
        renameat2(AT_FDCWD, af->tmp, AT_FDCWD, af->path, RENAME_EXCHANGE) == 0) {
        gone = af->tmp;                      /* tmp now holds the previous set */
    } else {
        if (tb_remove_tree(af->old) != 0 || rename(af->path, af->old) != 0)
            return tb_fail(err, TB_EINPUT, "cannot move '%s' aside to '%s': %s", af->path,
                           af->old, strerror(errno));
        if (rename(af->tmp, af->path) != 0) {
            int e = errno;
            rename(af->old, af->path);
            return tb_fail(err, TB_EINPUT, "cannot rename '%s' to '%s': %s", af->tmp, af->path,
                           strerror(e));
        }
    }
    if (tb_remove_tree(gone) != 0)
        return tb_fail(err, TB_EINPUT,
                       "written to '%s', but cannot remove the previous version now at '%s': %s",
                       af->path, gone, strerror(errno));
    return TB_OK;
}

int afolder_commit(afolder *af, tb_error *err)
{
    if (!af->open)
        return tb_fail(err, TB_EUSAGE, "'%s' is not open", af->path);
    int rc = afolder_switch(af, err);
    afolder_abort(af);                       /* after success: gone already */
    return rc;
}

void afolder_abort(afolder *af)
{
    if (af->open) {
        tb_remove_tree(af->tmp);
        af->open = 0;
    }
}

void afolder_keep(afolder *af) { af->open = 0; }

/* 1 when s ends in ".tmp.<digits>" or ".old.<digits>"; *pid gets the digits,
 * *at the offset of that suffix's first dot. */
static int stale_suffix(const char *s, size_t n, long *pid, size_t *at)
{
    size_t d = n;
    while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
        d--;
    if (d == n || n - d > 9 || d < 5)
        return 0;
    if (memcmp(s + d - 5, ".tmp.", 5) != 0 && memcmp(s + d - 5, ".old.", 5) != 0)
        return 0;
    *pid = strtol(s + d, NULL, 10);
    *at = d - 5;
    return *pid > 0;
}

int afolder_clean_stale(const char *dir, const char *base, char *names, size_t cap,
                        size_t *n_removed, tb_error *err)
{
    *n_removed = 0;
    if (cap)
        names[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? TB_OK
                               : tb_fail(err, TB_EINPUT, "cannot read folder '%s': %s", dir,
                                         strerror(errno));
    size_t bl = base ? strlen(base) : 0, used = 0;
    int rc = TB_OK;
    struct dirent *ent;
    while (rc == TB_OK && (ent = readdir(d))) {
        const char *nm = ent->d_name;
        size_t n = strlen(nm);
        long pid;
        size_t at;
        if (base && (n <= bl + 1 || memcmp(nm, base, bl) != 0 || nm[bl] != '.'))
            continue;
        /* "<base>.tmp.<pid>" or "<base>.<x>.tmp.<pid>": the suffix starts at
         * the dot after base or later */
        if (!stale_suffix(nm, n, &pid, &at) || at < bl)
            continue;
        if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;                        /* ours, live, or not ours to judge */
        char path[4096];
        if (tb_pathf(err, path, sizeof path, "%s/%s", dir, nm)) {
            rc = TB_EINPUT;
            break;
        }
        if (tb_remove_tree(path) != 0) {
            rc = tb_fail(err, TB_EINPUT, "cannot remove the leftover '%s': %s", path,
                         strerror(errno));
            break;
        }
        (*n_removed)++;
        if (cap && used + 4 < cap) {
            int w = snprintf(names + used, cap - used, "%s%s", used ? ", " : "", nm);
            if (w < 0 || (size_t)w >= cap - used) {
                snprintf(names + (cap > 4 ? cap - 4 : 0), cap > 4 ? 4 : cap, "...");
                used = cap;
            } else {
                used += (size_t)w;
            }
        }
    }
    closedir(d);
    return rc;
}
