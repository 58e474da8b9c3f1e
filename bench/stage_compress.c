/* compress.c - archiver sizes and the compression table rows (compress.h). */
#include "stage_compress.h"

#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "../tokenizers/symbol.h"

int compress_gzip9_size(const void *data, size_t n, uint64_t *out, tb_error *err)
{
    *out = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return tb_fail(err, TB_EINPUT, "gzip -9: deflateInit2 failed");
    unsigned char buf[65536];
    const unsigned char *p = data;
    size_t left = n;
    uint64_t total = 0;
    int zr;
    do {
        /* avail_in is a uInt: feed at most 1 GiB at a time. */
        if (zs.avail_in == 0 && left > 0) {
            size_t chunk = left < (1u << 30) ? left : (1u << 30);
            zs.next_in = (unsigned char *)p;
            zs.avail_in = (uInt)chunk;
            p += chunk;
            left -= chunk;
        }
        zs.next_out = buf;
        zs.avail_out = sizeof buf;
        zr = deflate(&zs, left == 0 && zs.avail_in == 0 ? Z_FINISH : Z_NO_FLUSH);
        if (zr == Z_STREAM_ERROR) {
            deflateEnd(&zs);
            return tb_fail(err, TB_EINPUT, "gzip -9: deflate failed");
        }
        total += sizeof buf - zs.avail_out;
    } while (zr != Z_STREAM_END);
    deflateEnd(&zs);
    *out = total;
    return TB_OK;
}

int compress_xz9_size(const void *data, size_t n, uint64_t *out, tb_error *err)
{
    *out = 0;
    lzma_options_lzma opt;
    if (lzma_lzma_preset(&opt, 9))
        return tb_fail(err, TB_EINPUT, "xz -9: liblzma has no preset 9");
    uint32_t dict = 4096;
    while (dict < n && dict < opt.dict_size)
        dict *= 2;
    if (dict < opt.dict_size)
        opt.dict_size = dict;
    lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, NULL}};
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_encoder(&s, filters, LZMA_CHECK_CRC64) != LZMA_OK)
        return tb_fail(err, TB_EINPUT, "xz -9: cannot start the encoder (out of memory?)");
    uint8_t buf[65536];
    s.next_in = data;
    s.avail_in = n;
    uint64_t total = 0;
    lzma_ret r;
    do {
        s.next_out = buf;
        s.avail_out = sizeof buf;
        r = lzma_code(&s, LZMA_FINISH);
        total += sizeof buf - s.avail_out;
    } while (r == LZMA_OK);
    lzma_end(&s);
    if (r != LZMA_STREAM_END)
        return tb_fail(err, TB_EINPUT, "xz -9: compression failed (liblzma error %d)", (int)r);
    *out = total;
    return TB_OK;
}

int compress_zstd19_size(const void *data, size_t n, uint64_t *out, tb_error *err)
{
    *out = 0;
    size_t cap = ZSTD_compressBound(n);
    void *buf = tb_malloc(cap ? cap : 1, err);
    if (!buf)
        return TB_EINPUT;
    size_t r = ZSTD_compress(buf, cap, data, n, 19);
    free(buf);
    if (ZSTD_isError(r))
        return tb_fail(err, TB_EINPUT, "zstd -19: %s", ZSTD_getErrorName(r));
    *out = r;
    return TB_OK;
}

int compress_split_text(const corpus *c, size_t lang, enum corpus_split split, char **out,
                        size_t *n, tb_error *err)
{
    *out = NULL;
    *n = 0;
    if (lang >= corpus_n_langs(c))
        return tb_fail(err, TB_EUSAGE, "compress: language index %zu out of range", lang);
    size_t total = 0, len;
    for (size_t seg = 0; seg < corpus_n_segments(c); seg++)
        if (corpus_in_split(c, seg, split)) {
            corpus_segment(c, lang, seg, &len);
            total += len + 1;
        }
    char *buf = tb_malloc(total + 1, err);
    if (!buf)
        return TB_EINPUT;
    size_t pos = 0;
    for (size_t seg = 0; seg < corpus_n_segments(c); seg++)
        if (corpus_in_split(c, seg, split)) {
            const char *s = corpus_segment(c, lang, seg, &len);
            memcpy(buf + pos, s, len);
            pos += len;
            buf[pos++] = '\n';
        }
    buf[pos] = '\0';
    *out = buf;
    *n = pos;
    return TB_OK;
}

int compress_emit_archivers(results *res, const corpus *c, size_t lang, enum corpus_split split,
                            const char *label, tb_error *err)
{
    char *text;
    size_t n;
    if (compress_split_text(c, lang, split, &text, &n, err))
        return TB_EINPUT;
    uint64_t gz = 0, xz = 0, zs = 0;
    int rc = compress_gzip9_size(text, n, &gz, err);
    if (rc == TB_OK)
        rc = compress_xz9_size(text, n, &xz, err);
    if (rc == TB_OK)
        rc = compress_zstd19_size(text, n, &zs, err);
    free(text);
    const char *cn = corpus_name(c), *sp = corpus_split_name(split), *ln = corpus_lang(c, lang);
    if (rc == TB_OK)
        rc = results_add(res, cn, sp, ln, label, "text_bytes", (double)n, "bytes", err);
    if (rc == TB_OK)
        rc = results_add(res, cn, sp, ln, label, "gzip9_bytes", (double)gz, "bytes", err);
    if (rc == TB_OK)
        rc = results_add(res, cn, sp, ln, label, "xz9_bytes", (double)xz, "bytes", err);
    if (rc == TB_OK)
        rc = results_add(res, cn, sp, ln, label, "zstd19_bytes", (double)zs, "bytes", err);
    return rc;
}

