#include "serve/pgwire/catalog_views.hpp"

#include "serve/pgwire/pg_types.hpp"

#include "core/error.hpp"

namespace strata::serve::pgwire {

namespace {

// Catalog functions and relations DuckDB lacks or answers differently, provided by pg_strata.
constexpr std::string_view kShimmedNames[] = {
    "pg_get_expr",
    "pg_collation",
    "pg_policy",
    "pg_statistic_ext",
    "pg_publication",
    "pg_publication_rel",
    "pg_publication_namespace",
    "pg_inherits",
    "pg_trigger",
    "pg_rewrite",
    "pg_get_viewdef",
    "pg_get_statisticsobjdef_columns",
    "pg_relation_is_publishable",
    "array_upper",
    "version",
    "current_database",
    "pg_get_userbyid",
    "pg_encoding_to_char",
    "pg_get_function_result",
    "pg_get_function_arguments",
    "pg_table_size",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_roles",
    "pg_user",
    "pg_auth_members",
    "pg_database",
    "pg_class",
    "pg_namespace",
    "pg_attribute",
    "pg_type",
    "pg_tables",
    "pg_views",
    "pg_matviews",
    "format_type",
    "has_table_privilege",
    "has_any_column_privilege",
    "has_schema_privilege",
    "pg_stat_user_tables",
    "pg_settings",
    "pg_get_indexdef",
    "to_regtype",
    "format",
    "pg_index",
    "pg_get_serial_sequence",
    "pg_opclass",
};

// How PostgreSQL's format_type() and information_schema name a type, and its pg_type.typcategory.
struct TypeDisplay {
  uint32_t oid;
  const char* sql_name;
  char category;
};
constexpr TypeDisplay kTypeDisplay[] = {
    {oid::kBool, "boolean", 'B'},
    {oid::kBytea, "bytea", 'U'},
    {oid::kChar, "\"char\"", 'Z'},
    {oid::kName, "name", 'S'},
    {oid::kInt8, "bigint", 'N'},
    {oid::kInt2, "smallint", 'N'},
    {oid::kInt4, "integer", 'N'},
    {oid::kText, "text", 'S'},
    {oid::kOid, "oid", 'N'},
    {oid::kJson, "json", 'U'},
    {oid::kFloat4, "real", 'N'},
    {oid::kFloat8, "double precision", 'N'},
    {oid::kUnknown, "unknown", 'X'},
    {oid::kBpchar, "character", 'S'},
    {oid::kVarchar, "character varying", 'S'},
    {oid::kDate, "date", 'D'},
    {oid::kTime, "time without time zone", 'D'},
    {oid::kTimestamp, "timestamp without time zone", 'D'},
    {oid::kTimestamptz, "timestamp with time zone", 'D'},
    {oid::kInterval, "interval", 'T'},
    {oid::kTimetz, "time with time zone", 'D'},
    {oid::kNumeric, "numeric", 'N'},
    {oid::kUuid, "uuid", 'U'},
    {oid::kJsonb, "jsonb", 'U'},
};

const TypeDisplay* display_of(uint32_t type_oid) {
  for (const TypeDisplay& display : kTypeDisplay) {
    if (display.oid == type_oid) return &display;
  }
  return nullptr;
}

// pg_strata.pg_type: the types strata sends, with PostgreSQL's OIDs, names and lengths.
std::string pg_type_sql() {
  std::string rows;
  for (const uint32_t type : named_types()) {
    const uint32_t element = element_type_of(type);
    const TypeDisplay* display = display_of(element != 0 ? element : type);
    if (!display) continue;
    const std::string name = element != 0 ? "_" + type_name(element) : type_name(type);
    const std::string sql_name =
        element != 0 ? std::string(display->sql_name) + "[]" : display->sql_name;
    const int16_t length = type_length(type);
    if (!rows.empty()) rows += ",\n    ";
    rows += "(" + std::to_string(type) + ", " + engine::quote_literal(name) + ", " +
            std::to_string(length) + ", " +
            engine::quote_literal(std::string(1, element != 0 ? 'A' : display->category)) + ", " +
            std::to_string(element) + ", " +
            std::to_string(element != 0 ? 0 : array_type_of(type)) + ", " +
            engine::quote_literal(element != 0 ? "array_in" : name + "in") + ", " +
            engine::quote_literal(sql_name) + ")";
  }
  return "CREATE OR REPLACE TABLE pg_strata.type_names AS SELECT * FROM (VALUES\n    " + rows +
         ") t(oid, typname, typlen, typcategory, typelem, typarray, typinput, sql_name);\n";
}

// Adds to pg_strata.type_map the DuckDB column types not in it yet, with the PostgreSQL type
// the protocol sends their values as (read from a NULL of that type, as the codecs read it).
void map_column_types(engine::Connection& connection) {
  const auto types = connection
                         .query(
                             "SELECT DISTINCT data_type FROM duckdb_columns() WHERE data_type "
                             "NOT IN (SELECT duckdb_type FROM pg_strata.type_map)")
                         .fetch_all();
  std::string sql;
  for (const auto& row : types) {
    const auto* name = std::get_if<std::string>(&row.at(0));
    if (!name) continue;
    ValueType type;
    try {
      engine::Result probe = connection.query("SELECT NULL::" + *name);
      type = describe_result_column(probe.handle(), 0);
    } catch (const Error&) {
      // A type DuckDB cannot cast to by name is sent as text, as the codecs would.
    }
    sql += "INSERT INTO pg_strata.type_map VALUES (" + engine::quote_literal(*name) + ", " +
           std::to_string(type.pg_oid) + ", " + std::to_string(type.pg_modifier) + ", " +
           std::to_string(type_length(type.pg_oid)) + ");\n";
  }
  if (!sql.empty()) connection.execute(sql);
}

}  // namespace

bool is_catalog_shim(const std::string& name) {
  for (std::string_view shimmed : kShimmedNames) {
    if (name == shimmed) return true;
  }
  return false;
}

void install_compatibility(engine::Connection& connection, const ServerIdentity& identity,
                           const std::vector<CatalogTable>& tables) {
  const std::string database = engine::quote_literal(identity.database_name);
  connection.execute("CREATE SCHEMA IF NOT EXISTS pg_strata;\n" + pg_type_sql());
  std::string sql = R"sql(
CREATE OR REPLACE TABLE pg_strata.lake_table_names (schema_name VARCHAR, table_name VARCHAR);
CREATE OR REPLACE MACRO pg_strata.pg_get_userbyid(role_oid) AS 'strata';
CREATE OR REPLACE MACRO pg_strata.pg_encoding_to_char(encoding) AS 'UTF8';
CREATE OR REPLACE MACRO pg_strata.pg_get_function_result(function_oid) AS NULL::VARCHAR;
CREATE OR REPLACE MACRO pg_strata.pg_get_function_arguments(function_oid) AS NULL::VARCHAR;
CREATE OR REPLACE VIEW pg_strata.pg_roles AS
  SELECT 10::BIGINT AS oid, 'strata' AS rolname, true AS rolsuper, true AS rolinherit,
         true AS rolcreaterole, true AS rolcreatedb, true AS rolcanlogin, -1 AS rolconnlimit,
         NULL::TIMESTAMPTZ AS rolvaliduntil, false AS rolreplication, false AS rolbypassrls,
         '********' AS rolpassword, NULL::VARCHAR[] AS rolconfig;
CREATE OR REPLACE VIEW pg_strata.pg_user AS
  SELECT 'strata' AS usename, 10::BIGINT AS usesysid, true AS usecreatedb, true AS usesuper,
         false AS userepl, false AS usebypassrls, '********' AS passwd,
         NULL::TIMESTAMPTZ AS valuntil, NULL::VARCHAR[] AS useconfig;
CREATE OR REPLACE VIEW pg_strata.pg_auth_members AS
  SELECT NULL::BIGINT AS roleid, NULL::BIGINT AS member, NULL::BIGINT AS grantor,
         false AS admin_option
  WHERE false;
CREATE OR REPLACE MACRO pg_strata.pg_get_expr(expression, relation_oid) AS NULL::VARCHAR,
                                             (expression, relation_oid, pretty) AS NULL::VARCHAR;
CREATE OR REPLACE MACRO pg_strata.pg_table_size(relation_oid) AS NULL::BIGINT;
CREATE OR REPLACE MACRO pg_strata.pg_relation_size(relation_oid) AS NULL::BIGINT;
CREATE OR REPLACE MACRO pg_strata.pg_total_relation_size(relation_oid) AS NULL::BIGINT;
CREATE OR REPLACE VIEW pg_strata.pg_collation AS
  SELECT 0::BIGINT AS oid, 'default' AS collname, 0::BIGINT AS collnamespace,
         10::BIGINT AS collowner, 'd' AS collprovider, true AS collisdeterministic,
         -1 AS collencoding, NULL::VARCHAR AS collcollate, NULL::VARCHAR AS collctype
  WHERE false;
CREATE OR REPLACE MACRO pg_strata.pg_get_viewdef(target_oid) AS
    (SELECT sql FROM duckdb_views() WHERE view_oid = target_oid),
  (target_oid, pretty) AS (SELECT sql FROM duckdb_views() WHERE view_oid = target_oid);
CREATE OR REPLACE MACRO pg_strata.pg_get_statisticsobjdef_columns(statistics_oid) AS NULL::VARCHAR;
CREATE OR REPLACE MACRO pg_strata.pg_relation_is_publishable(relation_oid) AS false;
CREATE OR REPLACE MACRO pg_strata.array_upper(items, dimension) AS len(items);
CREATE OR REPLACE VIEW pg_strata.pg_policy AS
  SELECT 0::BIGINT AS oid, ''::VARCHAR AS polname, 0::BIGINT AS polrelid, ''::VARCHAR AS polcmd,
         true AS polpermissive, []::BIGINT[] AS polroles, NULL::VARCHAR AS polqual,
         NULL::VARCHAR AS polwithcheck
  WHERE false;
CREATE OR REPLACE VIEW pg_strata.pg_statistic_ext AS
  SELECT 0::BIGINT AS oid, 0::BIGINT AS stxrelid, ''::VARCHAR AS stxname,
         0::BIGINT AS stxnamespace, 0::BIGINT AS stxowner, -1 AS stxstattarget,
         []::SMALLINT[] AS stxkeys, []::VARCHAR[] AS stxkind, NULL::VARCHAR AS stxexprs
  WHERE false;
CREATE OR REPLACE VIEW pg_strata.pg_publication AS
  SELECT 0::BIGINT AS oid, ''::VARCHAR AS pubname, 0::BIGINT AS pubowner, false AS puballtables,
         false AS pubinsert, false AS pubupdate, false AS pubdelete, false AS pubtruncate,
         false AS pubviaroot
  WHERE false;
CREATE OR REPLACE VIEW pg_strata.pg_publication_rel AS
  SELECT 0::BIGINT AS oid, 0::BIGINT AS prpubid, 0::BIGINT AS prrelid, NULL::VARCHAR AS prqual,
         []::SMALLINT[] AS prattrs
  WHERE false;
CREATE OR REPLACE VIEW pg_strata.pg_publication_namespace AS
  SELECT 0::BIGINT AS oid, 0::BIGINT AS pnpubid, 0::BIGINT AS pnnspid WHERE false;
CREATE OR REPLACE VIEW pg_strata.pg_inherits AS
  SELECT 0::BIGINT AS inhrelid, 0::BIGINT AS inhparent, 0 AS inhseqno,
         false AS inhdetachpending
  WHERE false;
CREATE OR REPLACE VIEW pg_strata.pg_trigger AS
  SELECT 0::BIGINT AS oid, 0::BIGINT AS tgrelid, 0::BIGINT AS tgparentid, ''::VARCHAR AS tgname,
         0::BIGINT AS tgfoid, 0::SMALLINT AS tgtype, 'O' AS tgenabled, false AS tgisinternal,
         0::BIGINT AS tgconstraint
  WHERE false;
CREATE OR REPLACE VIEW pg_strata.pg_rewrite AS
  SELECT 0::BIGINT AS oid, ''::VARCHAR AS rulename, 0::BIGINT AS ev_class, '1' AS ev_type,
         'O' AS ev_enabled, false AS is_instead, NULL::VARCHAR AS ev_qual,
         NULL::VARCHAR AS ev_action
  WHERE false;
CREATE OR REPLACE TABLE pg_strata.type_map (duckdb_type VARCHAR, type_oid BIGINT,
                                            type_modifier INTEGER, type_length SMALLINT);
-- The relations a session must not see: strata's own, and lake tables its role may not read.
CREATE OR REPLACE MACRO pg_strata.is_hidden(schema_name, relation_name) AS
  lower(schema_name) = 'pg_strata' OR
  coalesce(list_contains(getvariable('pg_strata_hidden')::VARCHAR[],
                         lower(schema_name) || '.' || lower(relation_name)), false);
-- The lake tables (DuckDB views) a session may know of: pg_strata is readable by every role.
CREATE OR REPLACE VIEW pg_strata.lake_tables AS
  SELECT * FROM pg_strata.lake_table_names WHERE NOT pg_strata.is_hidden(schema_name, table_name);
CREATE OR REPLACE VIEW pg_strata.hidden_relations AS
  SELECT view_oid AS oid FROM duckdb_views() WHERE pg_strata.is_hidden(schema_name, view_name)
  UNION ALL
  SELECT table_oid FROM duckdb_tables() WHERE pg_strata.is_hidden(schema_name, table_name);
CREATE OR REPLACE VIEW pg_strata.lake_table_oids AS
  SELECT v.view_oid AS oid FROM duckdb_views() v
  JOIN pg_strata.lake_tables t ON t.schema_name = v.schema_name AND t.table_name = v.view_name;
CREATE OR REPLACE VIEW pg_strata.pg_namespace AS
  SELECT oid, schema_name AS nspname, 10::BIGINT AS nspowner, NULL::VARCHAR[] AS nspacl
  FROM duckdb_schemas()
  WHERE (database_name NOT IN ('system', 'temp') AND schema_name <> 'pg_strata')
     OR (database_name = 'system' AND schema_name IN ('pg_catalog', 'information_schema'));
CREATE OR REPLACE VIEW pg_strata.pg_class AS
  SELECT c.* REPLACE (
           CASE WHEN c.relkind = 'v' AND c.oid IN (SELECT oid FROM pg_strata.lake_table_oids)
                THEN 'r' ELSE c.relkind END AS relkind,
           NULL::VARCHAR[] AS reloptions),
         false AS relforcerowsecurity
  FROM pg_catalog.pg_class c
  WHERE c.oid NOT IN (SELECT oid FROM pg_strata.hidden_relations);
-- Column types as the PostgreSQL protocol sends them (pg_strata.type_map, filled from the codecs).
CREATE OR REPLACE VIEW pg_strata.pg_attribute AS
  SELECT a.* REPLACE (coalesce(m.type_oid, 25) AS atttypid,
                      coalesce(m.type_modifier, -1) AS atttypmod,
                      coalesce(m.type_length, -1) AS attlen)
  FROM pg_catalog.pg_attribute a
  LEFT JOIN duckdb_columns() col ON col.table_oid = a.attrelid AND col.column_index = a.attnum
  LEFT JOIN pg_strata.type_map m ON m.duckdb_type = col.data_type
  WHERE a.attrelid NOT IN (SELECT oid FROM pg_strata.hidden_relations);
CREATE OR REPLACE VIEW pg_strata.pg_tables AS
  SELECT t.schema_name AS schemaname, t.table_name AS tablename, 'strata' AS tableowner,
         NULL::VARCHAR AS tablespace, t.index_count > 0 AS hasindexes, false AS hasrules,
         false AS hastriggers
  FROM duckdb_tables() t
  WHERE NOT t.internal AND NOT pg_strata.is_hidden(t.schema_name, t.table_name)
  UNION ALL
  SELECT v.schema_name, v.view_name, 'strata', NULL, false, false, false
  FROM duckdb_views() v
  WHERE v.view_oid IN (SELECT oid FROM pg_strata.lake_table_oids)
    AND NOT pg_strata.is_hidden(v.schema_name, v.view_name);
CREATE OR REPLACE VIEW pg_strata.pg_views AS
  SELECT v.schema_name AS schemaname, v.view_name AS viewname, 'strata' AS viewowner,
         v.sql AS definition
  FROM duckdb_views() v
  WHERE NOT v.internal AND NOT pg_strata.is_hidden(v.schema_name, v.view_name)
    AND v.view_oid NOT IN (SELECT oid FROM pg_strata.lake_table_oids);
CREATE OR REPLACE VIEW pg_strata.pg_matviews AS
  SELECT ''::VARCHAR AS schemaname, ''::VARCHAR AS matviewname, ''::VARCHAR AS matviewowner,
         NULL::VARCHAR AS tablespace, false AS hasindexes, true AS ispopulated,
         ''::VARCHAR AS definition
  WHERE false;
CREATE OR REPLACE VIEW pg_strata.information_schema_tables AS
  SELECT t.* REPLACE (
           CASE WHEN l.table_name IS NOT NULL THEN 'BASE TABLE' ELSE t.table_type END
             AS table_type)
  FROM information_schema.tables t
  LEFT JOIN pg_strata.lake_tables l ON l.schema_name = t.table_schema AND l.table_name = t.table_name
  WHERE NOT pg_strata.is_hidden(t.table_schema, t.table_name);
CREATE OR REPLACE VIEW pg_strata.information_schema_views AS
  SELECT v.* FROM information_schema.views v
  WHERE NOT pg_strata.is_hidden(v.table_schema, v.table_name)
    AND NOT EXISTS (SELECT 1 FROM pg_strata.lake_tables t
                    WHERE t.schema_name = v.table_schema AND t.table_name = v.table_name);
CREATE OR REPLACE VIEW pg_strata.information_schema_columns AS
  SELECT c.* REPLACE (
           coalesce(CASE WHEN n.typcategory = 'A' THEN 'ARRAY' ELSE n.sql_name END, c.data_type)
             AS data_type,
           coalesce(n.typname, c.udt_name) AS udt_name,
           CASE WHEN n.typname IS NULL THEN c.udt_schema ELSE 'pg_catalog' END AS udt_schema)
  FROM information_schema.columns c
  LEFT JOIN pg_strata.type_map m ON m.duckdb_type = c.data_type
  LEFT JOIN pg_strata.type_names n ON n.oid = m.type_oid
  WHERE NOT pg_strata.is_hidden(c.table_schema, c.table_name);
CREATE OR REPLACE MACRO pg_strata.to_regclass(name) AS (
  SELECT min(c.oid) FROM pg_catalog.pg_class c JOIN duckdb_schemas() s ON s.oid = c.relnamespace
  WHERE c.relname = replace(CASE WHEN contains(name, '.') THEN split_part(name, '.', 2)
                                 ELSE name END, '"', '')
    AND (NOT contains(name, '.') OR s.schema_name = replace(split_part(name, '.', 1), '"', '')));
-- strata's server is read-only: SELECT (and USAGE of schemas) is the only privilege there is;
-- the tables a role may not read are not in the catalog it sees.
CREATE OR REPLACE MACRO pg_strata.has_table_privilege(relation, privilege) AS
    lower(privilege) LIKE '%select%',
  (role_name, relation, privilege) AS lower(privilege) LIKE '%select%';
CREATE OR REPLACE MACRO pg_strata.has_any_column_privilege(relation, privilege) AS
    lower(privilege) LIKE '%select%',
  (role_name, relation, privilege) AS lower(privilege) LIKE '%select%';
CREATE OR REPLACE MACRO pg_strata.has_schema_privilege(schema_name, privilege) AS
    lower(privilege) LIKE '%usage%',
  (role_name, schema_name, privilege) AS lower(privilege) LIKE '%usage%';
CREATE OR REPLACE VIEW pg_strata.pg_stat_user_tables AS
  SELECT c.oid AS relid, n.nspname AS schemaname, c.relname, NULL::BIGINT AS n_live_tup,
         NULL::BIGINT AS n_dead_tup, NULL::TIMESTAMPTZ AS last_analyze
  FROM pg_strata.pg_class c JOIN pg_strata.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema');
-- PostgreSQL's format() for the %s, %I and %L its callers use here (identifiers unquoted).
CREATE OR REPLACE MACRO pg_strata.format(f) AS printf(replace(replace(f, '%I', '%s'), '%L', '%s')),
  (f, a) AS printf(replace(replace(f, '%I', '%s'), '%L', '%s'), a),
  (f, a, b) AS printf(replace(replace(f, '%I', '%s'), '%L', '%s'), a, b),
  (f, a, b, c) AS printf(replace(replace(f, '%I', '%s'), '%L', '%s'), a, b, c);
CREATE OR REPLACE MACRO pg_strata.to_regtype(name) AS (
  SELECT min(oid) FROM pg_strata.type_names WHERE typname = name OR sql_name = name);
CREATE OR REPLACE VIEW pg_strata.pg_index AS
  SELECT *, false AS indnullsnotdistinct FROM pg_catalog.pg_index;
CREATE OR REPLACE MACRO pg_strata.pg_get_serial_sequence(relation, column_name) AS NULL::VARCHAR;
CREATE OR REPLACE VIEW pg_strata.pg_opclass AS
  SELECT 0::BIGINT AS oid, 0::BIGINT AS opcmethod, ''::VARCHAR AS opcname,
         0::BIGINT AS opcnamespace, 10::BIGINT AS opcowner, 0::BIGINT AS opcfamily,
         0::BIGINT AS opcintype, false AS opcdefault, 0::BIGINT AS opckeytype
  WHERE false;
-- Lake tables have no indexes, so there is no index definition to show.
CREATE OR REPLACE MACRO pg_strata.pg_get_indexdef(index_oid) AS NULL::VARCHAR,
  (index_oid, column_number, pretty) AS NULL::VARCHAR;
-- PostgreSQL's (array) -> SETOF (x, n): each element with its 1-based index.
CREATE OR REPLACE MACRO pg_strata._pg_expandarray(items) AS
  unnest(list_transform(range(1, len(items) + 1), i -> {'x': items[i], 'n': i}));
CREATE OR REPLACE VIEW pg_strata.pg_settings AS
  SELECT name, setting, short_desc, vartype FROM pg_catalog.pg_settings
  UNION ALL
  SELECT * FROM (VALUES ('max_index_keys', '32', 'Maximum number of index keys', 'integer'),
                        ('max_identifier_length', '63', 'Maximum identifier length', 'integer'),
                        ('default_transaction_isolation', 'read committed',
                         'Transaction isolation level of each new transaction', 'enum'),
                        ('server_version_num', '150000', 'Server version as an integer',
                         'integer'))
    t(name, setting, short_desc, vartype)
  WHERE t.name NOT IN (SELECT name FROM pg_catalog.pg_settings);
CREATE OR REPLACE VIEW pg_strata.pg_type AS
  SELECT t.oid::BIGINT AS oid, t.typname::VARCHAR AS typname,
         (SELECT oid FROM duckdb_schemas()
          WHERE database_name = 'system' AND schema_name = 'pg_catalog') AS typnamespace,
         10::BIGINT AS typowner, t.typlen::SMALLINT AS typlen, t.typlen > 0 AS typbyval,
         'b' AS typtype, t.typcategory::VARCHAR AS typcategory, false AS typispreferred,
         true AS typisdefined, ',' AS typdelim, 0::BIGINT AS typrelid, 0::BIGINT AS typsubscript,
         t.typelem::BIGINT AS typelem, t.typarray::BIGINT AS typarray,
         t.typinput::VARCHAR AS typinput, replace(t.typinput, '_in', '_out') AS typoutput,
         NULL::VARCHAR AS typreceive, NULL::VARCHAR AS typsend, NULL::VARCHAR AS typmodin,
         NULL::VARCHAR AS typmodout, NULL::VARCHAR AS typanalyze, 'i' AS typalign,
         'p' AS typstorage, false AS typnotnull, 0::BIGINT AS typbasetype, -1 AS typtypmod,
         0 AS typndims, 0::BIGINT AS typcollation, NULL::VARCHAR AS typdefaultbin,
         NULL::VARCHAR AS typdefault, NULL::VARCHAR[] AS typacl
  FROM pg_strata.type_names t;
CREATE OR REPLACE MACRO pg_strata.format_type(type_oid, modifier) AS (
  SELECT CASE
           WHEN t.oid = 1700 AND modifier >= 4
             THEN 'numeric(' || ((modifier - 4) >> 16) || ',' || ((modifier - 4) & 65535) || ')'
           WHEN t.oid IN (1042, 1043) AND modifier >= 4
             THEN t.sql_name || '(' || (modifier - 4) || ')'
           ELSE t.sql_name
         END
  FROM pg_strata.type_names t WHERE t.oid = type_oid);
)sql";
  sql += "CREATE OR REPLACE MACRO pg_strata.version() AS " +
         engine::quote_literal(identity.version_text) + ";\n";
  sql += "CREATE OR REPLACE MACRO pg_strata.current_database() AS " + database + ";\n";
  sql += "CREATE OR REPLACE VIEW pg_strata.pg_database AS SELECT 1::BIGINT AS oid, " + database +
         " AS datname, 10::BIGINT AS datdba, 6 AS encoding, 'C.UTF-8' AS datcollate, "
         "'C.UTF-8' AS datctype, NULL::VARCHAR AS daticulocale, 'c' AS datlocprovider, "
         "NULL::VARCHAR[] AS datacl, false AS datistemplate, true AS datallowconn, "
         "-1 AS datconnlimit, 0::BIGINT AS dattablespace;\n";
  connection.execute(sql);
  add_catalog_tables(connection, tables);
}

void add_catalog_tables(engine::Connection& connection, const std::vector<CatalogTable>& tables) {
  std::string sql;
  for (const CatalogTable& table : tables) {
    const std::string schema = engine::quote_literal(table.schema);
    const std::string name = engine::quote_literal(table.name);
    sql += "INSERT INTO pg_strata.lake_table_names SELECT " + schema + ", " + name +
           " WHERE NOT EXISTS (SELECT 1 FROM pg_strata.lake_table_names WHERE schema_name = " +
           schema + " AND table_name = " + name + ");\n";
  }
  if (!sql.empty()) connection.execute(sql);
  map_column_types(connection);
}

void set_hidden_relations(engine::Connection& connection,
                          const std::optional<std::vector<std::string>>& hidden) {
  if (!hidden) {
    connection.execute("RESET VARIABLE pg_strata_hidden");
    return;
  }
  std::string list = "[";
  for (const std::string& name : *hidden) {
    if (list.size() > 1) list += ", ";
    list += engine::quote_literal(name);
  }
  connection.execute("SET VARIABLE pg_strata_hidden = " + list + "]::VARCHAR[]");
}

}  // namespace strata::serve::pgwire
