// A DuckDB C API function that is not in the STRATA_DUCKDB_FUNCTIONS table of duckdb_api.hpp,
// looked up by name in the library duckdb() loaded. For functions one module alone calls (the
// Arrow conversion of the HTTP API's Arrow output): they stay out of the table that most of
// strata includes. Throws Error(kEngine) when the library has no such function.
#pragma once

namespace strata::engine {

void* duckdb_symbol(const char* name);

// The function `name` with the type it has in duckdb.h: duckdb_function<&::duckdb_x>("duckdb_x").
template <auto Declared>
auto duckdb_function(const char* name) {
  return reinterpret_cast<decltype(Declared)>(duckdb_symbol(name));
}

}  // namespace strata::engine
