#!/usr/bin/env bash
# `tokbench corpus fetch gettext` without the network: two made-up packages
# (catalogs written below by python3 in the GNU .mo format, packed with
# dpkg-deb) are put where corpus_fetch_debs looks for a download, and
# --packages names them. Checks the printed counts, the filters' effect on
# the files, the MANIFEST's hashes of every .deb and .mo, a second import
# byte for byte, and a corrupt catalog: exit 3, the file and the byte in the
# message, no corpus folder and no leftover; an existing corpus is kept.
cd "$(dirname "$0")/.."
. tests/lib.sh

D=$WORK/data
SRC=$WORK/src
# mo FILE BIG-ENDIAN(0|1) ORIG TRANS [ORIG TRANS...]: a .mo file, the
# arguments with \0 and \4 written as the escapes "\\0" and "\\4"
mo() {
  python3 - "$@" <<'EOF'
import struct, sys, os
path, be, args = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
dec = lambda s: s.encode().replace(b"\\0", b"\0").replace(b"\\4", b"\4").replace(b"\\n", b"\n")
pairs = [(dec(args[i]), dec(args[i + 1])) for i in range(0, len(args), 2)]
e, n = (">" if be else "<"), len(pairs)
head = struct.pack(e + "7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
at, ot, tt, strs = 28 + 16 * n, b"", b"", b""
for o, _ in pairs:
    ot += struct.pack(e + "2I", len(o), at); strs += o + b"\0"; at += len(o) + 1
for _, t in pairs:
    tt += struct.pack(e + "2I", len(t), at); strs += t + b"\0"; at += len(t) + 1
os.makedirs(os.path.dirname(path), exist_ok=True)
open(path, "wb").write(head + ot + tt + strs)
EOF
}
# pack PKG: $SRC/PKG into the fetch cache of the gettext corpus
pack() {
  mkdir -p "$SRC/$1/DEBIAN" "$D/cache/gettext/$1/debs" "$SRC/$1/usr/share/doc/$1"
  printf 'Package: %s\nVersion: 2.%s\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n' \
    "$1" "${#1}" >"$SRC/$1/DEBIAN/control"
  printf 'Files: *\nLicense: GPL-3+\n' >"$SRC/$1/usr/share/doc/$1/copyright"
  dpkg-deb --root-owner-group -Zgzip --build "$SRC/$1" "$D/cache/gettext/$1/debs/${1}_2.${#1}_all.deb" >/dev/null
}
L=usr/share/locale
H='Content-Type: text/plain; charset=UTF-8\n'
mo "$SRC/gt-one/$L/ru/LC_MESSAGES/ui.mo" 0 "" "$H" \
  "Open the selected file" "Открыть выбранный файл" \
  "menu\\4Save _all open files" "Сохранить _все открытые файлы" \
  "Removed %d file from {0}\\0Removed %d files from {0}" "Удалён %d файл из {0}\\0Удалено %d файла из {0}" \
  "Exit" "Выход" \
  "Not yet translated here" "" \
  "Same text in English" "Same text in English" \
  "Print usage and exit\\nthen stop" "Показать справку и выйти\\nзатем стоп"
mo "$SRC/gt-one/$L/zh_CN/LC_MESSAGES/ui.mo" 0 "" "$H" \
  "Open the selected file" "打开所选文件" \
  "menu\\4Save _all open files" "保存所有打开的文件(_A)" \
  "Removed %d file from {0}\\0Removed %d files from {0}" "已从 {0} 移除 %d 个文件" \
  "Exit" "退出" \
  "Not yet translated here" "尚未" \
  "Same text in English" "同一文本" \
  "Print usage and exit\\nthen stop" "显示用法并退出\\n然后停止"
mo "$SRC/gt-two/$L/ru/LC_MESSAGES/tool.mo" 1 "Set \$HOME to %s now" "Установить \$HOME в %s сейчас"
mo "$SRC/gt-two/$L/zh_CN/LC_MESSAGES/tool.mo" 1 "Set \$HOME to %s now" "现在将 \$HOME 设为 %s"
pack gt-one
pack gt-two

fetch() { "$TB" corpus fetch gettext --data "$D" --packages "gt-one gt-two" "$@"; }
expect_exit 0 "fetch gettext from two local packages" -- fetch
G=$D/gettext
check "5 segments written" grep -q "^corpus gettext: 5 segments written" "$WORK/out"
check "8 aligned entries considered, 3 dropped by filters" \
  grep -q "aligned units considered: 8; dropped by filters: 3; exact duplicates dropped: 0" "$WORK/out"
for want in "packages 2;" "catalog pairs 2 (ru without zh_CN 0" "entries ru 8, zh_CN 8" \
  "same as English 1," "English under 3 words 1;" "untranslated 1," \
  "plural entries (first forms kept) 1;" "kept multi-line entries joined 1;" \
  "accelerator markers stripped 3;" "kept segments with placeholders 2 (placeholders 4)"; do
  check "summary says '$want'" grep -qF -- "$want" "$WORK/out"
done
# the order: ui's originals in strcmp order ("Open..." < "Print..." < "Removed..." <
# "menu\4..."; "Exit" (short), "Not yet..." (untranslated) and "Same..." (equal to
# the English) dropped), then tool
printf '%s\n' "Open the selected file" "Print usage and exit then stop" \
  "Removed %d file from {0}" "Save all open files" >"$WORK/en.want"
check "en.txt has the ui entries in order, then tool's" \
  cmp -s <(head -4 "$G/en.txt") "$WORK/en.want"
check "the last English segment is tool's" test "$(tail -1 "$G/en.txt")" = "Set \$HOME to %s now"
check "ru.txt: the first plural form, the marker gone" \
  test "$(sed -n 3,4p "$G/ru.txt")" = "$(printf 'Удалён %%d файл из {0}\nСохранить все открытые файлы')"
check "zh.txt: the parenthesised marker gone, newline joined" \
  test "$(sed -n 2p "$G/zh.txt";sed -n 4p "$G/zh.txt")" = "$(printf '显示用法并退出 然后停止\n保存所有打开的文件')"
check "ids are domain:hash" test "$(grep -cE '^(ui|tool):[0-9a-f]{16}$' "$G/ids.txt")" = 5
for p in gt-one gt-two; do
  deb=$(ls "$D/cache/gettext/$p/debs/"*.deb)
  sha=$(sha256sum "$deb" | cut -c1-64)
  check "MANIFEST records $p, its version, .deb sha256 and licence" \
    grep -qF "package: $p 2.6 $(basename "$deb") sha256=$sha licence=GPL-3+" "$G/MANIFEST"
done
for f in ru/LC_MESSAGES/ui.mo zh_CN/LC_MESSAGES/ui.mo ru/LC_MESSAGES/tool.mo; do
  p=gt-one; [[ $f == *tool* ]] && p=gt-two
  sha=$(sha256sum "$SRC/$p/$L/$f" | cut -c1-64)
  check "MANIFEST records $f with its sha256" grep -qF "catalog: $p $L/$f sha256=$sha entries=" "$G/MANIFEST"
done
check "MANIFEST counts 5 segments" grep -qx "segments: 5" "$G/MANIFEST"
cp -r "$G" "$WORK/first"
expect_exit 0 "a second fetch" -- fetch
check "a second import is byte-identical" diff -r "$WORK/first" "$G"
expect_exit 0 "stats reads the corpus" -- "$TB" corpus stats gettext --data "$D"

# ---- a corrupt catalog --------------------------------------------------------
mo "$SRC/gt-bad/$L/ru/LC_MESSAGES/bad.mo" 0 "One two three" "Раз два три"
mo "$SRC/gt-bad/$L/zh_CN/LC_MESSAGES/bad.mo" 0 "One two three" "一二三"
head -c 40 "$SRC/gt-bad/$L/zh_CN/LC_MESSAGES/bad.mo" >"$WORK/cut" &&
  mv "$WORK/cut" "$SRC/gt-bad/$L/zh_CN/LC_MESSAGES/bad.mo"
pack gt-bad
expect_exit 3 "a truncated .mo fails with exit 3" -- \
  "$TB" corpus fetch gettext --data "$D" --packages "gt-one gt-bad"
expect_err "zh_CN/LC_MESSAGES/bad.mo': byte 28: originals string 0 (13 bytes at 44) runs past the end of the file (40 bytes)" \
  "the error names the catalog and the byte offset"
check "the corpus from before is kept" diff -r "$WORK/first" "$G"
D2=$WORK/data2
mkdir -p "$D2"
ln -s "$D/cache" "$D2/cache"
expect_exit 3 "the same into an empty data folder" -- \
  "$TB" corpus fetch gettext --data "$D2" --packages "gt-bad"
check "no corpus folder is left" test ! -e "$D2/gettext"
check "no temporary folder is left" test -z "$(ls "$D2" | grep -v '^cache$')"

# ---- names -------------------------------------------------------------------
expect_exit 2 "an unknown corpus lists gettext" -- "$TB" corpus fetch nosuch --data "$D"
expect_err "known: udhr, udhr-all, libreoffice, gettext" "the known list names gettext"
expect_exit 3 "run -c on a missing corpus lists gettext as fetchable" -- \
  "$TB" run -c nosuch --data "$D" -t bytes -o "$WORK/r"
expect_err "udhr, udhr-all, libreoffice, gettext" "fetchable corpora include gettext"
expect_exit 2 "--packages with another corpus is a usage error" -- \
  "$TB" corpus fetch udhr --data "$D" --packages "gt-one"
expect_err "--packages is for 'fetch gettext' only" "the usage error says why"
check "and nothing was imported" test ! -e "$D/udhr"
expect_exit 0 "help corpus" -- "$TB" help corpus
check "help corpus describes fetch gettext" grep -q "fetch gettext" "$WORK/out"
# the suites part of 'help run' is generated from bench/suite.c's tables
expect_exit 0 "help run" -- "$TB" help run
check "help run lists the default suite's corpora" grep -qx "  corpora: udhr, libreoffice, gettext" "$WORK/out"
check "help run lists gettext's subset from the table" \
  grep -qx "  gettext runs only: bytes, tiktoken:cl100k_base, tiktoken:o200k_base," "$WORK/out"
check "help run lists every suite" test "$(grep -cE '^(default|quick|train|atlas):$' "$WORK/out")" = 4
finish cli_gettext
