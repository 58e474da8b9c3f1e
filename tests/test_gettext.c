/* test_gettext.c - the .mo reader (corpora/mo.c) and the gettext importer's
 * alignment, filters and text rules (corpora/import_gettext.c).
 *
 * Every catalog is written here by mo_build (tiny hand-made files, either
 * byte order). The importer test packs two made-up packages with
 * `dpkg-deb --build` (dpkg-dev, which `corpus fetch` needs anyway) into the
 * cache folder where corpus_fetch_debs finds a .deb and so downloads
 * nothing. Scratch folder under $TMPDIR (or /tmp), removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/spawn.h"
#include "../common/tb.h"
#include "../corpora/import.h"
#include "../corpora/mo.h"

static char g_tmp[512];

/* ---- a .mo writer ------------------------------------------------------ */

/* One entry: original and translation with their lengths (they may hold
 * NUL, EOT). */
struct mo_in {
    const char *o;
    size_t ol;
    const char *t;
    size_t tl;
};
#define S(lit) lit, sizeof lit - 1

static void put32(uint8_t *p, uint32_t v, int be)
{
    for (int k = 0; k < 4; k++)
        p[be ? k : 3 - k] = (uint8_t)(v >> (24 - 8 * k));
}

/* The .mo file of the n entries in the given order: header (28 bytes),
 * originals table at 28, translations table at 28 + 8n, then the strings,
 * each followed by its NUL. Returns a malloc'd buffer and its size. */
static uint8_t *mo_build(const struct mo_in *e, size_t n, int be, size_t *size)
{
    size_t total = 28 + 16 * n;
    for (size_t i = 0; i < n; i++)
        total += e[i].ol + 1 + e[i].tl + 1;
    uint8_t *d = calloc(1, total);
    assert_non_null(d);
    put32(d, 0x950412de, be);
    put32(d + 4, 0, be);
    put32(d + 8, (uint32_t)n, be);
    put32(d + 12, 28, be);
    put32(d + 16, (uint32_t)(28 + 8 * n), be);
    size_t at = 28 + 16 * n;
    for (size_t i = 0; i < n; i++) {
        put32(d + 28 + 8 * i, (uint32_t)e[i].ol, be);
        put32(d + 32 + 8 * i, (uint32_t)at, be);
        memcpy(d + at, e[i].o, e[i].ol);
        at += e[i].ol + 1;
    }
    for (size_t i = 0; i < n; i++) {
        put32(d + 28 + 8 * n + 8 * i, (uint32_t)e[i].tl, be);
        put32(d + 32 + 8 * n + 8 * i, (uint32_t)at, be);
        memcpy(d + at, e[i].t, e[i].tl);
        at += e[i].tl + 1;
    }
    *size = total;
    return d;
}

static const struct mo_in k_small[] = {
    {S(""), S("Content-Type: text/plain; charset=UTF-8\n")},
    {S("menu\x04Open"), S("Открыть")},
    {S("%d file\0%d files"), S("%d файл\0%d файла\0%d файлов")},
};

/* ---- the reader -------------------------------------------------------- */

static void check_small(const uint8_t *d, size_t n, int be)
{
    tb_error err = {0};
    mo_catalog *m = NULL;
    assert_int_equal(mo_parse("small.mo", d, n, &m, &err), TB_OK);
    assert_int_equal(mo_count(m), 3);
    assert_int_equal(mo_big_endian(m), be);
    mo_entry e;
    mo_get(m, 0, &e);
    assert_true(mo_is_header(&e));
    mo_get(m, 1, &e);
    assert_false(mo_is_header(&e));
    assert_int_equal(e.ctx_len, 4);
    assert_memory_equal(e.ctx, "menu", 4);
    assert_string_equal(e.id, "Open");
    assert_int_equal(e.id_len, 4);
    assert_null(e.id_plural);
    assert_string_equal(e.str, "Открыть");
    assert_int_equal(e.n_forms, 1);
    mo_get(m, 2, &e);
    assert_null(e.ctx);
    assert_string_equal(e.id, "%d file");
    assert_string_equal(e.id_plural, "%d files");
    assert_string_equal(e.str, "%d файл");
    assert_int_equal(e.str_len, strlen("%d файл"));
    assert_int_equal(e.n_forms, 3);
    mo_free(m);
}

