/* complete.h - completion by simulated typing: prefix-filtered suggestions and
 * the keystroke savings rate (KSR).
 *
 * KSR (Trnka & McCoy 2008; Fazly & Hirst 2003):
 *   KSR = (keys_without - keys_with) / keys_without
 * keys_without: keystrokes to type the text letter by letter. keys_with: the
 * simulated user types the next token's text one keystroke at a time; before
 * each keystroke the system shows the `window` most probable tokens whose
 * text starts with what was typed since the token began (exact, given the
 * history of true tokens); as soon as the intended token is shown, one
 * keystroke selects it. A token never shown costs all its keystrokes.
 * Completion works on the tokenizer's units: whole words for word-level
 * schemes, subwords for BPE, nothing to complete for bytes and chars (every
 * token is one keystroke), so KSR also measures how much a scheme's units
 * help typing.
 * A keystroke is one Unicode code point (one UTF-8 lead byte), in every
 * language: for Chinese and Japanese this counts one keystroke per committed
 * character, as if an input method produced each character with one key (a
 * lower bound on real IME effort, the same rule for every tokenizer). */
#ifndef NGRAM_COMPLETE_H
#define NGRAM_COMPLETE_H

#include <stddef.h>
#include <stdint.h>

#include "ngram.h"

/* The text of each dense word of a model (index = dense word; the three
 * special words have length 0). Owned by the caller. */
typedef struct ngram_pieces {
    const char *const *text;
    const uint32_t *len;    /* bytes */
    /* Optional scratch that makes suggestions cost O(candidates) with no hash
     * look-ups: mark has one entry per dense word, all zero at the start,
     * and *epoch starts at 0; both are updated by every call. NULL: each
     * candidate is scored with ngram_score (same results, slower). */
    uint32_t *mark;
    uint32_t *epoch;
    /* Optional: the dense words >= 3 sorted by text (ngram_pieces_sort), so
     * a rare prefix finds its words by binary search instead of a scan of
     * the unigram ranking. NULL: scan. Same results either way. */
    const uint32_t *by_text;
} ngram_pieces;

/* The dense words 3 .. nv-1 sorted by their text (bytes, then length), for
 * ngram_pieces.by_text; malloc'd, NULL when out of memory. */
uint32_t *ngram_pieces_sort(const ngram_pieces *p, size_t nv);

/* The k most probable dense words after history s whose text starts with
 * prefix[0..plen), best first (ties: lower token id), never <s>, </s>,
 * <unk>. Returns how many were written (< k when fewer match). With plen 0
 * this is ngram_suggest, and p->text and p->len may be NULL. */
size_t ngram_suggest_prefix(const ngram_model *m, const ngram_state *s, const ngram_pieces *p,
                            const char *prefix, size_t plen, size_t k, uint32_t *words);

/* ngram_best (ngram.h) through the marked path of ngram_suggest_prefix:
 * the same word and the bit-identical log10 p, with no hash lookup per
 * candidate (the latency stage asks it at every step). Needs p->mark and
 * p->epoch (without them this is ngram_best); p->text may be NULL. */
double ngram_best_marked(const ngram_model *m, const ngram_state *s, const ngram_pieces *p,
                         uint32_t *word);

typedef struct ngram_ksr {
    uint64_t keys_without;  /* code points of the text */
    uint64_t keys_with;     /* keystrokes with completion (typed + selections) */
    uint64_t selections;    /* tokens completed by a selection */
} ngram_ksr;

/* Simulates typing one segment: its token ids and each token's text
 * (text[i], len[i] bytes); adds to acc. window >= 1 (at most 64). */
void ngram_ksr_segment(const ngram_model *m, const ngram_pieces *p, const uint32_t *ids,
                       const char *const *text, const uint32_t *len, size_t n, size_t window,
                       ngram_ksr *acc);

/* Keystrokes of a UTF-8 string: bytes that are not continuation bytes. */
size_t ngram_keys(const char *s, size_t n);

#endif
