"""Catalog queries of the shapes Metabase's PostgreSQL driver (database sync: schemas, tables, table
privileges, fields, foreign keys, enum types) and DBeaver's PostgreSQL plugin (connect, databases,
schemas, tables, columns, constraints, indexes, data types, roles, procedures, view source) send,
replayed over psycopg's extended protocol (as the JDBC driver sends them: parameters bound), and
checked against strata's tables. A catalog query strata cannot answer is logged."""
import pytest
from catalog_project import make_project, serve

psycopg = pytest.importorskip("psycopg")

SCHEMAS = ("shop", "marts", "staging")


@pytest.fixture(scope="module")
def server(strata_bin, tmp_path_factory):
    root = make_project(strata_bin, tmp_path_factory.mktemp("bi") / "shop")
    with serve(strata_bin, root, tmp_path_factory.mktemp("bi-log") / "serve.log") as s:
        yield s


@pytest.fixture()
def conn(server):
    with psycopg.connect(host="127.0.0.1", port=server["pg"], user="metabase", dbname="shop",
                         connect_timeout=10, autocommit=True) as c:
        yield c


def rows(conn, sql, params=None):
    return conn.execute(sql, params, prepare=True).fetchall()


# ---- Metabase ------------------------------------------------------------------------------------

def test_metabase_session_setup(conn):
    conn.execute("SET extra_float_digits = 2")
    conn.execute("SET application_name = 'Metabase v0.55 [x]'")
    assert rows(conn, "SHOW TRANSACTION ISOLATION LEVEL") == [("read committed",)]
    assert rows(conn, "show timezone;") == [("UTC",)]
    conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")


def test_metabase_schemas(conn):
    got = rows(conn, """
        SELECT nspname AS "TABLE_SCHEM", current_database() AS "TABLE_CATALOG"
        FROM pg_catalog.pg_namespace
        WHERE nspname <> 'pg_toast'
          AND (nspname !~ '^pg_temp_' OR nspname = (pg_catalog.current_schemas(true))[1])
          AND (nspname !~ '^pg_toast_temp_'
               OR nspname = replace((pg_catalog.current_schemas(true))[1], 'pg_temp_', 'pg_toast_temp_'))
        ORDER BY "TABLE_SCHEM" """)
    names = [name for name, _ in got]
    assert set(SCHEMAS) <= set(names) and "pg_strata" not in names
    assert {database for _, database in got} == {"shop"}


def test_metabase_tables(conn):
    got = rows(conn, """
        SELECT n.nspname AS schema, c.relname AS name,
               CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE'
                              WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS type,
               d.description AS description, stat.n_live_tup AS estimated_row_count
        FROM pg_catalog.pg_class AS c
        INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
        LEFT JOIN pg_catalog.pg_description AS d
          ON (c.oid = d.objoid) AND (d.objsubid = 0) AND (d.classoid = 'pg_class'::regclass)
        LEFT JOIN pg_stat_user_tables AS stat
          ON (n.nspname = stat.schemaname) AND (c.relname = stat.relname)
        WHERE (c.relnamespace = n.oid) AND (n.nspname !~ '^pg_')
          AND (n.nspname <> 'information_schema') AND c.relkind in ('r', 'p', 'v', 'f', 'm')
          AND (n.nspname IN (%s, %s, %s))
        ORDER BY type ASC, schema ASC, name ASC""", SCHEMAS)
    assert [(s, n, t) for s, n, t, _, _ in got] == [
        ("marts", "customers_by_country", "TABLE"), ("shop", "customers", "TABLE"),
        ("shop", "typed", "TABLE"), ("staging", "stg_customers", "VIEW")]


def test_metabase_table_privileges(conn):
    got = rows(conn, """
        with table_privileges as (
         select NULL as role, t.schemaname as schema, t.objectname as table,
           pg_catalog.has_any_column_privilege(current_user, '"' || replace(t.schemaname, '"', '""')
             || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"', 'update') as update,
           pg_catalog.has_any_column_privilege(current_user, '"' || replace(t.schemaname, '"', '""')
             || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"', 'select') as select,
           pg_catalog.has_table_privilege(current_user, '"' || replace(t.schemaname, '"', '""')
             || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"', 'delete') as delete
         from (select schemaname, tablename as objectname from pg_catalog.pg_tables
               union select schemaname, viewname as objectname from pg_catalog.pg_views
               union select schemaname, matviewname as objectname from pg_catalog.pg_matviews) t
         where t.schemaname !~ '^pg_' and t.schemaname <> 'information_schema'
           and pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage'))
        select t.* from table_privileges t order by 2, 3""")
    assert [(schema, table, update, select, delete) for _, schema, table, update, select, delete
            in got] == [
        ("marts", "customers_by_country", False, True, False),
        ("shop", "customers", False, True, False), ("shop", "typed", False, True, False),
        ("staging", "stg_customers", False, True, False)]


