// Where a project keeps things. Everything strata writes by default lives under the project's
// `.strata/` folder (catalog, lake, run history), so a project directory is self-contained and
// deleting `.strata/` resets it.
#pragma once

#include <filesystem>
#include <string>

namespace strata::paths {

namespace fs = std::filesystem;

// The project directory given on the command line (default: the current directory), made absolute.
fs::path project_root(const std::string& option);

inline fs::path state_dir(const fs::path& root) {
  return root / ".strata";
}
inline fs::path default_lake_dir(const fs::path& root) {
  return state_dir(root) / "lake";
}
inline fs::path default_catalog_file(const fs::path& root) {
  return state_dir(root) / "catalog.db";
}

// `path` made absolute against `base` when relative.
fs::path resolve(const fs::path& base, const std::string& path);

// Creates a directory and its parents; throws kStorage naming the path on failure.
void ensure_directory(const fs::path& dir);

// Writes `content` to `path` atomically (temporary file + rename), creating parent directories.
void write_file_atomically(const fs::path& path, const std::string& content);

std::string read_file(const fs::path& path);

}  // namespace strata::paths
