// Reading an Iceberg table's state at a snapshot: the data files live in it (from its manifest
// list and manifests), the snapshot that was current at a point in time (from the snapshot log),
// and every file a snapshot's state is made of (for expiry and orphan cleanup). Missing or
// corrupt manifest lists and manifests are kStorage errors naming the file.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lake/iceberg_manifest.hpp"
#include "lake/iceberg_metadata.hpp"

namespace strata::lake::iceberg {

// The live (added or existing) data file entries of `snapshot`.
std::vector<ManifestEntry> live_entries(const Snapshot& snapshot);

// The snapshot that was the table's current one at `timestamp_ms` (the last snapshot log entry at
// or before it), or nothing when the table had no snapshot then.
std::optional<int64_t> snapshot_at(const TableMetadata& metadata, int64_t timestamp_ms);

// The files `snapshot` is made of: its manifest list, its manifests and the data files they list
// as live. With `every_entry`, also the data files its manifests list as deleted.
struct SnapshotFiles {
  std::set<std::string> metadata;  // manifest list and manifests
  std::set<std::string> data;
};
void collect_snapshot_files(const Snapshot& snapshot, SnapshotFiles& into, bool every_entry);

}  // namespace strata::lake::iceberg
