#!/usr/bin/env bash
# Schema Registry on the real broker ($EDDY_TEST_BOOTSTRAP): eddy registers
# its schemas under <topic>-value and decodes by the writer's schema id.
#
#   0. on a registry started here (fresh), eddy-register-schemas hands out
#      eddy's built-in ids 1-8, Prediction v1 (id 3) and v2 (id 5) as
#      versions 1 and 2 of predictions-value;
#   1. eddy-ingest registers Observation (v1) under <obs>-value;
#   2. v2 (Observation + a "unit" field with a default) is registered as the
#      subject's next version and records are produced with it by a writer
#      that is not eddy (avro_produce);
#   3. eddy-features (a v1 reader) turns v1 and v2 records alike into features;
#   4. eddy-cat --reader-schema v2 reads the v1 records with the default filled;
#   5. an incompatible change (value: double -> string) is refused by the
#      registry (409), and eddy-ingest on a subject holding it exits 2 at
#      start-up naming the subject and the registry's message;
#   6. eddy-cat decodes a record of a schema that is not eddy's by its id.
#
# The registry: $EDDY_TEST_REGISTRY when set, else Apicurio Registry (a real,
# independent implementation of the Confluent API, built from Maven Central
# by scripts/apicurio.sh; started here when not running, then stopped again).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" registry
it_need_kafka

started_registry=0
it_cleanup() { [ $started_registry = 0 ] || "$root/scripts/apicurio.sh" stop >/dev/null 2>&1; }

if [ -n "${EDDY_TEST_REGISTRY:-}" ]; then
  R=$EDDY_TEST_REGISTRY
elif R=$("$root/scripts/apicurio.sh" status 2>/dev/null | tail -n1); then
  :
else
  R=$("$root/scripts/apicurio.sh" start --mem | tail -n1) || fail "could not start Apicurio Registry"
  started_registry=1
fi
ok "Schema Registry at $R"

ct='Content-Type: application/vnd.schemaregistry.v1+json'
register() { # subject file -> the registry's JSON answer (any status)
  curl -sS -X POST -H "$ct" --data "$(python3 -c 'import json,sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' "$2")" \
    "$R/subjects/$1/versions"
}
jget() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# 0. A fresh registry gives eddy-register-schemas eddy's built-in ids.
if [ $started_registry = 1 ]; then
  EDDY_SCHEMA_DIR="$root/schemas" sh "$root/deploy/docker/register-schemas.sh" "$R" \
    >"$EDDY_RUN/register.out" 2>&1 || fail "eddy-register-schemas: $(cat "$EDDY_RUN/register.out")"
  got=$(sed -n 's/^eddy-register-schemas: \([a-z-]*\) -> id \([0-9?]*\) .*/\1 \2/p' "$EDDY_RUN/register.out" | tr '\n' ' ')
  want="observations-value 1 features-value 2 predictions-value 3 scores-value 4 predictions-value 5 forecasts-value 6 model-events-value 7 control-value 8 forecasts-value 9 "
  [ "$got" = "$want" ] || fail "eddy-register-schemas ids: '$got', expected '$want': $(cat "$EDDY_RUN/register.out")"
  grep -q WARNING "$EDDY_RUN/register.out" && fail "eddy-register-schemas warned: $(cat "$EDDY_RUN/register.out")"
  [ "$(curl -fsS "$R/subjects/predictions-value/versions/1" | jget id)" = 3 ] || fail "predictions-value version 1 is not id 3"
  [ "$(curl -fsS "$R/subjects/predictions-value/versions/2" | jget id)" = 5 ] || fail "predictions-value version 2 is not id 5"
  curl -fsS "$R/schemas/ids/3" | grep -q fallback && fail "id 3 has the fallback field"
  curl -fsS "$R/schemas/ids/5" | grep -q fallback || fail "id 5 lacks the fallback field"
  [ "$(curl -fsS "$R/subjects/forecasts-value/versions/2" | jget id)" = 9 ] || fail "forecasts-value version 2 is not id 9"
  curl -fsS "$R/schemas/ids/6" | grep -q combination && fail "id 6 has the combination fields"
  curl -fsS "$R/schemas/ids/9" | grep -q combination_weights || fail "id 9 lacks the combination fields"
  ok "eddy-register-schemas on a fresh registry: $got(Prediction v1 and v2 = predictions-value versions 1 and 2, Forecast v1 and v2 = forecasts-value versions 1 and 2)"
