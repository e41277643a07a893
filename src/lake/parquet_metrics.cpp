#include "lake/parquet_metrics.hpp"

#include <optional>
#include <string>

#include "lake/iceberg_bounds.hpp"

namespace strata::lake {

namespace {

using iceberg::Field;
using iceberg::TypeId;
using nlohmann::json;

// '"s"."p"' -> {s, p}; a quote inside a name is doubled.
std::vector<std::string> path_components(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] != '"') return {};
    std::string name;
    for (++i; i < path.size(); ++i) {
      if (path[i] == '"') {
        if (i + 1 < path.size() && path[i + 1] == '"') {
          name += '"';
          ++i;
        } else {
          break;
        }
      } else {
        name += path[i];
      }
    }
    parts.push_back(std::move(name));
    i += 2;  // the closing quote and the dot
  }
  return parts;
}

struct Leaf {
  const Field* field = nullptr;
  bool repeated = false;  // inside a list or a map
};

Leaf find_leaf(const std::vector<Field>& fields, const std::vector<std::string>& parts) {
  Leaf leaf;
  const std::vector<Field>* level = &fields;
  for (const std::string& part : parts) {
    const Field* match = nullptr;
    for (const Field& field : *level) {
      if (field.name == part) match = &field;
    }
    if (!match) return {};
    leaf.field = match;
    if (match->type.id == TypeId::kList || match->type.id == TypeId::kMap) leaf.repeated = true;
    level = &match->type.fields;
  }
  if (!leaf.field || leaf.field->type.is_nested()) return {};
  return leaf;
}

std::optional<int64_t> number(const json& stats, const char* key) {
  auto found = stats.find(key);
  if (found == stats.end() || !found->is_string()) return std::nullopt;
  try {
    return std::stoll(found->get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> text(const json& stats, const char* key) {
  auto found = stats.find(key);
  if (found == stats.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

}  // namespace

std::vector<ColumnMetrics> parquet_metrics(const json& column_statistics,
                                           const iceberg::Schema& schema, uint64_t record_count) {
  std::vector<ColumnMetrics> out;
  if (!column_statistics.is_object()) return out;
  for (const auto& [path, stats] : column_statistics.items()) {
    const Leaf leaf = find_leaf(schema.fields, path_components(path));
    if (!leaf.field) continue;
    ColumnMetrics m;
    m.field_id = leaf.field->id;
    m.size_bytes = number(stats, "column_size_bytes");
    if (!leaf.repeated) {
      m.values = static_cast<int64_t>(record_count);
      m.nulls = number(stats, "null_count");
      if (auto min = text(stats, "min")) m.lower = iceberg::lower_bound(leaf.field->type, *min);
      if (auto max = text(stats, "max")) m.upper = iceberg::upper_bound(leaf.field->type, *max);
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace strata::lake
