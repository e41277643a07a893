// Lake's table maintenance: rollback to an earlier snapshot, snapshot expiry (and the files only
// expired snapshots needed), and orphan file cleanup. Rollback and expiry are metadata-only
// commits: a new metadata version swapped in by the catalog, with no new snapshot.
#include <chrono>
#include <filesystem>
#include <set>
#include <system_error>

#include "core/error.hpp"
#include "core/log.hpp"
#include "lake/file_io.hpp"
#include "lake/iceberg_commit.hpp"
#include "lake/iceberg_scan.hpp"
#include "lake/table_store.hpp"

namespace strata::lake {

namespace {

namespace fs = std::filesystem;

size_t remove_all(const std::set<std::string>& paths) {
  size_t removed = 0;
  for (const std::string& path : paths) {
    if (remove_file(path)) ++removed;
  }
  return removed;
}

// Files of a table's directory that strata writes and may therefore remove.
bool is_table_file(const std::string& location) {
  const std::string name = fs::path(location).filename().string();
  return name.ends_with(".parquet") || name.ends_with(".avro") ||
         name.ends_with(".metadata.json") || name.ends_with(".tmp");
}

// Local directories under `data/` left empty (deepest first; an object store has none).
void remove_empty_batch_directories(const std::string& root, int64_t cutoff_ms) {
  std::error_code ec;
  std::vector<fs::path> directories;
  for (auto it = fs::recursive_directory_iterator(fs::path(root) / "data", ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec)) directories.push_back(it->path());
  }
  for (auto it = directories.rbegin(); it != directories.rend(); ++it) {
    if (!fs::is_empty(*it, ec) || ec) continue;
    const auto modified = std::chrono::file_clock::to_sys(fs::last_write_time(*it, ec));
    if (!ec && std::chrono::duration_cast<std::chrono::milliseconds>(modified.time_since_epoch())
                       .count() <= cutoff_ms) {
      fs::remove(*it, ec);
    }
  }
}

}  // namespace

void Lake::commit_metadata(const TableState& state, iceberg::TableMetadata next,
                           int64_t current_snapshot, const std::vector<int64_t>& expired,
                           const std::vector<std::string>& forgotten_files) {
  const int64_t now = iceberg::now_ms();
  next.log_previous_file(state.info.metadata_location, state.metadata->last_updated_ms());
  next.set_last_updated_ms(now);
  const std::string location = iceberg::metadata_file_location(
      next.location(), iceberg::metadata_version(state.info.metadata_location) + 1);
  write_file(location, next.dump());
  Commit commit;
  TableChange change{.table = state.info.name};
  change.metadata_only = true;
  change.snapshot_id = current_snapshot;
  change.metadata_location = location;
  change.expected_metadata_location = state.info.metadata_location;
  change.expired_snapshots = expired;
  change.removed_files = forgotten_files;
  commit.tables.push_back(std::move(change));
  try {
    store_.commit(commit);
  } catch (...) {
    remove_file(location);
    throw;
  }
  iceberg::write_version_hint(next.location(), location);
  remember_metadata(location, std::make_shared<const iceberg::TableMetadata>(std::move(next)));
}

int Lake::set_partition_spec(const TableName& table, const std::string& fields) {
  const TableState state = load_table(table);
  if (!state.metadata->has_schema()) {
    throw Error(ErrorKind::kInput, "the table has no columns yet: write rows first",
                Location::of(table.str()));
  }
  iceberg::TableMetadata next = *state.metadata;
  const int spec_id = next.set_default_partition_spec(iceberg::parse_partition_fields(
      fields, next.current_schema(), next.last_partition_id(), table.str()));
  if (spec_id == state.metadata->default_partition_spec().spec_id) return spec_id;
  commit_metadata(state, std::move(next), state.metadata->current_snapshot_id().value_or(0), {},
                  {});
  return spec_id;
}

void Lake::rollback(const TableName& table, int64_t snapshot_id) {
  const TableState state = load_table(table);
  if (!state.metadata->snapshot(snapshot_id)) {
    throw Error(ErrorKind::kInput,
                "the table has no snapshot " + std::to_string(snapshot_id) +
                    " (expired or never existed; see `strata table snapshots " + table.str() + "`)",
                Location::of(table.str()));
  }
  if (state.metadata->current_snapshot_id() == snapshot_id) return;
  iceberg::TableMetadata next = *state.metadata;
  next.set_current_snapshot(snapshot_id, iceberg::now_ms());
  // No retry: a commit that landed meanwhile is one the caller has not seen, and would be undone.
  commit_metadata(state, std::move(next), snapshot_id, {}, {});
}

