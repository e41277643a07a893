#include "serve/pgwire/compatibility.hpp"

#include <array>
#include <cctype>

#include "serve/pgwire/sql_error.hpp"
#include "serve/pgwire/sql_text.hpp"

namespace strata::serve::pgwire {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Settings PostgreSQL clients set that DuckDB does not have: accepted and ignored.
constexpr std::string_view kIgnoredSettings[] = {
    "application_name",
    "client_encoding",
    "datestyle",
    "extra_float_digits",
    "intervalstyle",
    "standard_conforming_strings",
    "statement_timeout",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
    "idle_session_timeout",
    "client_min_messages",
    "bytea_output",
    "escape_string_warning",
    "jit",
    "synchronous_commit",
    "row_security",
    "default_transaction_isolation",
    "default_transaction_read_only",
    "transaction_isolation",
    "geqo",
    "names",
    "session",  // SET SESSION CHARACTERISTICS AS TRANSACTION ...
};

bool is_ignored_setting(const std::string& name) {
  for (std::string_view ignored : kIgnoredSettings) {
    if (name == ignored) return true;
  }
  return false;
}

// The value of a parameter SHOW can answer from the session, or empty.
std::string shown_value(const std::string& name,
                        const std::map<std::string, std::string>& parameters) {
  for (const auto& [key, value] : parameters) {
    if (lower(key) == name) return value;
  }
  if (name == "server_version_num") {
    // "15.0 (strata)" -> 150000
    const auto version = parameters.find("server_version");
    if (version == parameters.end()) return {};
    const std::string& text = version->second;
    const size_t dot = text.find('.');
    int major = 0;
    int minor = 0;
    try {
      major = std::stoi(text.substr(0, dot));
      if (dot != std::string::npos) minor = std::stoi(text.substr(dot + 1));
    } catch (const std::exception&) {
      return {};
    }
    return std::to_string(major * 10000 + minor);
  }
  static const std::map<std::string, std::string> kFixed = {
      {"transaction_isolation", "read committed"},
      {"default_transaction_isolation", "read committed"},
      {"max_identifier_length", "63"},
      {"statement_timeout", "0"},
      {"extra_float_digits", "1"},
      {"bytea_output", "hex"},
      {"client_min_messages", "notice"},
      {"lc_collate", "C.UTF-8"},
      {"lc_ctype", "C.UTF-8"},
      {"lc_messages", "C.UTF-8"},
      {"block_size", "8192"},
      {"max_connections", "100"},
  };
  const auto fixed = kFixed.find(name);
  return fixed == kFixed.end() ? std::string() : fixed->second;
}

bool is_utc(std::string value) {
  value = lower(value);
  return value == "utc" || value == "gmt" || value == "etc/utc" || value == "z" || value == "+00" ||
         value == "+00:00" || value == "0" || value == "zulu" || value == "universal" ||
         value == "etc/universal";
}

std::string unquote(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"') &&
      text.back() == text.front()) {
    return std::string(text.substr(1, text.size() - 2));
  }
  return std::string(text);
}

// SET statements. Returns false when DuckDB should run the statement as it is.
bool plan_set(std::string_view sql, const std::vector<SqlToken>& tokens, StatementPlan& plan) {
  size_t at = 1;
  auto word = [&](size_t index) {
    return index < tokens.size() ? lower(tokens[index].text(sql)) : std::string();
  };
  if (word(at) == "local" || (word(at) == "session" && word(at + 1) != "characteristics")) ++at;
  std::string name = word(at);
  if (name == "time" && word(at + 1) == "zone") {
    name = "timezone";
    ++at;
  }
  if (name.empty()) return false;
  // Everything after TO/= is the value.
  size_t value_at = at + 1;
  if (value_at < tokens.size() && (word(value_at) == "to" || word(value_at) == "=")) ++value_at;
  std::vector<std::string> values;
  for (size_t i = value_at; i < tokens.size(); ++i) {
    if (tokens[i].text(sql) == ",") continue;
    values.push_back(unquote(tokens[i].text(sql)));
  }
  if (name == "timezone") {
    if (values.size() == 1 &&
        (is_utc(values[0]) || lower(values[0]) == "local" || lower(values[0]) == "default")) {
      plan.local_tag = "SET";
      return true;
    }
    throw SqlError(sqlstate::kFeatureNotSupported,
                   "strata sessions always use the time zone UTC (timestamptz values carry "
                   "their offset)");
  }
  if (name == "search_path") {
    // PostgreSQL's "public" is DuckDB's "main"; "$user" has no equivalent.
    std::string path;
    for (const std::string& value : values) {
      if (value == "$user") continue;
      if (!path.empty()) path += ",";
      path += value == "public" ? "main" : value;
    }
    plan.sql = "SET search_path = " + engine::quote_literal(path.empty() ? "main" : path);
    return true;
  }
  if (name == "transaction" || is_ignored_setting(name)) {
    plan.local_tag = "SET";
    if (name == "application_name" && values.size() == 1) {
      plan.parameter_change = std::make_pair(std::string("application_name"), values[0]);
    }
    return true;
  }
  return false;
}

