#include "serve/http/named_queries.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <regex>
#include <set>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace strata::serve::http {

namespace {

[[noreturn]] void bad_value(const QueryParamConfig& param, const nlohmann::json& value) {
  throw Error(ErrorKind::kInput,
              "parameter '" + param.name + "' must be " +
                  (param.type == QueryParamType::kInteger ? "an " : "a ") +
                  query_param_type_name(param.type) + " (got " +
                  value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ")");
}

std::optional<int64_t> parse_integer(const std::string& text) {
  int64_t out = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return out;
}

std::optional<double> parse_number(const std::string& text) {
  double out = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size() || !std::isfinite(out)) {
    return std::nullopt;
  }
  return out;
}

bool matches(const std::string& text, QueryParamType type) {
  static const std::regex kDate(R"(^\d{4}-\d{2}-\d{2}$)");
  static const std::regex kTimestamp(
      R"(^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$)");
  return std::regex_match(text, type == QueryParamType::kDate ? kDate : kTimestamp);
}

}  // namespace

engine::Value convert_parameter(const QueryParamConfig& param, const nlohmann::json& value) {
  const bool text = value.is_string();
  const std::string s = text ? value.get<std::string>() : std::string();
  switch (param.type) {
    case QueryParamType::kInteger:
      if (value.is_number_integer()) return value.get<int64_t>();
      if (text) {
        if (auto parsed = parse_integer(s)) return *parsed;
      }
      bad_value(param, value);
    case QueryParamType::kNumber:
      if (value.is_number()) return value.get<double>();
      if (text) {
        if (auto parsed = parse_number(s)) return *parsed;
      }
      bad_value(param, value);
    case QueryParamType::kBoolean:
      if (value.is_boolean()) return value.get<bool>();
      if (s == "true" || s == "false") return s == "true";
      bad_value(param, value);
    case QueryParamType::kString:
      if (text) return s;
      bad_value(param, value);
    case QueryParamType::kDate:
    case QueryParamType::kTimestamp:
      if (text && matches(s, param.type)) return s;
      bad_value(param, value);
  }
  bad_value(param, value);
}

std::string statement_parameter_name(const engine::PreparedStatement& statement, size_t index) {
  const char* name = engine::duckdb().duckdb_parameter_name(statement.handle(), index);
  if (!name) return {};
  std::string out(name);
  engine::duckdb().duckdb_free(const_cast<char*>(name));
  return out;
}

nlohmann::json default_json(const QueryParamConfig& param) {
  if (!param.default_value) return nullptr;
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else {
          return v;
        }
      },
      convert_parameter(param, *param.default_value));
}

NamedQueries::NamedQueries(std::vector<NamedQueryConfig> queries) : queries_(std::move(queries)) {}

const NamedQueryConfig* NamedQueries::find(const std::string& name) const {
  for (const NamedQueryConfig& query : queries_) {
    if (query.name == name) return &query;
  }
  return nullptr;
}

QueryRequest NamedQueries::request(const NamedQueryConfig& query, const nlohmann::json& values,
                                   ResultFormat format) const {
  QueryRequest request;
  request.sql = query.sql;
  request.format = format;
  request.apply_read_policy = false;  // the project's own SQL
  std::vector<std::string> declared;
  for (const QueryParamConfig& param : query.params) declared.push_back(param.name);
  if (values.is_object()) {
    for (const auto& [name, value] : values.items()) {
      if (std::find(declared.begin(), declared.end(), name) != declared.end()) continue;
      throw Error(ErrorKind::kInput, "unknown parameter '" + name + "' for query " + query.name +
                                         (declared.empty() ? "; it takes none"
                                                           : "; it takes: " + join(declared, ", ") +
                                                                 did_you_mean(name, declared)));
    }
  }
  for (const QueryParamConfig& param : query.params) {
    const bool given =
        values.is_object() && values.contains(param.name) && !values[param.name].is_null();
    if (given) {
      request.named[param.name] = convert_parameter(param, values[param.name]);
    } else if (param.default_value) {
      request.named[param.name] = convert_parameter(param, *param.default_value);
    } else {
      throw Error(ErrorKind::kInput, "missing parameter '" + param.name + "' (" +
                                         query_param_type_name(param.type) + ") for query " +
                                         query.name);
    }
  }
  return request;
}

void NamedQueries::check(engine::Connection& connection) const {
  for (const NamedQueryConfig& query : queries_) {
    std::set<std::string> declared;
    for (const QueryParamConfig& param : query.params) {
      declared.insert(param.name);
      if (!param.default_value) continue;
      try {
        convert_parameter(param, *param.default_value);
      } catch (const Error& e) {
        throw Error(ErrorKind::kConfig, "query " + query.name + ": default value of " + e.message(),
                    query.where);
      }
    }
    std::optional<engine::PreparedStatement> statement;
    try {
      statement.emplace(connection.prepare(query.sql));
    } catch (const Error& e) {
      log::warn("named query does not prepare (yet)",
                {{"query", query.name}, {"error", e.message()}});
      continue;
    }
    for (size_t i = 1; i <= statement->parameter_count(); ++i) {
      const std::string name = statement_parameter_name(*statement, i);
      if (!declared.contains(name)) {
        throw Error(ErrorKind::kConfig,
                    "query " + query.name + " uses parameter $" + name +
                        ", which is not declared under its params (declare it with a type: " +
                        join(query_param_type_names(), ", ") + ")",
                    query.where);
      }
    }
  }
}

}  // namespace strata::serve::http
