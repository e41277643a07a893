"""The check strategy of dbt snapshots (its version times are the snapshot's clock, so it is checked
here by its history rather than against dbt's rows): a changed checked column closes the current
version and opens a new one, a change in an unchecked column does not, new keys are added, and a
key missing from the source keeps its current version."""

import json


def test_check_strategy_keeps_a_type_2_history(tmp_path, strata):
    root = tmp_path / "p"
    (root / "snapshots").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: snap\nprofile: snap\n")
    (root / "snapshots" / "tiers.sql").write_text(
        "{% snapshot tiers %}\n"
        "{{ config(unique_key='id', strategy='check', check_cols=['tier'],"
        " target_schema='history') }}\n"
        "select * from (values {{ var('rows') }}) as t(id, tier, note)\n"
        "{% endsnapshot %}\n")

    def snapshot(rows):
        out = strata("--project", root, "snapshot", "--vars", json.dumps({"rows": rows}))
        assert "OK      history.tiers" in out

    def history():
        return json.loads(strata("--project", root, "query", "-f", "json",
                                 "SELECT id, tier, note, dbt_valid_to IS NULL AS is_current "
                                 "FROM history.tiers ORDER BY id, dbt_valid_from"))

    snapshot("(1, 'gold', 'a'), (2, 'silver', 'b'), (3, 'bronze', 'c')")
    assert [r["is_current"] for r in history()] == [True, True, True]
    snapshot("(1, 'platinum', 'a'), (2, 'silver', 'changed note'), (4, 'gold', 'd')")
    assert history() == [
        {"id": 1, "tier": "gold", "note": "a", "is_current": False},
        {"id": 1, "tier": "platinum", "note": "a", "is_current": True},
        {"id": 2, "tier": "silver", "note": "b", "is_current": True},
        {"id": 3, "tier": "bronze", "note": "c", "is_current": True},
        {"id": 4, "tier": "gold", "note": "d", "is_current": True},
    ]
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    assert manifest["nodes"]["snapshot.snap.tiers"]["resource_type"] == "snapshot"


def test_hard_deletes_invalidate_closes_missing_keys(tmp_path, strata):
    root = tmp_path / "p"
    (root / "snapshots").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: snap\nprofile: snap\n")
    (root / "snapshots" / "s.sql").write_text(
        "{% snapshot s %}\n"
        "{{ config(unique_key='id', strategy='timestamp', updated_at='changed_at',"
        " hard_deletes='invalidate', target_schema='history') }}\n"
        "select * from (values {{ var('rows') }}) as t(id, changed_at)\n"
        "{% endsnapshot %}\n")
    for rows in ("(1, timestamp '2024-01-01'), (2, timestamp '2024-01-01')",
                 "(1, timestamp '2024-01-01')"):
        strata("--project", root, "snapshot", "--vars", json.dumps({"rows": rows}))
    history = json.loads(strata("--project", root, "query", "-f", "json",
                                "SELECT id, dbt_valid_to IS NULL AS is_current FROM history.s "
                                "ORDER BY id"))
    assert history == [{"id": 1, "is_current": True}, {"id": 2, "is_current": False}]
