// Lake's write path: data files (Parquet with Iceberg field ids and statistics) and commits (a new
// Iceberg version per table, then the catalog's compare-and-swap).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "core/text.hpp"
#include "engine/column_type.hpp"
#include "lake/file_io.hpp"
#include "lake/iceberg_commit.hpp"
#include "lake/iceberg_schema_evolution.hpp"
#include "lake/parquet_metrics.hpp"
#include "lake/table_store.hpp"

namespace strata::lake {

namespace {

using engine::quote_literal;

// How often a commit is built again on top of a concurrent writer's commit before giving up:
// generous, as rebuilding is cheap and appends must not be lost under contention; the attempts
// are spread by a random, growing pause so that busy writers take turns.
constexpr int kCommitAttempts = 60;

void pause_before_attempt(int attempt) {
  const uint64_t ceiling_ms = std::min<uint64_t>(uint64_t{1} << std::min(attempt, 6), 50);
  std::this_thread::sleep_for(std::chrono::milliseconds(ids::random_u64() % (ceiling_ms + 1)));
}

// Data files are split at this size (Iceberg's default target is 512 MB; smaller files let
// copy-on-write changes rewrite less).
constexpr uint64_t kDataFileBytes = 256ull << 20;

// A directory name unique across processes and time: milliseconds since the epoch and random bits.
std::string unique_batch_name() {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%013lld-%016llx", static_cast<long long>(iceberg::now_ms()),
                static_cast<unsigned long long>(ids::random_u64()));
  return buffer;
}

// The hidden columns a partitioned write adds: one per partition field, computing its value.
struct PartitionColumns {
  std::string select_sql;  // ", <expr> AS strata_p1000, ..."
  std::vector<std::string> names;
  std::vector<iceberg::Type> types;
};

PartitionColumns partition_columns(const iceberg::PartitionSpec& spec,
                                   const iceberg::Schema& file_schema, const TableName& table) {
  PartitionColumns out;
  for (const iceberg::PartitionField& field : spec.fields) {
    const iceberg::Field* source = file_schema.find_id(field.source_id);
    if (!source) {
      throw Error(ErrorKind::kInput,
                  "the rows lack the column partition field '" + field.name +
                      "' is computed from; change the partition spec first "
                      "(`strata table partition`)",
                  Location::of(table.str()));
    }
    std::string name = "strata_p";
    name += std::to_string(field.field_id);
    out.select_sql +=
        ", " +
        iceberg::partition_value_sql(field, file_schema, engine::quote_identifier(source->name)) +
        " AS " + name;
    out.names.push_back(std::move(name));
    out.types.push_back(iceberg::partition_result_type(field, file_schema));
  }
  return out;
}

// Runs the COPY writing data files to `directory`; on object storage, an I/O failure becomes a
// storage error naming the directory (DuckDB names only the request).
engine::Result run_copy(engine::Connection& connection, const std::string& sql,
                        const std::string& directory) {
  try {
    return connection.query(sql);
  } catch (const Error& e) {
    const std::string message = e.message();
    if (!is_object_store(directory) || (message.find("IO Error") == std::string::npos &&
                                        message.find("HTTP") == std::string::npos)) {
      throw;
    }
    throw Error(ErrorKind::kStorage, "cannot write data files: " + message, Location(directory));
  }
}

}  // namespace

std::shared_ptr<const iceberg::TableMetadata> Lake::load_metadata(const std::string& location) {
  {
    std::lock_guard lock(metadata_mutex_);
    auto found = metadata_cache_.find(location);
    if (found != metadata_cache_.end()) return found->second;
  }
  auto metadata = std::make_shared<const iceberg::TableMetadata>(
      iceberg::TableMetadata::parse(read_file(location), location));
  remember_metadata(location, metadata);
  return metadata;
}

void Lake::remember_metadata(const std::string& location,
                             std::shared_ptr<const iceberg::TableMetadata> metadata) {
  constexpr size_t kCachedVersions = 64;
  std::lock_guard lock(metadata_mutex_);
  if (metadata_cache_.size() >= kCachedVersions) metadata_cache_.clear();
  metadata_cache_[location] = std::move(metadata);
}

std::optional<iceberg::TableMetadata> Lake::table_metadata(const TableName& name) {
  std::optional<TableInfo> table = store_.find_table(name);
  if (!table || table->metadata_location.empty()) return std::nullopt;
  return *load_metadata(table->metadata_location);
}

WriteResult Lake::write_files(engine::Connection& connection, const TableName& table,
                              const std::string& select_sql, WriteMode mode) {
  return write_files_sized(connection, table, select_sql, mode, kDataFileBytes);
}