ExpireResult Lake::expire_snapshots(const TableName& table, const ExpireOptions& options) {
  if (!options.older_than_ms && !options.retain_last) {
    throw Error(ErrorKind::kUsage,
                "say which snapshots to expire: older than a time, or all but "
                "the last N");
  }
  const TableState state = load_table(table);
  const iceberg::TableMetadata& metadata = *state.metadata;
  const std::optional<int64_t> current = metadata.current_snapshot_id();
  std::set<int64_t> keep;
  if (current) keep.insert(*current);
  const nlohmann::json refs = metadata.document().value("refs", nlohmann::json::object());
  for (const auto& [name, ref] : refs.items()) {
    keep.insert(ref.value("snapshot-id", int64_t{0}));
  }
  if (options.retain_last) {
    const std::vector<iceberg::Snapshot> ancestry = metadata.ancestry();
    for (size_t i = 0; i < ancestry.size() && i < *options.retain_last; ++i) {
      keep.insert(ancestry[i].snapshot_id);
    }
  }
  std::set<int64_t> expired;
  iceberg::SnapshotFiles retained;
  iceberg::SnapshotFiles dropped;
  int64_t oldest_kept = INT64_MAX;
  for (const iceberg::Snapshot& snapshot : metadata.snapshots()) {
    const bool old = !options.older_than_ms || snapshot.timestamp_ms < *options.older_than_ms;
    if (keep.contains(snapshot.snapshot_id) || !old) {
      oldest_kept = std::min(oldest_kept, snapshot.timestamp_ms);
      iceberg::collect_snapshot_files(snapshot, retained, false);
    } else {
      expired.insert(snapshot.snapshot_id);
      iceberg::collect_snapshot_files(snapshot, dropped, true);
    }
  }
  ExpireResult result;
  if (expired.empty()) return result;
  for (const std::string& path : retained.data) dropped.data.erase(path);
  for (const std::string& path : retained.metadata) dropped.metadata.erase(path);
  // Metadata versions older than every remaining snapshot describe only expired state.
  std::set<std::string> old_versions;
  for (const auto& [at, file] : metadata.previous_files()) {
    if (at < oldest_kept) old_versions.insert(file);
  }
  iceberg::TableMetadata next = metadata;
  next.remove_snapshots(expired);
  next.forget_previous_files(old_versions);
  commit_metadata(state, std::move(next), current.value_or(0),
                  std::vector<int64_t>(expired.begin(), expired.end()),
                  std::vector<std::string>(dropped.data.begin(), dropped.data.end()));
  // Deleted only once the new version is committed: until then readers may still need them.
  result.expired_snapshots.assign(expired.begin(), expired.end());
  result.data_files_deleted = remove_all(dropped.data);
  result.metadata_files_deleted = remove_all(dropped.metadata) + remove_all(old_versions);
  return result;
}

size_t Lake::remove_orphan_files(std::chrono::seconds min_age) {
  const int64_t cutoff_ms =
      iceberg::now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(min_age).count();
  std::set<std::string> legacy;  // tables written without Iceberg metadata: the catalog's files
  for (auto& path : store_.referenced_files()) legacy.insert(std::move(path));
  size_t removed = 0;
  for (const TableInfo& table : store_.list_tables()) {
    if (table.kind != TableKind::kTable) continue;
    std::set<std::string> referenced = legacy;
    if (!table.metadata_location.empty()) {
      try {
        const auto metadata = load_metadata(table.metadata_location);
        referenced.insert(table.metadata_location);
        for (const auto& [at, file] : metadata->previous_files()) referenced.insert(file);
        iceberg::SnapshotFiles files;
        for (const iceberg::Snapshot& s : metadata->snapshots()) {
          iceberg::collect_snapshot_files(s, files, true);
        }
        referenced.insert(files.metadata.begin(), files.metadata.end());
        referenced.insert(files.data.begin(), files.data.end());
      } catch (const Error& e) {
        // Never delete what cannot be proven unreferenced.
        log::warn("orphan cleanup skips a table it cannot read",
                  {{"table", table.name.str()}, {"error", e.what()}});
        continue;
      }
    }
    const std::string root = table_location(table.name).string();
    for (const StoredFile& file : list_files(root)) {
      if (is_table_file(file.location) && !referenced.contains(file.location) &&
          file.modified_ms <= cutoff_ms && remove_file(file.location)) {
        ++removed;
      }
    }
    if (!is_object_store(root)) remove_empty_batch_directories(root, cutoff_ms);
  }
  return removed;
}

}  // namespace strata::lake
