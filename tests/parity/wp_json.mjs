// wp_json.mjs - writes a BERT-style WordPiece tokenizer.json for the
// WordPiece parity test (tests/cli_wordpiece.sh) from a SentencePiece
// `.vocab` file (spm_train's "piece\tscore" lines): a piece that starts
// with U+2581 becomes a word-initial entry (without it), any other piece a
// "##" continuation; every character of the pieces is added both ways, after
// [PAD] [UNK] [CLS] [SEP] [MASK] (ids 0..4, special added tokens).
//
//   node tests/parity/wp_json.mjs VOCAB OUT.json [--lowercase true|false]
//        [--strip-accents true|false|null] [--chinese true|false]
//        [--clean true|false] [--pre bert|whitespace|mixed] [--max N]
//        [--no-cleanup] [--norm bert|parts]
//
// --pre mixed: Sequence[WhitespaceSplit, Punctuation(Contiguous),
// Digits(individual)]; --norm parts: Sequence[NFD, Lowercase, StripAccents]
// instead of BertNormalizer.
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const bool = (v) => (v === 'null' ? null : v === 'true');
const [vocabPath, outPath] = args;
const entries = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const seen = new Set(entries);
const add = (t) => { if (t && !seen.has(t)) { seen.add(t); entries.push(t); } };
const chars = new Set();
for (const line of readFileSync(vocabPath, 'utf8').split('\n')) {
  const piece = line.split('\t')[0];
  if (!piece || piece.startsWith('<')) continue;
  if (piece.startsWith('\u2581')) add(piece.slice(1));
  else add('##' + piece);
  for (const c of piece.replace(/\u2581/g, '')) chars.add(c);
}
for (const c of [...chars].sort()) { add(c); add('##' + c); }
const vocab = {};
entries.forEach((t, i) => { vocab[t] = i; });
const added = entries.slice(0, 5).map((content, id) => ({ id, content, single_word: false,
  lstrip: false, rstrip: false, normalized: false, special: true }));
const pre = opt('--pre', 'bert');
const normalizer = opt('--norm', 'bert') === 'parts'
  ? { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }] }
  : { type: 'BertNormalizer', clean_text: bool(opt('--clean', 'true')),
    handle_chinese_chars: bool(opt('--chinese', 'true')),
    strip_accents: bool(opt('--strip-accents', 'null')), lowercase: bool(opt('--lowercase', 'true')) };
const tok = {
  version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer,
  pre_tokenizer: pre === 'bert' ? { type: 'BertPreTokenizer' }
    : pre === 'whitespace' ? { type: 'Whitespace' }
    : { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' },
      { type: 'Punctuation', behavior: 'Contiguous' }, { type: 'Digits', individual_digits: true }] },
  post_processor: null,
  decoder: { type: 'WordPiece', prefix: '##', cleanup: !args.includes('--no-cleanup') },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
    max_input_chars_per_word: Number(opt('--max', '100')), vocab },
};
writeFileSync(outPath, JSON.stringify(tok));
