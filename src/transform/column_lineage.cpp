#include "transform/column_lineage.hpp"

#include <set>

#include "core/error.hpp"
#include "core/text.hpp"
#include "transform/artifacts.hpp"
#include "transform/model_graph.hpp"
#include "transform/runner.hpp"

namespace strata::transform {
namespace {

using nlohmann::json;

struct Column {
  std::string name;
  std::set<ColumnOrigin> origins;
  bool direct = false;
  bool unresolved = false;

  void absorb(const Column& other) {
    origins.insert(other.origins.begin(), other.origins.end());
    unresolved = unresolved || other.unresolved;
  }
};

// A relation in a FROM clause: its name there and its columns; `known` is false when its columns
// could not be learned (an outside relation not in the lake, a table function), and then
// `external` names the outside relation a reference to it is attributed to (if any).
struct Relation {
  std::string alias;
  std::vector<Column> columns;
  bool known = true;
  std::string external;
  std::set<std::string> hidden;  // USING/NATURAL join columns that `*` shows once, from the left
};

struct Scope {
  const Scope* parent = nullptr;
  std::vector<Relation> relations;
  std::vector<Column> items;  // the select list so far: DuckDB lets later items name earlier ones
};

using Ctes = std::map<std::string, std::vector<Column>>;

std::string text(const json& node, const char* key) {
  auto found = node.find(key);
  return found != node.end() && found->is_string() ? found->get<std::string>() : std::string();
}

const json& member(const json& node, const char* key) {
  static const json none;
  auto found = node.find(key);
  return found == node.end() ? none : *found;
}

void rename(std::vector<Column>& columns, const json& aliases) {
  if (!aliases.is_array()) return;
  for (size_t i = 0; i < aliases.size() && i < columns.size(); ++i) {
    columns[i].name = aliases[i].get<std::string>();
  }
}

class Resolver {
 public:
  explicit Resolver(const RelationColumns& columns_of) : columns_of_(columns_of) {}

  std::vector<Column> query(const json& node, const Ctes& outer_ctes, const Scope* outer) {
    Ctes ctes = outer_ctes;
    for (const json& cte : member(member(node, "cte_map"), "map")) {
      const json& value = member(cte, "value");
      std::vector<Column> columns = query(member(member(value, "query"), "node"), ctes, outer);
      rename(columns, member(value, "aliases"));
      ctes[to_lower(text(cte, "key"))] = std::move(columns);
    }
    const std::string type = text(node, "type");
    if (type == "SELECT_NODE") return select(node, ctes, outer);
    if (type == "SET_OPERATION_NODE" || type == "RECURSIVE_CTE_NODE") {
      std::vector<Column> left = query(member(node, "left"), ctes, outer);
      const bool recursive = type == "RECURSIVE_CTE_NODE";
      const bool by_name = text(node, "setop_type") == "UNION_BY_NAME";
      if (recursive || by_name) {  // not traced: the recursion, columns matched by name
        for (Column& column : left) {
          column.unresolved = true;
          column.direct = false;
        }
        return left;
      }
      const std::vector<Column> right = query(member(node, "right"), ctes, outer);
      for (size_t i = 0; i < left.size(); ++i) {
        if (i >= right.size()) {
          left[i].unresolved = true;
          continue;
        }
        left[i].absorb(right[i]);
        left[i].direct = left[i].direct && right[i].direct;
      }
      return left;
    }
    throw Error(ErrorKind::kInput, "a query of kind " + type + " is not traced");
  }

 private:
  const RelationColumns& columns_of_;
  std::set<std::string> lambda_parameters_;

  std::vector<Column> select(const json& node, const Ctes& ctes, const Scope* outer) {
    Scope scope;
    scope.parent = outer;
    from(member(node, "from_table"), ctes, outer, scope.relations);
    for (const json& item : member(node, "select_list")) {
      if (text(item, "class") == "STAR" && member(item, "expr").is_null()) {
        for (Column& column : star(item, scope, ctes)) scope.items.push_back(std::move(column));
        continue;
      }
      Column column = expression(item, scope, ctes);
      column.name = text(item, "alias");
      if (column.name.empty()) column.name = default_name(item);
      scope.items.push_back(std::move(column));
    }
    return std::move(scope.items);
  }

