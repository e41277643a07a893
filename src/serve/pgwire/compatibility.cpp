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

bool is_symbol(std::string_view sql, const SqlToken& token, char symbol) {
  return token.kind == SqlToken::Kind::kSymbol && sql[token.offset] == symbol;
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
  size_t count = tokens.size();
  while (count > 0 && is_symbol(sql, tokens[count - 1], ';')) --count;  // "show timezone;"
  std::string name = count >= 2 ? lower(tokens[1].text(sql)) : std::string();
  if (count == 4 && name == "transaction" && lower(tokens[2].text(sql)) == "isolation" &&
      lower(tokens[3].text(sql)) == "level") {
    name = "transaction_isolation";  // SHOW TRANSACTION ISOLATION LEVEL
  } else if (count == 3 && name == "time") {
    name = "timezone";  // SHOW TIME ZONE
  } else if (count != 2) {
    return false;
  }
  if (name == "search_path") {
    // DuckDB's empty path searches main, PostgreSQL's "public".
    plan.sql =
        "SELECT CASE WHEN current_setting('search_path') = '' THEN '\"$user\", public' "
        "ELSE current_setting('search_path') END AS search_path";
    return true;
  }
  const std::string value = shown_value(name, parameters);
  if (value.empty() && name != "application_name") return false;
  plan.sql = "SELECT " + engine::quote_literal(value) + " AS " + engine::quote_identifier(name);
  return true;
}

// PostgreSQL's object-identifier types, which DuckDB lacks: casts to them become text.
bool is_reg_type(const std::string& name) {
  return name == "regtype" || name == "regclass" || name == "regproc" || name == "regprocedure" ||
         name == "regnamespace" || name == "regrole" || name == "regoper" || name == "regconfig";
}

// Rewrites what psql and drivers write in catalog queries into what DuckDB understands:
//   OPERATOR(pg_catalog.~)          -> ~
//   COLLATE pg_catalog.default      -> (nothing)
//   [pg_catalog.]pg_get_userbyid(x) -> pg_strata.pg_get_userbyid(x), and so on for the shims
//   pg_catalog.array_to_string(x)   -> array_to_string(x): DuckDB reads "a.f(x)" as a method call
//   x::pg_catalog.regtype           -> x::VARCHAR
//   information_schema.tables       -> pg_strata.information_schema_tables (columns, views too)
//   current_catalog                 -> pg_strata.current_database()
//   json_build_object(...)          -> json_object(...)
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
    } else if (current == "information_schema" && i + 2 < tokens.size() &&
               is_symbol(sql, tokens[i + 1], '.') &&
               (word(i + 2) == "tables" || word(i + 2) == "columns" || word(i + 2) == "views")) {
      replace(tokens[i].offset, tokens[i + 2].offset + tokens[i + 2].length,
              "pg_strata.information_schema_" + word(i + 2));
      i += 2;
    } else if (current == "information_schema" && i + 2 < tokens.size() &&
               is_symbol(sql, tokens[i + 1], '.') && word(i + 2) == "_pg_expandarray") {
      replace(tokens[i].offset, tokens[i + 1].offset + 1, "pg_strata.");
      i += 1;
    } else if (current == "collate" && word(i + 1) == "pg_catalog" && i + 3 < tokens.size() &&
               is_symbol(sql, tokens[i + 2], '.')) {
      replace(tokens[i].offset, tokens[i + 3].offset + tokens[i + 3].length, "");
      i += 3;
    } else if (current == "pg_catalog" && i + 2 < tokens.size() &&
               is_symbol(sql, tokens[i + 1], '.') && is_catalog_shim(word(i + 2))) {
      replace(tokens[i].offset, tokens[i + 1].offset + 1, "pg_strata.");
      i += 1;
    } else if (current == "pg_catalog" && i + 2 < tokens.size() &&
               is_symbol(sql, tokens[i + 1], '.') && !word(i + 2).empty() &&
               ((i + 3 < tokens.size() && is_symbol(sql, tokens[i + 3], '(')) || after_cast(i) ||
                (i > 0 && word(i - 1) == "as"))) {
      // A function or a type name (x::pg_catalog.t, CAST(x AS pg_catalog.t)), unqualified.
      const std::string name =
          is_reg_type(word(i + 2)) ? "VARCHAR" : std::string(tokens[i + 2].text(sql));
      replace(tokens[i].offset, tokens[i + 2].offset + tokens[i + 2].length, name);
      i += 2;
    } else if (is_reg_type(current) && (after_cast(i) || (i > 0 && word(i - 1) == "as"))) {
      // x::regclass, and CAST(x AS regclass)
      replace(tokens[i].offset, tokens[i].offset + tokens[i].length, "VARCHAR");
    } else if (current == "json_build_object" && i + 1 < tokens.size() &&
               is_symbol(sql, tokens[i + 1], '(')) {
      replace(tokens[i].offset, tokens[i].offset + tokens[i].length, "json_object");
    } else if (current == "current_catalog" && !(i > 0 && is_symbol(sql, tokens[i - 1], '.')) &&
               !(i + 1 < tokens.size() && is_symbol(sql, tokens[i + 1], '('))) {
      replace(tokens[i].offset, tokens[i].offset + tokens[i].length,
              "pg_strata.current_database()");
    } else if (is_catalog_shim(current) && !(i > 0 && is_symbol(sql, tokens[i - 1], '.')) &&
               !(i > 0 && word(i - 1) == "as") &&
               !(i + 1 < tokens.size() && is_symbol(sql, tokens[i + 1], '.')) &&
               (current != "format" ||
                (i + 1 < tokens.size() && is_symbol(sql, tokens[i + 1], '(')))) {
      // A bare name, neither an alias (AS version) nor a qualifier (pg_class.oid).
      replace(tokens[i].offset, tokens[i].offset, "pg_strata.");
    }
  }
  if (copied == 0) return sql;
  out.append(sql, copied, std::string::npos);
  return out;
}

