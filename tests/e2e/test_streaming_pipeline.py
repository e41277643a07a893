"""End to end: the "streaming" example through strata, checked against an independent oracle.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_streaming_pipeline.py

1. `strata example streaming DIR --scale 0.5` creates the project and its raw data;
2. `strata ingest --project DIR` loads it into bronze, quarantining malformed lines;
3. `strata run --project DIR` builds the staging and trusted models;
4. `strata query --project DIR --format json "SELECT * FROM trusted.<model>"` must give the
   oracle's answers (streaming_oracle.py: standard library only, no strata or SQL code), and
   `<side>._quarantine` must hold as many lines as the oracle rejects.

A last test runs the example's model SQL in the `duckdb` Python package (when installed) over
bronze tables emulated with read_csv/read_json, to tell a model bug from a platform bug.
"""

import json
import math
import re
import tempfile
from pathlib import Path

import pytest

import streaming_oracle

SCALE = "0.5"
REPO_MODELS_DIR = Path(__file__).resolve().parents[2] / "examples" / "streaming" / "models"

TRUSTED_MODELS = {
    "q1_movies_based_on_books": (
        "total_streamed_movies", "streamed_movies_based_on_books", "pct_based_on_books"),
    "q2_users_affected": ("users_affected",),
    "q3_singaporean_book_movies": ("movies",),
    "q4_avg_streaming_duration": ("avg_minutes",),
    "q5_median_streaming_size": ("median_gb",),
    "q6_users_watched_half": ("users",),
}


def find_data_dir(project_dir):
    """The directory holding internal/ and vendor/ somewhere under the project."""
    found = sorted(Path(project_dir).rglob("internal/movies/movies.csv"))
    assert found, f"no internal/movies/movies.csv under {project_dir}"
    data_dir = found[0].parents[2]
    assert (data_dir / "vendor" / "reviews").is_dir(), f"no vendor/reviews next to {data_dir}"
    return data_dir


def find_models_dir(project_dir):
    """The project's models/ (holding staging/ and trusted/), else the repository's copy."""
    found = sorted(Path(project_dir).rglob("models/trusted/q1_movies_based_on_books.sql"))
    return found[0].parents[1] if found else REPO_MODELS_DIR


def assert_row_matches(row, expected, label):
    assert set(row) == set(expected), f"{label}: columns {sorted(row)} != {sorted(expected)}"
    for column, want in expected.items():
        got = row[column]
        where = f"{label}.{column}: got {got!r}, expected {want!r}"
        if want is None:
            assert got is None, where
        elif isinstance(want, int):
            assert isinstance(got, (int, float)) and not isinstance(got, bool), where
            assert got == want, where
        else:
            assert isinstance(got, (int, float)) and not isinstance(got, bool), where
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), where


# ---------------------------------------------------------------------------------------------
# Fixtures: one project for the module.

@pytest.fixture(scope="module")
def project(tmp_path_factory, strata):
    project_dir = tmp_path_factory.mktemp("e2e") / "streaming"
    strata("example", "streaming", project_dir, "--scale", SCALE)
    return project_dir


@pytest.fixture(scope="module")
def data_dir(project):
    return find_data_dir(project)


@pytest.fixture(scope="module")
def oracle(data_dir):
    return streaming_oracle.compute(data_dir)


@pytest.fixture(scope="module")
def pipeline(project, strata):
    strata("ingest", "--project", project)
    strata("run", "--project", project)
    return project


def query(strata, project, sql):
    out = strata("query", "--project", project, "--format", "json", sql)
    try:
        rows = json.loads(out)
    except ValueError as error:
        pytest.fail(f"strata query did not print JSON ({error}):\n{out[:2000]}")
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows), out[:2000]
    return rows


# ---------------------------------------------------------------------------------------------
# Tests.

def test_example_writes_messy_raw_data(data_dir, oracle):
    for relative in ("internal/movies/movies.csv", "internal/users/users.csv",
                     "internal/streams/streams-0001.csv", "vendor/authors/authors.ndjson",
                     "vendor/books/books.ndjson", "vendor/reviews/reviews-0001.ndjson"):
        assert (data_dir / relative).is_file(), relative
    assert oracle["rejected"]["internal"]["streams"] >= 3
    assert oracle["rejected"]["vendor"]["reviews"] >= 2
    # duplicates exist, and the answers are not trivial
    assert oracle["rows"]["streams_deduplicated"] < oracle["rows"]["internal"]["streams"]
    answers = oracle["answers"]
    assert 0 < answers["q1_movies_based_on_books"]["pct_based_on_books"] < 1
    for model, column in (("q2_users_affected", "users_affected"),
                          ("q3_singaporean_book_movies", "movies"),
                          ("q6_users_watched_half", "users")):
        assert answers[model][column] > 0, model


