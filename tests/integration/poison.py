#!/usr/bin/env python3
"""Writes a poison stream in kcat's input format (key and message delimiters
below), and prints the expected dead-letter reasons as JSON on stderr.

Usage: poison.py [features|observations] [--oversized] [--tag TAG] > records
       kcat -P -K KEYDELIM -D MSGDELIM -t TOPIC -l records

  features      (default) for a FeatureVector topic (eddy-learn's input)
  observations  for an Observation topic (eddy-features' input)
  --oversized   observations: add a 2,000,011-byte value (send the stream
                with kcat -z gzip -X message.max.bytes=10000000: the broker
                takes it compressed; the stage dead-letters it cut to fit)
  --tag TAG     suffix of the poison keys and series ids (one per round)
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


def obs(series, seq, value, schema_id=1):
    body = (string(series) + zigzag(seq) + zigzag(0) + string("p") + struct.pack("<d", value)
            + zigzag(0))
    return b"\x00" + struct.pack(">I", schema_id) + body


def framing(rnd, add, good, key, cuts):
    """The bytes-level poison every decoder must refuse: random bytes, short
    and truncated frames (GOOD cut at CUTS), trailing bytes, an empty value."""
    for _ in range(5):
        add(key, bytes([rnd.randrange(1, 256)]) + rnd.randbytes(rnd.randrange(0, 200)),
            "decode:bad_magic")
    for cut in (1, 3, 4):
        add(key, good[:cut], "decode:short_frame")
    for cut in cuts:
        add(key, good[:cut], "decode:truncated")
    add(key, good + b"\x00", "decode:trailing_bytes")
    add(key, b"", "decode:empty")


def observations(rnd, add, tag, oversized):
    key = ("poison" + tag).encode()
    good = obs("poison" + tag, 0, 1.0)
    framing(rnd, add, good, key, (6, 20, len(good) - 1))
    add(key, obs("poison" + tag, 1, 1.0, schema_id=99), "decode:unknown_schema")
    add(key, obs("poison" + tag, 1, 1.0, schema_id=2), "decode:wrong_type")
    add(key, obs("poison" + tag, 1, float("nan")), "decode:not_finite")
    add(key, obs("poison" + tag, 1, float("-inf")), "decode:not_finite")
    add(b"k" * 300, obs("k" * 300, 1, 1.0), "key_too_large")
    if oversized:
        add(key, b'{"blob":"' + b"A" * 2000000 + b'"}', "value_too_large")


def main():
    args = sys.argv[1:]
    kind = args[0] if args and not args[0].startswith("--") else "features"
    tag = args[args.index("--tag") + 1] if "--tag" in args else ""
    rnd = random.Random(7)
    good = fv("poison", 0, 1.0, [0.0] * 15)
    records, reasons = [], {}

    def add(key, value, reason):
        records.append((key, value))
        reasons[reason] = reasons.get(reason, 0) + 1

    if kind == "observations":
        observations(rnd, add, tag, "--oversized" in args)
        return write(records, reasons)

    framing(rnd, add, good, b"poison", (6, 20, 40, len(good) - 1))
    for _ in range(3):
        add(b"poison", fv("poison", 1, 1.0, [0.0] * 15, schema_id=99), "decode:unknown_schema")
    add(b"poison", fv("poison", 1, 1.0, [0.0] * 15, schema_id=1), "decode:wrong_type")
    add(b"poison", fv("poison", 1, float("nan"), [0.0] * 15), "decode:not_finite")
    add(b"poison", fv("poison", 1, 1.0, [0.0] * 14 + [float("inf")]), "decode:not_finite")
    add(b"poison", fv("poison", 1, 1.0, [0.0] * 5), "wrong_lag_count")
    add(b"poison", fv("poison", 1, 1.0, [0.0] * 15, available=99), "decode:invalid")
    add(b"k" * 300, fv("k" * 300, 1, 1.0, [0.0] * 15), "key_too_large")
    add(b"poison", good + b"\x00" * 10000, "value_too_large")

    write(records, reasons)


def write(records, reasons):
    out = sys.stdout.buffer
    for i, (key, value) in enumerate(records):
        assert KEY_DELIM not in key + value and MSG_DELIM not in key + value
        out.write(key + KEY_DELIM + value + MSG_DELIM)
    json.dump(reasons, sys.stderr)


if __name__ == "__main__":
    main()