  // DuckDB's name for an unaliased item is its SQL text; a column reference's is the column.
  static std::string default_name(const json& item) {
    const json& names = member(item, "column_names");
    if (text(item, "class") == "COLUMN_REF" && names.is_array() && !names.empty()) {
      return names.back().get<std::string>();
    }
    const std::string function = text(item, "function_name");
    return function.empty() ? to_lower(text(item, "type")) : function + "(...)";
  }

  void from(const json& table, const Ctes& ctes, const Scope* outer, std::vector<Relation>& out) {
    if (table.is_null()) return;
    const std::string type = text(table, "type");
    const std::string alias = to_lower(text(table, "alias"));
    if (type == "EMPTY") return;
    if (type == "JOIN") {
      from(member(table, "left"), ctes, outer, out);
      const size_t left_count = out.size();
      from(member(table, "right"), ctes, outer, out);
      std::set<std::string> shared;
      for (const json& name : member(table, "using_columns")) {
        shared.insert(to_lower(name.get<std::string>()));
      }
      if (text(table, "ref_type") == "NATURAL") {
        for (size_t i = 0; i < left_count; ++i) {
          for (const Column& column : out[i].columns) shared.insert(to_lower(column.name));
        }
      }
      for (size_t i = left_count; i < out.size(); ++i) {
        out[i].hidden.insert(shared.begin(), shared.end());
      }
      return;
    }
    Relation relation;
    if (type == "BASE_TABLE") {
      const std::string name = to_lower(text(table, "table_name"));
      const std::string schema = to_lower(text(table, "schema_name"));
      relation.alias = alias.empty() ? name : alias;
      auto cte = schema.empty() ? ctes.find(name) : ctes.end();
      if (cte != ctes.end()) {
        relation.columns = cte->second;
      } else {
        relation.external = schema.empty() ? name : schema + "." + name;
        for (const std::string& column : columns_of_(relation.external)) {
          relation.columns.push_back(
              {column, std::set<ColumnOrigin>{ColumnOrigin{relation.external, column}}, true,
               false});
        }
        relation.known = !relation.columns.empty();
      }
    } else if (type == "SUBQUERY") {
      relation.alias = alias;
      relation.columns = query(member(member(table, "subquery"), "node"), ctes, outer);
    } else {  // table functions, VALUES, PIVOT, ...: columns unknown, nothing to attribute
      relation.alias = alias;
      relation.known = false;
    }
    rename(relation.columns, member(table, "column_name_alias"));
    out.push_back(std::move(relation));
  }

  std::vector<Column> star(const json& item, const Scope& scope, const Ctes& ctes) {
    const std::string qualifier = to_lower(text(item, "relation_name"));
    std::set<std::string> excluded;
    for (const json& name : member(item, "exclude_list")) {
      if (name.is_string()) excluded.insert(to_lower(name.get<std::string>()));
    }
    std::map<std::string, const json*> replaced;
    for (const json& entry : member(item, "replace_list")) {
      replaced[to_lower(text(entry, "key"))] = &member(entry, "value");
    }
    std::map<std::string, std::string> renamed;
    for (const json& entry : member(item, "rename_list")) {
      renamed[to_lower(text(member(entry, "key"), "column"))] = text(entry, "value");
    }
    std::vector<Column> out;
    for (const Relation& relation : scope.relations) {
      if (!qualifier.empty() && relation.alias != qualifier) continue;
      if (!relation.known) {
        Column unknown{"*", {}, false, true};
        if (!relation.external.empty()) unknown.name = relation.external + ".*";
        out.push_back(std::move(unknown));
        continue;
      }
      for (const Column& column : relation.columns) {
        const std::string key = to_lower(column.name);
        if (excluded.contains(key) || (qualifier.empty() && relation.hidden.contains(key)))
          continue;
        Column copy = column;
        if (auto replacement = replaced.find(key); replacement != replaced.end()) {
          copy = expression(*replacement->second, scope, ctes);
          copy.name = column.name;
        }
        if (auto name = renamed.find(key); name != renamed.end()) copy.name = name->second;
        out.push_back(std::move(copy));
      }
    }
    return out;
  }