// SHOW of a parameter strata knows: answered as a one-row SELECT.
bool plan_show(std::string_view sql, const std::vector<SqlToken>& tokens,
               const std::map<std::string, std::string>& parameters, StatementPlan& plan) {
  if (tokens.size() != 2 && !(tokens.size() == 3 && lower(tokens[1].text(sql)) == "time")) {
    return false;
  }
  std::string name = lower(tokens[1].text(sql));
  if (name == "time") name = "timezone";
  const std::string value = shown_value(name, parameters);
  if (value.empty() && name != "application_name") return false;
  plan.sql = "SELECT " + engine::quote_literal(value) + " AS " + engine::quote_identifier(name);
  return true;
}

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
};

// PostgreSQL's object-identifier types, which DuckDB lacks: casts to them become text.
bool is_reg_type(const std::string& name) {
  return name == "regtype" || name == "regclass" || name == "regproc" || name == "regprocedure" ||
         name == "regnamespace" || name == "regrole" || name == "regoper" || name == "regconfig";
}

bool is_shimmed(const std::string& name) {
  for (std::string_view shimmed : kShimmedNames) {
    if (name == shimmed) return true;
  }
  return false;
}

bool is_symbol(std::string_view sql, const SqlToken& token, char symbol) {
  return token.kind == SqlToken::Kind::kSymbol && sql[token.offset] == symbol;
}

// Rewrites what psql and drivers write in catalog queries into what DuckDB understands:
//   OPERATOR(pg_catalog.~)          -> ~
//   COLLATE pg_catalog.default      -> (nothing)
//   [pg_catalog.]pg_get_userbyid(x) -> pg_strata.pg_get_userbyid(x), and so on for the shims
//   pg_catalog.array_to_string(x)   -> array_to_string(x): DuckDB reads "a.f(x)" as a method call
//   x::pg_catalog.regtype           -> x::VARCHAR
std::string rewrite_catalog_references(const std::string& sql,
                                       const std::vector<SqlToken>& tokens) {
  std::string out;
  size_t copied = 0;
  auto replace = [&](size_t start, size_t end, std::string_view with) {
    out.append(sql, copied, start - copied);
    out.append(with);
    copied = end;
  };
  auto word = [&](size_t i) {
    return i < tokens.size() && tokens[i].kind == SqlToken::Kind::kWord ? lower(tokens[i].text(sql))
                                                                        : std::string();
  };
  auto after_cast = [&](size_t i) {
    return i >= 2 && is_symbol(sql, tokens[i - 1], ':') && is_symbol(sql, tokens[i - 2], ':');
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string current = word(i);
    if (current == "operator" && i + 4 < tokens.size() && is_symbol(sql, tokens[i + 1], '(') &&
        word(i + 2) == "pg_catalog" && is_symbol(sql, tokens[i + 3], '.')) {
      size_t close = i + 4;
      while (close < tokens.size() && !is_symbol(sql, tokens[close], ')')) ++close;
      if (close >= tokens.size()) continue;
      const size_t op_start = tokens[i + 4].offset;
      const size_t op_end = tokens[close].offset;
      std::string op(1, ' ');
      op.append(sql, op_start, op_end - op_start).push_back(' ');
      replace(tokens[i].offset, tokens[close].offset + 1, op);
      i = close;
    } else if (current == "collate" && word(i + 1) == "pg_catalog" && i + 3 < tokens.size() &&
               is_symbol(sql, tokens[i + 2], '.')) {
      replace(tokens[i].offset, tokens[i + 3].offset + tokens[i + 3].length, "");
      i += 3;
    } else if (current == "pg_catalog" && i + 2 < tokens.size() &&
               is_symbol(sql, tokens[i + 1], '.') && is_shimmed(word(i + 2))) {
      replace(tokens[i].offset, tokens[i + 1].offset + 1, "pg_strata.");
      i += 1;
    } else if (current == "pg_catalog" && i + 2 < tokens.size() &&
               is_symbol(sql, tokens[i + 1], '.') && !word(i + 2).empty() &&
               ((i + 3 < tokens.size() && is_symbol(sql, tokens[i + 3], '(')) || after_cast(i))) {
      // A function or a type name, unqualified.
      const std::string name = is_reg_type(word(i + 2)) && after_cast(i)
                                   ? "VARCHAR"
                                   : std::string(tokens[i + 2].text(sql));
      replace(tokens[i].offset, tokens[i + 2].offset + tokens[i + 2].length, name);
      i += 2;
    } else if (is_reg_type(current) && after_cast(i)) {
      replace(tokens[i].offset, tokens[i].offset + tokens[i].length, "VARCHAR");
    } else if (is_shimmed(current) && !(i > 0 && is_symbol(sql, tokens[i - 1], '.'))) {
      replace(tokens[i].offset, tokens[i].offset, "pg_strata.");
    }
  }
  if (copied == 0) return sql;
  out.append(sql, copied, std::string::npos);
  return out;
}

}  // namespace

