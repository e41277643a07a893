"""End to end: strata's lake tables are Apache Iceberg tables that pyiceberg reads on its own.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_iceberg_readers.py

The streaming example is ingested and its models are run (plus one model with decimals, dates,
timestamps, a struct holding a list, a map and a UUID). pyiceberg, knowing nothing of strata,
opens each table from the metadata file strata's catalog names (and from the table directory via
metadata/version-hint.text) and must return exactly the rows `strata query -f json` returns, nested
values, decimals and time zones included. New data is then ingested and the models run again:
the bronze tables gain a snapshot, the model tables are overwritten; pyiceberg must see only the
new rows at the current snapshot and still read the old snapshot by its id.
"""

import datetime
import decimal
import json
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from pyiceberg.table import StaticTable
from pyiceberg import types as T

TYPES_MODEL = """{{ config(materialized='table') }}
-- Every kind of column an Iceberg reader must get back exactly.
SELECT movie_key,
       count(*)::INTEGER AS streams,
       sum(size_mb)::DECIMAL(18, 3) AS total_mb,
       avg(duration_seconds)::DECIMAL(12, 2) AS avg_seconds,
       min(started_at) AS first_start,
       max(ended_at)::TIMESTAMP AS last_end_local,
       min(started_at)::DATE AS first_day,
       {'email': min(user_email), 'sizes': list(size_mb ORDER BY size_mb)[1:3]} AS sample,
       MAP {'streams': count(*)} AS counts,
       md5(movie_key)::UUID AS key_uuid
FROM {{ ref('stg_streams') }}
GROUP BY movie_key
"""

TABLES = ["internal.streams", "internal.movies", "vendor.reviews", "vendor.books",
          "staging.stg_reviews", "staging.stg_streams", "trusted.iceberg_types",
          "trusted.q1_movies_based_on_books", "trusted.q5_median_streaming_size"]


# ---------------------------------------------------------------------------------------------
# Values as both sides print them, brought to one form by the table's Iceberg type.

def _utc_text(value):
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value.astimezone(datetime.timezone.utc).isoformat()


def normalize(value, kind):
    if value is None:
        return None
    if isinstance(kind, T.StructType):
        return {f.name: normalize(value.get(f.name), f.field_type) for f in kind.fields}
    if isinstance(kind, T.ListType):
        return [normalize(v, kind.element_type) for v in value]
    if isinstance(kind, T.MapType):
        items = value.items() if isinstance(value, dict) else value
        return sorted((normalize(k, kind.key_type), normalize(v, kind.value_type))
                      for k, v in items)
    if isinstance(kind, T.TimestamptzType):
        return _utc_text(value)
    if isinstance(kind, T.TimestampType):
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        return value.isoformat()
    if isinstance(kind, T.DateType):
        return value if isinstance(value, str) else value.isoformat()
    if isinstance(kind, T.TimeType):
        return (datetime.time.fromisoformat(value) if isinstance(value, str) else value).isoformat()
    if isinstance(kind, T.DecimalType):
        return str(decimal.Decimal(str(value)).quantize(decimal.Decimal(1).scaleb(-kind.scale)))
    if isinstance(kind, (T.DoubleType, T.FloatType)):
        return float("%.12g" % float(value))
    if isinstance(kind, T.UUIDType):
        return str(uuid.UUID(bytes=value) if isinstance(value, bytes) else uuid.UUID(str(value)))
    if isinstance(kind, T.BooleanType):
        return bool(value)
    if isinstance(kind, (T.IntegerType, T.LongType)):
        return int(value)
    return value


def normalized_rows(rows, schema):
    out = [json.dumps({f.name: normalize(row.get(f.name), f.field_type) for f in schema.fields},
                      sort_keys=True) for row in rows]
    return sorted(out)


# ---------------------------------------------------------------------------------------------
# strata and the catalog.

def strata_rows(strata, project, table):
    out = strata("query", "--project", project, "-f", "json", f"SELECT * FROM {table}")
    return json.loads(out, parse_float=decimal.Decimal)


def catalog_entry(project, table):
    space, name = table.split(".")
    with sqlite3.connect(f"file:{project}/.strata/catalog.db?mode=ro", uri=True) as db:
        row = db.execute("SELECT metadata_location, current_snapshot FROM tables "
                         "WHERE namespace = ? AND name = ?", (space, name)).fetchone()
    assert row and row[0], f"{table}: no Iceberg metadata location in the catalog"
    return row[0], row[1]


def iceberg_rows(metadata_location, snapshot_id=None):
    table = StaticTable.from_metadata(metadata_location)
    scan = table.scan(snapshot_id=snapshot_id)
    schema = table.schemas()[table.snapshot_by_id(snapshot_id).schema_id] if snapshot_id \
        else table.schema()
    return scan.to_arrow().to_pylist(), schema