else
  ok "eddy-register-schemas ids not checked: the registry at $R was not started here (not fresh)"
fi

s="-rt-$$-$(date +%s)"
obs=obs$s feat=feat$s bad=bad$s other=other$s dlq=dlq$s
cat_() { "$(eddy_bin eddy-cat)" --schema-registry "$R" "$@"; }

# 1. v1: eddy-ingest registers Observation under <obs>-value.
head -n 25 "$root/data/airpassengers-extended.csv" >"$EDDY_RUN/v1.csv"
"$(eddy_bin eddy-ingest)" --schema-registry "$R" --topic "$obs" --deadletter-topic "$dlq" \
  --series-id airpassengers "$EDDY_RUN/v1.csv" 2>"$EDDY_RUN/ingest.log" || fail "eddy-ingest"
v1=$(curl -fsS "$R/subjects/$obs-value/versions/latest") || fail "no subject $obs-value"
id1=$(echo "$v1" | jget id)
grep -q "msg=\"schema registered\" subject=$obs-value id=$id1" "$EDDY_RUN/ingest.log" ||
  fail "eddy-ingest did not log the registered id $id1"
ok "eddy-ingest registered Observation as $obs-value version $(echo "$v1" | jget version), id $id1"

# 2. v2 = v1 + unit (default "units"), the subject's next version; a writer
#    that is not eddy produces 5 records with it.
python3 - "$root/schemas/observation.avsc" "$EDDY_RUN/v2.avsc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["fields"].append({"name": "unit", "type": "string", "default": "units"})
json.dump(s, open(sys.argv[2], "w"))
PY
a=$(register "$obs-value" "$EDDY_RUN/v2.avsc")
id2=$(echo "$a" | jget id) || fail "v2 not registered: $a"
[ "$(curl -fsS "$R/subjects/$obs-value/versions/latest" | jget version)" = 2 ] || fail "v2 is not version 2"
ok "v2 (+ unit, default \"units\") registered as version 2, id $id2"
for i in 0 1 2 3 4; do
  printf '{"series_id":"airpassengers","seq":%d,"event_time":%d,"input":"1951-%02d","value":%d.5,"produced_at":0,"unit":"kg"}\n' \
    $((24 + i)) $((-599616000000 + i * 2678400000)) $((i + 1)) $((150 + i))
done | "$EDDY_BIN/tests/integration/avro_produce" "$EDDY_BOOTSTRAP" "$obs" "$EDDY_RUN/v2.avsc" "$id2" series_id \
  2>"$EDDY_RUN/produce.log" || fail "avro_produce"

# 3. eddy-features (a v1 reader) reads v1 and v2 records alike.
eddy_start features eddy-features --schema-registry "$R" -X session.timeout.ms=6000 \
  --input "$obs" --output "$feat" --group "features$s" --deadletter-topic "$dlq" \
  --http 127.0.0.1:0 --exit-idle 10s
wait "$(cat "$EDDY_RUN/features.pid")" || fail "eddy-features exited non-zero"
rm -f "$EDDY_RUN/features.pid"
cat_ --topic "$feat" >"$EDDY_RUN/feat.jsonl" 2>"$EDDY_RUN/cat-feat.log" || fail "eddy-cat features"
n=$(wc -l <"$EDDY_RUN/feat.jsonl")
[ "$n" = 29 ] || fail "expected 29 feature vectors (24 v1 + 5 v2), got $n"
python3 - "$EDDY_RUN/feat.jsonl" <<'PY' || fail "features of the v2 records are wrong"
import json, sys
r = {x["seq"]: x for x in map(json.loads, open(sys.argv[1]))}
assert r[28]["target"] == 154.5 and r[28]["lags"][:2] == [153.5, 152.5], r[28]
PY
grep -q "deadletter" "$EDDY_RUN/features.log" && grep -q "dead-lettered" "$EDDY_RUN/features.log" &&
  fail "features dead-lettered records"
