// Scalar SQL functions implemented in C++ and registered with DuckDB through its C API, for
// computations DuckDB has no built-in for (the lake's Iceberg bucket hash). A function here takes
// an INTEGER parameter and one value (BIGINT, BLOB or HUGEINT, one overload each) and returns an
// INTEGER; NULL values give NULL. Registered functions live in the database's catalog, so every
// connection of the database sees them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/database.hpp"

namespace strata::engine {

struct IntegerFunction {
  std::string name;
  std::function<int32_t(int32_t, int64_t)> on_bigint;
  std::function<int32_t(int32_t, std::string_view)> on_blob;
  std::function<int32_t(int32_t, __int128)> on_hugeint;
};

// Registers `function` in the database of `connection` unless a function of that name exists.
void register_function(Connection& connection, const IntegerFunction& function);

}  // namespace strata::engine
