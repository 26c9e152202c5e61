"""A typical Python peer of eddy-features -> eddy-learn linear, for the benchmark.

What a Python team would write for the same job with the usual libraries:
confluent-kafka (librdkafka underneath) with its default client settings,
fastavro for the records, River for the model. One process, one loop:

    consume an Observation -> keep the series' last LAGS values ->
    River preprocessing.StandardScaler() | linear_model.LinearRegression():
    predict_one, learn_one, then HORIZON recursive forecast steps ->
    produce a Prediction (eddy's schema and Confluent framing, so that
    eddy-bench reads its answers exactly as it reads eddy-learn's).

At-least-once, as such a peer usually is: automatic offset commits after
poll, no transactions. It is a reference for the figures in
docs/benchmarks.md (bench/pipeline/peer.sh), not part of eddy.

    python peer.py --bootstrap HOST:PORT --input T --output T --group G
"""

import argparse
import io
import json
import os
import signal
import struct
import sys
import time

import fastavro
from confluent_kafka import Consumer, KafkaError, Producer
from river import linear_model, preprocessing

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PREDICTION_SCHEMA_ID = 5  # eddy's built-in id of Prediction v2 (codec/records.h)


def load_schema(name):
    """eddy's schema NAME, its timestamps read as plain longs (as eddy does)."""
    def plain(t):
        if isinstance(t, dict):
            return {k: plain(v) for k, v in t.items() if k != "logicalType"}
        return [plain(v) for v in t] if isinstance(t, list) else t
    with open(os.path.join(ROOT, "schemas", name)) as f:
        return fastavro.parse_schema(plain(json.load(f)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--lags", type=int, default=15)
    ap.add_argument("--horizon", type=int, default=5)
    a = ap.parse_args()

    obs_schema = load_schema("observation.avsc")
    pred_schema = load_schema("prediction.avsc")
    header = b"\x00" + struct.pack(">I", PREDICTION_SCHEMA_ID)
    consumer = Consumer({"bootstrap.servers": a.bootstrap, "group.id": a.group,
                         "auto.offset.reset": "earliest",
                         "isolation.level": "read_committed"})
    producer = Producer({"bootstrap.servers": a.bootstrap})
    consumer.subscribe([a.input])
    models, history = {}, {}
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))
    signal.signal(signal.SIGINT, lambda *_: running.__setitem__(0, False))

    def features(lags):
        return {f"in_{i + 1}": v for i, v in enumerate(reversed(lags))}

    while running[0]:
        msg = consumer.poll(0.1)
        producer.poll(0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                print(f"peer: {msg.error()}", file=sys.stderr)
            continue
        obs = fastavro.schemaless_reader(io.BytesIO(msg.value()[5:]), obs_schema)
        sid = obs["series_id"]
        model = models.get(sid)
        if model is None:
            model = models[sid] = (preprocessing.StandardScaler()
                                   | linear_model.LinearRegression())
            history[sid] = []
        lags = history[sid]
        x = features(lags)
        y = obs["value"]
        yhat = model.predict_one(x) if x else y
        if x:
            model.learn_one(x, y)
        lags.append(y)
        del lags[:-a.lags]
        window, forecast = list(lags), []
        for _ in range(a.horizon):
            f = model.predict_one(features(window))
            forecast.append(f)
            window = (window + [f])[-a.lags:]
        out = io.BytesIO()
        fastavro.schemaless_writer(out, pred_schema, {
            "series_id": sid, "seq": obs["seq"], "event_time": obs["event_time"],
            "produced_at": obs["produced_at"], "model": "river-linear",
            "model_version": len(lags), "prediction": yhat, "target": y,
            "forecast": forecast, "predicted_at": time.time_ns() // 1000,
            "fallback": ""})
        producer.produce(a.output, key=sid.encode(), value=header + out.getvalue())
    producer.flush(10)
    consumer.close()


if __name__ == "__main__":
    main()
