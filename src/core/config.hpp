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
#include "core/pipeline_config.hpp"
#include "core/serve_config.hpp"

namespace strata {

namespace fs = std::filesystem;

enum class FileFormat { kCsv, kNdjson, kJson, kParquet };
std::string file_format_name(FileFormat format);

enum class LoadMode { kFull, kIncremental, kCdc };

// How a table of a database source is read: a table (`schema.name`) or a query, loaded whole each
// time (full) or by a cursor column (incremental: rows whose cursor is above the committed
// high-water mark minus `lookback`).
struct DatabaseTableConfig {
  std::string schema;  // with `table`; default "public" (PostgreSQL), "" = the connected database
  std::string table;   // empty when `query` is used
  std::string query;   // a SELECT run on the source, instead of a table
  LoadMode mode = LoadMode::kFull;
  std::string cursor;                    // incremental: the column that grows with every change
  std::string lookback;                  // incremental: '1 hour' for time cursors, a number else
  std::vector<std::string> primary_key;  // lets a lookback re-read skip rows already loaded
  bool current_state = false;  // also keep `<source>_current.<table>`: the latest row per key
  // incremental: inside a pipeline run, load only the rows whose cursor is in the run's data
  // interval, replacing the ones loaded for it before (`interval_bounded: true`).
  bool interval_bounded = false;
  // cdc (PostgreSQL logical replication, or the MySQL/MariaDB binary log): the slot and
  // publication (PostgreSQL; default strata_<source>_<table>, created on the first load) and the
  // most messages (PostgreSQL) or row changes (MySQL) one commit reads.
  std::string slot;
  std::string publication;
  int64_t batch_changes = 100000;
  // cdc: deleted keys stay in the current-state table flagged `_strata_deleted` (`deletes: soft`)
  // instead of leaving it (`deletes: hard`, the default).
  bool soft_deletes = false;
};

// Where a database source is: a `dsn` (libpq's, or mysql://...), or host, port (default 5432 for
// PostgreSQL, 3306 for MySQL), database, user and password. Values
// may name environment variables as ${NAME}; they are expanded only when a load connects.
struct DatabaseConnectionConfig {
  std::string dsn;
  std::string host = "localhost";
  int64_t port = 5432;
  std::string database;
  std::string user;
  std::string password;
  Location where;
};

// One table of a source. The file settings describe a `files` source's table (a path or glob of
// files of one format); `database` is set instead for the tables of a database source.
struct TableConfig {
  std::string name;
  std::string path;  // as written, relative to the project root
  FileFormat format = FileFormat::kCsv;
  bool header = true;
  std::string delimiter;                  // CSV; empty = sniffed
  std::string quote;                      // CSV; empty = sniffed
  std::vector<std::string> null_strings;  // CSV
  // Declared column types, in order; empty = inferred. For CSV they are the exact columns.
  std::vector<std::pair<std::string, std::string>> columns;
  // Files: keep `<source>_current.<table>` with the latest row per `primary_key` (the largest
  // `latest_by`, then the last file by name).
  std::vector<std::string> primary_key;
  bool current_state = false;
  std::string latest_by;
  std::optional<DatabaseTableConfig> database;
  Location where;
};
using FileTableConfig = TableConfig;  // the name the file loader and its tests know it by

// How a `files` source or the lake reaches `s3://` paths. Every value may name environment
// variables as
// ${NAME}; what is not set here comes from the standard AWS variables (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION or AWS_DEFAULT_REGION, AWS_ENDPOINT_URL).
struct S3Config {
  std::string endpoint;  // host[:port] or http(s)://host[:port]; empty: AWS
  std::string region;
  bool path_style = false;      // bucket in the path instead of the host name (MinIO, moto, ...)
  std::optional<bool> use_ssl;  // default: from the endpoint's scheme, else true
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  Location where;
};

struct SourceConfig {
  std::string name;
  std::string kind;  // "files", "postgres" or "mysql" (also written "mariadb")
  std::vector<TableConfig> tables;
  std::optional<DatabaseConnectionConfig> connection;  // database sources
  S3Config s3;                                         // files sources with s3:// paths
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
  fs::path lake_dir;  // a local directory, or s3://bucket/prefix
  S3Config lake_s3;   // how an s3:// lake is reached
  fs::path catalog_file;
  fs::path models_dir;
  std::map<std::string, std::string> vars;
  std::vector<SourceConfig> sources;
  EngineConfig engine;
  std::vector<PipelineConfig> pipelines;  // core/pipeline_config.hpp
  ServeConfig serve;                      // core/serve_config.hpp
  std::vector<NamedQueryConfig> queries;  // core/serve_config.hpp
  std::vector<AlertConfig> alerts;        // for pipelines without their own `alerts:`

  const SourceConfig* find_source(const std::string& name) const;
};

// Loads `root/strata.yml`; falls back to defaults for a dbt project directory; otherwise throws
// kConfig explaining that the directory is not a strata project.
ProjectConfig load_project(const fs::path& root);

// `text` with every ${NAME} replaced by the environment variable NAME; an unset variable is a
// kConfig error at `where`. `$$` stands for a literal `$`.
std::string expand_environment(const std::string& text, const Location& where);

// Parses configuration text (for tests and `strata init`); `file` is used in error messages.
ProjectConfig parse_project(const std::string& yaml_text, const fs::path& root,
                            const std::string& file);

}  // namespace strata