int compress_emit_symbol(results *res, const corpus *c, size_t lang, enum corpus_split split,
                         const tokenizer *t, tb_error *err)
{
    uint64_t sb, sc, db;
    int rc = symbol_dict_bytes(t, &db, err);
    if (rc == TB_OK)
        rc = symbol_text_split_size(t, c, lang, (int)split, NULL, &sb, &sc, err);
    if (rc)
        return rc;
    return compress_symbol_rows(res, corpus_name(c), corpus_split_name(split),
                                corpus_lang(c, lang), tokenizer_name(t), sb, sc, db, err);
}

int compress_symbol_rows(results *res, const char *cn, const char *sp, const char *ln,
                         const char *tn, uint64_t sb, uint64_t sc, uint64_t db, tb_error *err)
{
    int rc = results_add(res, cn, sp, ln, tn, "symbol_text_bytes", (double)sb, "bytes", err);
    if (rc == TB_OK)
        rc = results_add(res, cn, sp, ln, tn, "symbol_text_chars", (double)sc, "chars", err);
    if (rc == TB_OK)
        rc = results_add(res, cn, sp, ln, tn, "symbol_dict_bytes", (double)db, "bytes", err);
    if (rc == TB_OK)
        rc = results_add(res, cn, sp, ln, tn, "symbol_text_dict_bytes", (double)(sb + db),
                         "bytes", err);
    return rc;
}

int compress_emit_oov_words(results *res, const corpus *c, size_t lang, enum corpus_split split,
                            const tokenizer *t, tb_error *err)
{
    if (lang >= corpus_n_langs(c))
        return tb_fail(err, TB_EUSAGE, "oov_words: language index %zu out of range", lang);
    uint64_t words = 0, oov = 0;
    for (size_t seg = 0; seg < corpus_n_segments(c); seg++) {
        if (!corpus_in_split(c, seg, split))
            continue;
        size_t len, w, o;
        const char *s = corpus_segment(c, lang, seg, &len);
        if (symbol_oov_words(t, s, len, &w, &o, err))
            return tb_wrap(err, "corpus '%s' %s.txt:%zu: ", corpus_name(c), corpus_lang(c, lang),
                           seg + 1);
        words += w;
        oov += o;
    }
    return compress_oov_rows(res, corpus_name(c), corpus_split_name(split), corpus_lang(c, lang),
                             tokenizer_name(t), words, oov, err);
}

int compress_oov_rows(results *res, const char *cn, const char *sp, const char *ln,
                      const char *tn, uint64_t words, uint64_t oov, tb_error *err)
{
    int rc = results_add(res, cn, sp, ln, tn, "oov_words", words ? (double)oov / (double)words : 0,
                         "share", err);
    if (rc == TB_OK)
        rc = results_add(res, cn, sp, ln, tn, "oov_word_count", (double)oov, "words", err);
    return rc;
}

int compress_symbol_segment(const tokenizer *t, const corpus *c, size_t lang, size_t seg,
                            uint64_t out[4], tb_error *err)
{
    size_t len, w, o, sb, sc;
    const char *s = corpus_segment(c, lang, seg, &len);
    if (symbol_oov_words(t, s, len, &w, &o, err) ||
        symbol_text_encode(t, s, len, NULL, 0, &sb, &sc, err))
        return tb_wrap(err, "corpus '%s' %s.txt:%zu: ", corpus_name(c), corpus_lang(c, lang),
                       seg + 1);
    out[0] = w;
    out[1] = o;
    out[2] = (uint64_t)sb + 1; /* the file form: each segment a line */
    out[3] = (uint64_t)sc + 1;
    return TB_OK;
}

int compress_write_partial(const tokenizer *t, const corpus *c, size_t lang,
                           const unsigned char *only, FILE *f, tb_error *err)
{
    uint64_t db, v[4];
    if (symbol_dict_bytes(t, &db, err))
        return err->status;
    fprintf(f, "D\t%llu\n", (unsigned long long)db);
    for (size_t s = 0; s < corpus_n_segments(c); s++) {
        if (only && !only[s])
            continue;
        if (compress_symbol_segment(t, c, lang, s, v, err))
            return err->status;
        fprintf(f, "Y\t%zu\t%llu\t%llu\t%llu\t%llu\n", s, (unsigned long long)v[0],
                (unsigned long long)v[1], (unsigned long long)v[2], (unsigned long long)v[3]);
    }
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial: write error") : TB_OK;
}
