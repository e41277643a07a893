#include "transform/sql_dialect.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"
#include "transform/sql_dialect_formats.hpp"

namespace strata::transform {
namespace {

using nlohmann::json;

// How one function (or operator) of a dialect becomes DuckDB: a DuckDB expression in which the
// column references _1, _2, ... stand for the call's arguments. `pattern_argument` (1-based)
// names an argument that must be a string literal date pattern, converted by `convert_pattern`.
struct Rule {
  size_t arity;
  std::string duckdb;
  size_t pattern_argument = 0;
  std::string (*convert_pattern)(const std::string&) = nullptr;
};

using Rules = std::map<std::string, Rule>;

const Rules& trino_rules() {
  static const Rules rules = {
      // Trino counts whole units elapsed, as DuckDB's date_sub does (date_diff counts boundaries).
      {"date_diff", {3, "date_sub(_1, _2, _3)"}},
      {"date_add", {3, "_3 + _2 * CAST(concat('1 ', _1) AS INTERVAL)"}},
      {"element_at", {2, "_1[_2]"}},
      {"approx_percentile", {2, "approx_quantile(_1, _2)"}},
      {"from_iso8601_timestamp", {1, "CAST(_1 AS TIMESTAMPTZ)"}},
      {"from_iso8601_date", {1, "CAST(_1 AS DATE)"}},
      // Trino gives NULL past the last part, DuckDB's split_part an empty string.
      {"split_part", {3, "list_extract(string_split(_1, _2), _3)"}},
      {"levenshtein_distance", {2, "levenshtein(_1, _2)"}},
      {"cardinality", {1, "len(_1)"}},
      {"regexp_like", {2, "regexp_matches(_1, _2)"}},
      // filter(array, x -> ...) is DuckDB's too; transform is not.
      {"transform", {2, "list_transform(_1, _2)"}},
  };
  return rules;
}

const Rules& spark_rules() {
  static const Rules rules = {
      {"nvl", {2, "coalesce(_1, _2)"}},
      {"date_format", {2, "strftime(_1, _2)", 2, &java_pattern_to_strftime}},
      {"datediff", {2, "date_diff('day', CAST(_2 AS DATE), CAST(_1 AS DATE))"}},
      // Spark's size(NULL) is -1 (its default, non-ANSI behaviour).
      {"size", {1, "coalesce(len(_1), -1)"}},
      {"collect_list", {1, "list(_1) FILTER (WHERE _1 IS NOT NULL)"}},
      {"to_date", {2, "CAST(strptime(_1, _2) AS DATE)", 2, &java_pattern_to_strftime}},
  };
  return rules;
}

const Rules& postgres_rules() {
  static const Rules rules = {
      // DuckDB parses `a ~ b` and `a !~ b` as regexp_full_match; PostgreSQL's ~ matches anywhere.
      {"regexp_full_match", {2, "regexp_matches(_1, _2)"}},
      {"~*", {2, "regexp_matches(_1, _2, 'i')"}},
      {"!~*", {2, "NOT regexp_matches(_1, _2, 'i')"}},
      {"to_date", {2, "CAST(strptime(_1, _2) AS DATE)", 2, &postgres_pattern_to_strftime}},
  };
  return rules;
}

const Rules& rules_of(SqlDialect dialect) {
  static const Rules none;
  switch (dialect) {
    case SqlDialect::kTrino:
      return trino_rules();
    case SqlDialect::kSpark:
      return spark_rules();
    case SqlDialect::kPostgres:
      return postgres_rules();
    case SqlDialect::kDuckDb:
      break;
  }
  return none;
}

class Translator {
 public:
  Translator(engine::Connection& connection, SqlDialect dialect, std::string what)
      : connection_(connection), rules_(rules_of(dialect)), what_(std::move(what)) {
    what_ += " (dialect " + dialect_name(dialect) + ")";
  }

  std::string translate(const std::string& sql) {
    json tree = serialize(sql, "cannot parse the model's SQL");
    rewrite(tree);
    const engine::Value out =
        connection_
            .query("SELECT json_deserialize_sql(?::VARCHAR::JSON)", {engine::Value(tree.dump())})
            .scalar();
    if (!std::holds_alternative<std::string>(out)) fail("DuckDB returned no SQL");
    return std::get<std::string>(out);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ErrorKind::kInput, what_ + ": " + message);
  }

