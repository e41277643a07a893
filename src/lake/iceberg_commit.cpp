#include "lake/iceberg_commit.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "lake/file_io.hpp"
#include "lake/iceberg_manifest.hpp"
#include "lake/iceberg_schema_evolution.hpp"

namespace strata::lake::iceberg {

namespace {

std::string manifest_location(const std::string& table_location) {
  return table_location + "/metadata/" + ids::uuid4() + "-m0.avro";
}

std::string manifest_list_location(const std::string& table_location, int64_t snapshot_id) {
  return table_location + "/metadata/snap-" + std::to_string(snapshot_id) + "-1-" + ids::uuid4() +
         ".avro";
}

// Writes `entries` as manifests, one per partition spec their files were written with, and adds
// their manifest list entries to `out`.
void write_manifests(const std::string& table_location, const Schema& table_schema,
                     const TableMetadata& metadata, const std::vector<ManifestEntry>& entries,
                     int64_t snapshot_id, int64_t sequence_number, std::vector<ManifestFile>& out) {
  std::map<int, std::vector<ManifestEntry>> by_spec;
  for (const ManifestEntry& entry : entries) by_spec[entry.file.partition_spec_id].push_back(entry);
  for (const auto& [spec_id, group] : by_spec) {
    out.push_back(write_manifest(manifest_location(table_location), table_schema,
                                 metadata.partition_spec(spec_id), group, snapshot_id,
                                 sequence_number));
  }
}

// The schema of the written files; files of one write share it.
Schema written_schema(const std::vector<DataFile>& files, const Schema& fallback) {
  for (const DataFile& file : files) {
    if (file.schema) return *file.schema;
  }
  return fallback;
}

int64_t summary_number(const std::optional<Snapshot>& snapshot, const char* key) {
  if (!snapshot) return 0;
  auto found = snapshot->summary.find(key);
  if (found == snapshot->summary.end()) return 0;
  try {
    return std::stoll(found->second);
  } catch (const std::exception&) {
    return 0;
  }
}

struct Totals {
  int64_t files = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
};

Totals totals_of(const std::vector<DataFile>& files) {
  Totals t;
  for (const DataFile& f : files) {
    ++t.files;
    t.rows += static_cast<int64_t>(f.rows);
    t.bytes += static_cast<int64_t>(f.bytes);
  }
  return t;
}

// Appends add a manifest each; past this many, the older ones are merged into one so that commits
// and reads stay fast as a table's history grows (Iceberg's default is 100).
constexpr size_t kMergeManifestsAt = 32;

// The new snapshot's manifests with all but the first (this snapshot's own) merged into one
// manifest of existing entries, keeping their snapshot ids and sequence numbers.
std::vector<ManifestFile> merge_manifests(const std::vector<ManifestFile>& manifests,
                                          const Schema& table_schema, const TableMetadata& metadata,
                                          const VersionRequest& request,
                                          const NewVersion& version) {
  std::vector<ManifestFile> merged;
  std::vector<ManifestEntry> entries;
  for (const ManifestFile& manifest : manifests) {
    if (manifest.added_snapshot_id == version.snapshot_id) {
      merged.push_back(manifest);
      continue;
    }
    for (ManifestEntry& entry : read_manifest(manifest)) {
      if (entry.status == EntryStatus::kDeleted) continue;
      entry.status = EntryStatus::kExisting;
      entries.push_back(std::move(entry));
    }
  }
  write_manifests(request.location, table_schema, metadata, entries, version.snapshot_id,
                  version.sequence_number, merged);
  return merged;
}

std::string operation_of(const VersionRequest& request, bool has_parent) {
  if (!request.operation.empty()) return request.operation;
  return request.mode == WriteMode::kOverwrite && has_parent ? "overwrite" : "append";
}

// Snapshots committed after `read_snapshot` that removed data make a write computed from it
// stale (spec: replace and delete operations verify their files are still in the table).
void validate_since(const TableMetadata& metadata, int64_t read_snapshot,
                    const VersionRequest& request) {
  if (metadata.current_snapshot_id().value_or(0) == read_snapshot) return;
  for (const Snapshot& snapshot : metadata.ancestry()) {
    if (snapshot.snapshot_id == read_snapshot) return;
    auto op = snapshot.summary.find("operation");
    const std::string operation = op == snapshot.summary.end() ? "" : op->second;
    if (operation != "append" && operation != "replace") {
      throw Error(ErrorKind::kConflict,
                  "commit conflict: snapshot " + std::to_string(snapshot.snapshot_id) + " (" +
                      operation + "), committed concurrently, changed the rows this " +
                      operation_of(request, true) + " replaces; run it again",
                  Location::of(request.table));
    }
  }
  if (read_snapshot != 0) {
    throw Error(ErrorKind::kConflict,
                "commit conflict: snapshot " + std::to_string(read_snapshot) +
                    " is no longer an ancestor of the current snapshot (rolled back or expired "
                    "concurrently); run it again",
                Location::of(request.table));
  }
}

}  // namespace

NewVersion write_new_version(const TableMetadata* base, const std::string& base_location,
                             const VersionRequest& request) {
  const std::vector<DataFile>& added = *request.added;
  TableMetadata metadata = base ? *base : TableMetadata::create(request.location, request.now_ms);
  const std::optional<Schema> base_schema =
      base && base->has_schema() ? std::optional<Schema>(base->current_schema()) : std::nullopt;

  const Schema written = written_schema(added, base_schema.value_or(Schema{}));
  const EvolvedSchema evolved =
      evolve_schema(base_schema ? &*base_schema : nullptr, metadata.last_column_id(), written,
                    request.mode, request.table);
  Schema table_schema;
  table_schema.fields = evolved.fields;
  table_schema.schema_id = metadata.set_current_schema(evolved.fields, evolved.last_column_id);

  NewVersion version;
  version.snapshot_id = request.snapshot_id;
  version.sequence_number = metadata.last_sequence_number() + 1;
  const std::optional<int64_t> parent_id = metadata.current_snapshot_id();
  const std::optional<Snapshot> parent =
      parent_id ? metadata.snapshot(*parent_id) : std::optional<Snapshot>();
  if (request.read_snapshot) validate_since(metadata, *request.read_snapshot, request);

  std::vector<ManifestFile> manifests;
  if (!added.empty()) {
    std::vector<ManifestEntry> entries;
    for (const DataFile& file : added) entries.push_back({EntryStatus::kAdded, {}, {}, {}, file});
    write_manifests(request.location, table_schema, metadata, entries, version.snapshot_id,
                    version.sequence_number, manifests);
  }
  std::vector<DataFile> removed;
  const bool rewriting = request.removed && !request.removed->empty();
  if (parent && !parent->manifest_list.empty()) {
    std::vector<ManifestEntry> deleted;
    for (const ManifestFile& manifest : read_manifest_list(parent->manifest_list)) {
      if (!manifest.has_live_files()) continue;  // only deletions: history, not carried on
      if (request.mode == WriteMode::kAppend && !rewriting) {
        manifests.push_back(manifest);
        continue;
      }
      std::vector<ManifestEntry> entries = read_manifest(manifest);
      if (request.mode == WriteMode::kAppend) {
        // A rewrite keeps a manifest unless it holds a removed file; then its live entries are
        // written again as existing, and the removed ones as deleted by this snapshot.
        std::vector<ManifestEntry> rewritten;
        bool touched = false;
        for (ManifestEntry& entry : entries) {
          if (entry.status == EntryStatus::kDeleted) continue;
          if (request.removed->contains(entry.file.path)) {
            touched = true;
            entry.status = EntryStatus::kDeleted;
            entry.snapshot_id = version.snapshot_id;
            removed.push_back(entry.file);
          } else {
            entry.status = EntryStatus::kExisting;
          }
          rewritten.push_back(std::move(entry));
        }
        if (!touched) {
          manifests.push_back(manifest);
        } else {
          write_manifests(request.location, table_schema, metadata, rewritten, version.snapshot_id,
                          version.sequence_number, manifests);
        }
        continue;
      }
      // An overwrite lists every live file again as deleted by this snapshot, keeping its
      // sequence numbers (spec: "Sequence Number Inheritance").
      for (ManifestEntry& entry : entries) {
        if (entry.status == EntryStatus::kDeleted) continue;
        entry.status = EntryStatus::kDeleted;
        entry.snapshot_id = version.snapshot_id;
        removed.push_back(entry.file);
        deleted.push_back(std::move(entry));
      }
    }
    write_manifests(request.location, table_schema, metadata, deleted, version.snapshot_id,
                    version.sequence_number, manifests);
  }
  if (manifests.size() > kMergeManifestsAt)
    manifests = merge_manifests(manifests, table_schema, metadata, request, version);
  if (rewriting && removed.size() != request.removed->size()) {
    std::set<std::string> missing = *request.removed;
    for (const DataFile& file : removed) missing.erase(file.path);
    throw Error(ErrorKind::kConflict,
                "commit conflict: data file " + *missing.begin() +
                    " is no longer in the table (a concurrent commit removed it); run the " +
                    (request.operation.empty() ? std::string("change") : request.operation) +
                    " again",
                Location::of(request.table));
  }

  const Totals plus = totals_of(added);
  const Totals minus = totals_of(removed);
  Totals total;
  for (const ManifestFile& m : manifests) {
    total.files += m.added_files + m.existing_files;
    total.rows += m.added_rows + m.existing_rows;
  }
  total.bytes = summary_number(parent, "total-files-size") + plus.bytes - minus.bytes;

  Snapshot snapshot;
  snapshot.snapshot_id = version.snapshot_id;
  snapshot.parent_snapshot_id = parent_id;
  snapshot.sequence_number = version.sequence_number;
  snapshot.timestamp_ms = request.now_ms;
  snapshot.schema_id = table_schema.schema_id;
  snapshot.manifest_list = manifest_list_location(request.location, version.snapshot_id);
  snapshot.summary = {
      {"operation", operation_of(request, parent.has_value())},
      {"added-data-files", std::to_string(plus.files)},
      {"added-records", std::to_string(plus.rows)},
      {"added-files-size", std::to_string(plus.bytes)},
      {"deleted-data-files", std::to_string(minus.files)},
      {"deleted-records", std::to_string(minus.rows)},
      {"removed-files-size", std::to_string(minus.bytes)},
      {"changed-partition-count", plus.files + minus.files ? "1" : "0"},
      {"total-data-files", std::to_string(total.files)},
      {"total-records", std::to_string(total.rows)},
      {"total-files-size", std::to_string(total.bytes)},
      {"total-delete-files", "0"},
      {"total-position-deletes", "0"},
      {"total-equality-deletes", "0"},
      {"engine-name", "strata"},
  };
  write_manifest_list(snapshot.manifest_list, manifests, version.snapshot_id, parent_id,
                      version.sequence_number);

  if (base) metadata.log_previous_file(base_location, base->last_updated_ms());
  metadata.set_last_updated_ms(request.now_ms);
  metadata.add_snapshot(snapshot);
  version.metadata_location =
      metadata_file_location(request.location, (base ? metadata_version(base_location) : 0) + 1);
  write_file(version.metadata_location, metadata.dump());
  version.metadata = std::make_shared<const TableMetadata>(std::move(metadata));
  return version;
}

void write_version_hint(const std::string& table_location, const std::string& metadata_location) {
  // The file name without ".metadata.json": both pyiceberg and DuckDB's iceberg extension find
  // "<hint>.metadata.json" next to the hint. The only file ever rewritten: a hint, not the truth
  // (the catalog is), so a lost race between two writers here is harmless.
  std::string hint = std::filesystem::path(metadata_location).filename().string();
  const std::string suffix = ".metadata.json";
  if (hint.size() > suffix.size() && hint.ends_with(suffix))
    hint.resize(hint.size() - suffix.size());
  const std::string target = table_location + "/metadata/version-hint.text";
  try {
    write_file(target, hint);
  } catch (const Error& e) {
    log::warn("cannot write the Iceberg version hint (the catalog is unaffected)",
              {{"file", target}, {"error", e.what()}});
  }
}

}  // namespace strata::lake::iceberg