WriteResult Lake::write_files_sized(engine::Connection& connection, const TableName& table,
                                    const std::string& select_sql, WriteMode mode,
                                    uint64_t file_bytes) {
  connect_storage(connection);
  const std::optional<TableInfo> info = store_.find_table(table);
  std::shared_ptr<const iceberg::TableMetadata> metadata;
  if (info && !info->metadata_location.empty()) metadata = load_metadata(info->metadata_location);
  std::optional<iceberg::Schema> current;
  if (metadata && metadata->has_schema()) current = metadata->current_schema();
  const iceberg::WritePlan plan = iceberg::plan_write(
      engine::describe_query(connection, select_sql), current ? &*current : nullptr,
      metadata ? metadata->last_column_id() : 0, mode, table.str());
  auto schema = std::make_shared<const iceberg::Schema>(plan.file_schema);

  const std::filesystem::path directory = table_location(table) / "data" / unique_batch_name();
  ensure_directory(directory.parent_path().string());
  const iceberg::PartitionSpec spec =
      metadata ? metadata->default_partition_spec() : iceberg::PartitionSpec{};
  const PartitionColumns partitioning = partition_columns(spec, plan.file_schema, table);
  // One COPY writes the files in parallel, zstd-compressed, with the field ids, and reports each
  // file with its statistics. Unpartitioned, files are split at `file_bytes`; partitioned, one
  // file per partition tuple (DuckDB cannot combine both), from hidden columns it leaves out.
  std::string options = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880, ";
  if (spec.fields.empty()) {
    options += "FILE_SIZE_BYTES " + std::to_string(file_bytes);
  } else {
    options += "PARTITION_BY (" + join(partitioning.names, ", ") + ")";
  }
  const std::string copy_sql = "COPY (SELECT *" + partitioning.select_sql + " FROM (SELECT " +
                               join(plan.select_list, ", ") + " FROM (" + select_sql +
                               "\n) AS strata_rows_) AS strata_typed_) TO " +
                               quote_literal(directory.string()) + " (" + options +
                               ", FILENAME_PATTERN 'part_{i}', RETURN_STATS true, FIELD_IDS " +
                               iceberg::field_ids_sql(plan.file_schema.fields) + ")";
  engine::Result result = run_copy(connection, copy_sql, directory.string());
  WriteResult written;
  while (auto chunk = result.next_chunk()) {
    for (uint64_t row = 0; row < chunk->size(); ++row) {
      DataFile file{std::string(chunk->get_string(0, row)),
                    static_cast<uint64_t>(chunk->get_int64(1, row)),
                    static_cast<uint64_t>(chunk->get_int64(2, row)),
                    schema,
                    {}};
      file.metrics = parquet_metrics(engine::cell_json(*chunk, 4, row), *schema, file.rows);
      file.partition_spec_id = spec.spec_id;
      if (!spec.fields.empty()) {
        const nlohmann::json keys = engine::cell_json(*chunk, 5, row);
        for (size_t i = 0; i < spec.fields.size(); ++i) {
          const nlohmann::json& text = keys.value(partitioning.names[i], nlohmann::json());
          file.partition.push_back(iceberg::partition_value_from_text(
              partitioning.types[i], text.is_string()
                                         ? std::optional<std::string>(text.get<std::string>())
                                         : std::nullopt));
        }
      }
      written.rows += file.rows;
      written.bytes += file.bytes;
      written.files.push_back(std::move(file));
    }
  }
  return written;
}

void Lake::prepare_version(TableChange& change,
                           std::shared_ptr<const iceberg::TableMetadata>& prepared) {
  std::optional<TableInfo> info = store_.find_table(change.table);
  std::shared_ptr<const iceberg::TableMetadata> base;
  std::string base_location;
  if (info && info->kind == TableKind::kTable) {
    base_location = info->metadata_location;
    if (!base_location.empty()) {
      base = load_metadata(base_location);
    } else if (info->current_snapshot != 0 && change.mode == WriteMode::kAppend) {
      throw Error(ErrorKind::kStorage,
                  "the table was written by an earlier strata, without Iceberg metadata: "
                  "overwrite it (e.g. `strata run` for a model) or load it again into a new lake",
                  Location::of(change.table.str()));
    }
  }
  if (change.snapshot_id == 0) change.snapshot_id = ids::positive_id();
  iceberg::VersionRequest request;
  request.table = change.table.str();
  request.location =
      change.location.empty() ? table_location(change.table).string() : change.location;
  request.mode = change.mode;
  request.added = &change.added_files;
  request.snapshot_id = change.snapshot_id;
  request.now_ms = iceberg::now_ms();
  const std::set<std::string> removed(change.removed_files.begin(), change.removed_files.end());
  request.removed = &removed;
  request.operation = change.operation;
  if (change.mode == WriteMode::kOverwrite && !change.read_snapshot) {
    // An overwrite replaces what it saw: on a retry, a concurrent removal is a conflict.
    change.read_snapshot = base ? base->current_snapshot_id().value_or(0) : 0;
  }
  request.read_snapshot = change.read_snapshot;
  const iceberg::NewVersion version =
      iceberg::write_new_version(base.get(), base_location, request);
  change.location = request.location;
  change.sequence_number = version.sequence_number;
  change.metadata_location = version.metadata_location;
  change.expected_metadata_location = base_location;
  prepared = version.metadata;
}

std::vector<int64_t> Lake::commit(const Commit& commit) {
  bool may_retry = true;
  for (const TableChange& change : commit.tables) {
    if (change.expected_snapshot) may_retry = false;  // the caller asked for exactly that base
  }
  Commit attempt = commit;
  std::vector<std::shared_ptr<const iceberg::TableMetadata>> prepared(attempt.tables.size());
  for (int n = 1;; ++n) {
    for (size_t i = 0; i < attempt.tables.size(); ++i) {
      if (attempt.tables[i].kind == TableKind::kTable)
        prepare_version(attempt.tables[i], prepared[i]);
    }
    try {
      std::vector<int64_t> snapshots = store_.commit(attempt);
      for (size_t i = 0; i < attempt.tables.size(); ++i) {
        const TableChange& change = attempt.tables[i];
        if (change.kind != TableKind::kTable) continue;
        iceberg::write_version_hint(change.location, change.metadata_location);
        remember_metadata(change.metadata_location, prepared[i]);
      }
      return snapshots;
    } catch (const Error& e) {
      for (const TableChange& change : attempt.tables) {
        // The version that lost is referenced by nothing.
        if (!change.metadata_location.empty()) remove_file(change.metadata_location);
      }
      if (e.kind() != ErrorKind::kConflict || !may_retry || n >= kCommitAttempts) throw;
      log::debug("another writer committed first; building the commit again",
                 {{"attempt", n + 1}, {"reason", e.what()}});
      pause_before_attempt(n);
    }
  }
}

}  // namespace strata::lake
