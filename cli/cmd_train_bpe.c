/* cmd_train_bpe.c - `tokbench train-bpe`: trains byte-level BPE on a corpus
 * train split or a text file and writes the model file that `bpe-file:`
 * loads (tokenizers/bpe_train.h documents the algorithm, bpe_model.h the format). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tb.h"
#include "../common/timer.h"
#include "../corpora/corpus.h"
#include "../tokenizers/bpe_train.h"
#include "../tokenizers/pretok.h"
#include "commands.h"
#include "setup.h"
#include "../bench/run.h"

static const cli_opt train_bpe_opts[] = {
    {"corpus", 'c', "CORPUS", "corpus whose train split is the training text"},
    {"lang", 'l', "LANG", "language of that corpus, or 'joint' for all of them"},
    {"input", 0, "FILE", "train on the lines of FILE instead (UTF-8, newlines excluded)"},
    {"vocab", 'v', "N", "vocabulary size including the 256 bytes, 257..1000000"},
    {"pretok", 'p', "PRESET", "pre-tokenizer preset (default gpt2; none = no splitting)"},
    {"output", 'o', "MODEL", "model file to write (atomically)"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command train_bpe_cmd = {
    "train-bpe",
    "train-bpe (-c CORPUS -l LANG|joint | --input FILE) --vocab N [--pretok PRESET] -o MODEL",
    "Train byte-level BPE and write a model file for bpe-file:MODEL.",
    "Counts the pieces of the pre-tokenized text (the train split of CORPUS in LANG,\n"
    "all languages with -l joint, or every line of FILE), then merges the most frequent\n"
    "adjacent pair until the vocabulary has N tokens, or stops earlier when no pair\n"
    "occurs twice (the smaller size is reported). Ties: higher count, then lower id of\n"
    "the left token, then of the right token. One thread.\n"
    "\n"
    "The model file: 'tokbench-bpe 1', 'pretok PRESET', 'vocab N', then N lines\n"
    "'<rank> <hex bytes>'; ranks 0..255 are the single bytes, every later entry is the\n"
    "concatenation of two earlier ones. The tokenizer spec bpe:N[:PRESET] trains the same\n"
    "model on the -c/-l corpus and caches it under build/cache.\n"
    "\n"
    "Prints the vocabulary reached, pieces counted and seconds on stdout.",
    train_bpe_opts,
    NULL,
};


int cmd_train_bpe(const cli_args *a)
{
    const cli_command *cmd = &train_bpe_cmd;
    int rc = 0;
    const char *cname = cli_get(cmd, a, "corpus", NULL);
    const char *lang = cli_get(cmd, a, "lang", NULL);
    const char *input = cli_get(cmd, a, "input", NULL);
    const char *vs = cli_get(cmd, a, "vocab", NULL);
    const char *preset = cli_get(cmd, a, "pretok", "gpt2");
    const char *outp = cli_get(cmd, a, "output", NULL);
    const char *why = NULL;
    if (a->npos > 0)
        why = "unexpected argument";
    else if (!!cname == !!input)
        why = "give either -c CORPUS -l LANG or --input FILE";
    else if (cname && !lang)
        why = "-c needs -l LANG (or -l joint)";
    else if (lang && !cname)
        why = "-l needs -c CORPUS";
    else if (!vs)
        why = "missing --vocab N";
    else if (!outp)
        why = "missing -o MODEL";
    if (why) {
        fprintf(stderr, "tokbench train-bpe: %s\nusage: tokbench %s\n", why, cmd->synopsis);
        return TB_EUSAGE;
    }

    tb_error err;
    tb_error_clear(&err);
    size_t vocab = 0;
    size_t vl = strlen(vs);
    if (vl == 0 || vl > 12 || strspn(vs, "0123456789") != vl) {
        tb_fail(&err, TB_EINPUT, "vocabulary size '%s' is not a number in %d..%d", vs,
                BPE_TRAIN_MIN_VOCAB, BPE_TRAIN_MAX_VOCAB);
        return cli_fail("train-bpe", &err);
    }
    vocab = (size_t)strtoull(vs, NULL, 10);

    pretok *pt = NULL;
    corpus *c = NULL;
    bpe_trainer *tr = NULL;
    double t0 = tb_now();
    if (pretok_new_preset(preset, &pt, &err)) {
        rc = cli_fail("train-bpe", &err);
        goto out;
    }
    bpe_train_config cfg = {.vocab_size = vocab, .split = bpe_split_pretok, .split_arg = pt,
                            .pretok = preset};
    if (bpe_trainer_new(&cfg, &tr, &err)) {
        rc = cli_fail("train-bpe", &err);
        goto out;
    }
    const char *what;
    char whatbuf[4200];
    if (cname) {
        if (cli_open_corpus(cmd, a, cname, &c, &err)) {
            rc = cli_fail("train-bpe", &err);
            goto out;
        }
        int li = -1;
        if (strcmp(lang, "joint") != 0 && (li = corpus_find_lang(c, lang)) < 0) {
            fprintf(stderr, "tokbench train-bpe: corpus '%s' has no language '%s'\n",
                    corpus_name(c), lang);
            rc = TB_EUSAGE;
            goto out;
        }
        snprintf(whatbuf, sizeof whatbuf, "corpus %s, %s, train split", corpus_name(c), lang);
        rc = bpe_trainer_add_corpus(tr, c, li, &err);
    } else {
        snprintf(whatbuf, sizeof whatbuf, "%s", input);
        rc = bpe_trainer_add_file(tr, input, &err);
    }
    what = whatbuf;
    if (rc == TB_OK && (rc = bpe_trainer_train(tr, &err)) != TB_OK)
        tb_wrap(&err, "%s: ", what);
    if (rc == TB_OK)
        rc = bpe_trainer_save(tr, outp, &err);
    if (rc) {
        rc = cli_fail("train-bpe", &err);
        goto out;
    }
    bpe_train_stats st;
    bpe_trainer_stats(tr, &st);
    printf("trained byte-level BPE on %s (pretok %s)\n", what, preset);
    printf("  text:   %llu texts, %llu bytes, %llu pieces (%llu distinct), %llu pairs\n",
           (unsigned long long)st.texts, (unsigned long long)st.bytes,
           (unsigned long long)st.pieces, (unsigned long long)st.unique_pieces,
           (unsigned long long)st.pairs);
    if (st.stopped_early)
        printf("  vocab:  %zu of %zu requested (stopped early: no pair occurs twice)\n",
               st.vocab, vocab);
    else
        printf("  vocab:  %zu\n", st.vocab);
    printf("  time:   %.3f s (count %.3f s, merge %.3f s)\n", tb_now() - t0, st.s_count,
           st.s_merge);
    printf("  model:  %s\n", outp);
out:
    bpe_trainer_free(tr);
    corpus_free(c);
    pretok_free(pt);
    return rc;
}