static void test_mo_both_byte_orders(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        size_t n;
        uint8_t *d = mo_build(k_small, 3, be, &n);
        check_small(d, n, be);
        free(d);
    }
}

static void expect_bad(const uint8_t *d, size_t n, const char *want)
{
    tb_error err = {0};
    mo_catalog *m = (mo_catalog *)1;
    assert_int_equal(mo_parse("bad.mo", d, n, &m, &err), TB_EINPUT);
    assert_null(m);
    if (!strstr(err.msg, want))
        fail_msg("'%s' does not contain '%s'", err.msg, want);
    assert_non_null(strstr(err.msg, "bad.mo: byte "));
}

static void test_mo_corrupt(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = mo_build(k_small, 3, 0, &n);
    uint8_t *c = malloc(n);
    assert_non_null(c);

    expect_bad(d, 10, "byte 10: truncated header (10 bytes");
    memcpy(c, d, n);
    c[0] = 0x12;
    expect_bad(c, n, "byte 0: not a GNU .mo catalog (magic 12 12 04 95");
    memcpy(c, d, n);
    put32(c + 4, 2u << 16, 0);
    expect_bad(c, n, "byte 4: unknown .mo revision 2.0");
    memcpy(c, d, n);
    put32(c + 8, 1000, 0);                   /* N beyond the file */
    expect_bad(c, n, "byte 12: table of originals (N=1000 pairs at 28) runs past the end");
    memcpy(c, d, n);
    put32(c + 16, (uint32_t)n - 8, 0);       /* translations table at the end */
    expect_bad(c, n, "byte 16: table of translations (N=3 pairs at");
    memcpy(c, d, n);
    put32(c + 28 + 8, 0xfffffff0u, 0);       /* length of original 1: offset + length wraps */
    expect_bad(c, n, "byte 36: originals string 1 (4294967280 bytes at");
    memcpy(c, d, n);
    put32(c + 28 + 8, 3, 0);                 /* original 1 "men": no NUL after it */
    char want[128];
    snprintf(want, sizeof want, "byte %u: originals string 1 (3 bytes at %u) is not NUL-terminated",
             (unsigned)(28 + 48 + 1 + 3), (unsigned)(28 + 48 + 1));
    expect_bad(c, n, want);
    /* every truncation of a valid file is refused (its last byte ends a string) */
    for (size_t k = 0; k < n; k++) {
        tb_error err = {0};
        mo_catalog *m = NULL;
        assert_int_equal(mo_parse("cut.mo", d, k, &m, &err), TB_EINPUT);
        assert_non_null(strstr(err.msg, "cut.mo: byte "));
    }
    free(c);
    free(d);
}

/* ---- text rules -------------------------------------------------------- */

static void expect_strip(const char *in, char hint, const char *want, size_t want_n)
{
    tb_error err = {0};
    size_t n = 0;
    char *got = gettext_strip_accel(in, strlen(in), hint, &n, &err);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(n, want_n);
    free(got);
}

static void test_strip_accel(void **state)
{
    (void)state;
    expect_strip("_File", 0, "File", 1);
    expect_strip("Save _As…", 0, "Save As…", 1);
    expect_strip("&Open file", 0, "Open file", 1);
    expect_strip("Сохранить _как", 0, "Сохранить как", 1);
    expect_strip("_Файл", 0, "Файл", 1);
    expect_strip("保存文件(_S)", 0, "保存文件", 1);
    expect_strip("另存为 (_A)…", 0, "另存为…", 1);
    expect_strip("打开（_O）", 0, "打开", 1);
    expect_strip("Tom &amp; Jerry &#38; &lt;b&gt;", 0, "Tom &amp; Jerry &#38; &lt;b&gt;", 0);
    expect_strip("Tom & Jerry", 0, "Tom & Jerry", 0);
    expect_strip("LC_ALL and file_name, __init__, %s_%d", 0,
                 "LC_ALL and file_name, __init__, %s_%d", 0);
    expect_strip("S_nap to grid", 0, "S_nap to grid", 0);
    expect_strip("S_nap to grid", 'N', "Snap to grid", 1);
    expect_strip("S_nap to grid", 'x', "S_nap to grid", 0);
    expect_strip("_Snap to g_rid", 'R', "Snap to g_rid", 1); /* a word-start marker wins */
    assert_int_equal(gettext_mnemonic_hint(S("吸附到网格(_N)")), 'N');
    assert_int_equal(gettext_mnemonic_hint(S("打开（_O）")), 'O');
    assert_int_equal(gettext_mnemonic_hint(S("打开 (&q)")), 'q');
    assert_int_equal(gettext_mnemonic_hint(S("打开 (_)")), 0);
}

