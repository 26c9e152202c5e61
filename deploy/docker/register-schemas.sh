#!/bin/sh
# eddy-register-schemas URL: registers eddy's Avro schemas in a Confluent
# Schema Registry under the subjects <topic>-value (TopicNameStrategy), in the
# order of eddy's built-in schema ids (Observation 1, FeatureVector 2,
# Prediction v1 3, Score 4, Prediction 5, Forecast v1 6, ModelEvent 7,
# Control 8, Forecast 9), so a fresh registry hands out the ids eddy writes.
# Prediction v1 (before the fallback field) is version 1 of predictions-value
# and the current Prediction its version 2, Forecast v1 (before the
# combination fields) version 1 of forecasts-value and the current Forecast
# its version 2 (backward compatible changes: the new fields have defaults),
# so records written under either id decode. Warns when the registry gives other ids (then Confluent
# tools decode with the wrong schema; eddy itself never asks the registry).
set -eu
url=${1:?usage: eddy-register-schemas REGISTRY_URL}
dir=${EDDY_SCHEMA_DIR:-/usr/share/eddy/schemas}

register() { # subject file expected-id
  body=$(sed 's/\\/\\\\/g; s/"/\\"/g' "$dir/$2" | tr -d '\n')
  resp=$(curl -fsS --retry 10 --retry-connrefused --retry-delay 2 -X POST \
    -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data-binary "{\"schemaType\":\"AVRO\",\"schema\":\"$body\"}" \
    "$url/subjects/$1/versions")
  id=$(echo "$resp" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
  echo "eddy-register-schemas: $1 -> id ${id:-?} (eddy writes $3)"
  [ "$id" = "$3" ] || { echo "eddy-register-schemas: WARNING: registry id for $1 is not eddy's built-in id $3" >&2; }
}
register observations-value observation.avsc 1
register features-value feature_vector.avsc 2
register predictions-value prediction_v1.avsc 3
register scores-value score.avsc 4
register predictions-value prediction.avsc 5
register forecasts-value forecast_v1.avsc 6
register model-events-value model_event.avsc 7
register control-value control.avsc 8
register forecasts-value forecast.avsc 9

