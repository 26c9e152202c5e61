#!/usr/bin/env python3
"""A small Confluent-compatible Schema Registry for eddy's tests and demos.

Karapace, the registry the tests were meant to use, is not published on
PyPI, so this stands in for it: Python's standard library only, the REST
subset eddy and Kafka's tools use (register, look up by id, subjects,
versions, compatibility config), Avro BACKWARD compatibility checking
(the default; NONE, FORWARD and FULL too), and its schemas stored in a Kafka
topic (`_schemas`, compacted, through kcat) so a restart keeps the ids.

    registry.py --listen 127.0.0.1:18081 --bootstrap 127.0.0.1:19092
"""
import argparse
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

LOCK = threading.Lock()
SCHEMAS = {}     # id -> canonical schema text
BY_TEXT = {}     # canonical text -> id
SUBJECTS = {}    # subject -> [id, ...] (version = index + 1)
CONFIG = {"": "BACKWARD"}
ARGS = None

PROMOTIONS = {"int": {"long", "float", "double"}, "long": {"float", "double"},
              "float": {"double"}, "string": {"bytes"}, "bytes": {"string"}}
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


class Invalid(Exception):
    pass


def canonical(text):
    try:
        schema = json.loads(text)
    except ValueError as e:
        raise Invalid(f"Invalid schema: not JSON: {e}")
    validate(schema, {})
    return json.dumps(schema, separators=(",", ":"), sort_keys=False)


def validate(s, names):
    if isinstance(s, str):
        if s not in PRIMITIVES and s not in names and s.split(".")[-1] not in names:
            raise Invalid(f"Invalid schema: unknown type '{s}'")
        return
    if isinstance(s, list):
        for b in s:
            validate(b, names)
        return
    if not isinstance(s, dict) or "type" not in s:
        raise Invalid("Invalid schema: expected a type name, a union or an object with \"type\"")
    t = s["type"]
    if t == "record":
        if not isinstance(s.get("name"), str) or not isinstance(s.get("fields"), list):
            raise Invalid("Invalid schema: a record needs a name and fields")
        names[s["name"]] = s
        seen = set()
        for f in s["fields"]:
            if not isinstance(f, dict) or not isinstance(f.get("name"), str) or "type" not in f:
                raise Invalid("Invalid schema: every field needs a name and a type")
            if f["name"] in seen:
                raise Invalid(f"Invalid schema: duplicate field '{f['name']}'")
            seen.add(f["name"])
            validate(f["type"], names)
    elif t in ("enum", "fixed"):
        names[s.get("name", "")] = s
    elif t == "array":
        validate(s.get("items"), names)
    elif t == "map":
        validate(s.get("values"), names)
    else:
        validate(t, names)


def tname(s):
    if isinstance(s, list):
        return "union"
    if isinstance(s, dict):
        t = s["type"]
        return t if isinstance(t, str) and t in ("record", "enum", "fixed", "array", "map") else tname(t)
    return s


