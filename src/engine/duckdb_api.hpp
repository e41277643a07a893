// The DuckDB C API, loaded at run time. strata does not link libduckdb.so: it opens it with dlopen
// so that a missing library or one of another version than the pinned one is reported in plain
// words (where it looked, what it found, what it expected) instead of failing inside the dynamic
// loader. `duckdb()` returns the table of entry points, loading and checking the library on first
// use.
#pragma once

#include <duckdb.h>

#include <string>

namespace strata::engine {

// Every C API function strata calls. One list, used to declare the table and to resolve it.
// clang-format off
#define STRATA_DUCKDB_FUNCTIONS(X) \
  X(duckdb_library_version) \
  X(duckdb_create_config) \
  X(duckdb_set_config) \
  X(duckdb_destroy_config) \
  X(duckdb_open_ext) \
  X(duckdb_close) \
  X(duckdb_connect) \
  X(duckdb_disconnect) \
  X(duckdb_interrupt) \
  X(duckdb_query_progress) \
  X(duckdb_free) \
  X(duckdb_query) \
  X(duckdb_destroy_result) \
  X(duckdb_result_error) \
  X(duckdb_column_count) \
  X(duckdb_column_name) \
  X(duckdb_column_type) \
  X(duckdb_column_logical_type) \
  X(duckdb_rows_changed) \
  X(duckdb_result_statement_type) \
  X(duckdb_prepare) \
  X(duckdb_destroy_prepare) \
  X(duckdb_prepare_error) \
  X(duckdb_nparams) \
  X(duckdb_parameter_name) \
  X(duckdb_clear_bindings) \
  X(duckdb_bind_varchar_length) \
  X(duckdb_bind_int64) \
  X(duckdb_bind_double) \
  X(duckdb_bind_boolean) \
  X(duckdb_bind_null) \
  X(duckdb_execute_prepared_streaming) \
  X(duckdb_fetch_chunk) \
  X(duckdb_destroy_data_chunk) \
  X(duckdb_data_chunk_get_size) \
  X(duckdb_data_chunk_get_vector) \
  X(duckdb_vector_get_data) \
  X(duckdb_vector_get_validity) \
  X(duckdb_validity_row_is_valid) \
  X(duckdb_string_is_inlined) \
  X(duckdb_get_type_id) \
  X(duckdb_destroy_logical_type) \
  X(duckdb_decimal_scale) \
  X(duckdb_decimal_width) \
  X(duckdb_decimal_internal_type) \
  X(duckdb_list_type_child_type) \
  X(duckdb_array_type_child_type) \
  X(duckdb_map_type_key_type) \
  X(duckdb_map_type_value_type) \
  X(duckdb_struct_type_child_count) \
  X(duckdb_struct_type_child_name) \
  X(duckdb_struct_type_child_type) \
  X(duckdb_vector_get_column_type) \
  X(duckdb_list_vector_get_child) \
  X(duckdb_struct_vector_get_child) \
  X(duckdb_prepared_statement_column_count) \
  X(duckdb_prepared_statement_column_name) \
  X(duckdb_prepared_statement_column_logical_type) \
  X(duckdb_appender_create_ext) \
  X(duckdb_appender_error) \
  X(duckdb_appender_flush) \
  X(duckdb_appender_close) \
  X(duckdb_appender_destroy) \
  X(duckdb_appender_end_row) \
  X(duckdb_append_varchar_length) \
  X(duckdb_append_int64) \
  X(duckdb_append_double) \
  X(duckdb_append_bool) \
  X(duckdb_append_null) \
  X(duckdb_param_logical_type) \
  X(duckdb_prepared_statement_type) \
  X(duckdb_bind_value) \
  X(duckdb_destroy_value) \
  X(duckdb_create_varchar_length) \
  X(duckdb_create_bool) \
  X(duckdb_create_int16) \
  X(duckdb_create_int32) \
  X(duckdb_create_int64) \
  X(duckdb_create_float) \
  X(duckdb_create_double) \
  X(duckdb_create_blob) \
  X(duckdb_create_date) \
  X(duckdb_create_time) \
  X(duckdb_create_timestamp) \
  X(duckdb_create_timestamp_tz) \
  X(duckdb_create_interval) \
  X(duckdb_create_uuid) \
  X(duckdb_create_decimal) \
  X(duckdb_create_null_value) \
  X(duckdb_create_list_value) \
  X(duckdb_create_logical_type) \
  X(duckdb_get_value_type) \
  X(duckdb_logical_type_get_alias) \
  X(duckdb_enum_internal_type) \
  X(duckdb_enum_dictionary_size) \
  X(duckdb_enum_dictionary_value) \
  X(duckdb_array_type_array_size) \
  X(duckdb_array_vector_get_child) \
  X(duckdb_from_time_tz)
// clang-format on

struct DuckDbApi {
#define STRATA_DECLARE_POINTER(name) decltype(&::name) name = nullptr;
  STRATA_DUCKDB_FUNCTIONS(STRATA_DECLARE_POINTER)
#undef STRATA_DECLARE_POINTER
  std::string library_path;
  std::string version;  // as the library reports it, e.g. "v1.4.4"
};

// Loads the library on first call (thread-safe) and returns its entry points. Throws
// strata::Error(kEngine) when it is missing, incomplete or not the pinned version.
const DuckDbApi& duckdb();

// The pinned version strata was built against, e.g. "1.4.4".
const char* pinned_duckdb_version();

// Where the DuckDB extensions of the pinned version are installed (DuckDB's extension_directory).
std::string duckdb_extension_directory();

}  // namespace strata::engine