ok "eddy-features (v1 reader) turned 24 v1 + 5 v2 records into 29 feature vectors"

# 4. eddy-cat with the v2 schema as reader: v1 records get the default.
cat_ --topic "$obs" --reader-schema "$EDDY_RUN/v2.avsc" >"$EDDY_RUN/obs-v2.jsonl" 2>"$EDDY_RUN/cat-obs.log" ||
  fail "eddy-cat --reader-schema"
units=$(python3 -c 'import json,sys,collections; print(sorted(collections.Counter(json.loads(l)["unit"] for l in open(sys.argv[1])).items()))' "$EDDY_RUN/obs-v2.jsonl")
[ "$units" = "[('kg', 5), ('units', 24)]" ] || fail "v2 reader saw units $units"
ok "eddy-cat --reader-schema v2: 24 v1 records with the default unit \"units\", 5 v2 records with \"kg\""

# 5. An incompatible change: value double -> string is refused (BACKWARD).
python3 - "$root/schemas/observation.avsc" "$EDDY_RUN/v3.avsc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for f in s["fields"]:
    if f["name"] == "value":
        f["type"] = "string"
json.dump(s, open(sys.argv[2], "w"))
PY
# (HTTP 409 is the contract; registries differ in the body's error_code.)
code=$(curl -sS -o "$EDDY_RUN/v3.resp" -w '%{http_code}' -X POST -H "$ct" \
  --data "$(python3 -c 'import json,sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' "$EDDY_RUN/v3.avsc")" \
  "$R/subjects/$obs-value/versions")
[ "$code" = 409 ] || fail "the registry accepted an incompatible schema: HTTP $code $(cat "$EDDY_RUN/v3.resp")"
ok "registry refused value:string for $obs-value (HTTP 409): $(jget message <"$EDDY_RUN/v3.resp")"
# A subject that already holds the string version: eddy's schema is refused at start-up.
register "$bad-value" "$EDDY_RUN/v3.avsc" >/dev/null
set +e
"$(eddy_bin eddy-ingest)" --schema-registry "$R" --topic "$bad" --series-id x "$EDDY_RUN/v1.csv" \
  >/dev/null 2>"$EDDY_RUN/bad.log"
rc=$?
set -e
[ $rc = 2 ] || fail "eddy-ingest on an incompatible subject exited $rc, expected 2"
grep -q "subject '$bad-value' as incompatible (HTTP 409" "$EDDY_RUN/bad.log" || fail "no clear message: $(cat "$EDDY_RUN/bad.log")"
ok "eddy-ingest exited 2: $(head -c 200 "$EDDY_RUN/bad.log")..."

# 6. A record that is not eddy's decodes by its id too (kafka-avro-console-consumer's job).
cat >"$EDDY_RUN/reading.avsc" <<'JSON'
{"type":"record","name":"Reading","namespace":"com.example","fields":[
 {"name":"sensor","type":"string"},{"name":"celsius","type":["null","double"]},
 {"name":"tags","type":{"type":"array","items":"string"}},{"name":"ok","type":"boolean"}]}
JSON
id3=$(register "$other-value" "$EDDY_RUN/reading.avsc" | jget id)
echo '{"sensor":"s1","celsius":21.5,"tags":["a","b"],"ok":true}' |
  "$EDDY_BIN/tests/integration/avro_produce" "$EDDY_BOOTSTRAP" "$other" "$EDDY_RUN/reading.avsc" "$id3" sensor 2>/dev/null ||
  fail "avro_produce Reading"
line=$(cat_ --topic "$other" --meta)
echo "$line" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["key"] == "s1" and r["value"] == {"sensor": "s1", "celsius": 21.5, "tags": ["a", "b"], "ok": True}, r' ||
  fail "eddy-cat decoded the foreign record as $line"
ok "eddy-cat decoded a foreign Reading record by its id $id3: $line"

eddy_stop_all || fail "a stage did not stop cleanly"
echo "ok: registry test passed"