def can_read(reader, writer, path="", rnames=None, wnames=None):
    """None when data written with WRITER can be read with READER, else why not."""
    rnames = {} if rnames is None else rnames
    wnames = {} if wnames is None else wnames
    if isinstance(reader, str) and reader in rnames:
        reader = rnames[reader]
    if isinstance(writer, str) and writer in wnames:
        writer = wnames[writer]
    rt, wt = tname(reader), tname(writer)
    if wt == "union":
        for b in writer:
            why = can_read(reader, b, path, rnames, wnames)
            if why:
                return why
        return None
    if rt == "union":
        for b in reader:
            if not can_read(b, writer, path, rnames, wnames):
                return None
        return f"{path or 'the record'}: reader union does not accept writer type {wt}"
    if rt != wt:
        if wt in PROMOTIONS and rt in PROMOTIONS[wt]:
            return None
        return f"{path or 'the record'}: type {wt} cannot be read as {rt}"
    if rt == "record":
        rnames[reader["name"]] = reader
        wnames[writer["name"]] = writer
        wf = {f["name"]: f for f in writer["fields"]}
        for f in reader["fields"]:
            p = f"{path}.{f['name']}" if path else f["name"]
            if f["name"] in wf:
                why = can_read(f["type"], wf[f["name"]]["type"], p, rnames, wnames)
                if why:
                    return why
            elif "default" not in f:
                return f"{p}: field added without a default"
    elif rt == "array":
        return can_read(reader["items"], writer["items"], path + "[]", rnames, wnames)
    elif rt == "map":
        return can_read(reader["values"], writer["values"], path + "{}", rnames, wnames)
    elif rt == "enum":
        missing = set(writer["symbols"]) - set(reader["symbols"])
        if missing and "default" not in reader:
            return f"{path}: enum symbols {sorted(missing)} missing"
    elif rt == "fixed" and reader.get("size") != writer.get("size"):
        return f"{path}: fixed size differs"
    return None


def incompatible(subject, new_text):
    level = CONFIG.get(subject, CONFIG[""])
    ids = SUBJECTS.get(subject, [])
    if level == "NONE" or not ids:
        return None
    new = json.loads(new_text)
    olds = [json.loads(SCHEMAS[i]) for i in (ids if level.endswith("_TRANSITIVE") else ids[-1:])]
    for old in olds:
        if level.startswith(("BACKWARD", "FULL")):
            why = can_read(new, old)
            if why:
                return why
        if level.startswith(("FORWARD", "FULL")):
            why = can_read(old, new)
            if why:
                return why
    return None


def persist(record):
    if not ARGS.bootstrap:
        return
    line = json.dumps(record, separators=(",", ":"))
    subprocess.run(["kcat", "-P", "-b", ARGS.bootstrap, "-t", ARGS.topic],
                   input=line.encode() + b"\n", check=True, timeout=30)


def apply(record):
    if record.get("kind") == "schema":
        sid, text, subject = record["id"], record["schema"], record["subject"]
        SCHEMAS[sid] = text
        BY_TEXT[text] = sid
        versions = SUBJECTS.setdefault(subject, [])
        if sid not in versions:
            versions.append(sid)
    elif record.get("kind") == "config":
        CONFIG[record["subject"]] = record["level"]


