#include "lake/iceberg_metadata.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "core/ids.hpp"

namespace strata::lake::iceberg {

namespace {

using nlohmann::json;

// An unpartitioned table's last partition id: the one before the first (spec: "Partition Specs").
constexpr int kUnpartitionedLastPartitionId = kFirstPartitionFieldId - 1;

Snapshot snapshot_from_json(const json& j) {
  Snapshot s;
  s.snapshot_id = j.at("snapshot-id").get<int64_t>();
  if (j.contains("parent-snapshot-id") && !j["parent-snapshot-id"].is_null()) {
    s.parent_snapshot_id = j["parent-snapshot-id"].get<int64_t>();
  }
  s.sequence_number = j.value("sequence-number", int64_t{0});
  s.timestamp_ms = j.at("timestamp-ms").get<int64_t>();
  s.manifest_list = j.value("manifest-list", "");
  s.schema_id = j.value("schema-id", 0);
  if (j.contains("summary")) s.summary = j["summary"].get<std::map<std::string, std::string>>();
  return s;
}

json snapshot_to_json(const Snapshot& s) {
  json j = {{"snapshot-id", s.snapshot_id},   {"sequence-number", s.sequence_number},
            {"timestamp-ms", s.timestamp_ms}, {"manifest-list", s.manifest_list},
            {"summary", s.summary},           {"schema-id", s.schema_id}};
  if (s.parent_snapshot_id) j["parent-snapshot-id"] = *s.parent_snapshot_id;
  return j;
}

}  // namespace

TableMetadata TableMetadata::create(const std::string& location, int64_t now_ms) {
  return TableMetadata(json{
      {"format-version", 2},
      {"table-uuid", ids::uuid4()},
      {"location", location},
      {"last-sequence-number", 0},
      {"last-updated-ms", now_ms},
      {"last-column-id", 0},
      {"current-schema-id", 0},
      {"schemas", json::array()},
      {"default-spec-id", 0},
      {"partition-specs", json::array({{{"spec-id", 0}, {"fields", json::array()}}})},
      {"last-partition-id", kUnpartitionedLastPartitionId},
      {"default-sort-order-id", 0},
      {"sort-orders", json::array({{{"order-id", 0}, {"fields", json::array()}}})},
      {"properties",
       {{"write.format.default", "parquet"}, {"write.parquet.compression-codec", "zstd"}}},
      {"current-snapshot-id", -1},
      {"refs", json::object()},
      {"snapshots", json::array()},
      {"statistics", json::array()},
      {"partition-statistics", json::array()},
      {"snapshot-log", json::array()},
      {"metadata-log", json::array()},
  });
}

TableMetadata TableMetadata::parse(const std::string& text, const std::string& path) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::kStorage, std::string("not valid JSON: ") + e.what(), Location(path));
  }
  if (!j.is_object() || !j.contains("format-version") || !j.contains("location")) {
    throw Error(ErrorKind::kStorage, "not Iceberg table metadata", Location(path));
  }
  const int version = j["format-version"].get<int>();
  if (version != 2) {
    throw Error(ErrorKind::kStorage,
                "Iceberg format version " + std::to_string(version) +
                    " is not supported yet (strata reads and writes version 2)",
                Location(path));
  }
  return TableMetadata(std::move(j));
}

std::string TableMetadata::table_uuid() const {
  return json_.value("table-uuid", "");
}
std::string TableMetadata::location() const {
  return json_.value("location", "");
}
int64_t TableMetadata::last_sequence_number() const {
  return json_.value("last-sequence-number", int64_t{0});
}
int64_t TableMetadata::last_updated_ms() const {
  return json_.value("last-updated-ms", int64_t{0});
}
int TableMetadata::last_column_id() const {
  return json_.value("last-column-id", 0);
}

std::optional<int64_t> TableMetadata::current_snapshot_id() const {
  auto found = json_.find("current-snapshot-id");
  if (found == json_.end() || found->is_null() || found->get<int64_t>() == -1) return std::nullopt;
  return found->get<int64_t>();
}