  Column reference(const json& names, const Scope& scope) const {
    std::vector<std::string> parts;
    for (const json& name : names) parts.push_back(to_lower(name.get<std::string>()));
    if (parts.empty()) return {"", {}, false, true};
    const std::string& column = parts.back();
    const std::string qualifier = parts.size() >= 2 ? parts[parts.size() - 2] : std::string();
    for (const Scope* at = &scope; at; at = at->parent) {
      const Relation* unknown = nullptr;
      size_t unknown_count = 0;
      for (const Relation& relation : at->relations) {
        if (!qualifier.empty() && relation.alias != qualifier) continue;
        for (const Column& candidate : relation.columns) {
          if (to_lower(candidate.name) == column) return candidate;
        }
        if (!relation.known) {
          unknown = &relation;
          ++unknown_count;
        }
      }
      if (unknown_count == 1 || (!qualifier.empty() && unknown)) {
        if (unknown->external.empty()) return {column, {}, false, true};
        return {column, std::set<ColumnOrigin>{ColumnOrigin{unknown->external, column}}, true,
                false};
      }
      if (qualifier.empty() && at == &scope) {
        for (const Column& item : scope.items) {
          if (to_lower(item.name) == column) return item;
        }
      }
    }
    if (parts.size() >= 2) {  // `column.field` of a struct: the column's lineage, transformed
      Column whole = reference(json::array({names[0]}), scope);
      if (!whole.unresolved || !whole.origins.empty()) {
        whole.direct = false;
        return whole;
      }
    }
    return {column, {}, false, true};
  }

  Column expression(const json& node, const Scope& scope, const Ctes& ctes) {
    if (text(node, "class") == "COLUMN_REF" &&
        !lambda_parameters_.contains(
            to_lower(member(node, "column_names").back().get<std::string>()))) {
      return reference(member(node, "column_names"), scope);
    }
    Column out;
    collect(node, scope, ctes, out);
    return out;
  }

  void collect(const json& node, const Scope& scope, const Ctes& ctes, Column& into) {
    if (node.is_array()) {
      for (const json& item : node) collect(item, scope, ctes, into);
      return;
    }
    if (!node.is_object()) return;
    const std::string kind = text(node, "class");
    if (kind == "COLUMN_REF") {
      const json& names = member(node, "column_names");
      if (names.size() == 1 && lambda_parameters_.contains(to_lower(names[0].get<std::string>()))) {
        return;
      }
      into.absorb(reference(names, scope));
      return;
    }
    if (kind == "SUBQUERY") {
      const std::string type = text(node, "subquery_type");
      const std::vector<Column> columns =
          query(member(member(node, "subquery"), "node"), ctes, &scope);
      if (type != "EXISTS" && type != "NOT_EXISTS") {
        for (const Column& column : columns) into.absorb(column);
      }
      collect(member(node, "child"), scope, ctes, into);
      return;
    }
    if (kind == "STAR") {  // COLUMNS(...) and * inside an expression
      into.unresolved = true;
      return;
    }
    if (kind == "LAMBDA") {
      std::vector<std::string> added;
      collect_parameters(member(node, "lhs"), added);
      for (const std::string& name : added) lambda_parameters_.insert(name);
      collect(member(node, "expr"), scope, ctes, into);
      for (const std::string& name : added) lambda_parameters_.erase(name);
      return;
    }
    for (const auto& [key, value] : node.items()) {
      if (value.is_structured()) collect(value, scope, ctes, into);
    }
  }

