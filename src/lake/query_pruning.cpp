// The query's constants are cast to the column's type by DuckDB itself, on the query's
// connection (so string literals, time zones and decimal scales are read as the query will read
// them), but only in the shapes where that cast is exactly what DuckDB's comparison does (a
// literal of the column's type, a string literal, an integer or a decimal that converts exactly,
// a date against a timestamp); other constants prune nothing. A file is kept when some reference
// to its table may read a row of it.
#include "lake/query_pruning.hpp"

#include <map>
#include <set>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "engine/sql_tree.hpp"
#include "lake/file_pruning.hpp"
#include "lake/files_view.hpp"
#include "lake/iceberg_bounds.hpp"
#include "lake/iceberg_scan.hpp"

namespace strata::lake {

namespace {

using engine::json_text;
using engine::quote_literal;
using iceberg::Type;
using iceberg::TypeId;
using nlohmann::json;

constexpr int kMaxViewDepth = 32;

bool is_integer_id(const std::string& id) {
  static const std::set<std::string> kIds = {"TINYINT",  "SMALLINT",       "INTEGER",
                                             "BIGINT",   "UTINYINT",       "USMALLINT",
                                             "UINTEGER", "INTEGER_LITERAL"};
  return kIds.contains(id);
}

bool is_integer_type(const Type& type) {
  return type.id == TypeId::kInt || type.id == TypeId::kLong;
}

// "12.50" from an unscaled value and a scale.
std::string decimal_text(int64_t unscaled, int scale) {
  const bool negative = unscaled < 0;
  const auto magnitude = static_cast<unsigned long long>(
      negative ? -static_cast<__int128>(unscaled) : static_cast<__int128>(unscaled));
  std::string digits = std::to_string(magnitude);
  const auto places = static_cast<size_t>(scale);
  if (digits.size() <= places) digits = std::string(places + 1 - digits.size(), '0').append(digits);
  std::string out = negative ? "-" : "";
  out.append(digits, 0, digits.size() - places);
  if (places > 0) out.append(".").append(digits, digits.size() - places, places);
  return out;
}

int decimal_scale(const json& type) {
  const json& info = type.value("type_info", json());
  return info.is_object() ? info.value("scale", -1) : -1;
}

// SQL of the value DuckDB compares a column of `type` with, when `constant` (a literal or a cast
// literal) is one of the shapes where casting it to the column's type is what the comparison
// does; none otherwise.
std::optional<std::string> comparable_constant(const json& constant, const Type& type) {
  const std::string column_type = iceberg::duckdb_type_sql(type);
  const auto cast = [&](const std::string& sql) {
    return "TRY_CAST(" + sql + " AS " + column_type + ")";
  };
  const std::string node_class = json_text(constant, "class");
  if (node_class == "CONSTANT") {
    const json& value = constant.value("value", json());
    if (!value.is_object() || value.value("is_null", true)) return std::nullopt;
    const std::string id = json_text(value.value("type", json()), "id");
    const json& raw = value.value("value", json());
    if (id == "VARCHAR" && raw.is_string()) {
      return cast(
          quote_literal(raw.get<std::string>()));  // a string literal takes the column's type
    }
    if (is_integer_id(id) && raw.is_number_integer()) {
      if (is_integer_type(type) || (type.id == TypeId::kDecimal && type.scale <= 18)) {
        return cast(std::to_string(raw.get<int64_t>()));
      }
      return std::nullopt;
    }
    if (id == "DECIMAL" && raw.is_number_integer()) {
      const int scale = decimal_scale(value.value("type", json()));
      if (scale < 0 || scale > 18) return std::nullopt;
      const int64_t unscaled = raw.get<int64_t>();
      const std::string text = decimal_text(unscaled, scale);
      if (type.id == TypeId::kDecimal && scale <= type.scale) return cast(text);
      int64_t power = 1;
      for (int i = 0; i < scale; ++i) power *= 10;
      if (is_integer_type(type) && unscaled % power == 0) return cast(text);
      return std::nullopt;
    }
    if (id == "BOOLEAN" && raw.is_boolean() && type.id == TypeId::kBoolean) {
      return raw.get<bool>() ? "true" : "false";
    }
    return std::nullopt;
  }
  if (node_class != "CAST") return std::nullopt;
  const json& child = constant.value("child", json());
  const json& value = child.value("value", json());
  if (!value.is_object() || value.value("is_null", true)) return std::nullopt;
  const std::string child_id = json_text(value.value("type", json()), "id");
  const json& raw = value.value("value", json());
  std::string literal;
  if (child_id == "VARCHAR" && raw.is_string()) {
    literal = quote_literal(raw.get<std::string>());
  } else if (is_integer_id(child_id) && raw.is_number_integer()) {
    literal = std::to_string(raw.get<int64_t>());
  } else {
    return std::nullopt;
  }
  const json& target = constant.value("cast_type", json());
  const std::string target_id = json_text(target, "id");
  static const std::map<TypeId, std::string> kSameType = {
      {TypeId::kInt, "INTEGER"},         {TypeId::kLong, "BIGINT"},
      {TypeId::kDate, "DATE"},           {TypeId::kTime, "TIME"},
      {TypeId::kTimestamp, "TIMESTAMP"}, {TypeId::kTimestampTz, "TIMESTAMP WITH TIME ZONE"},
      {TypeId::kString, "VARCHAR"},      {TypeId::kBoolean, "BOOLEAN"}};
  const auto same = kSameType.find(type.id);
  const bool exact = same != kSameType.end() && same->second == target_id;
  const bool integers = is_integer_type(type) && (target_id == "INTEGER" || target_id == "BIGINT");
  const bool date_to_time =
      target_id == "DATE" && (type.id == TypeId::kTimestamp || type.id == TypeId::kTimestampTz);
  if (exact || integers || date_to_time) {
    const std::string target_sql =
        target_id == "TIMESTAMP WITH TIME ZONE" ? "TIMESTAMPTZ" : target_id;
    return cast("CAST(" + literal + " AS " + target_sql + ")");
  }
  if (type.id == TypeId::kDecimal && target_id == "DECIMAL") {
    const int scale = decimal_scale(target);
    const json& info = target.value("type_info", json());
    const int width = info.is_object() ? info.value("width", 0) : 0;
    if (scale < 0 || scale > type.scale || width <= 0) return std::nullopt;
    return cast("CAST(" + literal + " AS DECIMAL(" + std::to_string(width) + "," +
                std::to_string(scale) + "))");
  }
  return std::nullopt;
}

struct PendingPredicate {
  FilePredicate predicate;
  std::vector<std::string> sql;  // the constants to evaluate
};

struct TableState {
  TableInfo info;
  iceberg::TableMetadata metadata;
};

std::vector<PruningReport> prune_for_query(Lake& lake, engine::Connection& connection,
                                           const std::string& sql) {
  engine::SqlTree parsed = engine::serialize_sql(connection, sql);
  if (!parsed.ok || parsed.statements != 1) return {};

  std::map<std::string, TableInfo> catalog;  // by lower-case "space.name"
  for (TableInfo& info : lake.store().list_tables()) {
    catalog[to_lower(info.name.space) + "." + to_lower(info.name.name)] = std::move(info);
  }
  std::map<std::string, TableState> states;
  const auto state_of = [&](const std::string& key) -> const TableState* {
    auto it = catalog.find(key);
    if (it == catalog.end() || it->second.kind != TableKind::kTable ||
        it->second.metadata_location.empty())
      return nullptr;
    auto found = states.find(key);
    if (found == states.end()) {
      std::optional<iceberg::TableMetadata> metadata = lake.table_metadata(it->second.name);
      if (!metadata) return nullptr;
      found = states.emplace(key, TableState{it->second, std::move(*metadata)}).first;
    }
    return &found->second;
  };
  const ColumnsOf columns_of =
      [&](const std::string& space,
          const std::string& name) -> std::optional<std::vector<std::string>> {
    const TableState* state = state_of(space + "." + name);
    if (!state) return std::nullopt;
    std::vector<std::string> columns;
    for (const iceberg::Field& field : state->metadata.current_schema().fields) {
      columns.push_back(field.name);
    }
    return columns;
  };

  QueryScans scans = query_scans(parsed.tree["statements"][0], columns_of);
  if (!scans.analysed) {
    log::debug("query not analysed for file pruning", {{"reason", scans.reason}});
    return {};
  }
  // Per table, the references' predicates; a table read whole (some reference without
  // predicates, or through a view) maps to nothing.
  std::map<std::string, std::vector<std::vector<ColumnPredicate>>> reads;
  std::set<std::string> whole;
  // Tables a view reads are read whole: the view's name hides its predicates from this query.
  std::vector<std::pair<std::string, int>> views;
  const auto note = [&](const TableReference& reference, int depth) {
    const std::string key =
        (reference.schema.empty() ? "main" : reference.schema) + "." + reference.name;
    auto it = catalog.find(key);
    if (it == catalog.end()) return;
    if (it->second.kind == TableKind::kView) {
      views.emplace_back(key, depth + 1);
    } else if (depth > 0 || reference.predicates.empty() || reference.schema.empty()) {
      whole.insert(key);
    } else {
      reads[key].push_back(reference.predicates);
    }
  };
  for (const TableReference& reference : scans.references) note(reference, 0);
  std::set<std::string> expanded;
  while (!views.empty()) {
    auto [key, depth] = views.back();
    views.pop_back();
    if (!expanded.insert(key).second) continue;
    engine::SqlTree view = engine::serialize_sql(connection, catalog[key].view_sql);
    const auto nothing = [](const std::string&, const std::string&) {
      return std::optional<std::vector<std::string>>();
    };
    QueryScans view_scans = view.ok && view.statements == 1 && depth <= kMaxViewDepth
                                ? query_scans(view.tree["statements"][0], nothing)
                                : QueryScans{};
    if (!view_scans.analysed) {
      log::debug("query not analysed for file pruning", {{"reason", "it reads view " + key}});
      return {};
    }
    for (const TableReference& reference : view_scans.references) note(reference, depth);
  }

  // Constants to evaluate, per table and reference.
  std::map<std::string, std::vector<std::vector<PendingPredicate>>> pending;
  std::vector<std::string> constants;
  for (const auto& [key, references] : reads) {
    if (whole.contains(key)) continue;
    const iceberg::Schema schema = state_of(key)->metadata.current_schema();
    if (schema.fields.empty()) continue;
    for (const std::vector<ColumnPredicate>& predicates : references) {
      std::vector<PendingPredicate> usable;
      for (const ColumnPredicate& predicate : predicates) {
        const iceberg::Field* field = schema.find(predicate.column);
        if (!field) continue;
        PendingPredicate item{{field->id, field->type, predicate.op, {}}, {}};
        bool ok = true;
        for (const json& constant : predicate.constants) {
          auto sql_text = prunable_type(field->type) ? comparable_constant(constant, field->type)
                                                     : std::nullopt;
          if (!sql_text) {
            ok = false;
            break;
          }
          item.sql.push_back(*sql_text + "::VARCHAR");
        }
        if (ok) usable.push_back(std::move(item));
      }
      pending[key].push_back(std::move(usable));
    }
  }
  // One query evaluates every constant, with the session's settings.
  std::vector<engine::Value> values;
  std::string select = "SELECT current_setting('default_collation')";
  for (const auto& [key, references] : pending) {
    for (const auto& predicates : references) {
      for (const PendingPredicate& item : predicates) {
        for (const std::string& text : item.sql) select += ", " + text;
      }
    }
  }
  if (!pending.empty()) {
    auto rows = connection.query(select).fetch_all();
    if (rows.size() == 1) values = rows[0];
  }
  const auto* collation = values.empty() ? nullptr : std::get_if<std::string>(&values[0]);
  const bool binary_strings = collation && collation->empty();

  std::vector<PruningReport> reports;
  size_t next = 1;
  for (auto& [key, references] : pending) {
    std::vector<std::vector<FilePredicate>> bound;
    bool read_whole = false;
    for (auto& predicates : references) {
      std::vector<FilePredicate> usable;
      for (PendingPredicate& item : predicates) {
        bool ok = true;
        for (size_t i = 0; i < item.sql.size(); ++i) {
          const engine::Value& value = next < values.size() ? values[next] : engine::Value();
          ++next;
          const auto* text = std::get_if<std::string>(&value);
          std::optional<std::string> single =
              text ? iceberg::single_value(item.predicate.type, *text) : std::nullopt;
          if (!single) {
            ok = false;
            continue;
          }
          item.predicate.values.push_back(std::move(*single));
        }
        if (item.predicate.type.id == TypeId::kString && !binary_strings && !item.sql.empty())
          ok = false;  // a collation orders strings otherwise than their bytes
        if (ok) usable.push_back(std::move(item.predicate));
      }
      if (usable.empty()) read_whole = true;
      bound.push_back(std::move(usable));
    }
    if (read_whole) continue;
    const TableState& state = *state_of(key);
    std::map<int, iceberg::PartitionSpec> specs;
    for (iceberg::PartitionSpec& spec : state.metadata.partition_specs()) {
      specs[spec.spec_id] = std::move(spec);
    }
    const iceberg::Schema schema = state.metadata.current_schema();
    // The files of the snapshot this metadata names, so schema and files agree.
    std::vector<DataFile> files;
    const std::optional<int64_t> current = state.metadata.current_snapshot_id();
    const std::optional<iceberg::Snapshot> snapshot =
        current ? state.metadata.snapshot(*current) : std::nullopt;
    if (snapshot) {
      for (iceberg::ManifestEntry& entry : iceberg::live_entries(*snapshot)) {
        files.push_back(std::move(entry.file));
      }
    }
    PruningReport report{state.info.name, files.size(), 0, 0, 0};
    std::vector<DataFile> kept;
    for (DataFile& file : files) {
      auto spec = specs.find(file.partition_spec_id);
      const iceberg::PartitionSpec none{};
      SkipReason first = SkipReason::kNone;
      bool keep = false;
      for (const auto& predicates : bound) {
        const SkipReason reason =
            skip_reason(file, spec == specs.end() ? none : spec->second, schema, predicates);
        if (reason == SkipReason::kNone) {
          keep = true;
          break;
        }
        if (first == SkipReason::kNone) first = reason;
      }
      if (keep) {
        kept.push_back(std::move(file));
      } else if (first == SkipReason::kPartition) {
        ++report.skipped_by_partition;
      } else {
        ++report.skipped_by_statistics;
      }
    }
    report.read = kept.size();
    if (kept.size() < files.size()) {
      connection.execute("CREATE OR REPLACE VIEW " + table_relation(state.info.name) + " AS " +
                         files_sql(kept, schema));
    }
    log::debug("file pruning", {{"table", state.info.name.str()},
                                {"files", report.files},
                                {"read", report.read},
                                {"skipped_by_partition", report.skipped_by_partition},
                                {"skipped_by_statistics", report.skipped_by_statistics}});
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace

std::vector<PruningReport> attach_for_query(Lake& lake, engine::Connection& connection,
                                            const std::string& sql) {
  try {
    return prune_for_query(lake, connection, sql);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInterrupted) throw;
    // Pruning is an optimisation: the query runs over every file instead, and reports the
    // problem (a damaged table, say) itself if it reads it.
    log::debug("file pruning skipped", {{"error", e.what()}});
    return {};
  }
}

}  // namespace strata::lake
