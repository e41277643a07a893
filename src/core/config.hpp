// The project configuration, `strata.yml`, loaded and validated. Every rejected value names its
// file:line:col; unknown keys are errors with the closest valid key. A directory with only a dbt
// `dbt_project.yml` is a project too: strata uses embedded defaults for everything else.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace strata {

namespace fs = std::filesystem;

enum class FileFormat { kCsv, kNdjson, kJson, kParquet };
std::string file_format_name(FileFormat format);

// One table of a `files` source: a path or glob of files of one format.
struct FileTableConfig {
  std::string name;
  std::string path;  // as written, relative to the project root
  FileFormat format = FileFormat::kCsv;
  bool header = true;
  std::string delimiter;                 // CSV; empty = sniffed
  std::string quote;                     // CSV; empty = sniffed
  std::vector<std::string> null_strings;  // CSV
  // Declared column types, in order; empty = inferred. For CSV they are the exact columns.
  std::vector<std::pair<std::string, std::string>> columns;
  Location where;
};

struct SourceConfig {
  std::string name;
  std::string kind;  // "files" (databases and streams come later)
  std::vector<FileTableConfig> tables;
  Location where;
};

struct EngineConfig {
  int64_t threads = 0;       // 0 = all cores
  std::string memory_limit;  // empty = DuckDB's default (80% of RAM)
};

struct ProjectConfig {
  fs::path root;
  fs::path config_file;  // empty when running on embedded defaults
  std::string name;
  fs::path lake_dir;
  fs::path catalog_file;
  fs::path models_dir;
  std::map<std::string, std::string> vars;
  std::vector<SourceConfig> sources;
  EngineConfig engine;

  const SourceConfig* find_source(const std::string& name) const;
};

// Loads `root/strata.yml`; falls back to defaults for a dbt project directory; otherwise throws
// kConfig explaining that the directory is not a strata project.
ProjectConfig load_project(const fs::path& root);

// Parses configuration text (for tests and `strata init`); `file` is used in error messages.
ProjectConfig parse_project(const std::string& yaml_text, const fs::path& root,
                            const std::string& file);

}  // namespace strata