def load():
    if not ARGS.bootstrap:
        return
    persist({"kind": "start"})  # creates the topic when missing; ignored on load
    out = subprocess.run(["kcat", "-C", "-b", ARGS.bootstrap, "-t", ARGS.topic, "-e", "-q",
                          "-o", "beginning"], capture_output=True, timeout=60)
    for line in out.stdout.decode().splitlines():
        if line.strip():
            try:
                apply(json.loads(line))
            except (ValueError, KeyError):
                pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if ARGS.verbose:
            sys.stderr.write("registry: " + fmt % args + "\n")

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, {"error_code": code, "message": message})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return None

    def parts(self):
        return [unquote(p) for p in self.path.split("?")[0].strip("/").split("/") if p]

    def do_GET(self):
        p = self.parts()
        with LOCK:
            if p == []:
                return self.reply(200, {})
            if p == ["subjects"]:
                return self.reply(200, sorted(SUBJECTS))
            if p == ["schemas", "types"]:
                return self.reply(200, ["AVRO"])
            if len(p) == 3 and p[:2] == ["schemas", "ids"]:
                sid = int(p[2]) if p[2].isdigit() else -1
                if sid not in SCHEMAS:
                    return self.error(404, 40403, "Schema not found")
                return self.reply(200, {"schema": SCHEMAS[sid]})
            if len(p) == 3 and p[0] == "subjects" and p[2] == "versions":
                if p[1] not in SUBJECTS:
                    return self.error(404, 40401, f"Subject '{p[1]}' not found.")
                return self.reply(200, list(range(1, len(SUBJECTS[p[1]]) + 1)))
            if len(p) == 4 and p[0] == "subjects" and p[2] == "versions":
                ids = SUBJECTS.get(p[1])
                if not ids:
                    return self.error(404, 40401, f"Subject '{p[1]}' not found.")
                v = len(ids) if p[3] == "latest" else int(p[3]) if p[3].isdigit() else 0
                if not 1 <= v <= len(ids):
                    return self.error(404, 40402, "Version not found.")
                sid = ids[v - 1]
                return self.reply(200, {"subject": p[1], "version": v, "id": sid,
                                        "schema": SCHEMAS[sid]})
            if p == ["config"]:
                return self.reply(200, {"compatibilityLevel": CONFIG[""]})
            if len(p) == 2 and p[0] == "config":
                if p[1] not in CONFIG:
                    return self.error(404, 40408, f"Subject '{p[1]}' does not have subject-level compatibility configured")
                return self.reply(200, {"compatibilityLevel": CONFIG[p[1]]})
        self.error(404, 404, "HTTP 404 Not Found")

    def do_PUT(self):
        p, b = self.parts(), self.body()
        if p and p[0] == "config" and len(p) <= 2 and isinstance(b, dict):
            level = b.get("compatibility")
            if level not in ("NONE", "BACKWARD", "FORWARD", "FULL", "BACKWARD_TRANSITIVE",
                             "FORWARD_TRANSITIVE", "FULL_TRANSITIVE"):
                return self.error(422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
            rec = {"kind": "config", "subject": p[1] if len(p) == 2 else "", "level": level}
            with LOCK:
                persist(rec)
                apply(rec)
            return self.reply(200, {"compatibility": level})
        self.error(404, 404, "HTTP 404 Not Found")

    def do_POST(self):
        p, b = self.parts(), self.body()
        if b is None:
            return self.error(400, 400, "Unrecognized field or malformed JSON")
        if len(p) == 3 and p[0] == "subjects" and p[2] == "versions":
            return self.register(p[1], b)
        if len(p) >= 4 and p[0] == "compatibility" and p[1] == "subjects":
            try:
                text = canonical(b.get("schema", ""))
            except Invalid as e:
                return self.error(422, 42201, str(e))
            with LOCK:
                why = incompatible(p[2], text)
            return self.reply(200, {"is_compatible": why is None,
                                    "messages": [why] if why else []})
        self.error(404, 404, "HTTP 404 Not Found")

    def register(self, subject, b):
        if b.get("schemaType", "AVRO") != "AVRO":
            return self.error(422, 42201, f"Invalid schema type {b.get('schemaType')}: only AVRO here")
        try:
            text = canonical(b.get("schema", ""))
        except Invalid as e:
            return self.error(422, 42201, str(e))
        with LOCK:
            sid = BY_TEXT.get(text)
            if sid is not None and sid in SUBJECTS.get(subject, []):
                return self.reply(200, {"id": sid})
            why = incompatible(subject, text)
            if why:
                level = CONFIG.get(subject, CONFIG[""])
                return self.error(409, 409, f"Incompatible schema, compatibility_mode={level}: {why}")
            if sid is None:
                sid = max(SCHEMAS, default=0) + 1
            rec = {"kind": "schema", "subject": subject, "id": sid, "schema": text}
            persist(rec)
            apply(rec)
        return self.reply(200, {"id": sid})


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default="127.0.0.1:18081")
    ap.add_argument("--bootstrap", default="", help="Kafka to store schemas in (empty: memory only)")
    ap.add_argument("--topic", default="_schemas")
    ap.add_argument("--verbose", action="store_true")
    ARGS = ap.parse_args()
    load()
    host, port = ARGS.listen.rsplit(":", 1)
    server = ThreadingHTTPServer((host, int(port)), Handler)
    print(f"registry: serving on http://{host}:{server.server_port} ({len(SCHEMAS)} schemas loaded)",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    main()