static void test_placeholders(void **state)
{
    (void)state;
    assert_int_equal(gettext_count_placeholders("no placeholders, 100%% sure"), 0);
    assert_int_equal(gettext_count_placeholders("%s: %d of %ld, %-10.3f %1$s %*d %zu %%"), 7);
    assert_int_equal(gettext_count_placeholders("{0} of {count}; {} { x}"), 2);
    assert_int_equal(gettext_count_placeholders("$HOME or ${PATH}; $5, $ x"), 2);
    assert_int_equal(gettext_count_placeholders("50% off"), 0);
}

/* ---- the importer ------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void write_bytes(const char *path, const void *d, size_t n)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_mo(const char *src, const char *lang, const char *domain,
                     const struct mo_in *e, size_t n, int be)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/usr/share/locale/%s/LC_MESSAGES/%s.mo", src, lang, domain);
    size_t sz;
    uint8_t *d = mo_build(e, n, be, &sz);
    write_bytes(path, d, sz);
    free(d);
}

/* Packs src into cache/gettext/<pkg>/debs/<pkg>_1.0_all.deb. */
static void pack(const char *pkg, const char *src)
{
    char control[1024], deb[1024];
    snprintf(control, sizeof control, "%s/DEBIAN/control", src);
    char text[512];
    int l = snprintf(text, sizeof text,
                     "Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@t>\n"
                     "Description: test catalogs\n",
                     pkg);
    write_bytes(control, text, (size_t)l);
    snprintf(deb, sizeof deb, "%s/cache/gettext/%s/debs/%s_1.0_all.deb", g_tmp, pkg, pkg);
    write_bytes(deb, "", 0);
    const char *argv[] = {"dpkg-deb", "--root-owner-group", "-Zgzip", "--build", src, deb, NULL};
    tb_spawn_config cfg = {.argv = argv, .path_lookup = 1};
    tb_spawn_result res;
    tb_error err = {0};
    if (tb_spawn_run(&cfg, &res, &err) != TB_OK)
        fail_msg("dpkg-deb --build: %s", err.msg);
}

#define RU "ru"
#define ZH "zh_CN"

/* Package tb-gt-a, domain "app": one entry per rule (see the comments);
 * domain "lonely": ru only. Package tb-gt-b: "app" again (repeated domain,
 * skipped) and "tool", big-endian. */
