#include "lake/rest_catalog.hpp"

#include <filesystem>
#include <set>
#include <system_error>

#include "core/error.hpp"
#include "core/log.hpp"
#include "lake/file_io.hpp"
#include "lake/iceberg_commit.hpp"
#include "lake/iceberg_scan.hpp"
#include "lake/iceberg_table_update.hpp"

namespace strata::lake {

namespace {

namespace fs = std::filesystem;

// A commit that lost the race to another writer is checked and applied again on top of it.
constexpr int kCommitAttempts = 10;

std::optional<TableInfo> find_iceberg_table(Lake& lake, const TableName& name) {
  std::optional<TableInfo> info = lake.store().find_table(name);
  if (!info || info->kind != TableKind::kTable || info->metadata_location.empty())
    return std::nullopt;
  return info;
}

std::shared_ptr<const iceberg::TableMetadata> read_metadata(const std::string& location) {
  return std::make_shared<const iceberg::TableMetadata>(
      iceberg::TableMetadata::parse(read_file(location), location));
}

// Checks that strata can read what a client committed (its current schema) before it is visible.
void check_readable(const iceberg::TableMetadata& metadata, const TableName& name) {
  try {
    metadata.current_schema();
    metadata.default_partition_spec();
  } catch (const Error& e) {
    throw Error(ErrorKind::kInput, e.message(), Location::of(name.str()));
  }
}

bool inside(const fs::path& path, const fs::path& root) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(path, ec);
  const fs::path b = fs::weakly_canonical(root, ec);
  const auto [end, _] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  return end == b.end() && a != b;
}

void purge_files(Lake& lake, const std::string& metadata_location,
                 const iceberg::TableMetadata& metadata) {
  const fs::path location = metadata.location();
  std::error_code ec;
  if (inside(location, lake.root())) {
    fs::remove_all(location, ec);
    return;
  }
  // Elsewhere: only the files the table's metadata names.
  iceberg::SnapshotFiles files;
  for (const iceberg::Snapshot& snapshot : metadata.snapshots()) {
    try {
      iceberg::collect_snapshot_files(snapshot, files, true);
    } catch (const Error& e) {
      log::warn("purge skips a snapshot it cannot read", {{"error", e.what()}});
    }
  }
  for (const std::string& path : files.data) fs::remove(path, ec);
  for (const std::string& path : files.metadata) fs::remove(path, ec);
  for (const auto& [at, file] : metadata.previous_files()) fs::remove(file, ec);
  fs::remove(metadata_location, ec);
}

}  // namespace

LoadedTable load_iceberg_table(Lake& lake, const TableName& name) {
  std::optional<TableInfo> info = find_iceberg_table(lake, name);
  if (!info) throw Error(ErrorKind::kInput, "no such table", Location::of(name.str()));
  return {info->metadata_location, read_metadata(info->metadata_location)};
}

LoadedTable create_iceberg_table(Lake& lake, const TableName& name,
                                 const CreateTableRequest& request) {
  if (lake.store().find_table(name)) {
    throw Error(ErrorKind::kConflict, "the table already exists", Location::of(name.str()));
  }
  const std::string location =
      request.location.empty() ? lake.table_location(name).string() : request.location;
  auto metadata = std::make_shared<iceberg::TableMetadata>(iceberg::new_table_metadata(
      location, request.schema, request.partition_spec, request.sort_order, request.properties,
      name.str(), iceberg::now_ms()));
  check_readable(*metadata, name);
  if (request.stage_only) return {"", metadata};
  const std::string metadata_location = iceberg::metadata_file_location(location, 0);
  write_file(metadata_location, metadata->dump());
  try {
    lake.store().register_table(name, location, metadata_location, 0);
  } catch (...) {
    std::error_code ec;
    fs::remove(metadata_location, ec);
    throw;
  }
  iceberg::write_version_hint(location, metadata_location);
  return {metadata_location, metadata};
}

