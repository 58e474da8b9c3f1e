"""spm_ids.py - SentencePiece's Python binding (Debian python3-sentencepiece)
as a second reference for spm: ids (tests/cli_spm.sh).

    /usr/bin/python3 tests/parity/spm_ids.py MODEL FILE

Each "\\n"-separated line of FILE (UTF-8) is encoded alone with
SentencePieceProcessor.EncodeAsIds and printed as one line of
space-separated ids, like `tokbench tokenize --ids` and `spm_encode
--output_format=id`."""
import sys

import sentencepiece as spm

sp = spm.SentencePieceProcessor()
if not sp.Load(sys.argv[1]):
    sys.exit("spm_ids.py: cannot load " + sys.argv[1])
with open(sys.argv[2], "rb") as f:
    lines = f.read().decode("utf-8").split("\n")
if lines and lines[-1] == "":
    lines.pop()
out = sys.stdout
for line in lines:
    out.write(" ".join(map(str, sp.EncodeAsIds(line))) + "\n")
