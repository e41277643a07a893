// Iceberg manifests and manifest lists (format version 2), as Avro container files whose embedded
// Avro schemas carry the spec's field ids. A manifest lists data files with their status (added,
// existing, deleted), sequence numbers, sizes and column statistics, and stores the table schema
// (Iceberg schema JSON), the partition spec's fields, its id, the format version and the content
// type in its file metadata. A manifest list names a snapshot's manifests with their counts and
// sequence numbers. Entries written for new files leave their snapshot id and sequence numbers
// null, to be inherited from the manifest list; reading resolves that inheritance. Each manifest
// holds files of one partition spec; its entries carry their partition tuples, and its manifest
// list entry summarizes each partition field (nulls, lower and upper bound) for pruning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lake/iceberg_partition.hpp"
#include "lake/iceberg_schema.hpp"
#include "lake/metastore.hpp"

namespace strata::lake::iceberg {

enum class EntryStatus : int { kExisting = 0, kAdded = 1, kDeleted = 2 };

struct ManifestEntry {
  EntryStatus status = EntryStatus::kAdded;
  std::optional<int64_t> snapshot_id;           // null: inherited from the manifest list
  std::optional<int64_t> sequence_number;       // data sequence number; null: inherited
  std::optional<int64_t> file_sequence_number;  // null: inherited
  DataFile file;                                // metrics included; `schema` is not stored
};

// The manifest list's summary of one partition field over a manifest's files.
struct FieldSummary {
  bool contains_null = false;
  std::optional<std::string> lower;  // binary single-value serialization; none if all null
  std::optional<std::string> upper;
};

// A manifest list entry.
struct ManifestFile {
  std::string path;
  int64_t length = 0;
  int partition_spec_id = 0;
  int content = 0;  // 0: data, 1: deletes
  int64_t sequence_number = 0;
  int64_t min_sequence_number = 0;
  int64_t added_snapshot_id = 0;
  int added_files = 0;
  int existing_files = 0;
  int deleted_files = 0;
  int64_t added_rows = 0;
  int64_t existing_rows = 0;
  int64_t deleted_rows = 0;
  std::vector<FieldSummary> partitions;  // one per field of the manifest's spec

  bool has_live_files() const { return added_files > 0 || existing_files > 0; }
};

// Writes a data manifest of `entries` (all written with `spec`) for the snapshot `snapshot_id`
// with sequence number `sequence_number`, and returns its manifest list entry.
ManifestFile write_manifest(const std::string& location, const Schema& table_schema,
                            const PartitionSpec& spec, const std::vector<ManifestEntry>& entries,
                            int64_t snapshot_id, int64_t sequence_number);

// The entries of a manifest, with inherited snapshot ids and sequence numbers filled in.
std::vector<ManifestEntry> read_manifest(const ManifestFile& manifest);

void write_manifest_list(const std::string& location, const std::vector<ManifestFile>& manifests,
                         int64_t snapshot_id, std::optional<int64_t> parent_snapshot_id,
                         int64_t sequence_number);

std::vector<ManifestFile> read_manifest_list(const std::string& location);

}  // namespace strata::lake::iceberg
