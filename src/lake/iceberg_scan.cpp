#include "lake/iceberg_scan.hpp"

namespace strata::lake::iceberg {

std::vector<ManifestEntry> live_entries(const Snapshot& snapshot) {
  std::vector<ManifestEntry> live;
  if (snapshot.manifest_list.empty()) return live;
  for (const ManifestFile& manifest : read_manifest_list(snapshot.manifest_list)) {
    if (!manifest.has_live_files()) continue;
    for (ManifestEntry& entry : read_manifest(manifest)) {
      if (entry.status != EntryStatus::kDeleted) live.push_back(std::move(entry));
    }
  }
  return live;
}

std::optional<int64_t> snapshot_at(const TableMetadata& metadata, int64_t timestamp_ms) {
  std::optional<int64_t> found;
  for (const auto& [at, id] : metadata.snapshot_log()) {
    if (at > timestamp_ms) break;
    found = id;
  }
  if (found && metadata.snapshot(*found)) return found;
  return std::nullopt;
}

void collect_snapshot_files(const Snapshot& snapshot, SnapshotFiles& into, bool every_entry) {
  if (snapshot.manifest_list.empty()) return;
  into.metadata.insert(snapshot.manifest_list);
  for (const ManifestFile& manifest : read_manifest_list(snapshot.manifest_list)) {
    into.metadata.insert(manifest.path);
    if (!every_entry && !manifest.has_live_files()) continue;
    for (const ManifestEntry& entry : read_manifest(manifest)) {
      if (every_entry || entry.status != EntryStatus::kDeleted) into.data.insert(entry.file.path);
    }
  }
}

}  // namespace strata::lake::iceberg
