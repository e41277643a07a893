#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/NAME/*): valid PostgreSQL protocol
messages, Bind parameter values of every decoded type in text and binary format, and HTTP API
request bodies. Each seed follows its target's input layout (see the target's first lines).
Run it again after changing a target's layout: python3 fuzz/make_seeds.py"""
import hashlib
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent


def i16(v):
    return struct.pack("!h", v)


def i32(v):
    return struct.pack("!i", v)


def cstr(s):
    return s.encode() + b"\0"


def untyped(body):
    return i32(len(body) + 4) + body


def typed(t, body):
    return t.encode() + i32(len(body) + 4) + body


def startup(**options):
    body = i32(196608) + b"".join(cstr(k) + cstr(v) for k, v in options.items()) + b"\0"
    return untyped(body)


def bind(portal, statement, formats, params, results):
    body = cstr(portal) + cstr(statement) + i16(len(formats)) + b"".join(i16(f) for f in formats)
    body += i16(len(params))
    for p in params:
        body += i32(-1) if p is None else i32(len(p)) + p
    return body + i16(len(results)) + b"".join(i16(f) for f in results)


def parse(name, sql, types):
    return cstr(name) + cstr(sql) + i16(len(types)) + b"".join(i32(t) for t in types)


BODIES = {  # message type -> valid bodies
    "Q": [cstr("SELECT 1"), cstr("SELECT * FROM gold.orders WHERE id = 42; SELECT 2")],
    "P": [parse("", "SELECT $1::int + $2", [23, 0]), parse("s1", "SELECT now()", [])],
    "B": [bind("", "", [], [b"42", None], []),
          bind("p1", "s1", [1], [i32(7), i32(-1)], [1]),
          bind("", "s2", [0, 1], [b"abc", struct.pack("!q", 5)], [0, 1, 0])],
    "D": [b"S" + cstr("s1"), b"P" + cstr("")],
    "E": [cstr("") + i32(0), cstr("p1") + i32(100)],
    "C": [b"S" + cstr("s1"), b"P" + cstr("p1")],
}
ORDER = "QPBDEC"  # the selector byte of pgwire_messages_fuzzer


def pgwire_startup():
    return {
        "startup": startup(user="analyst", database="lake", application_name="psql"),
        "ssl": untyped(i32(80877103)),
        "gssenc": untyped(i32(80877104)),
        "cancel": untyped(i32(80877102) + i32(1234) + i32(99999)),
        "ssl_then_startup": untyped(i32(80877103)) + startup(user="u", options="-c x=1"),
        "old_protocol": untyped(i32(131072) + cstr("user") + cstr("u") + b"\0"),
    }


def pgwire_messages():
    return {f"{t}{i}": bytes([ORDER.index(t)]) + b
            for t, bodies in BODIES.items() for i, b in enumerate(bodies)}


def pgwire_stream():
    session = startup(user="analyst", database="lake")
    simple = session + typed("Q", BODIES["Q"][0]) + typed("X", b"")
    extended = session + b"".join(typed(t, BODIES[t][0]) for t in "PBDE") + typed("S", b"")
    extended += typed("C", BODIES["C"][0]) + typed("H", b"") + typed("S", b"")
    copy = session + typed("Q", cstr("COPY t TO STDOUT")) + typed("d", b"1\n") + typed("c", b"")
    return {"simple_1": b"\x00" + simple, "simple_7": b"\x06" + simple,
            "extended_3": b"\x02" + extended, "extended_256": b"\xff" + extended,
            "copy": b"\x10" + copy,
            "ssl": b"\x03" + untyped(i32(80877103)) + session + typed("S", b"")}


SCALARS = [0, 16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 700, 701, 705, 1042, 1043, 1082, 1083,
           1114, 1184, 1186, 1266, 1700, 2950, 3802]  # as kScalarTypes in the target


def pick(oid, array=False):
    return SCALARS.index(oid) * 2 + (1 if array else 0)


