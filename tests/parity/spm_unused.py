#!/usr/bin/env python3
"""spm_unused.py IN.model OUT.model - writes a copy of a SentencePiece model
whose every third NORMAL piece of two or more characters is UNUSED (type 5),
for tests/cli_spm.sh: SentencePiece's BPE still merges into UNUSED pieces and
then splits them back, which spm_train's own models never exercise."""
import sys


def varint(d, i):
    r = s = 0
    while True:
        b = d[i]
        i += 1
        r |= (b & 0x7F) << s
        s += 7
        if not b & 0x80:
            return r, i


def put_varint(v):
    o = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        o.append(b | 0x80 if v else b)
        if not v:
            return bytes(o)


def fields(d):
    """(number, wire type, raw bytes of the whole field, payload) of a message."""
    i = 0
    while i < len(d):
        start = i
        tag, i = varint(d, i)
        wt = tag & 7
        if wt == 0:
            v, i = varint(d, i)
            payload = v
        elif wt == 5:
            payload = d[i:i + 4]
            i += 4
        elif wt == 1:
            payload = d[i:i + 8]
            i += 8
        elif wt == 2:
            n, i = varint(d, i)
            payload = d[i:i + n]
            i += n
        else:
            sys.exit(f"spm_unused: wire type {wt} at byte {start}")
        yield tag >> 3, wt, d[start:i], payload


def main():
    model = open(sys.argv[1], "rb").read()
    out, k = bytearray(), 0
    for num, wt, raw, payload in fields(model):
        if num == 1 and wt == 2:  # a piece: 1 text, 2 score, 3 type
            parts = list(fields(payload))
            text = next((p for n, _, _, p in parts if n == 1), b"")
            typ = next((p for n, _, _, p in parts if n == 3), 1)
            if typ == 1 and len(text.decode("utf-8")) >= 2:
                k += 1
                if k % 3 == 0:
                    body = b"".join(r for n, _, r, _ in parts if n != 3) + b"\x18\x05"
                    raw = b"\x0a" + put_varint(len(body)) + body
        out += raw
    open(sys.argv[2], "wb").write(out)


main()