@pytest.mark.parametrize("model", list(TRUSTED_MODELS))
def test_trusted_model_matches_oracle(strata, pipeline, oracle, model):
    rows = query(strata, pipeline, f"SELECT * FROM trusted.{model}")
    assert len(rows) == 1, f"trusted.{model}: {len(rows)} rows, expected 1"
    assert_row_matches(rows[0], oracle["answers"][model], f"trusted.{model}")


@pytest.mark.parametrize("side", ["internal", "vendor"])
def test_quarantine_holds_the_rejected_lines(strata, pipeline, oracle, side):
    rows = query(strata, pipeline, f"SELECT count(*) AS n FROM {side}._quarantine")
    assert rows == [{"n": oracle["rejected_total"][side]}], oracle["rejected"][side]


def test_model_sql_matches_oracle_in_duckdb(project, data_dir, oracle):
    pytest.importorskip("duckdb")
    emulated = emulate_models(data_dir, find_models_dir(project))
    for model, expected in oracle["answers"].items():
        assert_row_matches(emulated["answers"][model], expected, f"emulated trusted.{model}")
    assert emulated["rejected"] == oracle["rejected"]


# ---------------------------------------------------------------------------------------------
# The models in the duckdb Python package, over emulated bronze tables.

CSV_COLUMNS = {
    "movies": {"title": "VARCHAR", "duration_mins": "INTEGER", "original_language": "VARCHAR",
               "size_mb": "INTEGER"},
    "users": {"first_name": "VARCHAR", "last_name": "VARCHAR", "email": "VARCHAR"},
    "streams": {"movie_title": "VARCHAR", "user_email": "VARCHAR", "size_mb": "DOUBLE",
                "start_at": "VARCHAR", "end_at": "VARCHAR"},
}
JSON_TABLES = ("authors", "books", "reviews")
_NAME = r"['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]"
_REF = re.compile(r"\{\{\s*ref\(\s*" + _NAME + r"\s*\)\s*\}\}")
_SOURCE = re.compile(r"\{\{\s*source\(\s*" + _NAME + r"\s*,\s*" + _NAME + r"\s*\)\s*\}\}")
_CONFIG = re.compile(r"\{\{\s*config\((.*?)\)\s*\}\}", re.S)
_MATERIALIZED = re.compile(r"materialized\s*=\s*['\"](table|view)['\"]")


def _sql_string(value):
    return "'" + str(value).replace("'", "''") + "'"


def _sql_list(paths):
    return "[" + ", ".join(_sql_string(p) for p in paths) + "]"


def _lineage(source_file):
    return ("now()::TIMESTAMPTZ AS _strata_loaded_at, 'emulated' AS _strata_batch_id, "
            f"{source_file} AS _strata_source_file")