bool TableMetadata::has_schema() const {
  return !json_.value("schemas", json::array()).empty();
}

Schema TableMetadata::current_schema() const {
  const int id = json_.value("current-schema-id", 0);
  for (const json& schema : json_.value("schemas", json::array())) {
    if (schema.value("schema-id", 0) == id) return schema_from_json(schema);
  }
  return Schema{};
}

std::optional<Snapshot> TableMetadata::snapshot(int64_t id) const {
  for (const json& s : json_.value("snapshots", json::array())) {
    if (s.value("snapshot-id", int64_t{0}) == id) return snapshot_from_json(s);
  }
  return std::nullopt;
}

std::vector<PartitionSpec> TableMetadata::partition_specs() const {
  std::vector<PartitionSpec> out;
  for (const json& spec : json_.value("partition-specs", json::array())) {
    out.push_back(partition_spec_from_json(spec, "partition-specs of table " + location()));
  }
  return out;
}

PartitionSpec TableMetadata::partition_spec(int spec_id) const {
  for (PartitionSpec& spec : partition_specs()) {
    if (spec.spec_id == spec_id) return spec;
  }
  throw Error(ErrorKind::kStorage,
              "no partition spec " + std::to_string(spec_id) + " in the table metadata",
              Location::of(location()));
}

PartitionSpec TableMetadata::default_partition_spec() const {
  return partition_spec(json_.value("default-spec-id", 0));
}

int TableMetadata::last_partition_id() const {
  return json_.value("last-partition-id", kUnpartitionedLastPartitionId);
}

int TableMetadata::set_default_partition_spec(const std::vector<PartitionField>& fields) {
  int next_id = 0;
  for (const PartitionSpec& spec : partition_specs()) {
    // Identical fields apart from their ids: reuse that spec.
    bool same = spec.fields.size() == fields.size();
    for (size_t i = 0; same && i < fields.size(); ++i) {
      same = spec.fields[i].source_id == fields[i].source_id &&
             spec.fields[i].transform == fields[i].transform &&
             spec.fields[i].name == fields[i].name;
    }
    if (same) {
      json_["default-spec-id"] = spec.spec_id;
      return spec.spec_id;
    }
    next_id = std::max(next_id, spec.spec_id + 1);
  }
  PartitionSpec spec{next_id, fields};
  json_["partition-specs"].push_back(partition_spec_to_json(spec));
  json_["default-spec-id"] = next_id;
  int last = last_partition_id();
  for (const PartitionField& f : fields) last = std::max(last, f.field_id);
  json_["last-partition-id"] = last;
  return next_id;
}

std::vector<Snapshot> TableMetadata::snapshots() const {
  std::vector<Snapshot> out;
  for (const json& s : json_.value("snapshots", json::array()))
    out.push_back(snapshot_from_json(s));
  return out;
}

std::vector<std::pair<int64_t, int64_t>> TableMetadata::snapshot_log() const {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const json& e : json_.value("snapshot-log", json::array())) {
    out.emplace_back(e.value("timestamp-ms", int64_t{0}), e.value("snapshot-id", int64_t{0}));
  }
  return out;
}

std::vector<std::pair<int64_t, std::string>> TableMetadata::previous_files() const {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const json& e : json_.value("metadata-log", json::array())) {
    out.emplace_back(e.value("timestamp-ms", int64_t{0}), e.value("metadata-file", ""));
  }
  return out;
}

std::vector<Snapshot> TableMetadata::ancestry(std::optional<int64_t> from) const {
  std::vector<Snapshot> out;
  std::optional<int64_t> next = from ? from : current_snapshot_id();
  while (next) {
    std::optional<Snapshot> s = snapshot(*next);
    if (!s) break;
    next = s->parent_snapshot_id;
    out.push_back(std::move(*s));
  }
  return out;
}

