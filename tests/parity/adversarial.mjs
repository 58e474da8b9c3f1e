// adversarial.mjs - prints the hand-written adversarial lines for the BPE
// parity test (tests/cli_bpe.sh), one per line, UTF-8, no "\n" inside a
// line. With --nfc prints the NFC form of each line instead (what a
// tokenizer.json with an NFC normalizer decodes back to).
//
// Covers: contractions in every case (I'M, DON'T, 'ſ, curly quotes), long
// runs of one character (letters, Han, spaces, digits, punctuation), mixed
// scripts, digit grouping in many scripts, whitespace runs (trailing spaces,
// tabs, CR, NBSP, NEL U+0085, U+2028, ideographic space), camel case and
// title case (o200k), emoji ZWJ sequences, flags, keycaps, skin tones, and
// decomposed text that NFC changes (e + U+0301, Hangul jamo), and text
// where spbpe's cuts before U+2581 runs must not change the merges.
const rep = (s, n) => s.repeat(n);
const lines = [
  "I'M here, DON'T go. You'RE WE'LL they'VE she'S it'D he'Ll 'S 'sup",
  "don't DON'T Don'T dOn't can't CAN'T I'd I'D y'all o'clock rock'n'roll",
  "x'ſ K'T 'Ş 'İ 'st 'LLama 'VEry 'REally 'dD",
  "it’s don’t ‘quoted’ “double” «ёлки» „German“",
  rep('a', 5000),
  rep('中', 20000),
  rep('ab', 3000),
  rep(' ', 3000) + 'x',
  rep(' ', 200),
  rep('1', 1001) + ' ' + rep('9', 7),
  rep('!', 777) + rep('?', 5) + rep('.', 1000),
  rep('я', 4000),
  rep('😀', 500),
  'hello   ',
  '   ',
  '\t\t',
  'x \t ',
  ' leading space',
  '  two leading spaces',
  'a\rb\r\r c \r',
  '\u000b\u000c vertical\u000btab\u000cform feed',
  'tab\tseparated\t\tvalues\t',
  'no\u00a0break\u00a0\u00a0space \u00a0',
  'next\u0085line \u0085 \u0085\u0085x',
  'line\u2028sep para\u2029sep',
  'ideographic\u3000space\u3000\u3000中文',
  'thin\u2009space en\u2002quad em\u2003',
  '1234567890 12,345.678 -42 +3.14e-10 0x1F 1_000_000',
  '١٢٣٤٥ ۱۲۳ १२३४ ๑๒๓ 二〇二四年 ①②③ ¼½¾ ² ³',
  'Hello мир 世界 안녕 مرحبا שלום नमस्ते ไทย ქართული Ελληνικά',
  'Привет,мир!Как дела?Всё хорошо…',
  '我们是中国人，我们爱和平。“引号”（括号）【方括号】——破折号……',
  '日本語のテキストとカタカナとひらがな、漢字。',
  'HelloWORLDFooBar camelCase XMLHttpRequest iPhone ǅungla ǈudevit',
  'İSTANBUL ıi ΣΊΣΥΦΟΣ ς straße STRASSE ﬁ ﬂ',
  'Family \u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466} and \u{1F469}\u{1F3FD}\u200D\u{1F4BB} coder',
  'flags \u{1F1FA}\u{1F1E6}\u{1F1E8}\u{1F1F3} keycap 1\uFE0F\u20E3 #\uFE0F\u20E3 thumbs \u{1F44D}\u{1F3FF}',
  '\u{1F3F3}\uFE0F\u200D\u{1F308} rainbow \u{1F9D1}\u200D\u{1F91D}\u200D\u{1F9D1}',
  'e\u0301 cafe\u0301 A\u030A o\u0308\u0304 \u1100\u1161\u11A8 \u1112\u1161\u11AB',
  'combining only: \u0301\u0301\u0301 x\u0327\u0301',
  '!!!???...,,,;;;---///***', 'a/b/c//d///e /path/to/file.txt http://x.org/a?b=c&d',
  '$100 €50 ¥1000 £3 ₽99 100% #hashtag @user <tag attr="v">x</tag>',
  'code: if (a[i] != b[j]) { return x->y; } // comment',
  '\u0000 nul \u0001 soh \u007f del',
  'zero\u200Bwidth\u200Cnon\u200Djoiner\uFEFFbom',
  'math 𝔸𝕓𝒸 𝟙𝟚𝟛 ∑∫√∞ ≠ ≤ ≥',
  'Mix3d d1g1ts a1b22c333d4444 x9y99z999',
  'end with newline-free trailing spaces   ',
  // spbpe cuts words before a run of U+2581 unless a merge joins across
  // (Gemma 3 merges '>' with '\u2581</'): the cut and the no-cut case
  '> </b> <i>x</i>  </p> a>  </ > </ ></ 中> </',
  '',
  'x',
  ' ',
];
const nfc = process.argv.includes('--nfc');
process.stdout.write(lines.map((l) => (nfc ? l.normalize('NFC') : l)).join('\n') + '\n');
