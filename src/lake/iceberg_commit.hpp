// The next version of an Iceberg table, written before the catalog makes it current: for an append
// or an overwrite of data files, a manifest of the new files, the manifest list of the new snapshot
// (an append keeps the previous snapshot's manifests; an overwrite lists the previous live files
// again as deleted, so they leave the table; a copy-on-write rewrite rewrites only the manifests
// holding the files it removes), the evolved schema, and a new table metadata file.
// Nothing here is visible to readers until the catalog's compare-and-swap points at the new
// metadata file; a version that loses that race is left for orphan cleanup and built again.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lake/iceberg_metadata.hpp"
#include "lake/metastore.hpp"

namespace strata::lake::iceberg {

struct VersionRequest {
  std::string table;     // "namespace.name", for errors
  std::string location;  // the table's base location
  WriteMode mode = WriteMode::kAppend;
  const std::vector<DataFile>* added = nullptr;
  // Copy-on-write rewrites and compaction: the data files this version removes (in append mode).
  // Each must still be live in `base`, else kConflict (spec: "Commit Conflict Resolution").
  const std::set<std::string>* removed = nullptr;
  std::string operation;  // the snapshot's operation; "" derives it from the mode
  // The snapshot the written data was computed from (0: the table was empty). When others
  // committed since, a snapshot among theirs that removed data (not an append or a replace) is
  // a kConflict naming it.
  std::optional<int64_t> read_snapshot;
  int64_t snapshot_id = 0;
  int64_t now_ms = 0;
};

struct NewVersion {
  std::string metadata_location;
  std::shared_ptr<const TableMetadata> metadata;  // as written to metadata_location
  int64_t snapshot_id = 0;
  int64_t sequence_number = 0;
};

// `base` is the current metadata and `base_location` its file (null and "" for a new table).
NewVersion write_new_version(const TableMetadata* base, const std::string& base_location,
                             const VersionRequest& request);

// Writes <location>/metadata/version-hint.text naming the metadata file, for readers that open a
// table by its directory. The catalog, not this hint, decides which version is current, so a
// failure is only logged.
void write_version_hint(const std::string& table_location, const std::string& metadata_location);

}  // namespace strata::lake::iceberg
