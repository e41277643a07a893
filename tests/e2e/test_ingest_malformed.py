"""A corpus of malformed input (truncated files, bad UTF-8, unbalanced quotes, wrong column counts,
huge lines, mixed types, deeply nested JSON) loads without crashing: every line is loaded or
quarantined with its file, line and reason, and each table's counts add up (read = loaded +
quarantined = the data lines of its files)."""

import json
from collections import Counter

from source_checks import query, run

CSV_FILES = {
    "ok.csv": "id,name,amount\n" + "".join(f"{i},n{i},{i}.5\n" for i in range(1, 21)),
    "truncated.csv": 'id,name,amount\n1,a,1.5\n2,"unfinished',
    "badutf8.csv": b"id,name,amount\n1,ok,1\n2,bad\xff\xfe,2\n3,fine,3\n",
    "quotes.csv": 'id,name,amount\n1,"open,1\n2,b,2\n3,c,3\n',
    "columns.csv": "id,name,amount\n1,a\n2,b,2,extra\n3,c,3\n",
    "huge.csv": "id,name,amount\n1," + "x" * 3_000_000 + ",1\n2,b,2\n",
    "types.csv": "id,name,amount\n1,a,one\nx,b,2\n3,c,3\n",
}
NDJSON_FILES = {
    "ok.ndjson": "".join(json.dumps({"id": i, "v": i}) + "\n" for i in range(1, 11)),
    "trunc.ndjson": '{"id":1}\n{"id":2,"v":',
    "badutf8.ndjson": b'{"id":1}\n{"id":2,"s":"\xff"}\n{"id":3}\n',
    "huge.ndjson": '{"id":1,"s":"' + "y" * 3_000_000 + '"}\n{"id":2}\n',
    "nested.ndjson": '{"id":1,"deep":' + "[" * 5000 + "]" * 5000 + '}\n{"id":2,"deep":' +
                     '{"a":' * 200 + "1" + "}" * 200 + '}\n{"id":3}\n',
    "mixed.ndjson": '{"id":1,"v":1}\n{"id":"two","v":"x"}\n{"id":3,"v":[1]}\n[1,2]\n'
                    '{"id":4,"v":{"a":1}}\n"text"\n',
}


def lines_of(content, header):
    data = content if isinstance(content, bytes) else content.encode()
    lines = [line for line in data.split(b"\n") if line.strip()]
    return len(lines) - (1 if header else 0)


def test_malformed_corpus_is_loaded_or_quarantined(strata_bin, tmp_path):
    root = tmp_path / "p"
    (root / "data").mkdir(parents=True)
    for name, content in {**CSV_FILES, **NDJSON_FILES}.items():
        (root / "data" / name).write_bytes(content if isinstance(content, bytes)
                                          else content.encode())
    (root / "strata.yml").write_text("""name: corpus
sources:
  bad:
    tables:
      csv:
        path: data/*.csv
        columns: {id: INTEGER, name: VARCHAR, amount: DOUBLE}
      json: {path: data/*.ndjson}
""")
    proc = run(strata_bin, root, "ingest")
    assert proc.returncode == 0, proc.stderr
    csv_lines = sum(lines_of(c, True) for c in CSV_FILES.values())
    json_lines = sum(lines_of(c, False) for c in NDJSON_FILES.values())
    loaded = {t: query(strata_bin, root, f"SELECT count(*) AS n FROM bad.{t}")[0]["n"]
              for t in ("csv", "json")}
    bad = query(strata_bin, root, """SELECT table_name, regexp_extract(source_file, '[^/]+$') AS f,
        line, byte_offset, reason, raw FROM bad._quarantine ORDER BY ALL""")
    quarantined = Counter(b["table_name"] for b in bad)
    assert f"7 file(s), 3.0 MB, {csv_lines} rows read = {loaded['csv']} loaded + " \
           f"{quarantined['csv']} quarantined" in proc.stdout, proc.stdout
    assert f"{json_lines} rows read = {loaded['json']} loaded + {quarantined['json']} " \
           "quarantined" in proc.stdout, proc.stdout
    assert loaded["csv"] + quarantined["csv"] == csv_lines
    assert loaded["json"] + quarantined["json"] == json_lines
    assert all(b["reason"] and b["line"] >= 1 and b["raw"] is not None for b in bad), bad

    # Per file: its data lines are its loaded rows plus its quarantined lines.
    per_file = Counter()
    for table in ("csv", "json"):
        for row in query(strata_bin, root, f"""SELECT regexp_extract(_strata_source_file,
                '[^/]+$') AS f, count(*) AS n FROM bad.{table} GROUP BY ALL"""):
            per_file[row["f"]] += row["n"]
    for b in bad:
        per_file[b["f"]] += 1
    expected = {name: lines_of(c, name.endswith(".csv"))
                for name, c in {**CSV_FILES, **NDJSON_FILES}.items()}
    assert dict(per_file) == expected

    by_place = {(b["f"], b["line"]): b for b in bad}
    assert by_place[("types.csv", 2)]["reason"].startswith("CAST") and \
        by_place[("types.csv", 2)]["raw"] == "1,a,one"
    assert by_place[("columns.csv", 3)]["reason"].startswith("TOO MANY COLUMNS")
    assert by_place[("badutf8.csv", 3)]["reason"].startswith("INVALID ENCODING")
    assert by_place[("truncated.csv", 3)]["byte_offset"] == 23  # where the line starts
    assert by_place[("trunc.ndjson", 2)] | {"reason": "invalid JSON", "byte_offset": 9} == \
        by_place[("trunc.ndjson", 2)]
    assert by_place[("huge.ndjson", 1)]["reason"].startswith("LINE SIZE OVER MAXIMUM")
    assert by_place[("mixed.ndjson", 4)]["reason"] == "not a JSON object"
    assert by_place[("mixed.ndjson", 6)]["raw"] == '"text"'
    # The 3 MB CSV value and the deeply nested documents are loaded whole.
    assert query(strata_bin, root, "SELECT max(length(name)) AS n FROM bad.csv") == [
        {"n": 3_000_000}]
    assert query(strata_bin, root, """SELECT list(id::VARCHAR ORDER BY id::VARCHAR) AS ids
        FROM bad.json WHERE _strata_source_file LIKE '%nested.ndjson'""") == [
        {"ids": ["1", "2", "3"]}]