// Casts of a name to regclass become a lookup of the relation's oid:
//   'pg_class'::regclass, format('%I.%I', s, t)::pg_catalog.regclass
//     -> pg_strata.to_regclass('pg_class'), pg_strata.to_regclass(format('%I.%I', s, t))
// Casts of other expressions (psql's c.oid::regclass, to print a name) are left to
// rewrite_catalog_references, which makes them text.
std::string rewrite_regclass_casts(const std::string& sql, const std::vector<SqlToken>& tokens) {
  std::string out;
  size_t copied = 0;
  auto word = [&](size_t i) {
    return tokens[i].kind == SqlToken::Kind::kWord ? lower(tokens[i].text(sql)) : std::string();
  };
  for (size_t i = 3; i < tokens.size(); ++i) {
    size_t type_end = i;  // the token that ends the type name
    if (word(i) == "pg_catalog" && i + 2 < tokens.size() && is_symbol(sql, tokens[i + 1], '.')) {
      type_end = i + 2;
    }
    if (word(type_end) != "regclass" || !is_symbol(sql, tokens[i - 1], ':') ||
        !is_symbol(sql, tokens[i - 2], ':')) {
      continue;
    }
    size_t start = i - 3;  // the first token of the cast expression
    if (is_symbol(sql, tokens[start], ')')) {
      int depth = 0;
      for (size_t j = start + 1; j-- > 0;) {
        if (is_symbol(sql, tokens[j], ')')) ++depth;
        if (is_symbol(sql, tokens[j], '(') && --depth == 0) {
          start = j;
          break;
        }
      }
      if (depth != 0 || start == 0 || tokens[start - 1].kind != SqlToken::Kind::kWord) continue;
      start -= 1;                                                            // the function's name
      if (start >= 2 && is_symbol(sql, tokens[start - 1], '.')) start -= 2;  // its schema
    } else if (tokens[start].kind != SqlToken::Kind::kString) {
      continue;
    }
    if (tokens[start].offset < copied) continue;
    const size_t expression_end = tokens[i - 2].offset;
    out.append(sql, copied, tokens[start].offset - copied);
    out.append("pg_strata.to_regclass(")
        .append(sql, tokens[start].offset, expression_end - tokens[start].offset)
        .append(")");
    copied = tokens[type_end].offset + tokens[type_end].length;
    i = type_end;
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
  if (first == "SAVEPOINT" || first == "RELEASE") {
    // Drivers wrap steps in savepoints (psycopg's nested transactions). DuckDB has none; strata
    // sessions only read, so a savepoint has nothing to keep apart: accepted, it does nothing.
    // ROLLBACK TO SAVEPOINT cannot be honoured after an error and fails in DuckDB.
    plan.local_tag = first;
    return plan;
  }
  for (const SqlToken& token : tokens) {
    // Publications never exist here, and psql's query for them is beyond DuckDB's dialect
    // (a set-returning function's alias used as a column): answer with no rows.
    if (token.kind == SqlToken::Kind::kWord && lower(token.text(sql)) == "pg_publication") {
      plan.sql = "SELECT NULL::VARCHAR AS pubname WHERE false";
      return plan;
    }
  }
  const std::string regclass_resolved = rewrite_regclass_casts(plan.sql, tokens);
  if (regclass_resolved != plan.sql) {
    plan.sql = rewrite_catalog_references(regclass_resolved, tokenize_sql(regclass_resolved));
  } else {
    plan.sql = rewrite_catalog_references(plan.sql, tokens);
  }
  return plan;
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
