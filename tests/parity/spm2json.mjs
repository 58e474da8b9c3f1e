// spm2json.mjs - writes the HuggingFace tokenizer.json of a SentencePiece
// Unigram `.model`, the way transformers' SpmConverter lays it out, for the
// tokenizer.json Unigram parity test (tests/cli_unigram.sh). No
// sentencepiece module: the protobuf is read here (ModelProto: 1 pieces
// {1 piece, 2 score, 3 type}, 2 trainer_spec {35 byte_fallback},
// 3 normalizer_spec {2 precompiled_charsmap}).
//
//   node tests/parity/spm2json.mjs MODEL OUT.json [--norm precompiled|nfkc|none]
//        [--pre metaspace|wssplit] [--prepend always|first|never] [--no-split]
//
// --norm: Precompiled(charsmap of the model) (default), NFKC, or none;
// --pre: Metaspace alone, or Sequence[WhitespaceSplit, Metaspace];
// UNKNOWN and CONTROL pieces become special added tokens (normalized false),
// as the converter does; the decoder is Metaspace with the same scheme
// (after ByteFallback when the model has byte fallback).
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const [modelPath, outPath] = args;
const norm = opt('--norm', 'precompiled');
const pre = opt('--pre', 'metaspace');
const prepend = opt('--prepend', 'always');
const split = !args.includes('--no-split');
const d = readFileSync(modelPath);

function varint(buf, pos) {
  let r = 0n, shift = 0n;
  for (;;) {
    const b = buf[pos.p++];
    r |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return r;
    shift += 7n;
  }
}
function fields(buf) {  // [{num, wt, v, bytes}]
  const out = [], pos = { p: 0 };
  while (pos.p < buf.length) {
    const tag = Number(varint(buf, pos)), num = tag >> 3, wt = tag & 7;
    if (wt === 0) out.push({ num, wt, v: varint(buf, pos) });
    else if (wt === 1) { out.push({ num, wt, bytes: buf.subarray(pos.p, pos.p + 8) }); pos.p += 8; }
    else if (wt === 5) { out.push({ num, wt, bytes: buf.subarray(pos.p, pos.p + 4) }); pos.p += 4; }
    else if (wt === 2) {
      const n = Number(varint(buf, pos));
      out.push({ num, wt, bytes: buf.subarray(pos.p, pos.p + n) }); pos.p += n;
    } else throw new Error(`${modelPath}: wire type ${wt} at byte ${pos.p}`);
  }
  return out;
}

const pieces = [];
let byteFallback = false, charsmap = Buffer.alloc(0);
for (const f of fields(d)) {
  if (f.num === 1) {
    const p = { piece: '', score: 0, type: 1 };
    for (const g of fields(f.bytes)) {
      if (g.num === 1) p.piece = Buffer.from(g.bytes).toString('utf8');
      else if (g.num === 2) p.score = Buffer.from(g.bytes).readFloatLE(0);
      else if (g.num === 3) p.type = Number(g.v);
    }
    pieces.push(p);
  } else if (f.num === 2) {
    for (const g of fields(f.bytes)) if (g.num === 35) byteFallback = g.v !== 0n;
  } else if (f.num === 3) {
    for (const g of fields(f.bytes)) if (g.num === 2) charsmap = Buffer.from(g.bytes);
  }
}
const unkId = pieces.findIndex((p) => p.type === 2);
const added = [];
pieces.forEach((p, id) => {
  if (p.type === 2 || p.type === 3)
    added.push({ id, content: p.piece, single_word: false, lstrip: false, rstrip: false,
      normalized: false, special: true });
});
const normalizer = norm === 'precompiled'
  ? { type: 'Precompiled', precompiled_charsmap: charsmap.toString('base64') }
  : norm === 'nfkc' ? { type: 'NFKC' } : null;
const meta = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: prepend, split };
const tok = {
  version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer,
  pre_tokenizer: pre === 'wssplit'
    ? { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, meta] } : meta,
  post_processor: null,
  decoder: byteFallback
    ? { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { ...meta }] } : { ...meta },
  model: { type: 'Unigram', unk_id: unkId >= 0 ? unkId : null,
    vocab: pieces.map((p) => [p.piece, p.score]), byte_fallback: byteFallback },
};
writeFileSync(outPath, JSON.stringify(tok));
