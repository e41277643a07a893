#include "lake/iceberg_partition.hpp"

#include <cstring>

#include "core/error.hpp"
#include "core/text.hpp"
#include "lake/iceberg_bucket.hpp"
#include "lake/iceberg_transforms.hpp"

namespace strata::lake::iceberg {

namespace {

using nlohmann::json;

bool is_temporal_transform(const std::string& transform) {
  return transform == "year" || transform == "month" || transform == "day" || transform == "hour";
}

bool is_supported_transform(const std::string& transform) {
  return transform == "identity" || is_temporal_transform(transform) ||
         truncate_width(transform).has_value() || bucket_count(transform).has_value();
}

bool is_time_type(TypeId id) {
  return id == TypeId::kDate || id == TypeId::kTimestamp || id == TypeId::kTimestampTz;
}

// Identity is supported for the types whose values strata reads back from partition paths and
// writes to manifests exactly.
bool identity_supported(TypeId id) {
  return id == TypeId::kInt || id == TypeId::kLong || id == TypeId::kString ||
         id == TypeId::kDate || id == TypeId::kBoolean;
}

// Why `transform` cannot partition a column of `type` ("" when it can).
std::string unsupported_reason(const std::string& transform, const Type& type) {
  if (transform == "identity") {
    return identity_supported(type.id) ? ""
                                       : "identity partitioning of " + type_name(type) +
                                             " columns is not supported yet (int, long, string, "
                                             "date and boolean are)";
  }
  if (truncate_width(transform)) {
    return type.id == TypeId::kInt || type.id == TypeId::kLong || type.id == TypeId::kString
               ? ""
               : "truncate needs an int, long or string column";
  }
  if (bucket_count(transform)) {
    return bucketable(type) ? "" : "bucket cannot partition " + type_name(type) + " columns";
  }
  if (!is_temporal_transform(transform)) {
    return "unknown or unsupported transform '" + transform +
           "' (supported: identity, year, month, day, hour, truncate[W], bucket[N])";
  }
  if (transform == "hour" && type.id == TypeId::kDate) return "hour() needs a timestamp column";
  if (!is_time_type(type.id)) return transform + "() needs a date or timestamp column";
  return "";
}

const Field& source_field(const PartitionField& field, const Schema& schema) {
  if (const Field* source = schema.find_id(field.source_id)) return *source;
  throw Error(ErrorKind::kStorage, "partition field '" + field.name + "' has source column id " +
                                       std::to_string(field.source_id) +
                                       ", which is not a top-level column of the schema");
}

std::string field_name(const std::string& column, const std::string& transform) {
  if (transform == "identity") return column;
  std::string name = column;
  name.append("_").append(truncate_width(transform) ? "trunc"
                          : bucket_count(transform) ? "bucket"
                                                    : transform);
  return name;
}

std::string little_endian(uint64_t value, size_t width) {
  std::string out(width, '\0');
  for (size_t i = 0; i < width; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// The comma-separated items of a spec's text; commas inside parentheses (bucket(16, id)) do not
// separate items.
std::vector<std::string> top_level_items(std::string_view text) {
  std::vector<std::string> items(1);
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      items.emplace_back();
    } else {
      items.back().push_back(c);
    }
  }
  return items;
}

}  // namespace

std::optional<int64_t> truncate_width(const std::string& transform) {
  if (!transform.starts_with("truncate[") || !transform.ends_with("]")) return std::nullopt;
  const std::string digits = transform.substr(9, transform.size() - 10);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int64_t width = std::stoll(digits);
  if (width <= 0) return std::nullopt;
  return width;
}

json partition_spec_to_json(const PartitionSpec& spec) {
  json fields = json::array();
  for (const PartitionField& f : spec.fields) {
    fields.push_back({{"name", f.name},
                      {"transform", f.transform},
                      {"source-id", f.source_id},
                      {"field-id", f.field_id}});
  }
  return {{"spec-id", spec.spec_id}, {"fields", std::move(fields)}};
}

PartitionSpec partition_spec_from_json(const json& j, const std::string& where) {
  try {
    PartitionSpec spec;
    spec.spec_id = j.at("spec-id").get<int>();
    for (const json& f : j.at("fields")) {
      PartitionField field{f.at("source-id").get<int>(), f.at("field-id").get<int>(),
                           f.at("name").get<std::string>(), f.at("transform").get<std::string>()};
      if (!is_supported_transform(field.transform)) {
        throw Error(ErrorKind::kStorage,
                    "partition transform '" + field.transform + "' is not supported yet",
                    Location(where));
      }
      spec.fields.push_back(std::move(field));
    }
    return spec;
  } catch (const json::exception& e) {
    throw Error(ErrorKind::kStorage, std::string("malformed partition spec: ") + e.what(),
                Location(where));
  }
}

std::vector<PartitionField> parse_partition_fields(std::string_view text, const Schema& schema,
                                                   int last_partition_id,
                                                   const std::string& table) {
  std::vector<PartitionField> fields;
  for (const std::string& part : top_level_items(text)) {
    const std::string item(trim(part));
    if (item.empty()) continue;
    std::string transform = "identity";
    std::string column = item;
    const size_t open = item.find('(');
    if (open != std::string::npos) {
      if (item.back() != ')') {
        throw Error(ErrorKind::kInput, "partition field '" + item + "' lacks a closing ')'",
                    Location::of(table));
      }
      transform = to_lower(trim(item.substr(0, open)));
      column = std::string(trim(item.substr(open + 1, item.size() - open - 2)));
      // bucket(16, id) and truncate(4, name) are bucket[16](id) and truncate[4](name).
      if (const size_t comma = column.find(','); comma != std::string::npos) {
        transform.append(1, '[').append(trim(column.substr(0, comma))).append(1, ']');
        column = std::string(trim(column.substr(comma + 1)));
      }
    }
    const Field* source = schema.find(column);
    if (!source) {
      std::vector<std::string> names;
      for (const Field& f : schema.fields) names.push_back(f.name);
      throw Error(ErrorKind::kInput,
                  "partition field '" + item + "': no column '" + column + "'" +
                      did_you_mean(column, names),
                  Location::of(table));
    }
    if (const std::string why = unsupported_reason(transform, source->type); !why.empty()) {
      throw Error(ErrorKind::kInput, "partition field '" + item + "': " + why, Location::of(table));
    }
    PartitionField field{source->id, last_partition_id + 1 + static_cast<int>(fields.size()),
                         field_name(source->name, transform), transform};
    for (const PartitionField& other : fields) {
      if (other.name == field.name) {
        throw Error(ErrorKind::kInput, "partition field '" + item + "' is given twice",
                    Location::of(table));
      }
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

std::string partition_spec_text(const PartitionSpec& spec, const Schema& schema) {
  std::vector<std::string> parts;
  for (const PartitionField& f : spec.fields) {
    std::string part = f.transform;
    part.append("(").append(source_field(f, schema).name).append(")");
    parts.push_back(std::move(part));
  }
  return join(parts, ", ");
}

Type partition_result_type(const PartitionField& field, const Schema& schema) {
  if (field.transform == "identity" || truncate_width(field.transform))
    return source_field(field, schema).type;
  if (field.transform == "day") return primitive(TypeId::kDate);
  return primitive(TypeId::kInt);  // year, month, hour, bucket
}

std::string partition_value_sql(const PartitionField& field, const Schema& schema,
                                const std::string& column_sql) {
  const Type& type = source_field(field, schema).type;
  if (field.transform == "identity") {
    if (type.id == TypeId::kDate) return "(" + column_sql + " - DATE '1970-01-01')";
    return column_sql;
  }
  if (const auto width = truncate_width(field.transform)) {
    const std::string w = std::to_string(*width);
    // Strings keep their first W code points; integers floor to a multiple of W (spec).
    if (type.id == TypeId::kString) return "substring(" + column_sql + ", 1, " + w + ")";
    return "(" + column_sql + " - (((" + column_sql + " % " + w + ") + " + w + ") % " + w + "))";
  }
  if (const auto buckets = bucket_count(field.transform)) {
    // The value as the hash reads it: a long, the hash bytes, or a decimal's unscaled value.
    std::string value;
    switch (type.id) {
      case TypeId::kDate:
        value = "CAST(" + column_sql + " - DATE '1970-01-01' AS BIGINT)";
        break;
      case TypeId::kTime:
      case TypeId::kTimestamp:
      case TypeId::kTimestampTz:
        value = "epoch_us(" + column_sql + ")";
        break;
      case TypeId::kString:
        value = "encode(" + column_sql + ")";
        break;
      case TypeId::kBinary:
        value = "CAST(" + column_sql + " AS BLOB)";
        break;
      case TypeId::kUuid:
        value = "unhex(replace(CAST(" + column_sql + " AS VARCHAR), '-', ''))";
        break;
      case TypeId::kDecimal:  // decimals print every digit of their scale
        value = "CAST(replace(CAST(" + column_sql + " AS VARCHAR), '.', '') AS HUGEINT)";
        break;
      default:
        value = "CAST(" + column_sql + " AS BIGINT)";
        break;
    }
    return std::string(kBucketFunction) + "(" + std::to_string(*buckets) + ", " + value + ")";
  }
  // Transforms work on UTC wall-clock time: epoch microseconds back to a naive timestamp, so that
  // the session time zone never shifts a timestamptz. date_diff counts the boundaries crossed
  // since the epoch, which is the floor the spec asks for, before 1970 too.
  const std::string utc = type.id == TypeId::kDate ? "CAST(" + column_sql + " AS TIMESTAMP)"
                                                   : "make_timestamp(epoch_us(" + column_sql + "))";
  return "CAST(date_diff('" + field.transform + "', TIMESTAMP '1970-01-01', " + utc +
         ") AS INTEGER)";
}

json partition_value_from_text(const Type& type, const std::optional<std::string>& text) {
  if (!text) return nullptr;
  switch (type.id) {
    case TypeId::kString:
      return *text;
    case TypeId::kBoolean:
      return *text == "true";
    default:
      return std::stoll(*text);
  }
}

json partition_record_schema(const PartitionSpec& spec, const Schema& schema) {
  json fields = json::array();
  for (const PartitionField& f : spec.fields) {
    const Type type = partition_result_type(f, schema);
    json avro_type;
    switch (type.id) {
      case TypeId::kDate:
        avro_type = {{"type", "int"}, {"logicalType", "date"}};
        break;
      case TypeId::kInt:
        avro_type = "int";
        break;
      case TypeId::kLong:
        avro_type = "long";
        break;
      case TypeId::kBoolean:
        avro_type = "boolean";
        break;
      default:
        avro_type = "string";
        break;
    }
    fields.push_back({{"name", f.name},
                      {"type", {"null", std::move(avro_type)}},
                      {"default", nullptr},
                      {"field-id", f.field_id}});
  }
  return {{"type", "record"}, {"name", "r102"}, {"fields", std::move(fields)}};
}

std::string partition_value_bytes(const Type& type, const json& value) {
  switch (type.id) {
    case TypeId::kString:
      return value.get<std::string>();
    case TypeId::kBoolean:
      return std::string(1, value.get<bool>() ? '\x01' : '\x00');
    case TypeId::kLong:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return little_endian(static_cast<uint64_t>(value.get<int64_t>()), 8);
    default:
      return little_endian(static_cast<uint64_t>(value.get<int64_t>()), 4);
  }
}

bool partition_value_less(const json& a, const json& b) {
  return a < b;
}

}  // namespace strata::lake::iceberg
