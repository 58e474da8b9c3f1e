/* run_notes.h - what a finished run should tell its user besides the table:
 * test splits too small to judge by, bpe:N vocabularies that training
 * could not fill, and tokenizers without pieces whose keystroke savings were
 * skipped. Read from the run's rows only. */
#ifndef CLI_RUN_NOTES_H
#define CLI_RUN_NOTES_H

#include <stdio.h>

#include "../results/results.h"

/* One "tokbench CMD: warning: ..." line per corpus whose test split has
 * fewer than CLAIMS_MIN_SEGMENTS (reports/claims.h) segments (the largest
 * `segments` row of split test), and one "tokbench CMD: note: ..." line per
 * corpus and bpe:N spec whose `vocab_size` (split all) is below N, naming
 * each language that stopped short and its size, then cli_note_no_pieces.
 * Writes to f. */
void cli_run_notes(const char *cmd, const results *res, FILE *f);

/* One "tokbench CMD: note: TOK has no pieces ..." line per tokenizer with
 * n-gram suggestion rows (ngram_hit_at_1) but no ngram_ksr row: a cmd:
 * tokenizer, whose pieces the keystroke simulation would type. */
void cli_note_no_pieces(const char *cmd, const results *res, FILE *f);

#endif
