#!/usr/bin/env python3
"""Writes a poison stream for a FeatureVector topic, in kcat's input format
(key and message delimiters below), and prints the expected dead-letter
reasons as JSON on stderr.

Usage: poison.py > records; kcat -P -K KEYDELIM -D MSGDELIM -t TOPIC -l records
"""
import json
import random
import struct
import sys

KEY_DELIM = b"@@EDDYKEY@@"
MSG_DELIM = b"@@EDDYMSG@@"


def zigzag(n):
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def string(s):
    b = s.encode()
    return zigzag(len(b)) + b


def fv(series, seq, target, lags, schema_id=2, available=None):
    body = string(series) + zigzag(seq) + zigzag(0) + zigzag(0) + struct.pack("<d", target)
    if lags:
        body += zigzag(len(lags)) + b"".join(struct.pack("<d", x) for x in lags)
    body += zigzag(0)
    body += zigzag(len(lags) if available is None else available)
    return b"\x00" + struct.pack(">I", schema_id) + body


def main():
    rnd = random.Random(7)
    good = fv("poison", 0, 1.0, [0.0] * 15)
    records, reasons = [], {}

    def add(key, value, reason):
        records.append((key, value))
        reasons[reason] = reasons.get(reason, 0) + 1

    for _ in range(5):
        add(b"poison", bytes([rnd.randrange(1, 256)]) + rnd.randbytes(rnd.randrange(0, 200)),
            "decode:bad_magic")
    for cut in (1, 3, 4):
        add(b"poison", good[:cut], "decode:short_frame")
    for cut in (6, 20, 40, len(good) - 1):
        add(b"poison", good[:cut], "decode:truncated")
    add(b"poison", good + b"\x00", "decode:trailing_bytes")
    for _ in range(3):
        add(b"poison", fv("poison", 1, 1.0, [0.0] * 15, schema_id=99), "decode:unknown_schema")
    add(b"poison", fv("poison", 1, 1.0, [0.0] * 15, schema_id=1), "decode:wrong_type")
    add(b"poison", fv("poison", 1, float("nan"), [0.0] * 15), "decode:not_finite")
    add(b"poison", fv("poison", 1, 1.0, [0.0] * 14 + [float("inf")]), "decode:not_finite")
    add(b"poison", fv("poison", 1, 1.0, [0.0] * 5), "wrong_lag_count")
    add(b"poison", fv("poison", 1, 1.0, [0.0] * 15, available=99), "decode:invalid")
    add(b"k" * 300, fv("k" * 300, 1, 1.0, [0.0] * 15), "key_too_large")
    add(b"poison", good + b"\x00" * 10000, "value_too_large")
    add(b"poison", b"", "decode:empty")

    out = sys.stdout.buffer
    for i, (key, value) in enumerate(records):
        assert KEY_DELIM not in key + value and MSG_DELIM not in key + value
        out.write(key + KEY_DELIM + value + MSG_DELIM)
    json.dump(reasons, sys.stderr)


if __name__ == "__main__":
    main()