def numeric_binary(digits, weight, sign, dscale):
    return i16(len(digits)) + i16(weight) + struct.pack("!H", sign) + i16(dscale) + \
        b"".join(i16(d) for d in digits)


def array_binary(element_oid, elements):
    out = i32(1) + i32(0) + i32(element_oid) + i32(len(elements)) + i32(1)
    for e in elements:
        out += i32(-1) if e is None else i32(len(e)) + e
    return out


def pgwire_parameters():
    text = {16: b"true", 17: b"\\x0102ff", 20: b"-9223372036854775808", 21: b"32767",
            23: b"42", 26: b"4294967295", 700: b"1.5e10", 701: b"-Infinity", 1082: b"2024-02-29",
            1083: b"23:59:59.999999", 1114: b"2024-01-01 12:00:00", 1184: b"2024-01-01 12:00:00+02",
            1186: b"1 year 2 mons 3 days 04:05:06", 1700: b"-123.4500", 2950:
            b"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 114: b'{"a": [1, 2]}', 25: b"hello"}
    binary = {16: b"\x01", 20: struct.pack("!q", -5), 21: i16(7), 23: i32(42), 26: i32(7),
              700: struct.pack("!f", 1.5), 701: struct.pack("!d", -0.25), 1082: i32(-10957),
              1083: struct.pack("!q", 3600000000), 1114: struct.pack("!q", 0),
              1184: struct.pack("!q", 86400000000), 1186: struct.pack("!qii", 1000000, 3, 14),
              1700: numeric_binary([1, 2345, 6700], 1, 0, 6), 2950: bytes(range(16)),
              17: b"\x00\xff", 25: b"text", 3802: b"\x01{}"}
    seeds = {}
    for oid, value in text.items():
        seeds[f"text_{oid}"] = bytes([0x00, pick(oid)]) + value
        seeds[f"text_inferred_{oid}"] = bytes([0x02, pick(0), pick(oid)]) + value
    for oid, value in binary.items():
        seeds[f"binary_{oid}"] = bytes([0x01, pick(oid)]) + value
    seeds["text_array"] = bytes([0x04, pick(23, True)]) + b'{1, 2, NULL, "3"}'
    seeds["binary_array"] = bytes([0x01, pick(23, True)]) + array_binary(23, [i32(1), None])
    seeds["binary_text_array"] = bytes([0x01, pick(25, True)]) + array_binary(25, [b"a", b""])
    seeds["numeric_round_trip"] = bytes([0x09, pick(1700)]) + numeric_binary([12, 0], 0, 0x4000, 4)
    seeds["numeric_nan"] = bytes([0x09, pick(1700)]) + numeric_binary([], 0, 0xC000, 0)
    return seeds


def http_request():
    return {
        "query": b"\x00" + b'{"sql": "SELECT $1, $2", "params": [1, "a", null, true, 2.5], '
                           b'"format": "csv"}',
        "named_post": b"\x01" + b'{"params": {"id": 7, "amount": "2.5", "flag": false, '
                                b'"day": "2024-03-01", "at": "2024-03-01T10:00:00"}, "format": "ndjson"}',
        "named_get": b"\x02" + b"id=7&amount=1e3&name=x&flag=true&day=2024-01-31&at=2024-01-31 10:00:00"
                               b"&format=csv",
        "route": b"\x03" + b"/api/v1/queries/orders",
        "route_runs": b"\x03" + b"//api/v1/pipelines/daily/runs/",
    }


def main():
    for name, seeds in [("pgwire_startup", pgwire_startup()), ("pgwire_messages", pgwire_messages()),
                        ("pgwire_stream", pgwire_stream()),
                        ("pgwire_parameters", pgwire_parameters()),
                        ("http_request", http_request())]:
        directory = HERE / "corpus" / name
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.iterdir():
            old.unlink()
        for label, data in seeds.items():
            (directory / f"{label}-{hashlib.sha1(data).hexdigest()[:8]}").write_bytes(data)


if __name__ == "__main__":
    main()