bool is_catalog_query(std::string_view sql) {
  for (const SqlToken& token : tokenize_sql(sql)) {
    if (token.kind != SqlToken::Kind::kWord) continue;
    const std::string word = lower(token.text(sql));
    if (word.starts_with("pg_") || word == "information_schema") return true;
  }
  return false;
}

StatementPlan plan_statement(std::string_view sql,
                             const std::map<std::string, std::string>& parameters) {
  StatementPlan plan;
  plan.keywords = leading_keywords(sql);
  plan.sql = std::string(sql);
  if (plan.keywords.empty()) {
    plan.sql.clear();  // blank or only comments: an empty query
    return plan;
  }
  const std::vector<SqlToken> tokens = tokenize_sql(sql);
  const std::string& first = plan.keywords[0];
  if (first == "SET" && plan_set(sql, tokens, plan)) return plan;
  if ((first == "RESET" || first == "DISCARD") && plan.keywords.size() >= 2) {
    plan.local_tag = first + (first == "DISCARD" ? " " + plan.keywords[1] : "");
    return plan;
  }
  if (first == "SHOW" && plan_show(sql, tokens, parameters, plan)) return plan;
  for (const SqlToken& token : tokens) {
    // Publications never exist here, and psql's query for them is beyond DuckDB's dialect
    // (a set-returning function's alias used as a column): answer with no rows.
    if (token.kind == SqlToken::Kind::kWord && lower(token.text(sql)) == "pg_publication") {
      plan.sql = "SELECT NULL::VARCHAR AS pubname WHERE false";
      return plan;
    }
  }
  plan.sql = rewrite_catalog_references(plan.sql, tokens);
  return plan;
}

void install_compatibility(engine::Connection& connection, const ServerIdentity& identity,
                           const std::vector<CatalogTable>& tables) {
  const std::string database = engine::quote_literal(identity.database_name);
  std::string sql = R"sql(
CREATE SCHEMA IF NOT EXISTS pg_strata;
CREATE OR REPLACE TABLE pg_strata.lake_tables (schema_name VARCHAR, table_name VARCHAR);
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
CREATE OR REPLACE VIEW pg_strata.pg_namespace AS
  SELECT oid, schema_name AS nspname, 10::BIGINT AS nspowner, NULL::VARCHAR[] AS nspacl
  FROM duckdb_schemas()
  WHERE database_name NOT IN ('system', 'temp') AND schema_name <> 'pg_strata';
CREATE OR REPLACE VIEW pg_strata.pg_class AS
  SELECT c.* REPLACE (
           CASE WHEN c.relkind = 'v' AND c.oid IN (
                  SELECT v.view_oid FROM duckdb_views() v
                  JOIN pg_strata.lake_tables t
                    ON t.schema_name = v.schema_name AND t.table_name = v.view_name)
                THEN 'r' ELSE c.relkind END AS relkind,
           NULL::VARCHAR[] AS reloptions),
         false AS relforcerowsecurity
  FROM pg_catalog.pg_class c;
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
    sql += "INSERT INTO pg_strata.lake_tables SELECT " + schema + ", " + name +
           " WHERE NOT EXISTS (SELECT 1 FROM pg_strata.lake_tables WHERE schema_name = " + schema +
           " AND table_name = " + name + ");\n";
  }
  if (!sql.empty()) connection.execute(sql);
}

std::string client_column_name(const std::string& name) {
  if (name.empty()) return "?column?";
  const char first = name.front();
  if (first == '\'' || std::isdigit(static_cast<unsigned char>(first)) || first == '-') {
    return "?column?";  // a literal
  }
  // A function call: [schema.]name(...) or "name"(...).
  if (name.back() != ')') return name;
  const size_t open = name.find('(');
  if (open == std::string::npos || open == 0) return name;
  std::string function = name.substr(0, open);
  const size_t dot = function.rfind('.');
  if (dot != std::string::npos) function = function.substr(dot + 1);
  if (function.size() >= 2 && function.front() == '"' && function.back() == '"') {
    function = function.substr(1, function.size() - 2);
  }
  for (char c : function) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return name;
  }
  if (function == "count_star") return "count";
  return function;
}

}  // namespace strata::serve::pgwire