def load_bronze(con, data_dir, work_dir):
    """Bronze as the platform defines it: typed CSV columns, auto-detected JSON columns, lineage
    columns, malformed lines left out and counted (returned as {side: {table: count}})."""
    data_dir = Path(data_dir)
    rejected = {"internal": {}, "vendor": {}}
    con.execute("CREATE SCHEMA internal; CREATE SCHEMA vendor")
    for table, columns in CSV_COLUMNS.items():
        files = sorted((data_dir / "internal" / table).glob("*.csv"))
        column_map = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "}"
        con.execute(f"""
            CREATE TABLE internal.{table} AS
            SELECT * EXCLUDE (filename), {_lineage("filename")}
            FROM read_csv({_sql_list(files)}, header = true, delim = ',', quote = '"',
                          escape = '"', auto_detect = false, columns = {column_map},
                          filename = true, store_rejects = true,
                          rejects_table = 'rejects_{table}', rejects_scan = 'scans_{table}')""")
        # One line can produce several errors (e.g. a missing column and a cast error).
        rejected["internal"][table] = con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT file_id, line FROM rejects_{table})"
        ).fetchone()[0]
    # NDJSON: split lines first, then judge each line alone. read_json(ignore_errors=true) is not
    # line-based: after a line cut short where a value is due (after ':' ',' '['), the parser
    # reads on into the next line, and that valid line is lost along with the bad one.
    for table in JSON_TABLES:
        files = sorted((data_dir / "vendor" / table).glob("*.ndjson"))
        lines = (f"read_csv({_sql_list(files)}, columns = {{'line': 'VARCHAR'}}, header = false, "
                 "delim = '\\x1f', quote = '', escape = '', auto_detect = false, "
                 "filename = true)")
        con.execute(f"""
            CREATE TEMP TABLE lines_{table} AS
            SELECT filename, line,
                   CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END AS ok
            FROM {lines}
            WHERE line IS NOT NULL AND trim(line) <> ''""")
        rejected["vendor"][table] = con.execute(
            f"SELECT count(*) FROM lines_{table} WHERE NOT ok").fetchone()[0]
        valid_dir = Path(work_dir) / table
        valid_dir.mkdir()
        valid_files = []
        for path in files:
            valid_files.append(valid_dir / path.name)
            con.execute(f"""
                COPY (SELECT line FROM lines_{table} WHERE ok AND filename = {_sql_string(path)})
                TO {_sql_string(valid_files[-1])} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '',
                                                    DELIMITER '\\x1f')""")
        source_dir = _sql_string(str(data_dir / "vendor" / table) + "/")
        con.execute(f"""
            CREATE TABLE vendor.{table} AS
            SELECT * EXCLUDE (filename), {_lineage(source_dir + " || parse_filename(filename)")}
            FROM read_json({_sql_list(valid_files)}, format = 'newline_delimited',
                           filename = true)""")
    return rejected


def _read_models(models_dir):
    models = {}
    for path in sorted(Path(models_dir).glob("*/*.sql")):
        text = path.read_text(encoding="utf-8")
        config = _CONFIG.search(text)
        materialized = "view"
        if config:
            assert text.lstrip().startswith(config.group(0)), f"{path}: config is not first"
            found = _MATERIALIZED.search(config.group(1))
            materialized = found.group(1) if found else "view"
            text = text.replace(config.group(0), "", 1)
        models[path.stem] = {"schema": path.parent.name, "sql": text,
                             "materialized": materialized,
                             "refs": _REF.findall(text)}
    return models


def build_models(con, models_dir):
    """Creates every model of models_dir (dependencies first) in con, whose bronze is loaded."""
    models = _read_models(models_dir)
    assert set(TRUSTED_MODELS) <= set(models), sorted(models)
    for schema in sorted({m["schema"] for m in models.values()}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    built = set()

    def build(name, stack=()):
        if name in built:
            return
        assert name not in stack, f"ref cycle: {' -> '.join(stack + (name,))}"
        assert name in models, f"ref to unknown model {name!r}"
        model = models[name]
        for ref in model["refs"]:
            build(ref, stack + (name,))
        sql = _REF.sub(lambda m: f"{models[m.group(1)]['schema']}.{m.group(1)}", model["sql"])
        sql = _SOURCE.sub(lambda m: f"{m.group(1)}.{m.group(2)}", sql)
        assert "{{" not in sql and "{%" not in sql, f"{name}: unsupported template syntax"
        kind = "TABLE" if model["materialized"] == "table" else "VIEW"
        con.execute(f"CREATE OR REPLACE {kind} {model['schema']}.{name} AS {sql}")
        built.add(name)

    for name in sorted(models):
        build(name)
    return models


def emulate_models(data_dir, models_dir):
    """Builds the models in python duckdb; returns {"answers": {...}, "rejected": {...}}."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    with tempfile.TemporaryDirectory(prefix="strata-emulation-") as work_dir:
        rejected = load_bronze(con, data_dir, work_dir)
    models = build_models(con, models_dir)
    answers = {}
    for model, columns in TRUSTED_MODELS.items():
        assert models[model]["schema"] == "trusted", model
        cursor = con.execute(f"SELECT * FROM trusted.{model}")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        assert len(rows) == 1, f"trusted.{model}: {len(rows)} rows"
        assert tuple(names) == columns, f"trusted.{model}: columns {names}"
        answers[model] = dict(zip(names, rows[0]))
    con.close()
    return {"answers": answers, "rejected": rejected}
