#!/usr/bin/python3
"""validate.py - check cutover's JSON outputs against their shapes.

  validate.py SCHEMA FILE [--lines]   FILE (each line with --lines) is
                                      valid against SCHEMA (JSON Schema
                                      2020-12, one per output here)
  validate.py --batch LIST            each line of LIST "SCHEMA FILE
                                      lines|doc LABEL...": prints "ok
                                      LABEL" or "fail LABEL: why", and
                                      checks --names on each FILE too
                                      (one Python start for the lot)
  validate.py --names FILE            the naming scheme every document
                                      follows (README "JSON output"):
                                      "schema": 1 first; instants are RFC
                                      3339 UTC strings in keys ending _at;
                                      durations whole milliseconds in keys
                                      ending _ms; no other time-like key

Python's json reads strictly (no NaN, no duplicate keys allowed here).
"""
import json
import re
import sys

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
# Keys the old names used: a time must not hide under one of them.
OLD = {"started", "ended", "at", "start", "end", "seconds", "from", "to",
       "queued", "done", "last_at_us"}
# Subtrees that hold the user's data (a diff's row keys and values).
DATA = {"key", "values"}


def no_dups(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen[k] = v
    return seen


def load(path, lines):
    with open(path, encoding="utf-8", errors="strict") as f:
        text = f.read()
    parse = lambda s: json.loads(s, object_pairs_hook=no_dups,
                                 parse_constant=lambda c: 1 / 0)
    if lines:
        return [parse(l) for l in text.splitlines() if l.strip()]
    return [parse(text)]


def names(doc, where, errs):
    if isinstance(doc, list):
        for i, v in enumerate(doc):
            names(v, "%s[%d]" % (where, i), errs)
        return
    if not isinstance(doc, dict):
        if isinstance(doc, str) and TIME.match(doc):
            errs.append("%s: a time outside an _at key" % where)
        return
    for k, v in doc.items():
        at = "%s.%s" % (where, k)
        if k in OLD or k.endswith("_s") or k.endswith("_seconds") or \
                k.endswith("_us"):
            errs.append("%s: a time-like key outside the scheme" % at)
        if k.endswith("_at"):
            if not (v is None or (isinstance(v, str) and TIME.match(v))):
                errs.append("%s: not an RFC 3339 UTC time: %r" % (at, v))
            continue
        if k.endswith("_ms"):
            if not (v is None or (isinstance(v, int) and
                                  not isinstance(v, bool) and v >= 0)):
                errs.append("%s: not whole milliseconds: %r" % (at, v))
            continue
        if k in DATA and isinstance(v, dict):
            continue
        names(v, at, errs)


def check_names(path, lines):
    docs = load(path, lines)
    errs = []
    for i, d in enumerate(docs):
        if not isinstance(d, dict) or list(d)[:1] != ["schema"] or \
                d["schema"] != 1:
            errs.append("%s: document %d does not open with "
                        "\"schema\": 1" % (path, i))
        names(d, "%s:%d" % (path, i), errs)
    return errs


def check_schema(schema_path, path, lines):
    import jsonschema
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    docs = load(path, lines)
    if not docs:
        return ["%s: no document" % path]
    return ["%s:%d: /%s: %s" % (path, i, "/".join(map(str, e.path)),
                                e.message)
            for i, d in enumerate(docs) for e in v.iter_errors(d)]


def main(argv):
    if len(argv) == 3 and argv[1] == "--batch":
        import os
        here = os.path.dirname(os.path.abspath(__file__))
        bad = 0
        with open(argv[2], encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                schema, path, mode, label = line.rstrip("\n").split(" ", 3)
                try:
                    errs = check_schema(os.path.join(here, schema), path,
                                        mode == "lines")
                    errs += check_names(path, mode == "lines")
                except (OSError, ValueError, ZeroDivisionError) as e:
                    errs = ["%s: %s" % (path, e)]
                if errs:
                    bad += 1
                    print("fail %s: %s" % (label, "; ".join(errs[:5])))
                else:
                    print("ok %s" % label)
        return 1 if bad else 0
    if len(argv) == 3 and argv[1] == "--names":
        errs = check_names(argv[2], argv[2].endswith(".jsonl"))
        for e in errs:
            print(e)
        return 1 if errs else 0
    lines = "--lines" in argv[3:]
    errs = check_schema(argv[1], argv[2], lines)
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
