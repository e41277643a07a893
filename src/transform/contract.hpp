// Model contracts (`contract: {enforced: true}`): before a model is built, the columns its query
// returns must be exactly the columns its properties declare, each of the declared `data_type`
// (compared as DuckDB types, so `int`, `integer` and `int4` are the same). A mismatch fails the
// model with every difference listed, and nothing is written.
#pragma once

#include <string>

#include "engine/database.hpp"
#include "transform/project.hpp"

namespace strata::transform {

bool contract_enforced(const Model& model);

// Throws Error(kInput) listing missing, extra and mistyped columns.
void check_contract(engine::Connection& connection, const Model& model,
                    const std::string& select_sql);

// A type name in DuckDB's spelling ("int4" -> "INTEGER", "text" -> "VARCHAR").
std::string canonical_type(const std::string& type);

}  // namespace strata::transform