  json serialize(const std::string& sql, const std::string& context) {
    const engine::Value out =
        connection_.query("SELECT json_serialize_sql(?::VARCHAR)", {engine::Value(sql)}).scalar();
    if (!std::holds_alternative<std::string>(out)) fail(context);
    json tree = json::parse(std::get<std::string>(out));
    if (tree.value("error", false)) {
      fail(context + ": " + tree.value("error_message", std::string("unknown error")) +
           " (only a single SELECT can be translated)");
    }
    if (tree["statements"].size() != 1) fail(context + ": expected exactly one SELECT statement");
    return tree;
  }

  // The parsed expression of a rule's DuckDB text, parsed once per translation.
  const json& template_of(const std::string& duckdb) {
    auto found = templates_.find(duckdb);
    if (found != templates_.end()) return found->second;
    json tree = serialize("SELECT " + duckdb, "internal: bad translation template");
    return templates_.emplace(duckdb, tree["statements"][0]["node"]["select_list"][0])
        .first->second;
  }

  // Depth first, so arguments are translated before the call that receives them.
  void rewrite(json& node) {
    if (node.is_array()) {
      for (json& item : node) rewrite(item);
      return;
    }
    if (!node.is_object()) return;
    for (auto& [key, value] : node.items()) rewrite(value);
    if (node.value("class", "") != "FUNCTION" || !node.value("schema", "").empty()) return;
    const auto rule = rules_.find(to_lower(node.value("function_name", "")));
    if (rule == rules_.end()) return;
    json& arguments = node["children"];
    if (arguments.size() != rule->second.arity) return;  // another overload: leave it to DuckDB
    if (rule->second.pattern_argument != 0) {
      json& pattern = arguments[rule->second.pattern_argument - 1];
      if (pattern.value("class", "") != "CONSTANT" || !pattern["value"]["value"].is_string()) {
        fail(rule->first + "(): the date pattern must be a string literal to be translated");
      }
      pattern["value"]["value"] =
          rule->second.convert_pattern(pattern["value"]["value"].get<std::string>());
    }
    json replacement = template_of(rule->second.duckdb);
    substitute(replacement, arguments);
    replacement["alias"] = node.value("alias", "");
    node = std::move(replacement);
  }

  static void substitute(json& node, const json& arguments) {
    if (node.is_array()) {
      for (json& item : node) substitute(item, arguments);
      return;
    }
    if (!node.is_object()) return;
    if (node.value("class", "") == "COLUMN_REF" && node["column_names"].size() == 1) {
      const std::string name = node["column_names"][0].get<std::string>();
      if (name.size() == 2 && name[0] == '_' && name[1] >= '1' && name[1] <= '9') {
        node = arguments.at(static_cast<size_t>(name[1] - '1'));
        return;
      }
    }
    for (auto& [key, value] : node.items()) substitute(value, arguments);
  }

  engine::Connection& connection_;
  const Rules& rules_;
  std::string what_;
  std::map<std::string, json> templates_;
};

}  // namespace

std::optional<SqlDialect> parse_dialect(std::string_view name) {
  const std::string lower = to_lower(name);
  if (lower == "duckdb") return SqlDialect::kDuckDb;
  if (lower == "trino" || lower == "presto") return SqlDialect::kTrino;
  if (lower == "spark" || lower == "sparksql" || lower == "databricks") return SqlDialect::kSpark;
  if (lower == "postgres" || lower == "postgresql") return SqlDialect::kPostgres;
  return std::nullopt;
}

std::string dialect_name(SqlDialect dialect) {
  switch (dialect) {
    case SqlDialect::kTrino:
      return "trino";
    case SqlDialect::kSpark:
      return "spark";
    case SqlDialect::kPostgres:
      return "postgres";
    case SqlDialect::kDuckDb:
      break;
  }
  return "duckdb";
}

std::string translate_to_duckdb(engine::Connection& connection, const std::string& sql,
                                SqlDialect dialect, const std::string& what) {
  if (dialect == SqlDialect::kDuckDb) return sql;
  try {
    return Translator(connection, dialect, what).translate(sql);
  } catch (const Error& error) {
    if (error.message().starts_with(what)) throw;
    throw Error(ErrorKind::kInput,
                what + " (dialect " + dialect_name(dialect) + "): " + error.message());
  }
}

}  // namespace strata::transform
