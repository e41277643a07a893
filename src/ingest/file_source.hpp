// Loading a `files` source table into its bronze table. Only files not loaded before are read
// (tracked by path, size and modification time in the source state); a file that changed since it
// was loaded is reported and reloaded only when asked. Rows that cannot be parsed or typed go to
// the source's quarantine table `<source>._quarantine` with the file, line, reason and raw text.
// The bronze rows, the quarantined rows and the new source state are one atomic commit, so an
// interrupted load that is run again neither loses nor duplicates a row.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "engine/database.hpp"
#include "lake/table_store.hpp"

namespace strata::ingest {

struct LoadOptions {
  bool reload_changed = false;  // reload files whose size or time changed since they were loaded
};

struct LoadProgress {
  std::string table;
  double percentage = -1;
  uint64_t rows_processed = 0;  // as the engine counts them (rows scanned so far)
  uint64_t bytes_total = 0;
};

struct LoadResult {
  lake::TableName table;
  size_t files_loaded = 0;
  size_t files_skipped = 0;                // already loaded, unchanged
  std::vector<std::string> changed_files;  // loaded before, changed since, not reloaded
  uint64_t bytes = 0;
  uint64_t rows_loaded = 0;
  uint64_t rows_quarantined = 0;
  uint64_t rows_read() const { return rows_loaded + rows_quarantined; }
  double seconds = 0;
  int64_t snapshot = 0;                  // 0 when nothing was committed
  std::optional<uint64_t> current_rows;  // rows of the current-state table, when it was updated
};

// One line saying what a load did: "no new files (3 already loaded)" or "2 file(s), 1.2 MB, 10
// rows read = 9 loaded + 1 quarantined, 40 ms", plus the changed files it did not reload.
std::string summarize(const LoadResult& result);

// Whether the source state has seen a file: the one notion of "loaded" that loads and the
// pipeline sensors waiting for new files share.
enum class FileState {
  kNew,      // never loaded
  kChanged,  // loaded, but its size, time (S3: or ETag) changed since
  kLoaded,   // loaded and unchanged
};

struct SourceFile {
  std::string path;  // absolute, or s3://bucket/key
  uint64_t size = 0;
  std::string fingerprint;  // "size:mtime_ns" (S3: "size:mtime_us:etag"): any change is a change
  FileState state = FileState::kNew;
};

// The files of a files source table now (a local glob through `connection`, an s3:// prefix or
// glob through httpfs), in path order, each with its state in the lake's source state.
std::vector<SourceFile> list_files(const ProjectConfig& project, const SourceConfig& source,
                                   const FileTableConfig& table, lake::Lake& lake,
                                   engine::Connection& connection);

// The name of the quarantine table of a source.
lake::TableName quarantine_table(const std::string& source);

LoadResult load_file_table(const ProjectConfig& project, const SourceConfig& source,
                           const FileTableConfig& table, lake::Lake& lake,
                           engine::Connection& connection, const LoadOptions& options,
                           const std::function<void(const LoadProgress&)>& on_progress);

}  // namespace strata::ingest
