#include "lake/iceberg_manifest.hpp"

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "lake/avro.hpp"
#include "lake/file_io.hpp"

namespace strata::lake::iceberg {

namespace {

using nlohmann::json;

// An optional map<int, long or binary> stored the Iceberg way: an Avro array of key/value records
// with the "map" logical type, keys and values carrying their field ids.
json int_map_schema(const char* name, int field_id, int key_id, int value_id,
                    const char* value_type) {
  std::string record_name = "k";
  record_name.append(std::to_string(key_id)).append("_v").append(std::to_string(value_id));
  json entry = {{"type", "record"},
                {"name", record_name},
                {"fields",
                 {{{"name", "key"}, {"type", "int"}, {"field-id", key_id}},
                  {{"name", "value"}, {"type", value_type}, {"field-id", value_id}}}}};
  return {{"name", name},
          {"type", {"null", {{"type", "array"}, {"items", entry}, {"logicalType", "map"}}}},
          {"default", nullptr},
          {"field-id", field_id}};
}

json optional_field(const char* name, json type, int field_id) {
  return {{"name", name},
          {"type", {"null", std::move(type)}},
          {"default", nullptr},
          {"field-id", field_id}};
}

json required_field(const char* name, json type, int field_id) {
  return {{"name", name}, {"type", std::move(type)}, {"field-id", field_id}};
}

json manifest_entry_schema(json partition_record) {
  json data_file = {
      {"type", "record"},
      {"name", "r2"},
      {"fields",
       {required_field("content", "int", 134), required_field("file_path", "string", 100),
        required_field("file_format", "string", 101),
        required_field("partition", std::move(partition_record), 102),
        required_field("record_count", "long", 103),
        required_field("file_size_in_bytes", "long", 104),
        int_map_schema("column_sizes", 108, 117, 118, "long"),
        int_map_schema("value_counts", 109, 119, 120, "long"),
        int_map_schema("null_value_counts", 110, 121, 122, "long"),
        int_map_schema("nan_value_counts", 137, 138, 139, "long"),
        int_map_schema("lower_bounds", 125, 126, 127, "bytes"),
        int_map_schema("upper_bounds", 128, 129, 130, "bytes"),
        optional_field("key_metadata", "bytes", 131),
        optional_field("split_offsets", {{"type", "array"}, {"items", "long"}, {"element-id", 133}},
                       132),
        optional_field("equality_ids", {{"type", "array"}, {"items", "int"}, {"element-id", 136}},
                       135),
        optional_field("sort_order_id", "int", 140)}}};
  return json{{"type", "record"},
              {"name", "manifest_entry"},
              {"fields",
               {required_field("status", "int", 0), optional_field("snapshot_id", "long", 1),
                optional_field("sequence_number", "long", 3),
                optional_field("file_sequence_number", "long", 4),
                required_field("data_file", data_file, 2)}}};
}

const json& manifest_file_schema() {
  static const json schema = [] {
    json summary = {{"type", "record"},
                    {"name", "r508"},
                    {"fields",
                     {required_field("contains_null", "boolean", 509),
                      optional_field("contains_nan", "boolean", 518),
                      optional_field("lower_bound", "bytes", 510),
                      optional_field("upper_bound", "bytes", 511)}}};
    return json{
        {"type", "record"},
        {"name", "manifest_file"},
        {"fields",
         {required_field("manifest_path", "string", 500),
          required_field("manifest_length", "long", 501),
          required_field("partition_spec_id", "int", 502), required_field("content", "int", 517),
          required_field("sequence_number", "long", 515),
          required_field("min_sequence_number", "long", 516),
          required_field("added_snapshot_id", "long", 503),
          required_field("added_files_count", "int", 504),
          required_field("existing_files_count", "int", 505),
          required_field("deleted_files_count", "int", 506),
          required_field("added_rows_count", "long", 512),
          required_field("existing_rows_count", "long", 513),
          required_field("deleted_rows_count", "long", 514),
          optional_field("partitions", {{"type", "array"}, {"items", summary}, {"element-id", 508}},
                         507),
          optional_field("key_metadata", "bytes", 519)}}};
  }();
  return schema;
}

void write_optional_long(avro::Encoder& out, const std::optional<int64_t>& value) {
  if (value) {
    out.branch(1);
    out.int64(*value);
  } else {
    out.branch(0);
  }
}

// Writes one of the metric maps: the metrics that have `member` set.
template <typename Get>
void write_metric_map(avro::Encoder& out, const std::vector<ColumnMetrics>& metrics, Get get) {
  size_t count = 0;
  for (const ColumnMetrics& m : metrics) count += get(m) ? 1 : 0;
  if (count == 0) {
    out.branch(0);
    return;
  }
  out.branch(1);
  out.begin_items(count);
  for (const ColumnMetrics& m : metrics) {
    const auto value = get(m);
    if (!value) continue;
    out.int32(m.field_id);
    if constexpr (std::is_same_v<std::decay_t<decltype(*value)>, std::string>) {
      out.bytes(*value);
    } else {
      out.int64(*value);
    }
  }
  out.end_items();
}

// One partition value, as the optional field of the partition record that `type` gives.
void write_partition_value(avro::Encoder& out, const Type& type, const json& value) {
  if (value.is_null()) {
    out.branch(0);
    return;
  }
  out.branch(1);
  switch (type.id) {
    case TypeId::kString:
      out.string(value.get<std::string>());
      break;
    case TypeId::kBoolean:
      out.boolean(value.get<bool>());
      break;
    case TypeId::kLong:
      out.int64(value.get<int64_t>());
      break;
    default:
      out.int32(value.get<int32_t>());
      break;
  }
}

void write_entry(avro::Encoder& out, const ManifestEntry& entry,
                 const std::vector<Type>& partition_types) {
  out.int32(static_cast<int>(entry.status));
  write_optional_long(out, entry.snapshot_id);
  write_optional_long(out, entry.sequence_number);
  write_optional_long(out, entry.file_sequence_number);
  const DataFile& file = entry.file;
  out.int32(0);  // content: data
  out.string(file.path);
  out.string("PARQUET");
  if (file.partition.size() != partition_types.size()) {
    throw Error(ErrorKind::kInternal,
                "data file has " + std::to_string(file.partition.size()) +
                    " partition values, its spec " + std::to_string(partition_types.size()),
                Location(file.path));
  }
  for (size_t i = 0; i < partition_types.size(); ++i)
    write_partition_value(out, partition_types[i], file.partition[i]);
  out.int64(static_cast<int64_t>(file.rows));
  out.int64(static_cast<int64_t>(file.bytes));
  const auto& m = file.metrics;
  write_metric_map(out, m, [](const ColumnMetrics& c) { return c.size_bytes; });
  write_metric_map(out, m, [](const ColumnMetrics& c) { return c.values; });
  write_metric_map(out, m, [](const ColumnMetrics& c) { return c.nulls; });
  write_metric_map(out, m, [](const ColumnMetrics&) { return std::optional<int64_t>(); });
  write_metric_map(out, m, [](const ColumnMetrics& c) { return c.lower; });
  write_metric_map(out, m, [](const ColumnMetrics& c) { return c.upper; });
  out.branch(0);  // key_metadata
  out.branch(0);  // split_offsets
  out.branch(0);  // equality_ids
  out.branch(0);  // sort_order_id
}

std::optional<int64_t> optional_long(const json& value) {
  if (value.is_null()) return std::nullopt;
  return value.get<int64_t>();
}

// A metric map read back: field id -> value.
template <typename T>
std::map<int, T> read_metric_map(const json& value) {
  std::map<int, T> out;
  if (!value.is_array()) return out;
  for (const json& item : value) {
    if constexpr (std::is_same_v<T, std::string>) {
      out[item["key"].get<int>()] = avro::binary_text(item["value"]);
    } else {
      out[item["key"].get<int>()] = item["value"].get<T>();
    }
  }
  return out;
}

DataFile data_file_from_json(const json& j) {
  DataFile file;
  file.path = j["file_path"].get<std::string>();
  file.rows = j["record_count"].get<uint64_t>();
  file.bytes = j["file_size_in_bytes"].get<uint64_t>();
  std::map<int, ColumnMetrics> metrics;
  for (const auto& [id, v] : read_metric_map<int64_t>(j["column_sizes"]))
    metrics[id].size_bytes = v;
  for (const auto& [id, v] : read_metric_map<int64_t>(j["value_counts"])) metrics[id].values = v;
  for (const auto& [id, v] : read_metric_map<int64_t>(j["null_value_counts"]))
    metrics[id].nulls = v;
  for (const auto& [id, v] : read_metric_map<std::string>(j["lower_bounds"])) metrics[id].lower = v;
  for (const auto& [id, v] : read_metric_map<std::string>(j["upper_bounds"])) metrics[id].upper = v;
  for (auto& [id, m] : metrics) {
    m.field_id = id;
    file.metrics.push_back(std::move(m));
  }
  return file;
}

[[noreturn]] void unsupported(const std::string& what, const std::string& location) {
  throw Error(ErrorKind::kStorage, what + " is not supported yet", Location(location));
}

}  // namespace

ManifestFile write_manifest(const std::string& location, const Schema& table_schema,
                            const PartitionSpec& spec, const std::vector<ManifestEntry>& entries,
                            int64_t snapshot_id, int64_t sequence_number) {
  avro::FileWriter writer(manifest_entry_schema(partition_record_schema(spec, table_schema)),
                          {{"schema", schema_to_json(table_schema).dump()},
                           {"schema-id", std::to_string(table_schema.schema_id)},
                           {"partition-spec", partition_spec_to_json(spec)["fields"].dump()},
                           {"partition-spec-id", std::to_string(spec.spec_id)},
                           {"format-version", "2"},
                           {"content", "data"}});
  std::vector<Type> partition_types;
  for (const PartitionField& field : spec.fields)
    partition_types.push_back(partition_result_type(field, table_schema));
  // Per field: whether a file has a null, and the least and greatest non-null values.
  std::vector<FieldSummary> summaries(spec.fields.size());
  std::vector<json> lowest(spec.fields.size()), highest(spec.fields.size());
  ManifestFile manifest;
  manifest.path = location;
  manifest.partition_spec_id = spec.spec_id;
  manifest.added_snapshot_id = snapshot_id;
  manifest.sequence_number = sequence_number;
  std::optional<int64_t> min_sequence;
  for (const ManifestEntry& entry : entries) {
    write_entry(writer.encoder(), entry, partition_types);
    writer.end_record();
    for (size_t i = 0; i < partition_types.size(); ++i) {
      const json& value = entry.file.partition[i];
      if (value.is_null()) {
        summaries[i].contains_null = true;
        continue;
      }
      if (lowest[i].is_null() || partition_value_less(value, lowest[i])) lowest[i] = value;
      if (highest[i].is_null() || partition_value_less(highest[i], value)) highest[i] = value;
    }
    const auto rows = static_cast<int64_t>(entry.file.rows);
    switch (entry.status) {
      case EntryStatus::kAdded:
        ++manifest.added_files;
        manifest.added_rows += rows;
        break;
      case EntryStatus::kExisting:
        ++manifest.existing_files;
        manifest.existing_rows += rows;
        break;
      case EntryStatus::kDeleted:
        ++manifest.deleted_files;
        manifest.deleted_rows += rows;
        break;
    }
    if (entry.status != EntryStatus::kDeleted) {
      const int64_t data_sequence = entry.sequence_number.value_or(sequence_number);
      min_sequence = std::min(min_sequence.value_or(data_sequence), data_sequence);
    }
  }
  manifest.min_sequence_number = min_sequence.value_or(sequence_number);
  for (size_t i = 0; i < partition_types.size(); ++i) {
    if (lowest[i].is_null()) continue;
    summaries[i].lower = partition_value_bytes(partition_types[i], lowest[i]);
    summaries[i].upper = partition_value_bytes(partition_types[i], highest[i]);
  }
  manifest.partitions = std::move(summaries);
  const std::string bytes = writer.finish();
  write_file(location, bytes);
  manifest.length = static_cast<int64_t>(bytes.size());
  return manifest;
}

std::vector<ManifestEntry> read_manifest(const ManifestFile& manifest) {
  avro::ContainerFile file = avro::read_container(read_file(manifest.path), manifest.path);
  if (file.metadata["content"] == "deletes") unsupported("a delete manifest", manifest.path);
  // The partition fields' names, in the spec's order (the record's fields are read by name).
  std::vector<std::string> partition_names;
  if (auto spec = file.metadata.find("partition-spec"); spec != file.metadata.end()) {
    try {
      for (const json& field : json::parse(spec->second))
        partition_names.push_back(field.at("name").get<std::string>());
    } catch (const json::exception& e) {
      throw Error(ErrorKind::kStorage, std::string("malformed partition-spec: ") + e.what(),
                  Location(manifest.path));
    }
  }
  std::vector<ManifestEntry> entries;
  for (const json& record : file.records) {
    ManifestEntry entry;
    entry.status = static_cast<EntryStatus>(record["status"].get<int>());
    const json& data_file = record["data_file"];
    if (data_file.value("content", 0) != 0) unsupported("a delete file", manifest.path);
    // Null snapshot ids and sequence numbers are inherited from the manifest list.
    entry.snapshot_id = optional_long(record["snapshot_id"]).value_or(manifest.added_snapshot_id);
    entry.sequence_number =
        optional_long(record["sequence_number"]).value_or(manifest.sequence_number);
    entry.file_sequence_number =
        optional_long(record["file_sequence_number"]).value_or(manifest.sequence_number);
    entry.file = data_file_from_json(data_file);
    entry.file.partition_spec_id = manifest.partition_spec_id;
    const json& partition = data_file["partition"];
    for (const std::string& name : partition_names)
      entry.file.partition.push_back(partition.value(name, json()));
    entries.push_back(std::move(entry));
  }
  return entries;
}

void write_manifest_list(const std::string& location, const std::vector<ManifestFile>& manifests,
                         int64_t snapshot_id, std::optional<int64_t> parent_snapshot_id,
                         int64_t sequence_number) {
  avro::FileWriter writer(
      manifest_file_schema(),
      {{"snapshot-id", std::to_string(snapshot_id)},
       {"parent-snapshot-id",
        parent_snapshot_id ? std::to_string(*parent_snapshot_id) : std::string("null")},
       {"sequence-number", std::to_string(sequence_number)},
       {"format-version", "2"}});
  for (const ManifestFile& m : manifests) {
    avro::Encoder& out = writer.encoder();
    out.string(m.path);
    out.int64(m.length);
    out.int32(m.partition_spec_id);
    out.int32(m.content);
    out.int64(m.sequence_number);
    out.int64(m.min_sequence_number);
    out.int64(m.added_snapshot_id);
    out.int32(m.added_files);
    out.int32(m.existing_files);
    out.int32(m.deleted_files);
    out.int64(m.added_rows);
    out.int64(m.existing_rows);
    out.int64(m.deleted_rows);
    out.branch(1);  // partitions: one summary per partition field, none when unpartitioned
    out.begin_items(m.partitions.size());
    for (const FieldSummary& summary : m.partitions) {
      out.boolean(summary.contains_null);
      out.branch(0);  // contains_nan: no float partition values
      for (const auto* bound : {&summary.lower, &summary.upper}) {
        if (*bound) {
          out.branch(1);
          out.bytes(**bound);
        } else {
          out.branch(0);
        }
      }
    }
    out.end_items();
    out.branch(0);  // key_metadata
    writer.end_record();
  }
  write_file(location, writer.finish());
}

std::vector<ManifestFile> read_manifest_list(const std::string& location) {
  avro::ContainerFile file = avro::read_container(read_file(location), location);
  std::vector<ManifestFile> manifests;
  for (const json& r : file.records) {
    ManifestFile m;
    m.path = r["manifest_path"].get<std::string>();
    m.length = r["manifest_length"].get<int64_t>();
    m.partition_spec_id = r["partition_spec_id"].get<int>();
    m.content = r.value("content", 0);
    m.sequence_number = r.value("sequence_number", int64_t{0});
    m.min_sequence_number = r.value("min_sequence_number", int64_t{0});
    m.added_snapshot_id = r["added_snapshot_id"].get<int64_t>();
    m.added_files = r.value("added_files_count", 0);
    m.existing_files = r.value("existing_files_count", 0);
    m.deleted_files = r.value("deleted_files_count", 0);
    m.added_rows = r.value("added_rows_count", int64_t{0});
    m.existing_rows = r.value("existing_rows_count", int64_t{0});
    m.deleted_rows = r.value("deleted_rows_count", int64_t{0});
    if (r.contains("partitions") && r["partitions"].is_array()) {
      for (const json& p : r["partitions"]) {
        FieldSummary summary;
        summary.contains_null = p.value("contains_null", false);
        if (p.contains("lower_bound") && !p["lower_bound"].is_null())
          summary.lower = avro::binary_text(p["lower_bound"]);
        if (p.contains("upper_bound") && !p["upper_bound"].is_null())
          summary.upper = avro::binary_text(p["upper_bound"]);
        m.partitions.push_back(std::move(summary));
      }
    }
    manifests.push_back(std::move(m));
  }
  return manifests;
}

}  // namespace strata::lake::iceberg
