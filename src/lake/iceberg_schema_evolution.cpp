#include "lake/iceberg_schema_evolution.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/text.hpp"
#include "lake/iceberg_type_mapping.hpp"

namespace strata::lake::iceberg {

namespace {

const Field* child_named(const Type& type, const std::string& name) {
  for (const Field& field : type.fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

[[noreturn]] void type_conflict(const std::string& table, const std::string& column,
                                const Type& has, const Type& gets) {
  throw Error(ErrorKind::kConflict,
              "column '" + column + "' of table " + table + " is " + type_name(has) +
                  ", but the new data has " + type_name(gets) +
                  "; a column may only widen (int to long, float to double, a larger decimal "
                  "precision): cast it in the query, or overwrite the table",
              Location::of(table));
}

[[noreturn]] void concurrent_change(const std::string& table, const std::string& column) {
  throw Error(ErrorKind::kConflict,
              "the schema of table " + table + " changed while writing (column '" + column +
                  "'); another writer committed first: run the write again",
              Location::of(table));
}

class Planner {
 public:
  Planner(int last_column_id, WriteMode mode, std::string table)
      : last_id_(last_column_id), mode_(mode), table_(std::move(table)) {}

  Field fresh(Field field) {
    field.id = ++last_id_;
    for (Field& child : field.type.fields) child = fresh(std::move(child));
    return field;
  }

  // The field as written, given the table's field of the same name (or none).
  Field reconcile(const Field* table_field, Field data, const std::string& path) {
    if (!table_field) return fresh(std::move(data));
    const Type& has = table_field->type;
    Field out{table_field->id, data.name, table_field->required, {}};
    if (has.is_nested() && has.id == data.type.id) {
      out.type.id = has.id;
      for (Field& child : data.type.fields) {
        const std::string child_path = path + "." + child.name;
        const Field* table_child = child_named(has, child.name);  // before `child` is moved
        out.type.fields.push_back(reconcile(table_child, std::move(child), child_path));
      }
      return out;
    }
    if (!has.is_nested() && !data.type.is_nested()) {
      if (has == data.type || is_promotion(data.type, has)) {
        out.type = has;  // the same, or narrower: written as the table's type
        return out;
      }
      if (is_promotion(has, data.type)) {
        out.type = data.type;  // the table's column widens
        return out;
      }
    }
    if (mode_ == WriteMode::kOverwrite) return fresh(std::move(data));
    type_conflict(table_, path, has, data.type);
  }

 private:
  int last_id_;
  WriteMode mode_;
  std::string table_;
};

class Merger {
 public:
  Merger(int base_last_column_id, std::string table)
      : base_last_id_(base_last_column_id), table_(std::move(table)) {}

  // A field the base lacks: its ids must all be new to the base.
  void check_new(const Field& field, const std::string& path) const {
    if (field.id <= base_last_id_) concurrent_change(table_, path);
    for (const Field& child : field.type.fields) check_new(child, path + "." + child.name);
  }

  Field merge(const Field& base, const Field& written, const std::string& path) const {
    if (base.id != written.id) concurrent_change(table_, path);
    Field out = base;
    if (base.type.is_nested() && base.type.id == written.type.id) {
      for (const Field& child : written.type.fields) {
        const std::string child_path = path + "." + child.name;
        const Field* existing = child_named(base.type, child.name);
        if (!existing) {
          check_new(child, child_path);
          out.type.fields.push_back(child);
          continue;
        }
        for (Field& target : out.type.fields) {
          if (target.name == child.name) target = merge(*existing, child, child_path);
        }
      }
      return out;
    }
    if (base.type.is_nested() || written.type.is_nested()) concurrent_change(table_, path);
    if (is_promotion(base.type, written.type)) {
      out.type = written.type;
    } else if (base.type != written.type && !is_promotion(written.type, base.type)) {
      concurrent_change(table_, path);
    }
    return out;
  }

 private:
  int base_last_id_;
  std::string table_;
};

void collect_ids(const std::vector<Field>& fields, std::map<int, std::string>& names) {
  for (const Field& field : fields) {
    names[field.id] = field.name;
    collect_ids(field.type.fields, names);
  }
}

void check_reused_ids(const std::vector<Field>& fields, const std::map<int, std::string>& base,
                      int base_last_id, const std::string& table, const std::string& prefix) {
  for (const Field& field : fields) {
    const std::string path = prefix.empty() ? field.name : prefix + "." + field.name;
    if (field.id <= base_last_id) {
      auto found = base.find(field.id);
      if (found == base.end() || found->second != field.name) concurrent_change(table, path);
    }
    check_reused_ids(field.type.fields, base, base_last_id, table, path);
  }
}

}  // namespace

bool is_promotion(const Type& from, const Type& to) {
  if (from.id == TypeId::kInt && to.id == TypeId::kLong) return true;
  if (from.id == TypeId::kFloat && to.id == TypeId::kDouble) return true;
  return from.id == TypeId::kDecimal && to.id == TypeId::kDecimal && from.scale == to.scale &&
         from.precision < to.precision;
}

WritePlan plan_write(const std::vector<engine::ResultColumn>& columns, const Schema* current,
                     int last_column_id, WriteMode mode, const std::string& table) {
  Planner planner(last_column_id, mode, table);
  WritePlan plan;
  std::set<std::string> seen;
  for (const engine::ResultColumn& column : columns) {
    if (!seen.insert(column.name).second) {
      throw Error(ErrorKind::kInput,
                  "the query returns column '" + column.name +
                      "' twice; give each column its own "
                      "name",
                  Location::of(table));
    }
    Field data{0, column.name, false, iceberg_type_of(column.type, column.name)};
    const Field* existing = current ? current->find(column.name) : nullptr;
    Field written = planner.reconcile(existing, std::move(data), column.name);
    const std::string name = engine::quote_identifier(column.name);
    plan.select_list.push_back(writes_as(column.type, written.type)
                                   ? name
                                   : "CAST(" + name + " AS " + duckdb_type_sql(written.type) +
                                         ") AS " + name);
    plan.file_schema.fields.push_back(std::move(written));
  }
  return plan;
}

EvolvedSchema evolve_schema(const Schema* base, int base_last_column_id, const Schema& written,
                            WriteMode mode, const std::string& table) {
  EvolvedSchema out;
  out.last_column_id = std::max(base_last_column_id, written.highest_field_id());
  if (!base) {
    out.fields = written.fields;
    return out;
  }
  if (mode == WriteMode::kOverwrite) {
    std::map<int, std::string> base_ids;
    collect_ids(base->fields, base_ids);
    check_reused_ids(written.fields, base_ids, base_last_column_id, table, "");
    out.fields = written.fields;
    return out;
  }
  Merger merger(base_last_column_id, table);
  out.fields = base->fields;
  for (const Field& field : written.fields) {
    const Field* existing = base->find(field.name);
    if (!existing) {
      merger.check_new(field, field.name);
      out.fields.push_back(field);
      continue;
    }
    for (Field& target : out.fields) {
      if (target.name == field.name) target = merger.merge(*existing, field, field.name);
    }
  }
  return out;
}

}  // namespace strata::lake::iceberg

namespace strata::lake::iceberg {

namespace {

Type parse_widened_type(const std::string& text, const std::string& table) {
  const std::string lower = to_lower(text);
  if (lower == "long" || lower == "bigint") return primitive(TypeId::kLong);
  if (lower == "double") return primitive(TypeId::kDouble);
  int precision = 0, scale = 0;
  if (std::sscanf(lower.c_str(), "decimal(%d,%d)", &precision, &scale) == 2 ||
      std::sscanf(lower.c_str(), "decimal(%d, %d)", &precision, &scale) == 2) {
    return decimal(precision, scale);
  }
  throw Error(ErrorKind::kInput,
              "cannot widen to '" + text + "': use long, double or decimal(P, S)",
              Location::of(table));
}

}  // namespace

std::vector<Field> alter_fields(const Schema& schema, const SchemaAlteration& alteration,
                                const std::string& table) {
  std::vector<Field> fields = schema.fields;
  auto position = [&](const std::string& name) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == name) return i;
    }
    std::vector<std::string> names;
    for (const Field& f : fields) names.push_back(f.name);
    throw Error(ErrorKind::kInput, "no column '" + name + "'" + did_you_mean(name, names),
                Location::of(table));
  };
  const size_t at = position(alteration.column);
  switch (alteration.kind) {
    case AlterKind::kDrop:
      if (fields.size() == 1)
        throw Error(ErrorKind::kInput, "cannot drop the last column", Location::of(table));
      fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    case AlterKind::kRename:
      if (alteration.argument.empty() || schema.find(alteration.argument)) {
        throw Error(ErrorKind::kInput,
                    "cannot rename '" + alteration.column + "' to '" + alteration.argument +
                        "': " + (alteration.argument.empty() ? "empty name" : "the name is taken"),
                    Location::of(table));
      }
      fields[at].name = alteration.argument;
      break;
    case AlterKind::kMoveFirst:
    case AlterKind::kMoveAfter: {
      Field moved = fields[at];
      fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(at));
      size_t target = 0;
      if (alteration.kind == AlterKind::kMoveAfter) {
        if (alteration.argument == alteration.column)
          throw Error(ErrorKind::kInput, "cannot move a column after itself", Location::of(table));
        target = position(alteration.argument) + 1;
      }
      fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(target), std::move(moved));
      break;
    }
    case AlterKind::kWiden: {
      const Type to = parse_widened_type(alteration.argument, table);
      if (!is_promotion(fields[at].type, to)) {
        throw Error(ErrorKind::kInput,
                    "cannot change column '" + alteration.column + "' from " +
                        type_name(fields[at].type) + " to " + type_name(to) +
                        " (Iceberg allows int to long, float to double and a larger decimal "
                        "precision with the same scale)",
                    Location::of(table));
      }
      fields[at].type = to;
      break;
    }
  }
  return fields;
}

}  // namespace strata::lake::iceberg
