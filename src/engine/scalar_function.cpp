#include "engine/scalar_function.hpp"

#include <dlfcn.h>

#include <memory>
#include <mutex>

#include "core/error.hpp"

namespace strata::engine {

namespace {

// The C API entry points of scalar functions, resolved from the library duckdb() loaded (kept
// apart from its table, which the whole code base includes).
#define STRATA_SCALAR_FUNCTIONS(X)          \
  X(duckdb_create_scalar_function)          \
  X(duckdb_destroy_scalar_function)         \
  X(duckdb_scalar_function_set_name)        \
  X(duckdb_scalar_function_add_parameter)   \
  X(duckdb_scalar_function_set_return_type) \
  X(duckdb_scalar_function_set_extra_info)  \
  X(duckdb_scalar_function_get_extra_info)  \
  X(duckdb_scalar_function_set_function)    \
  X(duckdb_scalar_function_set_error)       \
  X(duckdb_create_scalar_function_set)      \
  X(duckdb_destroy_scalar_function_set)     \
  X(duckdb_add_scalar_function_to_set)      \
  X(duckdb_register_scalar_function_set)    \
  X(duckdb_vector_ensure_validity_writable) \
  X(duckdb_validity_set_row_invalid)

struct ScalarApi {
#define STRATA_DECLARE_POINTER(name) decltype(&::name) name = nullptr;
  STRATA_SCALAR_FUNCTIONS(STRATA_DECLARE_POINTER)
#undef STRATA_DECLARE_POINTER
};

const ScalarApi& scalar_api() {
  static const ScalarApi api = [] {
    const DuckDbApi& base = duckdb();
    // Already loaded by duckdb(): this only takes another reference to it.
    void* handle = dlopen(base.library_path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (!handle) {
      throw Error(ErrorKind::kEngine,
                  "cannot reach the loaded DuckDB library " + base.library_path + ": " + dlerror());
    }
    ScalarApi resolved;
#define STRATA_RESOLVE(name)                                                                 \
  resolved.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));                 \
  if (!resolved.name) {                                                                      \
    throw Error(ErrorKind::kEngine, base.library_path + " lacks the C API function " #name); \
  }
    STRATA_SCALAR_FUNCTIONS(STRATA_RESOLVE)
#undef STRATA_RESOLVE
    return resolved;
  }();
  return api;
}

enum class Input { kBigint, kBlob, kHugeint };

struct Overload {
  IntegerFunction function;
  Input input;
};

std::string_view string_at(duckdb_string_t* strings, idx_t row) {
  duckdb_string_t* value = &strings[row];
  if (duckdb().duckdb_string_is_inlined(*value)) {
    return {value->value.inlined.inlined, value->value.inlined.length};
  }
  return {value->value.pointer.ptr, value->value.pointer.length};
}

// DuckDB calls this for each chunk; exceptions must not cross into it.
void run(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto& api = duckdb();
  const auto& scalar = scalar_api();
  const auto* overload =
      static_cast<const Overload*>(scalar.duckdb_scalar_function_get_extra_info(info));
  const idx_t rows = api.duckdb_data_chunk_get_size(input);
  duckdb_vector counts = api.duckdb_data_chunk_get_vector(input, 0);
  duckdb_vector values = api.duckdb_data_chunk_get_vector(input, 1);
  const auto* count_data = static_cast<const int32_t*>(api.duckdb_vector_get_data(counts));
  void* value_data = api.duckdb_vector_get_data(values);
  uint64_t* count_valid = api.duckdb_vector_get_validity(counts);
  uint64_t* value_valid = api.duckdb_vector_get_validity(values);
  auto* out = static_cast<int32_t*>(api.duckdb_vector_get_data(output));
  scalar.duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_valid = api.duckdb_vector_get_validity(output);
  try {
    for (idx_t row = 0; row < rows; ++row) {
      if ((count_valid && !api.duckdb_validity_row_is_valid(count_valid, row)) ||
          (value_valid && !api.duckdb_validity_row_is_valid(value_valid, row))) {
        scalar.duckdb_validity_set_row_invalid(out_valid, row);
        continue;
      }
      const int32_t n = count_data[row];
      switch (overload->input) {
        case Input::kBigint:
          out[row] = overload->function.on_bigint(n, static_cast<const int64_t*>(value_data)[row]);
          break;
        case Input::kBlob:
          out[row] = overload->function.on_blob(
              n, string_at(static_cast<duckdb_string_t*>(value_data), row));
          break;
        case Input::kHugeint: {
          const auto& h = static_cast<const duckdb_hugeint*>(value_data)[row];
          const __int128 v =
              (static_cast<__int128>(h.upper) << 64) | static_cast<__int128>(h.lower);
          out[row] = overload->function.on_hugeint(n, v);
          break;
        }
      }
    }
  } catch (const std::exception& e) {
    scalar.duckdb_scalar_function_set_error(info, e.what());
  }
}

// DuckDB hands back the extra info it owns when the function is dropped: adopt it to free it.
void destroy(void* data) {
  std::unique_ptr<Overload> adopted(static_cast<Overload*>(data));
}

}  // namespace

void register_function(Connection& connection, const IntegerFunction& function) {
  const auto& api = scalar_api();
  // Connections of one database may register at once (threads of a run): one at a time, so the
  // second finds the first's function instead of failing to register it again.
  static std::mutex registering;
  std::lock_guard lock(registering);
  Result existing = connection.query(
      "SELECT count(*) FROM duckdb_functions() WHERE function_name = $1", {Value(function.name)});
  const Value count = existing.scalar();
  if (const auto* n = std::get_if<int64_t>(&count); n && *n > 0) return;

  duckdb_scalar_function_set set = api.duckdb_create_scalar_function_set(function.name.c_str());
  const std::pair<Input, DUCKDB_TYPE> inputs[] = {{Input::kBigint, DUCKDB_TYPE_BIGINT},
                                                  {Input::kBlob, DUCKDB_TYPE_BLOB},
                                                  {Input::kHugeint, DUCKDB_TYPE_HUGEINT}};
  for (const auto& [input, type_id] : inputs) {
    duckdb_scalar_function scalar = api.duckdb_create_scalar_function();
    api.duckdb_scalar_function_set_name(scalar, function.name.c_str());
    duckdb_logical_type integer = duckdb().duckdb_create_logical_type(DUCKDB_TYPE_INTEGER);
    duckdb_logical_type value = duckdb().duckdb_create_logical_type(type_id);
    api.duckdb_scalar_function_add_parameter(scalar, integer);
    api.duckdb_scalar_function_add_parameter(scalar, value);
    api.duckdb_scalar_function_set_return_type(scalar, integer);
    duckdb().duckdb_destroy_logical_type(&integer);
    duckdb().duckdb_destroy_logical_type(&value);
    auto overload = std::make_unique<Overload>(Overload{function, input});
    api.duckdb_scalar_function_set_extra_info(scalar, overload.release(), destroy);
    api.duckdb_scalar_function_set_function(scalar, run);
    api.duckdb_add_scalar_function_to_set(set, scalar);
    api.duckdb_destroy_scalar_function(&scalar);
  }
  const duckdb_state state = api.duckdb_register_scalar_function_set(connection.handle(), set);
  api.duckdb_destroy_scalar_function_set(&set);
  if (state != DuckDBSuccess) {
    throw Error(ErrorKind::kEngine, "could not register the SQL function " + function.name);
  }
}

}  // namespace strata::engine
