#include "ingest/file_source.hpp"

#include <chrono>
#include <filesystem>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "core/text.hpp"
#include "engine/query_monitor.hpp"
#include "ingest/batch.hpp"
#include "ingest/bronze_partitioning.hpp"
#include "ingest/current_state.hpp"
#include "ingest/ndjson_scan.hpp"
#include "ingest/s3_objects.hpp"
#include "ingest/type_alignment.hpp"

namespace strata::ingest {

namespace fs = std::filesystem;
using engine::quote_identifier;
using engine::quote_literal;

namespace {

std::string fingerprint_of(const fs::path& path, uint64_t size) {
  auto mtime = fs::last_write_time(path).time_since_epoch();
  return std::to_string(size) + ":" +
         std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(mtime).count());
}

std::vector<SourceFile> discover(engine::Connection& connection, const fs::path& root,
                                 const SourceConfig& source, const FileTableConfig& table) {
  if (s3::is_s3_path(table.path)) {
    s3::configure(connection, source, table.path);
    std::vector<SourceFile> files;
    try {
      for (s3::Object& object : s3::list(connection, table.path)) {
        files.push_back(
            {std::move(object.path), object.size, std::move(object.fingerprint), FileState::kNew});
      }
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kInterrupted) throw;
      const std::string message = e.message().substr(0, e.message().find("\n\nLINE "));
      throw Error(ErrorKind::kStorage, "cannot list the objects of " + table.path + ": " + message,
                  Location(table.where.file, table.where.line, table.where.column,
                           source.name + "." + table.name));
    }
    return files;
  }
  fs::path pattern = paths::resolve(root, table.path);
  if (fs::is_directory(pattern)) pattern /= "**";
  engine::Result result = connection.query("SELECT file FROM glob(" +
                                           quote_literal(pattern.string()) + ") ORDER BY file");
  std::vector<SourceFile> files;
  while (auto chunk = result.next_chunk()) {
    for (uint64_t row = 0; row < chunk->size(); ++row) {
      fs::path path(std::string(chunk->get_string(0, row)));
      std::error_code ec;
      if (!fs::is_regular_file(path, ec)) continue;
      uint64_t size = fs::file_size(path, ec);
      files.push_back(
          {fs::absolute(path).string(), size, fingerprint_of(path, size), FileState::kNew});
    }
  }
  return files;
}

// Where the source state of a table's files is kept.
std::string state_scope(const SourceConfig& source, const FileTableConfig& table) {
  return "files:" + source.name + "." + table.name;
}

std::string sql_list(const std::vector<SourceFile>& files) {
  std::string list = "[";
  for (size_t i = 0; i < files.size(); ++i) list += (i ? ", " : "") + quote_literal(files[i].path);
  return list + "]";
}

std::string struct_literal(const std::vector<std::pair<std::string, std::string>>& columns) {
  std::string out = "{";
  for (size_t i = 0; i < columns.size(); ++i) {
    out +=
        (i ? ", " : "") + quote_literal(columns[i].first) + ": " + quote_literal(columns[i].second);
  }
  return out + "}";
}

// The lineage columns every bronze row carries.
std::string lineage_columns(const std::string& loaded_at, const std::string& batch_id,
                            const std::string& file_column) {
  return loaded_at + " AS _strata_loaded_at, " + quote_literal(batch_id) +
         " AS _strata_batch_id, " + file_column + " AS _strata_source_file";
}

// Scans a CSV source; rejected lines land in the connection's temporary rejects tables.
struct CsvScan {
  std::string select_sql;
  std::string quarantine_sql;
};

// Lines over this size are rejected; the reader's dialect detection cannot reject them, so a load
// whose first lines are longer is run again with a limit this large.
constexpr uint64_t kWideLineLimit = 64ull << 20;

// A message with the offending text in it can be megabytes long: keep its start.
std::string bounded(const std::string& message) {
  constexpr size_t kMax = 2000;
  if (message.size() <= kMax) return message;
  return message.substr(0, kMax) + "... (" + std::to_string(message.size() - kMax) + " more bytes)";
}

