#include "engine/duckdb_api.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "core/error.hpp"
#include "engine/duckdb_symbol.hpp"

namespace strata::engine {

namespace {

// Directories baked in by CMake: the pinned library fetched by scripts/setup.sh.
std::string default_library_path() {
  return STRATA_DUCKDB_LIBRARY;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

DuckDbApi load() {
  DuckDbApi api;
  api.library_path = env_or("STRATA_DUCKDB_LIBRARY", default_library_path());
  const std::string hint =
      " (strata needs DuckDB " + std::string(pinned_duckdb_version()) +
      "; run scripts/setup.sh, or point STRATA_DUCKDB_LIBRARY at that version's libduckdb.so)";
  if (!std::filesystem::exists(api.library_path)) {
    throw Error(ErrorKind::kEngine, "DuckDB library not found at " + api.library_path + hint);
  }
  // Never dlclose'd: DuckDB's threads and static state must outlive every other static.
  void* handle = dlopen(api.library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    throw Error(ErrorKind::kEngine,
                "cannot load DuckDB library " + api.library_path + ": " + dlerror() + hint);
  }
#define STRATA_RESOLVE(name)                                                                 \
  api.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));                      \
  if (!api.name) {                                                                           \
    throw Error(ErrorKind::kEngine, api.library_path +                                       \
                                        " has no function " #name ", so it is not DuckDB " + \
                                        pinned_duckdb_version() + hint);                     \
  }
  STRATA_DUCKDB_FUNCTIONS(STRATA_RESOLVE)
#undef STRATA_RESOLVE
  api.version = api.duckdb_library_version();
  const std::string expected = std::string("v") + pinned_duckdb_version();
  if (api.version != expected) {
    throw Error(ErrorKind::kEngine, api.library_path + " is DuckDB " + api.version +
                                        ", but strata was built for " + expected + hint);
  }
  return api;
}

}  // namespace

const char* pinned_duckdb_version() {
  return STRATA_DUCKDB_VERSION;
}

std::string duckdb_extension_directory() {
  return env_or("STRATA_DUCKDB_EXTENSIONS", STRATA_DUCKDB_EXTENSION_DIR);
}

const DuckDbApi& duckdb() {
  // Loaded once; a failure is remembered and re-thrown so every caller gets the same message.
  static std::once_flag once;
  static DuckDbApi api;
  static std::string failure;
  static ErrorKind failure_kind = ErrorKind::kEngine;
  std::call_once(once, [] {
    try {
      api = load();
    } catch (const Error& e) {
      failure = e.message();
      failure_kind = e.kind();
    }
  });
  if (!failure.empty()) throw Error(failure_kind, failure);
  return api;
}

void* duckdb_symbol(const char* name) {
  const DuckDbApi& api = duckdb();  // loads the library first
  // RTLD_NOLOAD: the handle of the library already loaded (no second copy, no reference kept).
  void* handle = dlopen(api.library_path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  void* symbol = handle ? dlsym(handle, name) : nullptr;
  if (handle) dlclose(handle);
  if (!symbol) {
    throw Error(ErrorKind::kEngine, api.library_path + " has no function " + std::string(name) +
                                        ", so it is not DuckDB " + pinned_duckdb_version());
  }
  return symbol;
}

}  // namespace strata::engine