def test_metabase_fields(conn):
    got = rows(conn, """
        SELECT c.column_name AS name,
               CASE WHEN c.udt_schema IN ('public', 'pg_catalog') THEN format('%%s', c.udt_name)
                    ELSE format('"%%s"."%%s"', c.udt_schema, c.udt_name) END AS "database-type",
               c.ordinal_position - 1 AS "database-position", c.table_schema AS "table-schema",
               c.table_name AS "table-name", pk.column_name IS NOT NULL AS "pk?",
               col_description(CAST(CAST(format('%%I.%%I', CAST(c.table_schema AS TEXT),
                                                CAST(c.table_name AS TEXT)) AS REGCLASS) AS OID),
                               c.ordinal_position) AS "field-comment",
               ((column_default IS NULL) OR (LOWER(column_default) = 'null'))
                 AND (is_nullable = 'NO') AND NOT (((column_default IS NOT NULL)
                 AND (column_default LIKE '%%nextval(%%')) OR (is_identity <> 'NO'))
                 AS "database-required"
        FROM information_schema.columns AS c
        LEFT JOIN (SELECT tc.table_schema, tc.table_name, kc.column_name
                   FROM information_schema.table_constraints AS tc
                   INNER JOIN information_schema.key_column_usage AS kc
                     ON (tc.constraint_name = kc.constraint_name)
                    AND (tc.table_schema = kc.table_schema) AND (tc.table_name = kc.table_name)
                   WHERE tc.constraint_type = 'PRIMARY KEY') AS pk
          ON (c.table_schema = pk.table_schema) AND (c.table_name = pk.table_name)
         AND (c.column_name = pk.column_name)
        WHERE c.table_schema !~ '^information_schema|catalog_history|pg_'
          AND (c.table_schema IN (%s)) AND (c.table_name IN (%s))
        ORDER BY "table-schema" ASC, "table-name" ASC, "database-position" ASC""",
                ("shop", "typed"))
    types = [(name, database_type, position) for name, database_type, position, *_ in got]
    assert types[:10] == [
        ("id", "int8", 0), ("amount", "numeric", 1), ("day", "date", 2), ("paid", "bool", 3),
        ("ref", "uuid", 4), ("score", "float8", 5), ("label", "varchar", 6),
        ("seen_at", "timestamptz", 7), ("local_at", "timestamp", 8), ("small", "int4", 9)]
    assert all(pk is False and required is False for *_, pk, _, required in got)


def test_metabase_foreign_keys_and_enums(conn):
    fks = rows(conn, """
        SELECT fk_ns.nspname AS "fk-table-schema", fk_table.relname AS "fk-table-name",
               fk_column.attname AS "fk-column-name", pk_ns.nspname AS "pk-table-schema",
               pk_table.relname AS "pk-table-name", pk_column.attname AS "pk-column-name"
        FROM pg_constraint AS c
        INNER JOIN pg_class AS fk_table ON c.conrelid = fk_table.oid
        INNER JOIN pg_namespace AS fk_ns ON c.connamespace = fk_ns.oid
        INNER JOIN pg_attribute AS fk_column ON c.conrelid = fk_column.attrelid
        INNER JOIN pg_class AS pk_table ON c.confrelid = pk_table.oid
        INNER JOIN pg_namespace AS pk_ns ON pk_table.relnamespace = pk_ns.oid
        INNER JOIN pg_attribute AS pk_column ON c.confrelid = pk_column.attrelid
        WHERE fk_ns.nspname !~ '^information_schema|catalog_history|pg_'
          AND (c.contype = 'f'::char) AND (fk_column.attnum = ANY(c.conkey))
          AND (pk_column.attnum = ANY(c.confkey)) AND (fk_ns.nspname IN (%s))
        ORDER BY "fk-table-schema" ASC, "fk-table-name" ASC""", ("shop",))
    assert fks == []
    enums = rows(conn, "SELECT nspname, typname FROM pg_type t JOIN pg_namespace n "
                       "ON n.oid = t.typnamespace WHERE t.oid IN (SELECT DISTINCT enumtypid "
                       "FROM pg_enum e)")
    assert enums == []


# ---- DBeaver -------------------------------------------------------------------------------------

def schema_oid(conn, name):
    return rows(conn, "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = %s", (name,))[0][0]


def test_dbeaver_connect_and_databases(conn):
    schema, user = rows(conn, "SELECT current_schema(),session_user")[0]
    assert schema and user
    assert rows(conn, "SHOW search_path")
    conn.execute('SET search_path = "shop"')
    assert rows(conn, "SELECT count(*) FROM customers") == [(5,)]
    databases = rows(conn, "SELECT db.oid,db.* FROM pg_catalog.pg_database db "
                           "WHERE datallowconn AND NOT datistemplate OR db.datname=%s "
                           "ORDER BY db.datname", ("shop",))
    assert [row[2] for row in databases] == ["shop"]
    roles = rows(conn, "SELECT a.oid,a.* FROM pg_catalog.pg_roles a ORDER BY a.oid")
    assert roles


