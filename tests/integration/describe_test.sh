#!/usr/bin/env bash
# Every program describes itself (--describe): valid JSON naming the program,
# its options as --help lists them, the group and topics the given options
# make; and a value out of range is refused with its option, source and range.
set -euo pipefail
bin=${EDDY_BIN:?EDDY_BIN: the build directory}
fail() { echo "FAIL: $*" >&2; exit 1; }
while read -r p; do
  name=$(basename "$p")
  env -i PATH="$PATH" "$bin/$p" --describe | python3 -c '
import json, sys
d = json.load(sys.stdin)
name = sys.argv[1]
assert d["program"] == name, d["program"]
names = [o["name"] for o in d["options"]]
assert len(names) == len(set(names)), "an option twice"
for o in d["options"]:
    assert o["help"], o["name"]
    if "min" in o:
        assert o["min"] < o["max"], o["name"]
print("ok:", name, len(names), "options")
' "$name" || fail "$name --describe"
done <"$bin/eddy-programs.txt"
learn=$bin/processors/learn/eddy-learn
env -i PATH="$PATH" "$learn" --model ridge --output preds --describe | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["group"] == "eddy-learn-ridge", d["group"]
assert d["output"] == {"topic": "preds", "record": "prediction"}, d["output"]
models = {m["name"]: m for m in d["models"]}
l2 = [p for p in models["ridge"]["params"] if p["name"] == "l2"][0]
assert l2["default"] == "1.0" and l2["min"] == 0 and l2["max"] == 1e6, l2
print("ok: eddy-learn --model ridge: group, output, the model map")
' || fail "eddy-learn --describe"
out=$(env -i PATH="$PATH" EDDY_HORIZON=65 "$learn" --describe 2>&1) && fail "--horizon 65 accepted"
grep -q "invalid value '65' for --horizon (from environment variable EDDY_HORIZON): expected an integer in \[0, 64\]" <<<"$out" ||
  fail "range message: $out"
echo "ok: a value out of range is refused with its source and range"