static void make_packages(void)
{
    char src[600];
    snprintf(src, sizeof src, "%s/src/tb-gt-a", g_tmp);
    const char *hdr = "Content-Type: text/plain; charset=UTF-8\n";
    const struct mo_in ru[] = {
        {S(""), hdr, strlen(hdr)},
        {S("Open the selected file"), S("Открыть выбранный файл")},            /* kept */
        {S("menu\x04Save the _current file"), S("Сохранить _текущий файл")},  /* kept, stripped */
        {S("Save the current file"), S("Сохранить текущий файл")},            /* duplicate */
        {S("Copied %d file to %s\0Copied %d files to %s"),                    /* plural, kept */
         S("Скопирован %d файл в %s\0Скопировано %d файла в %s\0Скопировано %d файлов в %s")},
        {S("Quit"), S("Выход")},                                              /* short */
        {S("Only in English here"), S("Only in English here")},                /* same as en */
        {S("Show hidden files now"), S("Pokazat skrytye fajly")},             /* no Cyrillic */
        {S("Delete the old backup"), S("Удалить старую копию")},              /* no Han */
        {S("Line one of help\nline two of help"), S("Строка один\nстрока два")}, /* joined */
        {S("Only Russian has this"), S("Только по-русски")},                  /* not aligned */
        {S("Empty translation here"), S("")},                                 /* untranslated */
        {S("Open the cafe\xcc\x81 menu"), S("Открыть меню кафе\xcc\x81")},    /* NFC */
        {S("S_nap to the grid"), S("При_вязать к сетке")},                   /* hint from zh */
    };
    const struct mo_in zh[] = {
        {S(""), hdr, strlen(hdr)},
        {S("S_nap to the grid"), S("吸附到网格(_N)")},
        {S("Open the cafe\xcc\x81 menu"), S("打开咖啡菜单")},
        {S("Empty translation here"), S("这里")},
        {S("Line one of help\nline two of help"), S("第一行\n第二行")},
        {S("Delete the old backup"), S("Delete the old backup copy")},
        {S("Show hidden files now"), S("现在显示隐藏文件")},
        {S("Only in English here"), S("仅英文")},
        {S("Quit"), S("退出")},
        {S("Copied %d file to %s\0Copied %d files to %s"), S("已复制 %d 个文件到 %s")},
        {S("Save the current file"), S("保存当前文件")},
        {S("menu\x04Save the _current file"), S("保存当前文件(_C)")},
        {S("Open the selected file"), S("打开所选文件")},
    };
    write_mo(src, RU, "app", ru, sizeof ru / sizeof ru[0], 0);
    write_mo(src, ZH, "app", zh, sizeof zh / sizeof zh[0], 0);
    write_mo(src, RU, "lonely", ru, 2, 0);
    pack("tb-gt-a", src);

    snprintf(src, sizeof src, "%s/src/tb-gt-b", g_tmp);
    const struct mo_in tool_ru[] = {{S("Print the version number"), S("Показать номер версии")}};
    const struct mo_in tool_zh[] = {{S("Print the version number"), S("显示版本号")}};
    write_mo(src, RU, "app", tool_ru, 1, 0);
    write_mo(src, ZH, "app", tool_zh, 1, 0);
    write_mo(src, RU, "tool", tool_ru, 1, 1);
    write_mo(src, ZH, "tool", tool_zh, 1, 1);
    pack("tb-gt-b", src);
}

static char *slurp(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *d = NULL;
    size_t n = 0;
    tb_error err = {0};
    if (tb_read_file(path, &d, &n, &err))
        fail_msg("%s", err.msg);
    return d;
}