CsvScan csv_scan(const FileTableConfig& table, const std::vector<SourceFile>& files,
                 const std::string& suffix, const std::string& loaded_at,
                 const std::string& batch_id, uint64_t max_line_size) {
  const std::string rejects = "strata_rejects_" + suffix;
  const std::string scans = "strata_scans_" + suffix;
  std::string options = "header = " + std::string(table.header ? "true" : "false") +
                        ", filename = '_strata_file', store_rejects = true, rejects_table = " +
                        quote_literal(rejects) + ", rejects_scan = " + quote_literal(scans);
  if (max_line_size) options += ", max_line_size = " + std::to_string(max_line_size);
  if (!table.delimiter.empty()) options += ", delim = " + quote_literal(table.delimiter);
  if (!table.quote.empty()) options += ", quote = " + quote_literal(table.quote);
  if (!table.null_strings.empty()) {
    std::string list;
    for (const auto& n : table.null_strings) list += (list.empty() ? "" : ", ") + quote_literal(n);
    options += ", nullstr = [" + list + "]";
  }
  if (!table.columns.empty()) options += ", columns = " + struct_literal(table.columns);
  CsvScan scan;
  scan.select_sql = "SELECT * EXCLUDE (_strata_file), " +
                    lineage_columns(loaded_at, batch_id, "_strata_file") + " FROM read_csv(" +
                    sql_list(files) + ", " + options + ")";
  // One row per rejected line (a line can fail in several columns: the first reason is kept).
  scan.quarantine_sql =
      "SELECT " + quote_literal(table.name) +
      " AS table_name, s.file_path AS source_file, "
      "r.line::BIGINT AS line, (r.line_byte_position - 1)::BIGINT AS byte_offset, "
      "arg_min(r.error_type::VARCHAR || ': ' || r.error_message, r.column_idx) AS reason, "
      "any_value(r.csv_line) AS raw, " +
      loaded_at + " AS _strata_loaded_at, " + quote_literal(batch_id) +
      " AS _strata_batch_id FROM " + rejects + " r JOIN " + scans +
      " s USING (scan_id, file_id) GROUP BY ALL";
  return scan;
}

}  // namespace

std::string summarize(const LoadResult& result) {
  std::string line;
  if (result.files_loaded == 0) {
    line = "no new files (" + std::to_string(result.files_skipped) + " already loaded)";
  } else {
    line = std::to_string(result.files_loaded) + " file(s), " + format_bytes(result.bytes) + ", " +
           format_count(result.rows_read()) + " rows read = " + format_count(result.rows_loaded) +
           " loaded + " + format_count(result.rows_quarantined) + " quarantined, " +
           format_seconds(result.seconds);
  }
  if (result.current_rows) {
    line +=
        "; " + current_state_table(result.table).str() + ": " + format_rows(*result.current_rows);
  }
  if (!result.changed_files.empty()) {
    line += "; " + std::to_string(result.changed_files.size()) + " changed file(s) not reloaded";
  }
  return line;
}

std::vector<SourceFile> list_files(const ProjectConfig& project, const SourceConfig& source,
                                   const FileTableConfig& table, lake::Lake& lake,
                                   engine::Connection& connection) {
  const std::string scope = state_scope(source, table);
  std::vector<SourceFile> files = discover(connection, project.root, source, table);
  for (SourceFile& file : files) {
    const std::optional<std::string> seen = lake.store().state(scope, file.path);
    file.state = !seen                       ? FileState::kNew
                 : *seen == file.fingerprint ? FileState::kLoaded
                                             : FileState::kChanged;
  }
  return files;
}

lake::TableName quarantine_table(const std::string& source) {
  return {source, "_quarantine"};
}

