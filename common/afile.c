#include "afile.h"

#include <errno.h>
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
