// Iceberg table metadata (format version 2): the JSON file that describes a table's schemas,
// partition specs, sort orders, properties, snapshots and history. TableMetadata keeps the whole
// document, so that fields strata does not interpret (written by another engine, or by a later
// strata) survive a commit unchanged, and offers typed reads plus the changes a commit makes:
// adding or reusing a schema, adding a snapshot and making it current (the `main` branch), and
// logging the previous metadata file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lake/iceberg_partition.hpp"
#include "lake/iceberg_schema.hpp"

namespace strata::lake::iceberg {

struct Snapshot {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;
  int64_t timestamp_ms = 0;
  std::string manifest_list;
  int schema_id = 0;
  std::map<std::string, std::string> summary;  // "operation" and the counts
};

class TableMetadata {
 public:
  // A new, empty table: unpartitioned, unsorted, no snapshot yet.
  static TableMetadata create(const std::string& location, int64_t now_ms);
  // Throws kStorage naming `path` when the text is not Iceberg v1/v2 table metadata.
  static TableMetadata parse(const std::string& text, const std::string& path);

  std::string dump() const { return json_.dump(); }
  const nlohmann::json& document() const { return json_; }
  // The document to change in place, for the Iceberg REST catalog's generic metadata updates
  // (lake/iceberg_table_update.hpp); the typed changes below are preferred elsewhere.
  nlohmann::json& mutable_document() { return json_; }

  std::string table_uuid() const;
  std::string location() const;
  int64_t last_sequence_number() const;
  int64_t last_updated_ms() const;
  int last_column_id() const;
  std::optional<int64_t> current_snapshot_id() const;
  Schema current_schema() const;  // an empty schema for a table without one
  bool has_schema() const;
  std::optional<Snapshot> snapshot(int64_t id) const;
  // The spec new data files are written with, and every spec (files keep the one they were
  // written with); kStorage for a spec strata cannot interpret.
  PartitionSpec default_partition_spec() const;
  std::vector<PartitionSpec> partition_specs() const;
  PartitionSpec partition_spec(int spec_id) const;
  int last_partition_id() const;
  std::vector<Snapshot> snapshots() const;  // in the order they were added
  // When each snapshot became current (the snapshot log), oldest first.
  std::vector<std::pair<int64_t, int64_t>> snapshot_log() const;  // (timestamp ms, snapshot id)
  // The metadata files this version replaced (the metadata log), oldest first.
  std::vector<std::pair<int64_t, std::string>> previous_files() const;  // (timestamp ms, file)
  // The current snapshot and its ancestors, newest first (stops where history was expired).
  std::vector<Snapshot> ancestry(std::optional<int64_t> from = {}) const;

  // Makes `fields` the current schema, reusing an identical existing schema's id; returns it.
  int set_current_schema(const std::vector<Field>& fields, int last_column_id);
  // Makes a spec of `fields` the default (partition evolution), reusing an identical existing
  // spec's id; returns it. Fields carry their ids (see parse_partition_fields).
  int set_default_partition_spec(const std::vector<PartitionField>& fields);
  // Adds `snapshot`, makes it current and records it in the snapshot log.
  void add_snapshot(const Snapshot& snapshot);
  // Makes an existing snapshot current (rollback), recording it in the snapshot log.
  void set_current_snapshot(int64_t snapshot_id, int64_t timestamp_ms);
  // Removes snapshots (expiry): from the snapshot list, from the snapshot log (with every entry
  // before the last removed one, as the spec asks) and from the refs that name them.
  void remove_snapshots(const std::set<int64_t>& ids);
  // Keeps only the metadata log entries whose file is not in `files`.
  void forget_previous_files(const std::set<std::string>& files);
  // Records the metadata file this version replaces in the metadata log.
  void log_previous_file(const std::string& location, int64_t timestamp_ms);
  void set_last_updated_ms(int64_t ms);

 private:
  explicit TableMetadata(nlohmann::json json) : json_(std::move(json)) {}
  nlohmann::json json_;
};

// Now, in milliseconds since the epoch (Iceberg's timestamps).
int64_t now_ms();

// The version number in a metadata file name "…/v00012-<uuid>.metadata.json" (0 if none).
int metadata_version(const std::string& location);

// "<table location>/metadata/v00012-<uuid>.metadata.json"
std::string metadata_file_location(const std::string& table_location, int version);

}  // namespace strata::lake::iceberg
