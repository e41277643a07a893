// DuckDB's parse tree of a statement, as JSON (json_serialize_sql), for the layers that reason
// about a query before running it: the lake's file pruning and the HTTP API's result cache and
// read policy. Parsing runs nothing; only SELECT statements serialize.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "engine/database.hpp"

namespace strata::engine {

struct SqlTree {
  bool ok = false;         // parsed without error
  nlohmann::json tree;     // the whole document ({"error": false, "statements": [...]})
  size_t statements = 0;   // how many statements it holds
  std::string error_type;  // when not ok: "parser", "not implemented", ...
  std::string error_message;
};

// Parses `sql` with DuckDB's json_serialize_sql on `connection`.
SqlTree serialize_sql(Connection& connection, const std::string& sql);

// A string member of a parse-tree node, or "" (members such as "type" are objects in places).
std::string json_text(const nlohmann::json& node, const char* key);

}  // namespace strata::engine