def assert_same(strata_side, iceberg_side, schema, label):
    got, want = normalized_rows(iceberg_side, schema), normalized_rows(strata_side, schema)
    assert len(got) == len(want), f"{label}: pyiceberg {len(got)} rows, strata {len(want)}"
    for a, b in zip(got, want):
        assert a == b, f"{label}: first differing row\n  pyiceberg: {a}\n  strata:    {b}"


# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def project(tmp_path_factory, strata):
    project = tmp_path_factory.mktemp("iceberg") / "streaming"
    strata("example", "streaming", project, "--scale", "0.2")
    (project / "models" / "trusted" / "iceberg_types.sql").write_text(TYPES_MODEL)
    strata("ingest", "--project", project)
    strata("run", "--project", project)
    return project


@pytest.fixture(scope="module")
def first_state(project, strata):
    """Each table's metadata file, snapshot and rows (as strata returns them) after the first run."""
    return {t: (*catalog_entry(project, t), strata_rows(strata, project, t)) for t in TABLES}


@pytest.mark.parametrize("table", TABLES)
def test_pyiceberg_reads_what_strata_returns(first_state, table):
    metadata_location, snapshot, rows = first_state[table]
    got, schema = iceberg_rows(metadata_location)
    assert StaticTable.from_metadata(metadata_location).metadata.current_snapshot_id == snapshot
    assert_same(rows, got, schema, table)
    assert rows, f"{table} is empty: the comparison would prove nothing"


def test_nested_decimal_and_zoned_columns_have_iceberg_types(first_state):
    schema = StaticTable.from_metadata(first_state["trusted.iceberg_types"][0]).schema()
    types = {f.name: f.field_type for f in schema.fields}
    assert types["total_mb"] == T.DecimalType(18, 3)
    assert isinstance(types["first_start"], T.TimestamptzType)
    assert isinstance(types["last_end_local"], T.TimestampType)
    assert isinstance(types["first_day"], T.DateType)
    assert isinstance(types["sample"], T.StructType)
    assert isinstance(types["sample"].fields[1].field_type, T.ListType)  # sample.sizes
    assert isinstance(types["counts"], T.MapType)
    assert isinstance(types["key_uuid"], T.UUIDType)
    reviews = StaticTable.from_metadata(first_state["vendor.reviews"][0]).schema()
    books = reviews.find_field("books").field_type
    assert isinstance(books, T.ListType) and isinstance(books.element_type, T.StructType)


def test_table_directory_opens_through_the_version_hint(project, first_state):
    for table in ("internal.streams", "trusted.iceberg_types"):
        space, name = table.split(".")
        by_dir = StaticTable.from_metadata(str(project / ".strata" / "lake" / space / name))
        assert by_dir.metadata_location == first_state[table][0]


def test_after_an_overwrite_only_new_rows_are_current_and_old_snapshots_stay(
        project, strata, first_state):
    # More streams arrive; bronze gains a snapshot, the models are rebuilt (overwritten).
    streams = project / "data" / "internal" / "streams"
    header = (streams / "streams-0001.csv").read_text().splitlines(keepends=True)[0]
    new_lines = [f"New Release,viewer{i}@example.org,{100 + i}.25,2021-12-20T10:{i:02d}:00+01:00,"
                 f"2021-12-20T11:{i:02d}:30+01:00\n" for i in range(50)]
    (streams / "streams-0002.csv").write_text(header + "".join(new_lines))
    strata("ingest", "--project", project)
    strata("run", "--project", project)

    for table in ("internal.streams", "staging.stg_streams", "trusted.iceberg_types"):
        old_location, old_snapshot, old_rows = first_state[table]
        location, snapshot = catalog_entry(project, table)
        assert location != old_location and snapshot != old_snapshot, table
        now_rows = strata_rows(strata, project, table)
        got, schema = iceberg_rows(location)
        assert_same(now_rows, got, schema, f"{table} (current)")
        then, then_schema = iceberg_rows(location, snapshot_id=old_snapshot)
        assert_same(old_rows, then, then_schema, f"{table} (snapshot {old_snapshot})")
        metadata = StaticTable.from_metadata(location).metadata
        operation = metadata.snapshot_by_id(snapshot).summary.operation.value
        assert operation == ("append" if table.startswith("internal.") else "overwrite"), table

    # The rebuilt model has more streams than before: the old rows are gone from the current
    # snapshot, not merely duplicated.
    location, _ = catalog_entry(project, "staging.stg_streams")
    current, _ = iceberg_rows(location)
    assert len(current) == len(first_state["staging.stg_streams"][2]) + 50
    assert len(current) == len(strata_rows(strata, project, "staging.stg_streams"))