int TableMetadata::set_current_schema(const std::vector<Field>& fields, int last_column_id) {
  json& schemas = json_["schemas"];
  int schema_id = -1;
  int highest = -1;
  for (const json& schema : schemas) {
    const Schema existing = schema_from_json(schema);
    highest = std::max(highest, existing.schema_id);
    if (existing.fields == fields) schema_id = existing.schema_id;
  }
  if (schema_id < 0) {
    schema_id = highest + 1;
    schemas.push_back(schema_to_json(Schema{schema_id, fields}));
  }
  json_["current-schema-id"] = schema_id;
  json_["last-column-id"] = std::max(this->last_column_id(), last_column_id);
  return schema_id;
}

void TableMetadata::add_snapshot(const Snapshot& snapshot) {
  json_["snapshots"].push_back(snapshot_to_json(snapshot));
  json_["current-snapshot-id"] = snapshot.snapshot_id;
  json_["last-sequence-number"] = snapshot.sequence_number;
  json_["refs"]["main"] = {{"snapshot-id", snapshot.snapshot_id}, {"type", "branch"}};
  json_["snapshot-log"].push_back(
      {{"snapshot-id", snapshot.snapshot_id}, {"timestamp-ms", snapshot.timestamp_ms}});
}

void TableMetadata::set_current_snapshot(int64_t snapshot_id, int64_t timestamp_ms) {
  json_["current-snapshot-id"] = snapshot_id;
  json_["refs"]["main"] = {{"snapshot-id", snapshot_id}, {"type", "branch"}};
  json_["snapshot-log"].push_back({{"snapshot-id", snapshot_id}, {"timestamp-ms", timestamp_ms}});
}

void TableMetadata::remove_snapshots(const std::set<int64_t>& ids) {
  json kept = json::array();
  for (const json& s : json_["snapshots"]) {
    if (!ids.contains(s.value("snapshot-id", int64_t{0}))) kept.push_back(s);
  }
  json_["snapshots"] = std::move(kept);
  json log = json::array();
  for (const json& e : json_.value("snapshot-log", json::array())) {
    if (ids.contains(e.value("snapshot-id", int64_t{0}))) {
      log = json::array();  // drop it and everything before it
    } else {
      log.push_back(e);
    }
  }
  json_["snapshot-log"] = std::move(log);
  if (json_.contains("refs")) {
    json refs = json::object();
    for (const auto& [name, ref] : json_["refs"].items()) {
      if (!ids.contains(ref.value("snapshot-id", int64_t{0}))) refs[name] = ref;
    }
    json_["refs"] = std::move(refs);
  }
}

void TableMetadata::forget_previous_files(const std::set<std::string>& files) {
  json kept = json::array();
  for (const json& e : json_.value("metadata-log", json::array())) {
    if (!files.contains(e.value("metadata-file", ""))) kept.push_back(e);
  }
  json_["metadata-log"] = std::move(kept);
}

void TableMetadata::log_previous_file(const std::string& location, int64_t timestamp_ms) {
  // Iceberg's `write.metadata.previous-versions-max` default: the log stays bounded; versions
  // that drop out are history nobody references (orphan cleanup may remove them).
  constexpr size_t kPreviousVersionsMax = 100;
  json& log = json_["metadata-log"];
  log.push_back({{"metadata-file", location}, {"timestamp-ms", timestamp_ms}});
  if (log.size() > kPreviousVersionsMax) log.erase(log.begin(), log.end() - kPreviousVersionsMax);
}

void TableMetadata::set_last_updated_ms(int64_t ms) {
  json_["last-updated-ms"] = ms;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int metadata_version(const std::string& location) {
  const std::string name = std::filesystem::path(location).filename().string();
  int version = 0;
  if (std::sscanf(name.c_str(), "v%d-", &version) == 1) return version;
  if (std::sscanf(name.c_str(), "%d-", &version) == 1) return version;
  return 0;
}

std::string metadata_file_location(const std::string& table_location, int version) {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "v%05d-", version);
  return table_location + "/metadata/" + prefix + ids::uuid4() + ".metadata.json";
}

}  // namespace strata::lake::iceberg