def test_dbeaver_schemas_tables_and_columns(conn):
    schemas = rows(conn, "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n "
                         "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND "
                         "d.objsubid=0 AND d.classoid='pg_namespace'::regclass ORDER BY nspname")
    assert set(SCHEMAS) <= {row[2] for row in schemas}  # oid, then n.*: oid, nspname, ...
    tables = conn.execute(
        "SELECT c.oid,c.*,d.description FROM pg_catalog.pg_class c "
        "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 "
        "WHERE c.relnamespace=%s AND c.relkind not in ('i','I','c') ORDER BY c.oid",
        (schema_oid(conn, "shop"),), prepare=True)
    names = [d.name for d in tables.description]
    listed = {(row[names.index("relname")], row[names.index("relkind")]) for row in tables}
    assert listed == {("customers", "r"), ("typed", "r")}
    typed_oid = rows(conn, "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = %s",
                     ("typed",))[0][0]
    columns = conn.execute(
        "SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,"
        "dsc.description FROM pg_catalog.pg_attribute a "
        "INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid) "
        "LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum) "
        "LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid) "
        "WHERE NOT a.attisdropped AND c.oid=%s ORDER BY a.attnum", (typed_oid,), prepare=True)
    names = [d.name for d in columns.description]
    got = [(row[names.index("attname")], row[names.index("atttypid")],
            row[names.index("atttypmod")]) for row in columns]
    assert got[:10] == [("id", 20, -1), ("amount", 1700, (12 << 16 | 2) + 4), ("day", 1082, -1),
                        ("paid", 16, -1), ("ref", 2950, -1), ("score", 701, -1),
                        ("label", 1043, -1), ("seen_at", 1184, -1), ("local_at", 1114, -1),
                        ("small", 23, -1)]
    # Every column type resolves in DBeaver's data type cache.
    types = conn.execute(
        "SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as "
        "base_type_name, d.description FROM pg_catalog.pg_type t "
        "LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem "
        "LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid "
        "LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid "
        "WHERE t.typname IS NOT NULL AND (c.relkind IS NULL OR c.relkind = 'c') "
        "AND (et.typcategory IS NULL OR et.typcategory <> 'C')", prepare=True)
    names = [d.name for d in types.description]
    by_oid = {row[0]: row[names.index("typname")] for row in types}
    assert [by_oid.get(type_oid) for _, type_oid, _ in got[:10]] == [
        "int8", "numeric", "date", "bool", "uuid", "float8", "varchar", "timestamptz",
        "timestamp", "int4"]
    assert by_oid[1007] == "_int4"
    assert rows(conn, "SELECT pg_catalog.format_type(1700, %s), format_type(1184, -1)",
                ((12 << 16 | 2) + 4,)) == [("numeric(12,2)", "timestamp with time zone")]


def test_dbeaver_constraints_indexes_procedures_and_view_source(conn):
    shop = schema_oid(conn, "shop")
    assert rows(conn, "SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace "
                      "FROM pg_catalog.pg_constraint c "
                      "INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid "
                      "LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid "
                      "WHERE t.relnamespace=%s ORDER BY c.oid", (shop,)) == []
    customers = rows(conn, "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = %s AND "
                           "c.relnamespace = %s", ("customers", shop))[0][0]
    assert rows(conn, "SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,"
                      "tc.relname as tabrelname,dsc.description,"
                      "pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr "
                      "FROM pg_catalog.pg_index i "
                      "INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid "
                      "INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid "
                      "LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid "
                      "WHERE i.indrelid=%s ORDER BY c.relname", (customers,)) == []
    assert rows(conn, "SELECT p.oid,p.*,d.description FROM pg_catalog.pg_proc p "
                      "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=p.oid "
                      "WHERE p.pronamespace=%s ORDER BY p.proname", (shop,)) == []
    view = rows(conn, "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = %s",
                ("stg_customers",))[0][0]
    source = rows(conn, "SELECT pg_catalog.pg_get_viewdef(%s, true)", (view,))[0][0]
    assert "upper" in source.lower() and "customers" in source.lower()


# ---- what strata cannot answer -------------------------------------------------------------------

def test_unanswerable_catalog_query_is_logged(conn, server):
    with pytest.raises(psycopg.Error):
        conn.execute("SELECT oprname FROM pg_catalog.pg_operator WHERE oprname = %s", ("=",))
    assert conn.execute("SELECT 1").fetchone() == (1,)
    log = server["log"].read_text()
    assert "catalog query strata cannot answer yet" in log and "pg_operator" in log