static void test_import(void **state)
{
    (void)state;
    make_packages();
    char cache[600], out[600];
    snprintf(cache, sizeof cache, "%s/cache", g_tmp);
    snprintf(out, sizeof out, "%s/data/gettext", g_tmp);
    import_config cfg = {.out_dir = out, .cache_dir = cache};
    const char *pkgs = "tb-gt-a, tb-gt-b";
    import_report rep;
    tb_error err = {0};
    if (import_gettext(&cfg, pkgs, &rep, &err) != TB_OK)
        fail_msg("%s", err.msg);
    /* app: 12 aligned (header and the ru-only entry are not), tool: 1 */
    assert_int_equal(rep.candidates, 13);
    assert_int_equal(rep.segments, 7);
    assert_int_equal(rep.dropped_dup, 1);
    assert_int_equal(rep.dropped_filter, 5);
    const char *want_detail[] = {
        "packages 2;", "catalog pairs 2 (ru without zh_CN 1, not UTF-8 0, domain repeated 1)",
        "entries ru 14, zh_CN 13", "untranslated 1,", "same as English 1,", "no Cyrillic 1,",
        "no Han 1,", "English under 3 words 1;", "plural entries (first forms kept) 1;",
        "kept multi-line entries joined 1;", "accelerator markers stripped 5;",
        "kept segments with placeholders 1 (placeholders 2)",
    };
    for (size_t i = 0; i < sizeof want_detail / sizeof want_detail[0]; i++)
        if (!strstr(rep.detail, want_detail[i]))
            fail_msg("detail '%s' lacks '%s'", rep.detail, want_detail[i]);
    /* strcmp order of the originals: "Copied..." < "Line..." < "Open the c..." <
     * "Open the s..." < "S_nap..." < "Save..." (kept) < "menu\x04Save..." (its
     * duplicate once stripped); then domain tool */
    char *en = slurp(out, "en.txt"), *ru = slurp(out, "ru.txt"), *zh = slurp(out, "zh.txt");
    assert_string_equal(en, "Copied %d file to %s\n"
                            "Line one of help line two of help\n"
                            "Open the caf\xc3\xa9 menu\n"
                            "Open the selected file\n"
                            "Snap to the grid\n"
                            "Save the current file\n"
                            "Print the version number\n");
    assert_string_equal(ru, "Скопирован %d файл в %s\n"
                            "Строка один строка два\n"
                            "Открыть меню кафе\xcc\x81\n" /* no precomposed Cyrillic form */
                            "Открыть выбранный файл\n"
                            "При_вязать к сетке\n"
                            "Сохранить текущий файл\n"
                            "Показать номер версии\n");
    assert_string_equal(zh, "已复制 %d 个文件到 %s\n第一行 第二行\n打开咖啡菜单\n打开所选文件\n"
                            "吸附到网格\n保存当前文件\n显示版本号\n");
    char *ids = slurp(out, "ids.txt");
    char want_id[64];
    snprintf(want_id, sizeof want_id, "app:%016llx\n",
             (unsigned long long)tb_fnv1a64("Copied %d file to %s", 20));
    assert_memory_equal(ids, want_id, strlen(want_id));
    assert_non_null(strstr(ids, "\ntool:"));
    char *man = slurp(out, "MANIFEST");
    assert_non_null(strstr(man, "\npackage: tb-gt-a 1.0 tb-gt-a_1.0_all.deb sha256="));
    assert_non_null(strstr(man, "\ncatalog: tb-gt-a usr/share/locale/ru/LC_MESSAGES/app.mo sha256="));
    assert_non_null(strstr(man, "/ru/LC_MESSAGES/app.mo sha256="));
    assert_non_null(strstr(man, " entries=13\n"));
    assert_non_null(strstr(man, "\ncatalog: tb-gt-b usr/share/locale/zh_CN/LC_MESSAGES/tool.mo"));
    assert_null(strstr(man, "tb-gt-b usr/share/locale/ru/LC_MESSAGES/app.mo"));
    assert_non_null(strstr(man, "\nsegments: 7\n"));

    /* a second import is byte-identical */
    if (import_gettext(&cfg, pkgs, &rep, &err) != TB_OK)
        fail_msg("%s", err.msg);
    const char *files[] = {"en.txt", "ru.txt", "zh.txt", "ids.txt", "MANIFEST"};
    char *first[] = {en, ru, zh, ids, man};
    for (size_t i = 0; i < 5; i++) {
        char *again = slurp(out, files[i]);
        assert_string_equal(again, first[i]);
        free(again);
        free(first[i]);
    }

    /* a corrupt catalog: error names the file and the byte, the corpus stays */
    char src[600], path[1200];
    snprintf(src, sizeof src, "%s/src/tb-gt-c", g_tmp);
    size_t n;
    uint8_t *d = mo_build(k_small, 3, 0, &n);
    put32(d + 8, 99, 0);
    snprintf(path, sizeof path, "%s/usr/share/locale/ru/LC_MESSAGES/bad.mo", src);
    write_bytes(path, d, n);
    write_mo(src, ZH, "bad", k_small, 3, 0);
    free(d);
    pack("tb-gt-c", src);
    char bad_out[700];
    snprintf(bad_out, sizeof bad_out, "%s/data/broken", g_tmp);
    cfg.out_dir = bad_out;
    pkgs = "tb-gt-a tb-gt-c";
    assert_int_equal(import_gettext(&cfg, pkgs, &rep, &err), TB_EINPUT);
    if (!strstr(err.msg, "LC_MESSAGES/bad.mo': byte 12: table of originals (N=99 pairs"))
        fail_msg("unexpected error '%s'", err.msg);
    struct stat st;
    assert_int_not_equal(stat(bad_out, &st), 0);
}

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("TMPDIR");
    snprintf(g_tmp, sizeof g_tmp, "%s/test_gettext.XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(g_tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nftw(g_tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mo_both_byte_orders),
        cmocka_unit_test(test_mo_corrupt),
        cmocka_unit_test(test_strip_accel),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_import),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
