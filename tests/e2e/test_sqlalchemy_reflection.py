"""SQLAlchemy's PostgreSQL dialect (postgresql+psycopg) reflecting `strata serve` the way Superset
does on connect: schema, table and view names, columns with their types, keys and indexes (none on
lake tables, but the queries must answer), has_table, and a SELECT built with SQLAlchemy Core."""
import datetime
import decimal

import pytest
from catalog_project import make_project, serve

sqlalchemy = pytest.importorskip("sqlalchemy")
pytest.importorskip("psycopg")
from sqlalchemy.dialects import postgresql  # noqa: E402


@pytest.fixture(scope="module")
def server(strata_bin, tmp_path_factory):
    root = make_project(strata_bin, tmp_path_factory.mktemp("sqlalchemy") / "shop")
    with serve(strata_bin, root, tmp_path_factory.mktemp("sqlalchemy-log") / "serve.log") as s:
        yield s


@pytest.fixture(scope="module")
def engine(server):
    engine = sqlalchemy.create_engine(
        f"postgresql+psycopg://superset@127.0.0.1:{server['pg']}/shop",
        connect_args={"connect_timeout": 10})
    yield engine
    engine.dispose()


@pytest.fixture()
def inspector(engine):
    return sqlalchemy.inspect(engine)


def test_schema_table_and_view_names(inspector):
    schemas = inspector.get_schema_names()
    assert {"shop", "marts", "staging"} <= set(schemas)
    assert "pg_strata" not in schemas and "pg_catalog" not in schemas
    assert sorted(inspector.get_table_names(schema="shop")) == ["customers", "typed"]
    assert inspector.get_table_names(schema="marts") == ["customers_by_country"]
    assert inspector.get_table_names(schema="staging") == []
    assert inspector.get_view_names(schema="staging") == ["stg_customers"]
    assert inspector.get_view_names(schema="shop") == []


def test_columns_with_their_types(inspector):
    columns = {c["name"]: c for c in inspector.get_columns("typed", schema="shop")}
    expected = {
        "id": postgresql.BIGINT, "amount": postgresql.NUMERIC, "day": postgresql.DATE,
        "paid": postgresql.BOOLEAN, "ref": postgresql.UUID, "score": postgresql.DOUBLE_PRECISION,
        "label": postgresql.VARCHAR, "seen_at": postgresql.TIMESTAMP,
        "local_at": postgresql.TIMESTAMP, "small": postgresql.INTEGER,
    }
    for name, type_class in expected.items():
        assert name in columns, (name, list(columns))
        assert isinstance(columns[name]["type"], type_class), (name, columns[name]["type"])
    assert list(columns)[:10] == list(expected)
    assert (columns["amount"]["type"].precision, columns["amount"]["type"].scale) == (12, 2)
    assert columns["seen_at"]["type"].timezone is True
    assert columns["local_at"]["type"].timezone is False
    assert all(c["nullable"] for c in columns.values())
    view = [(c["name"], type(c["type"])) for c in inspector.get_columns("stg_customers",
                                                                        schema="staging")]
    assert view[:4] == [("id", postgresql.INTEGER), ("name", postgresql.VARCHAR),
                        ("country", postgresql.VARCHAR), ("signed_up_at", postgresql.TIMESTAMP)]


def test_keys_and_indexes(inspector):
    # Lake tables have no constraints or indexes: the answers are empty, not errors.
    assert inspector.get_pk_constraint("customers", schema="shop")["constrained_columns"] == []
    assert inspector.get_foreign_keys("customers", schema="shop") == []
    assert inspector.get_indexes("customers", schema="shop") == []
    assert inspector.get_unique_constraints("customers", schema="shop") == []
    assert inspector.get_check_constraints("customers", schema="shop") == []
    assert inspector.get_table_comment("customers", schema="shop")["text"] is None


def test_has_table(inspector):
    assert inspector.has_table("customers", schema="shop")
    assert inspector.has_table("stg_customers", schema="staging")
    assert not inspector.has_table("nothing_here", schema="shop")
    assert not inspector.has_table("customers", schema="marts")
    assert inspector.has_schema("marts") and not inspector.has_schema("nowhere")


def test_reflected_table_in_a_core_select(engine):
    metadata = sqlalchemy.MetaData()
    typed = sqlalchemy.Table("typed", metadata, schema="shop", autoload_with=engine)
    query = (sqlalchemy.select(typed.c.id, typed.c.amount, typed.c.day, typed.c.seen_at)
             .where(typed.c.paid.is_(True)).where(typed.c.score > 0).order_by(typed.c.id))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        assert rows == [(1, decimal.Decimal("12.50"), datetime.date(2024, 1, 1),
                         datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))]
        by_country = sqlalchemy.Table("customers_by_country", metadata, schema="marts",
                                      autoload_with=engine)
        total = connection.execute(
            sqlalchemy.select(sqlalchemy.func.sum(by_country.c.customers))).scalar_one()
        assert total == 5
