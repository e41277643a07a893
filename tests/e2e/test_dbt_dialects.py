"""Models written for Trino, Spark and PostgreSQL: `strata build` translates their SQL for DuckDB
(model config `dialect=`, folder config `+dialect:` in dbt_project.yml) and the rows equal what
those engines document for the same calls, computed here in Python."""

import json
import subprocess
from datetime import date, datetime, timedelta, timezone

ROWS = [  # id, name, other, csv, iso timestamp, started, ended, nick
    (1, "kitten", "sitting", "a,b,c", "2024-05-06T07:08:09Z", date(2024, 1, 31), date(2024, 3, 1),
     None),
    (2, "flaw", "lawn", "x,y", "2024-05-06T07:08:09+02:00", date(2023, 12, 25), date(2024, 12, 24),
     "fl"),
    (3, "gumbo", "gambol", "solo", "1999-12-31T23:59:59-05:30", date(2024, 2, 29),
     date(2024, 2, 29), None),
]

SOURCE_CTE = "with src as (select * from (values {}) as t(id, name, other, csv, iso, started, " \
             "ended, nick))\n"


def sql_literal(value):
    if value is None:
        return "cast(null as varchar)"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def source_cte():
    values = ", ".join("(" + ", ".join(sql_literal(v) for v in row) + ")" for row in ROWS)
    return SOURCE_CTE.format(values)


def levenshtein(a, b):
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def whole_months(start, end):
    """Trino's date_diff('month'): whole months elapsed; the last day of a month counts as a
    whole month from any later day of month (Jan 31 -> Feb 29 is one month)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    end_is_last_day = (end + timedelta(days=1)).month != end.month
    if end.day < start.day and not end_is_last_day:
        months -= 1
    return months


def write_project(root):
    (root / "models" / "spark").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: dialects\nprofile: dialects\n"
        "models:\n  dialects:\n    +materialized: table\n    spark:\n      +dialect: spark\n")
    (root / "models" / "trino_metrics.sql").write_text(
        "{{ config(dialect='trino') }}\n" + source_cte() +
        "select id,\n"
        "  levenshtein_distance(name, other) as edits,\n"
        "  split_part(csv, ',', 2) as second_part,\n"
        "  cardinality(split(csv, ',')) as parts,\n"
        "  element_at(array['x', 'y', 'z'], id) as letter,\n"
        "  date_diff('day', started, ended) as days,\n"
        "  date_diff('month', started, ended) as months,\n"
        "  cast(date_add('month', 1, started) as date) as month_later,\n"
        "  date_diff('second', from_iso8601_timestamp('1970-01-01T00:00:00Z'),\n"
        "            from_iso8601_timestamp(iso)) as epoch_seconds,\n"
        "  regexp_like(name, 'u|itt') as matches\n"
        "from src\n")
    (root / "models" / "spark" / "spark_people.sql").write_text(
        source_cte() +
        "select id, nvl(nick, name) as shown, date_format(started, 'dd MMM yyyy') as started_text,\n"
        "  datediff(ended, started) as days, size(split(csv, ',')) as parts\n"
        "from src\n")
    (root / "models" / "spark" / "spark_lists.sql").write_text(
        source_cte() + "select collect_list(nick) as nicks from src\n")
    (root / "models" / "postgres_matches.sql").write_text(
        "{{ config(dialect='postgres') }}\n" + source_cte() +
        "select id, to_date(substr(iso, 1, 10), 'YYYY-MM-DD') as iso_day, name ~ 'm' as has_m,\n"
        "  name ~* 'K' as has_k\nfrom src\n")


def query(strata, root, sql):
    return json.loads(strata("--project", root, "query", "-f", "json", sql))


def test_trino_spark_and_postgres_models_build_with_expected_rows(tmp_path, strata):
    root = tmp_path / "p"
    write_project(root)
    out = strata("--project", root, "build")
    assert "ERROR" not in out, out

    trino = query(strata, root, "select * from main.trino_metrics order by id")
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    expected = []
    for (id_, name, other, csv, iso, started, ended, _nick) in ROWS:
        parts = csv.split(",")
        month_later = started.replace(day=1) + timedelta(days=32)
        last_day = (month_later.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(1)
        expected.append({
            "id": id_,
            "edits": levenshtein(name, other),
            "second_part": parts[1] if len(parts) > 1 else None,
            "parts": len(parts),
            "letter": "xyz"[id_ - 1],
            "days": (ended - started).days,
            "months": whole_months(started, ended),
            "month_later": month_later.replace(day=min(started.day, last_day.day)).isoformat(),
            "epoch_seconds": int((datetime.fromisoformat(iso.replace("Z", "+00:00")) - epoch)
                                 .total_seconds()),
            "matches": "u" in name or "itt" in name,
        })
    assert trino == expected

    spark = query(strata, root, "select * from main.spark_people order by id")
    assert spark == [{
        "id": r[0], "shown": r[7] if r[7] is not None else r[1],
        "started_text": r[5].strftime("%d %b %Y"), "days": (r[6] - r[5]).days,
        "parts": len(r[3].split(",")),
    } for r in ROWS]
    lists = query(strata, root, "select nicks from main.spark_lists")
    assert lists == [{"nicks": [r[7] for r in ROWS if r[7] is not None]}]

    postgres = query(strata, root, "select * from main.postgres_matches order by id")
    assert postgres == [{
        "id": r[0], "iso_day": r[4][:10], "has_m": "m" in r[1], "has_k": "k" in r[1].lower(),
    } for r in ROWS]


def test_untranslatable_model_names_model_and_dialect(tmp_path, strata_bin, strata):
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: bad\nprofile: bad\n")
    (root / "models" / "broken.sql").write_text(
        "{{ config(dialect='spark') }}\nselect date_format(current_date, fmt) from (select 'y' as fmt)\n")
    (root / "models" / "fine.sql").write_text(
        "{{ config(dialect='presto') }}\nselect levenshtein_distance('ab', 'b') as d\n")
    result = subprocess.run([strata_bin, "--project", str(root), "build"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "model broken (dialect spark)" in output, output
    assert "string literal" in output, output
    assert query(strata, root, "select d from main.fine") == [{"d": 1}]


def test_sql_error_in_translated_model_names_the_model_file(tmp_path, strata_bin):
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: bad\nprofile: bad\n")
    (root / "models" / "wrong.sql").write_text(
        "{{ config(dialect='trino') }}\n\n\nselect levenshtein_distance(nope, 'b') as d\n")
    result = subprocess.run([strata_bin, "--project", str(root), "build"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "models/wrong.sql" in output and "nope" in output, output
    # DuckDB's line numbers count the translated SQL, so no compiled line is claimed.
    assert "compiled SQL line" not in output, output


def test_unknown_dialect_is_rejected_with_the_closest_name(tmp_path, strata_bin):
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: bad\nprofile: bad\n")
    (root / "models" / "m.sql").write_text("{{ config(dialect='trinoo') }}\nselect 1 as x\n")
    result = subprocess.run([strata_bin, "--project", str(root), "build"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "dialect='trinoo'" in output and "trino" in output, output