LoadResult load_file_table(const ProjectConfig& project, const SourceConfig& source,
                           const FileTableConfig& table, lake::Lake& lake,
                           engine::Connection& connection, const LoadOptions& options,
                           const std::function<void(const LoadProgress&)>& on_progress) {
  const auto started = std::chrono::steady_clock::now();
  LoadResult result;
  result.table = {source.name, table.name};
  const std::string scope = state_scope(source, table);

  std::vector<SourceFile> to_load;
  for (SourceFile& file : list_files(project, source, table, lake, connection)) {
    if (file.state == FileState::kLoaded) {
      ++result.files_skipped;
    } else if (file.state == FileState::kNew || options.reload_changed) {
      to_load.push_back(std::move(file));
    } else {
      result.changed_files.push_back(file.path);
    }
  }
  for (const auto& path : result.changed_files) {
    log::warn("file changed since it was loaded; not reloaded (use --reload-changed)",
              {{"table", result.table.str()}, {"file", path}});
  }
  if (to_load.empty()) return result;
  for (const auto& file : to_load) result.bytes += file.size;

  partition_by_load_day(lake, result.table);
  const Batch batch = start_batch();
  const std::string& suffix = batch.suffix;
  const std::string& loaded_at = batch.loaded_at;
  const std::string& batch_id = batch.id;
  std::string select_sql;
  std::string quarantine_sql;
  switch (table.format) {
    case FileFormat::kCsv: {
      CsvScan scan = csv_scan(table, to_load, suffix, loaded_at, batch_id, 0);
      select_sql = scan.select_sql;
      quarantine_sql = scan.quarantine_sql;
      break;
    }
    case FileFormat::kNdjson: {
      std::vector<std::string> paths;
      for (const SourceFile& file : to_load) paths.push_back(file.path);
      NdjsonPlan plan = plan_ndjson(
          connection, table, paths, lineage_columns(loaded_at, batch_id, "_strata_file"),
          loaded_at + " AS _strata_loaded_at, " + quote_literal(batch_id) + " AS _strata_batch_id",
          suffix);
      select_sql = plan.select_sql;
      quarantine_sql = plan.quarantine_sql;
      break;
    }
    case FileFormat::kJson:
      select_sql = "SELECT * EXCLUDE (_strata_file), " +
                   lineage_columns(loaded_at, batch_id, "_strata_file") + " FROM read_json(" +
                   sql_list(to_load) + ", format = 'array', filename = '_strata_file')";
      break;
    case FileFormat::kParquet:
      select_sql = "SELECT * EXCLUDE (_strata_file), " +
                   lineage_columns(loaded_at, batch_id, "_strata_file") + " FROM read_parquet(" +
                   sql_list(to_load) + ", filename = '_strata_file', union_by_name = true)";
      break;
  }

  lake::WriteResult rows;
  {
    engine::QueryMonitor monitor(connection, [&](const engine::QueryProgress& p) {
      if (on_progress)
        on_progress({result.table.str(), p.percentage, p.rows_processed, result.bytes});
    });
    for (bool wide_lines = false;; wide_lines = true) {
      try {
        rows = lake.write_files(connection, result.table,
                                align_to_table(connection, lake, result.table, select_sql));
        break;
      } catch (const Error& e) {
        if (!wide_lines && table.format == FileFormat::kCsv &&
            e.message().find("Maximum line size") != std::string::npos) {
          for (const char* temp : {"strata_rejects_", "strata_scans_"}) {
            connection.execute("DROP TABLE IF EXISTS " + quote_identifier(temp + suffix));
          }
          CsvScan scan = csv_scan(table, to_load, suffix, loaded_at, batch_id, kWideLineLimit);
          select_sql = scan.select_sql;
          quarantine_sql = scan.quarantine_sql;
          continue;
        }
        throw Error(e.kind(),
                    "loading " + std::to_string(to_load.size()) +
                        " file(s) failed: " + bounded(e.message()),
                    Location(to_load.size() == 1 ? to_load[0].path : table.where.file,
                             to_load.size() == 1 ? 0 : table.where.line, 0, result.table.str()));
      }
    }
  }
  result.rows_loaded = rows.rows;

  lake::Commit commit;
  commit.tables.push_back({result.table, lake::TableKind::kTable, lake::WriteMode::kAppend,
                           lake.table_location(result.table).string(), "", std::nullopt,
                           rows.files});
  if (!quarantine_sql.empty()) {
    // Quarantined rows are few: collect them once, then write them only if there are any.
    const std::string collected = "strata_quarantine_" + suffix;
    connection.execute("CREATE TEMP TABLE " + collected + " AS " + quarantine_sql);
    engine::Value count = connection.query("SELECT count(*) FROM " + collected).scalar();
    if (std::get<int64_t>(count) > 0) {
      const lake::TableName quarantine = quarantine_table(source.name);
      lake::WriteResult bad = lake.write_files(
          connection, quarantine, "SELECT * FROM " + collected + " ORDER BY source_file, line");
      result.rows_quarantined = bad.rows;
      commit.tables.push_back({quarantine, lake::TableKind::kTable, lake::WriteMode::kAppend,
                               lake.table_location(quarantine).string(), "", std::nullopt,
                               bad.files});
    }
  }
  for (const SourceFile& file : to_load)
    commit.state.push_back({scope, file.path, file.fingerprint});
  if (table.current_state) {
    std::vector<std::string> latest_by;
    if (!table.latest_by.empty()) latest_by.push_back(table.latest_by);
    latest_by.push_back("_strata_source_file");
    result.current_rows =
        add_current_state(connection, lake, {result.table, table.primary_key, latest_by, false, {}},
                          rows.files, commit);
  }
  std::vector<int64_t> snapshots = lake.commit(commit);
  result.snapshot = snapshots.front();
  partition_by_load_day(lake, result.table);
  result.files_loaded = to_load.size();
  std::vector<std::string> temporary = ndjson_temporary_tables(suffix);
  for (const char* temp : {"strata_rejects_", "strata_scans_", "strata_quarantine_"}) {
    temporary.push_back(temp + suffix);
  }
  for (const std::string& temp : temporary) {
    connection.execute("DROP TABLE IF EXISTS " + quote_identifier(temp));
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace strata::ingest
