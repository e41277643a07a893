#include "lake/file_pruning.hpp"

#include <chrono>
#include <optional>
#include <variant>

#include "lake/iceberg_bucket.hpp"
#include "lake/iceberg_transforms.hpp"

namespace strata::lake {

namespace {

using iceberg::Type;
using iceberg::TypeId;
using nlohmann::json;

// A value in Iceberg's order: integers (ints, longs, booleans, dates, times, timestamps in
// microseconds), unscaled decimals, or bytes (strings, binary) compared unsigned.
using Scalar = std::variant<int64_t, __int128, std::string>;

constexpr int64_t kMicrosPerHour = 3'600'000'000;
constexpr int64_t kMicrosPerDay = 86'400'000'000;

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool is_integer_like(TypeId id) {
  return id == TypeId::kInt || id == TypeId::kLong || id == TypeId::kDate || id == TypeId::kTime ||
         id == TypeId::kTimestamp || id == TypeId::kTimestampTz || id == TypeId::kBoolean;
}

std::optional<Scalar> decode(const Type& type, const std::string& bytes) {
  if (type.id == TypeId::kBoolean) {
    if (bytes.size() != 1) return std::nullopt;
    return Scalar(int64_t{bytes[0] != 0});
  }
  if (is_integer_like(type.id)) {
    // Files written before an int column became a long keep 4-byte bounds.
    if (bytes.size() != 4 && bytes.size() != 8) return std::nullopt;
    uint64_t value = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
      value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    }
    if (bytes.size() == 4)
      return Scalar(int64_t{static_cast<int32_t>(static_cast<uint32_t>(value))});
    return Scalar(static_cast<int64_t>(value));
  }
  if (type.id == TypeId::kDecimal) {
    if (bytes.empty() || bytes.size() > 16) return std::nullopt;
    __int128 value = static_cast<signed char>(bytes[0]) < 0 ? -1 : 0;
    for (char c : bytes) value = value * 256 + static_cast<unsigned char>(c);
    return Scalar(value);
  }
  if (type.id == TypeId::kString || type.id == TypeId::kBinary) return Scalar(bytes);
  return std::nullopt;
}

// A partition value from a manifest (JSON) of the partition field's result type.
std::optional<Scalar> partition_scalar(const Type& type, const json& value) {
  if (type.id == TypeId::kBoolean && value.is_boolean()) return Scalar(int64_t{value.get<bool>()});
  if (is_integer_like(type.id) && value.is_number_integer()) return Scalar(value.get<int64_t>());
  if (type.id == TypeId::kString && value.is_string()) return Scalar(value.get<std::string>());
  return std::nullopt;
}

int compare(const Scalar& a, const Scalar& b) {
  if (a.index() != b.index()) return 0;  // never happens for values of one type
  if (const auto* x = std::get_if<std::string>(&a)) {
    const int c = x->compare(std::get<std::string>(b));  // char_traits<char>: unsigned bytes
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (const auto* x = std::get_if<int64_t>(&a)) {
    const int64_t y = std::get<int64_t>(b);
    return *x < y ? -1 : *x > y ? 1 : 0;
  }
  const __int128 x = std::get<__int128>(a);
  const __int128 y = std::get<__int128>(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// The first `width` code points of UTF-8 text.
std::string utf8_prefix(const std::string& text, int64_t width) {
  size_t i = 0;
  for (int64_t n = 0; i < text.size() && n < width; ++n) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return text.substr(0, i);
}

int64_t months_since_epoch(int64_t days) {
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  // Signed arithmetic: months before 1970 are negative.
  return (int64_t{static_cast<int>(date.year())} - 1970) * 12 +
         int64_t{static_cast<unsigned>(date.month())} - 1;
}

// The transform of a constant of the source type `source`, comparable with partition values;
// none when not handled.
std::optional<Scalar> transformed(const std::string& transform, const Type& source,
                                  const std::string& bytes) {
  if (auto buckets = iceberg::bucket_count(transform)) {
    auto hash = iceberg::hash_single_value(source, bytes);
    if (!hash) return std::nullopt;
    return Scalar(int64_t{iceberg::bucket_of(*hash, *buckets)});
  }
  auto value = decode(source, bytes);
  if (!value) return std::nullopt;
  if (transform == "identity") return value;
  if (auto width = iceberg::truncate_width(transform)) {
    if (auto* text = std::get_if<std::string>(&*value); text && source.id == TypeId::kString) {
      return Scalar(utf8_prefix(*text, *width));
    }
    if (source.id == TypeId::kInt || source.id == TypeId::kLong) {
      const int64_t v = std::get<int64_t>(*value);
      return Scalar(v - (((v % *width) + *width) % *width));
    }
    return std::nullopt;
  }
  const bool date = source.id == TypeId::kDate;
  if (!date && source.id != TypeId::kTimestamp && source.id != TypeId::kTimestampTz) {
    return std::nullopt;
  }
  const int64_t v = std::get<int64_t>(*value);
  const int64_t days = date ? v : floor_div(v, kMicrosPerDay);
  if (transform == "day") return Scalar(days);
  if (transform == "hour") {
    if (date) return std::nullopt;
    return Scalar(floor_div(v, kMicrosPerHour));
  }
  if (transform == "month") return Scalar(months_since_epoch(days));
  if (transform == "year") return Scalar(floor_div(months_since_epoch(days), 12));
  return std::nullopt;
}

bool monotonic(const std::string& transform) {
  return transform == "identity" || transform == "year" || transform == "month" ||
         transform == "day" || transform == "hour" || iceberg::truncate_width(transform);
}

bool is_comparison(PredicateOp op) {
  return op != PredicateOp::kIsNull && op != PredicateOp::kIsNotNull;
}

// Whether a partition value `partition` (not null) allows a row with `op` against `constant`,
// both transformed; for non-monotonic transforms only equality tells.
bool partition_allows(PredicateOp op, const Scalar& partition, const Scalar& constant,
                      bool ordered) {
  const int c = compare(partition, constant);
  switch (op) {
    case PredicateOp::kEq:
    case PredicateOp::kIn:
      return c == 0;
    case PredicateOp::kLt:
    case PredicateOp::kLe:  // x <= v implies t(x) <= t(v)
      return !ordered || c <= 0;
    case PredicateOp::kGt:
    case PredicateOp::kGe:
      return !ordered || c >= 0;
    default:
      return true;
  }
}

bool partition_rejects(const DataFile& file, const iceberg::PartitionSpec& spec,
                       const iceberg::Schema& schema, const FilePredicate& predicate) {
  if (file.partition.size() != spec.fields.size()) return false;
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const iceberg::PartitionField& field = spec.fields[i];
    if (field.source_id != predicate.field_id) continue;
    const bool known = monotonic(field.transform) || iceberg::bucket_count(field.transform);
    if (!known) continue;
    const json& value = file.partition[i];
    // These transforms map null to null and nothing else to null.
    if (value.is_null()) {
      if (predicate.op != PredicateOp::kIsNull) return true;
      continue;
    }
    if (predicate.op == PredicateOp::kIsNull) return true;
    if (!is_comparison(predicate.op)) continue;
    if (!schema.find_id(field.source_id)) continue;
    const Type result = iceberg::partition_result_type(field, schema);
    const auto partition = partition_scalar(result, value);
    if (!partition) continue;
    const bool ordered = monotonic(field.transform);
    if (!ordered && predicate.op != PredicateOp::kEq && predicate.op != PredicateOp::kIn) continue;
    bool allowed = false;
    for (const std::string& constant : predicate.values) {
      const auto t = transformed(field.transform, predicate.type, constant);
      if (!t || t->index() != partition->index() ||
          partition_allows(predicate.op, *partition, *t, ordered)) {
        allowed = true;
        break;
      }
    }
    if (!allowed) return true;
  }
  return false;
}

const ColumnMetrics* metrics_of(const DataFile& file, int field_id) {
  for (const ColumnMetrics& m : file.metrics) {
    if (m.field_id == field_id) return &m;
  }
  return nullptr;
}

// Whether a value range [lower, upper] (either may be unknown) may hold a value `op` accepts.
bool range_allows(PredicateOp op, const std::optional<Scalar>& lower,
                  const std::optional<Scalar>& upper, const Scalar& constant) {
  const auto same_kind = [&](const std::optional<Scalar>& bound) {
    return bound && bound->index() == constant.index();
  };
  const bool low = same_kind(lower);
  const bool high = same_kind(upper);
  switch (op) {
    case PredicateOp::kEq:
    case PredicateOp::kIn:
      return (!low || compare(*lower, constant) <= 0) && (!high || compare(*upper, constant) >= 0);
    case PredicateOp::kLt:
      return !low || compare(*lower, constant) < 0;
    case PredicateOp::kLe:
      return !low || compare(*lower, constant) <= 0;
    case PredicateOp::kGt:
      return !high || compare(*upper, constant) > 0;
    case PredicateOp::kGe:
      return !high || compare(*upper, constant) >= 0;
    default:
      return true;
  }
}

bool statistics_reject(const DataFile& file, const FilePredicate& predicate) {
  const ColumnMetrics* metrics = metrics_of(file, predicate.field_id);
  if (!metrics) return false;
  const bool all_null = metrics->nulls && metrics->values && *metrics->nulls == *metrics->values;
  switch (predicate.op) {
    case PredicateOp::kIsNull:
      return metrics->nulls && *metrics->nulls == 0;
    case PredicateOp::kIsNotNull:
      return all_null;
    default:
      break;
  }
  if (all_null) return true;  // a comparison with NULL is never true
  if (!prunable_type(predicate.type)) return false;
  std::optional<Scalar> lower;
  std::optional<Scalar> upper;
  if (metrics->lower) lower = decode(predicate.type, *metrics->lower);
  if (metrics->upper) upper = decode(predicate.type, *metrics->upper);
  for (const std::string& bytes : predicate.values) {
    const auto constant = decode(predicate.type, bytes);
    if (!constant || range_allows(predicate.op, lower, upper, *constant)) return false;
  }
  return true;
}

}  // namespace

bool prunable_type(const Type& type) {
  switch (type.id) {
    case TypeId::kBoolean:
    case TypeId::kInt:
    case TypeId::kLong:
    case TypeId::kDecimal:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
    case TypeId::kString:
      return true;
    default:
      return false;
  }
}

SkipReason skip_reason(const DataFile& file, const iceberg::PartitionSpec& spec,
                       const iceberg::Schema& schema,
                       const std::vector<FilePredicate>& predicates) {
  for (const FilePredicate& predicate : predicates) {
    if (is_comparison(predicate.op) && predicate.values.empty()) continue;
    if (partition_rejects(file, spec, schema, predicate)) return SkipReason::kPartition;
  }
  for (const FilePredicate& predicate : predicates) {
    if (is_comparison(predicate.op) && predicate.values.empty()) continue;
    if (statistics_reject(file, predicate)) return SkipReason::kStatistics;
  }
  return SkipReason::kNone;
}

}  // namespace strata::lake
