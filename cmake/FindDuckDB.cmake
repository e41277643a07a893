# FindDuckDB: locates the pinned prebuilt DuckDB that scripts/setup.sh fetched into .deps/.
# Provides DuckDB::headers (the C API header only: strata loads libduckdb.so at run time so that a
# missing or mismatched library is reported clearly instead of failing in the dynamic loader), and
# sets DuckDB_VERSION, DuckDB_LIBRARY and DuckDB_EXTENSION_DIR.
file(READ "${PROJECT_SOURCE_DIR}/DUCKDB_VERSION" DuckDB_VERSION)
string(STRIP "${DuckDB_VERSION}" DuckDB_VERSION)
set(_duckdb_root "${PROJECT_SOURCE_DIR}/.deps/duckdb-${DuckDB_VERSION}")

find_path(DuckDB_INCLUDE_DIR duckdb.h PATHS "${_duckdb_root}/include" NO_DEFAULT_PATH)
find_library(DuckDB_LIBRARY duckdb PATHS "${_duckdb_root}/lib" NO_DEFAULT_PATH)
set(DuckDB_EXTENSION_DIR "${_duckdb_root}/extensions")

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(DuckDB
  REQUIRED_VARS DuckDB_INCLUDE_DIR DuckDB_LIBRARY
  VERSION_VAR DuckDB_VERSION
  FAIL_MESSAGE "DuckDB ${DuckDB_VERSION} not found in ${_duckdb_root}: run scripts/setup.sh")

if(DuckDB_FOUND AND NOT TARGET DuckDB::headers)
  add_library(DuckDB::headers INTERFACE IMPORTED)
  set_target_properties(DuckDB::headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${DuckDB_INCLUDE_DIR}")
endif()