  static void collect_parameters(const json& node, std::vector<std::string>& out) {
    if (node.is_array()) {
      for (const json& item : node) collect_parameters(item, out);
    } else if (node.is_object()) {
      if (text(node, "class") == "COLUMN_REF") {
        out.push_back(to_lower(member(node, "column_names").back().get<std::string>()));
        return;
      }
      for (const auto& [key, value] : node.items()) collect_parameters(value, out);
    }
  }
};

std::string relation_key(const lake::TableName& table) {
  return to_lower(table.space) + "." + to_lower(table.name);
}

}  // namespace

std::vector<ColumnLineage> select_lineage(const json& node, const RelationColumns& columns_of) {
  Resolver resolver(columns_of);
  std::vector<ColumnLineage> out;
  for (Column& column : resolver.query(node, {}, nullptr)) {
    ColumnLineage lineage;
    lineage.name = std::move(column.name);
    lineage.direct = column.direct && !column.origins.empty() && !column.unresolved;
    lineage.origins.assign(column.origins.begin(), column.origins.end());
    lineage.unresolved = column.unresolved;
    out.push_back(std::move(lineage));
  }
  return out;
}

std::map<std::string, std::vector<ColumnLineage>> project_lineage(
    const ModelProject& project, engine::Connection& connection, const RelationColumns& columns_of,
    std::vector<std::string>& problems) {
  std::map<std::string, std::vector<ColumnLineage>> out;
  std::map<std::string, std::vector<std::string>> model_columns;  // relation -> output names
  const RelationColumns known = [&](const std::string& relation) {
    std::vector<std::string> columns = columns_of(relation);
    if (columns.empty()) {
      if (auto found = model_columns.find(relation); found != model_columns.end()) {
        columns = found->second;
      }
    }
    return columns;
  };
  const ModelGraph graph = ModelGraph::of(project);
  for (const std::string& name : graph.order()) {
    const Model& model = *project.find(name);
    if ((model.resource_type != "model" && model.resource_type != "snapshot") ||
        model.materialized == "ephemeral") {
      continue;
    }
    try {
      const std::string sql = duckdb_select_sql(connection, model);
      const engine::Value serialized =
          connection.query("SELECT json_serialize_sql(?::VARCHAR)", {engine::Value(sql)}).scalar();
      if (!std::holds_alternative<std::string>(serialized)) {
        throw Error(ErrorKind::kInput, "DuckDB did not parse it");
      }
      const json tree = json::parse(std::get<std::string>(serialized));
      if (tree.value("error", false)) {
        throw Error(ErrorKind::kInput, tree.value("error_message", std::string("no parse")));
      }
      if (tree["statements"].size() != 1) throw Error(ErrorKind::kInput, "not one SELECT");
      std::vector<ColumnLineage> columns = select_lineage(tree["statements"][0]["node"], known);
      // DuckDB's own names for the output (unaliased expressions are named by their text).
      const std::vector<std::string> names = columns_of(relation_key(model.relation()));
      if (names.size() == columns.size()) {
        for (size_t i = 0; i < names.size(); ++i) columns[i].name = names[i];
      }
      std::vector<std::string>& outputs = model_columns[relation_key(model.relation())];
      for (const ColumnLineage& column : columns) outputs.push_back(column.name);
      out[name] = std::move(columns);
    } catch (const Error& error) {
      problems.push_back(model.relative_path.generic_string() +
                         ": no column lineage: " + error.message());
    }
  }
  return out;
}

json lineage_json(const ModelProject& project,
                  const std::map<std::string, std::vector<ColumnLineage>>& lineage) {
  std::map<std::string, std::string> ids;  // relation -> unique id
  for (const Model& node : project.models) {
    if (node.resource_type == "test" || node.resource_type == "unit_test") continue;
    ids[relation_key(node.relation())] = unique_id(project, node);
  }
  for (const SourceTable& source : project.sources) {
    ids[relation_key({source.schema, source.identifier})] =
        "source." + project.name + "." + source.source_name + "." + source.name;
  }
  json nodes = json::object();
  for (const auto& [name, columns] : lineage) {
    json columns_json = json::object();
    for (size_t index = 0; index < columns.size(); ++index) {
      const ColumnLineage& column = columns[index];
      json sources = json::array();
      for (const ColumnOrigin& origin : column.origins) {
        auto id = ids.find(origin.relation);
        sources.push_back({{"unique_id", id == ids.end() ? json(nullptr) : json(id->second)},
                           {"relation", origin.relation},
                           {"column", origin.column}});
      }
      columns_json[column.name] = {{"index", index + 1},
                                   {"kind", column.direct ? "direct" : "transformation"},
                                   {"unresolved", column.unresolved},
                                   {"sources", sources}};
    }
    nodes[unique_id(project, *project.find(name))] = {{"columns", columns_json}};
  }
  return {{"nodes", nodes}};
}

}  // namespace strata::transform
