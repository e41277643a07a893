#include "serve/http/query_request.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::serve::http {

namespace {

ResultFormat format_of(const Request& request, const nlohmann::json* body) {
  if (body && body->contains("format")) {
    if (!(*body)["format"].is_string()) {
      throw Error(ErrorKind::kInput,
                  "\"format\" must be a string: json, ndjson, csv, parquet or arrow");
    }
    return parse_result_format((*body)["format"].get<std::string>());
  }
  if (auto format = request.query_param("format")) return parse_result_format(*format);
  return ResultFormat::kJson;
}

engine::Value positional_value(const nlohmann::json& value, size_t index) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return std::monostate{};
    case nlohmann::json::value_t::boolean:
      return value.get<bool>();
    case nlohmann::json::value_t::number_integer:
      return value.get<int64_t>();
    case nlohmann::json::value_t::number_unsigned:
      if (value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) break;
      return value.get<int64_t>();
    case nlohmann::json::value_t::number_float:
      return value.get<double>();
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    default:
      break;
  }
  throw Error(ErrorKind::kInput, "params[" + std::to_string(index) +
                                     "] must be null, a boolean, a number or a string (got " +
                                     value.dump() + ")");
}

}  // namespace

QueryRequest sql_query_request(const Request& request) {
  const nlohmann::json body = parse_json_body(request);
  expect_body_fields(body, {"sql", "params", "format"});
  QueryRequest query;
  if (!body.contains("sql") || !body["sql"].is_string() ||
      trim(body["sql"].get<std::string>()).empty()) {
    throw Error(ErrorKind::kInput, "\"sql\" must be a non-empty string");
  }
  query.sql = body["sql"].get<std::string>();
  if (body.contains("params")) {
    if (!body["params"].is_array()) {
      throw Error(ErrorKind::kInput, "\"params\" must be an array of values for $1, $2, ...");
    }
    for (size_t i = 0; i < body["params"].size(); ++i) {
      query.positional.push_back(positional_value(body["params"][i], i));
    }
  }
  query.format = format_of(request, &body);
  query.role = request.role;
  return query;
}

QueryRequest named_query_request(const NamedQueries& named, const NamedQueryConfig& query,
                                 const Request& request) {
  nlohmann::json values = nlohmann::json::object();
  ResultFormat format = ResultFormat::kJson;
  if (request.method == "POST" && !request.body.empty()) {
    const nlohmann::json body = parse_json_body(request);
    expect_body_fields(body, {"params", "format"});
    if (body.contains("params")) {
      if (!body["params"].is_object()) {
        throw Error(ErrorKind::kInput, "\"params\" must be an object of parameter values");
      }
      values = body["params"];
    }
    format = format_of(request, &body);
  } else {
    for (const auto& [key, value] : request.query) {
      if (key == "format") continue;
      // Percent-decoding can give any bytes; JSON bodies are checked by the parser already.
      // The values reach the cache key and messages as JSON, which must be UTF-8.
      try {
        (void)nlohmann::json(key).dump();
        (void)nlohmann::json(value).dump();
      } catch (const nlohmann::json::type_error&) {
        const auto replaced = nlohmann::json::error_handler_t::replace;
        throw Error(ErrorKind::kInput, "query string parameter " +
                                           nlohmann::json(key).dump(-1, ' ', false, replaced) +
                                           " is not valid UTF-8");
      }
      values[key] = value;
    }
    format = format_of(request, nullptr);
  }
  QueryRequest out = named.request(query, values, format);
  out.role = request.role;
  return out;
}

}  // namespace strata::serve::http