LoadedTable commit_iceberg_table(Lake& lake, const TableName& name,
                                 const nlohmann::json& requirements,
                                 const nlohmann::json& updates) {
  for (int attempt = 1;; ++attempt) {
    std::optional<TableInfo> info = lake.store().find_table(name);
    if (info && (info->kind != TableKind::kTable || info->metadata_location.empty())) {
      throw Error(ErrorKind::kInput,
                  "not an Iceberg table (a view, or written by an earlier strata)",
                  Location::of(name.str()));
    }
    std::shared_ptr<const iceberg::TableMetadata> base;
    if (info) base = read_metadata(info->metadata_location);
    iceberg::check_requirements(requirements, base.get(), name.str());
    if (!base) {
      bool creates = false;
      for (const nlohmann::json& r : requirements)
        creates |= r.value("type", "") == "assert-create";
      if (!creates) throw Error(ErrorKind::kInput, "no such table", Location::of(name.str()));
    }
    const int64_t now = iceberg::now_ms();
    auto next = std::make_shared<iceberg::TableMetadata>(
        base ? *base : iceberg::TableMetadata::create(lake.table_location(name).string(), now));
    iceberg::apply_updates(*next, updates, name.str(), now);
    check_readable(*next, name);
    if (base) next->log_previous_file(info->metadata_location, base->last_updated_ms());
    const std::string location = iceberg::metadata_file_location(
        next->location(), base ? iceberg::metadata_version(info->metadata_location) + 1 : 0);
    write_file(location, next->dump());
    const int64_t current = next->current_snapshot_id().value_or(0);
    try {
      if (!base) {
        lake.store().register_table(name, next->location(), location, current);
      } else {
        Commit commit;
        TableChange change{.table = name};
        change.metadata_only = true;
        change.snapshot_id = current;
        change.metadata_location = location;
        change.expected_metadata_location = info->metadata_location;
        commit.tables.push_back(std::move(change));
        lake.store().commit(commit);
      }
    } catch (const Error& e) {
      std::error_code ec;
      fs::remove(location, ec);
      // Another writer committed between our read and our swap: check again on its metadata.
      if (e.kind() != ErrorKind::kConflict || !base || attempt >= kCommitAttempts) throw;
      continue;
    }
    iceberg::write_version_hint(next->location(), location);
    return {location, next};
  }
}

int alter_iceberg_schema(Lake& lake, const TableName& name,
                         const iceberg::SchemaAlteration& alteration) {
  const LoadedTable table = load_iceberg_table(lake, name);
  const iceberg::Schema schema = table.metadata->current_schema();
  if (alteration.kind == iceberg::AlterKind::kDrop) {
    const iceberg::Field* field = schema.find(alteration.column);
    for (const iceberg::PartitionField& p : table.metadata->default_partition_spec().fields) {
      if (field && p.source_id == field->id) {
        throw Error(ErrorKind::kInput,
                    "column '" + alteration.column +
                        "' partitions the table: change the partition spec first",
                    Location::of(name.str()));
      }
    }
  }
  iceberg::Schema next{0, iceberg::alter_fields(schema, alteration, name.str())};
  const nlohmann::json requirements = nlohmann::json::array(
      {{{"type", "assert-current-schema-id"}, {"current-schema-id", schema.schema_id}}});
  const nlohmann::json updates =
      nlohmann::json::array({{{"action", "add-schema"}, {"schema", iceberg::schema_to_json(next)}},
                             {{"action", "set-current-schema"}, {"schema-id", -1}}});
  return commit_iceberg_table(lake, name, requirements, updates)
      .metadata->current_schema()
      .schema_id;
}

bool drop_iceberg_table(Lake& lake, const TableName& name, bool purge) {
  std::optional<TableInfo> info = lake.store().find_table(name);
  if (!info) return false;
  std::shared_ptr<const iceberg::TableMetadata> metadata;
  if (purge && !info->metadata_location.empty()) metadata = read_metadata(info->metadata_location);
  if (!lake.store().drop_table(name)) return false;
  // Deleted only once the catalog no longer names the table.
  if (metadata) purge_files(lake, info->metadata_location, *metadata);
  return true;
}

}  // namespace strata::lake
