#include "lake/query_scans.hpp"

#include <map>

#include "core/text.hpp"
#include "engine/sql_tree.hpp"

namespace strata::lake {

namespace {

using engine::json_text;
using nlohmann::json;

// A FROM item of one SELECT.
struct FromItem {
  const json* node = nullptr;  // the BASE_TABLE node, for lake tables
  std::string binding;         // the name its columns are qualified with (lower case)
  std::string schema;
  std::string table;
  std::vector<std::string> columns;  // lake tables: lower-case column names
  std::vector<std::string> spelled;  // the same, as the schema spells them
  bool filterable = false;           // every row it contributes must pass the enclosing conditions
};

bool is_null_node(const json& node, const char* key) {
  auto it = node.find(key);
  return it == node.end() || it->is_null();
}

// A literal, or a literal cast to a type (DATE '2024-01-01', 'x'::INTEGER).
bool is_constant(const json& node) {
  const std::string node_class = json_text(node, "class");
  if (node_class == "CONSTANT") return true;
  if (node_class == "CAST" && node.value("try_cast", false) == false && node.contains("child")) {
    return json_text(node["child"], "class") == "CONSTANT";
  }
  return false;
}

std::vector<std::string> column_parts(const json& node) {
  std::vector<std::string> parts;
  if (json_text(node, "class") != "COLUMN_REF") return parts;
  for (const json& part : node.value("column_names", json::array())) {
    if (!part.is_string()) return {};
    parts.push_back(to_lower(part.get<std::string>()));
  }
  return parts;
}

struct RawPredicate {
  std::vector<std::string> column;
  PredicateOp op = PredicateOp::kEq;
  std::vector<json> constants;
};

std::optional<PredicateOp> comparison(const std::string& type, bool reversed) {
  if (type == "COMPARE_EQUAL") return PredicateOp::kEq;
  if (type == "COMPARE_LESSTHAN") return reversed ? PredicateOp::kGt : PredicateOp::kLt;
  if (type == "COMPARE_LESSTHANOREQUALTO") return reversed ? PredicateOp::kGe : PredicateOp::kLe;
  if (type == "COMPARE_GREATERTHAN") return reversed ? PredicateOp::kLt : PredicateOp::kGt;
  if (type == "COMPARE_GREATERTHANOREQUALTO") return reversed ? PredicateOp::kLe : PredicateOp::kGe;
  return std::nullopt;
}

// The predicates a conjunct states about one column; none when it has another shape.
std::vector<RawPredicate> predicates_of(const json& conjunct) {
  const std::string node_class = json_text(conjunct, "class");
  const std::string type = json_text(conjunct, "type");
  if (node_class == "COMPARISON" && conjunct.contains("left") && conjunct.contains("right")) {
    const json& left = conjunct["left"];
    const json& right = conjunct["right"];
    if (auto column = column_parts(left); !column.empty() && is_constant(right)) {
      if (auto op = comparison(type, false)) return {{column, *op, {right}}};
    } else if (auto column = column_parts(right); !column.empty() && is_constant(left)) {
      if (auto op = comparison(type, true)) return {{column, *op, {left}}};
    }
    return {};
  }
  if (node_class == "BETWEEN" && conjunct.contains("input")) {
    auto column = column_parts(conjunct["input"]);
    if (column.empty() || !is_constant(conjunct.value("lower", json())) ||
        !is_constant(conjunct.value("upper", json())))
      return {};
    return {{column, PredicateOp::kGe, {conjunct["lower"]}},
            {column, PredicateOp::kLe, {conjunct["upper"]}}};
  }
  if (node_class != "OPERATOR") return {};
  const json children = conjunct.value("children", json::array());
  if (children.empty()) return {};
  auto column = column_parts(children[0]);
  if (column.empty()) return {};
  if (type == "OPERATOR_IS_NULL" && children.size() == 1) {
    return {{column, PredicateOp::kIsNull, {}}};
  }
  if (type == "OPERATOR_IS_NOT_NULL" && children.size() == 1) {
    return {{column, PredicateOp::kIsNotNull, {}}};
  }
  if (type == "COMPARE_IN" && children.size() > 1) {
    RawPredicate in{column, PredicateOp::kIn, {}};
    for (size_t i = 1; i < children.size(); ++i) {
      if (!is_constant(children[i])) return {};
      in.constants.push_back(children[i]);
    }
    return {in};
  }
  return {};
}

void conjuncts(const json& node, std::vector<const json*>& out) {
  if (node.is_null()) return;
  if (json_text(node, "class") == "CONJUNCTION" && json_text(node, "type") == "CONJUNCTION_AND") {
    // By reference: `out` keeps pointers into the tree.
    if (auto children = node.find("children"); children != node.end() && children->is_array()) {
      for (const json& child : *children) conjuncts(child, out);
      return;
    }
  }
  out.push_back(&node);
}

class Analyzer {
 public:
  explicit Analyzer(const ColumnsOf& columns_of) : columns_of_(columns_of) {}

  QueryScans run(const json& tree) {
    visit(tree);
    QueryScans scans;
    if (bail_) {
      scans.reason = *bail_;
      return scans;
    }
    scans.analysed = true;
    scans.references = std::move(references_);
    return scans;
  }

 private:
  const ColumnsOf& columns_of_;
  std::vector<TableReference> references_;
  std::map<const json*, std::vector<ColumnPredicate>> predicates_;  // by BASE_TABLE node
  std::optional<std::string> bail_;

  void visit(const json& node) {
    if (node.is_array()) {
      for (const json& child : node) visit(child);
      return;
    }
    if (!node.is_object()) return;
    const std::string type = json_text(node, "type");
    if (type == "SELECT_NODE") {
      select_node(node);
    } else if (type == "BASE_TABLE" && node.contains("table_name")) {
      base_table(node);
    } else if (type == "TABLE_FUNCTION" && node.contains("function")) {
      // These read relations by a name inside a string, which the tree does not show.
      const std::string name = to_lower(json_text(node["function"], "function_name"));
      if (name == "query" || name == "query_table") bail_ = "it calls " + name + "()";
    }
    for (const auto& [key, child] : node.items()) visit(child);
  }

  void base_table(const json& node) {
    const std::string catalog = to_lower(json_text(node, "catalog_name"));
    if (!catalog.empty() && catalog != "memory") return;
    TableReference reference{
        to_lower(json_text(node, "schema_name")), to_lower(json_text(node, "table_name")), {}};
    if (auto it = predicates_.find(&node); it != predicates_.end()) {
      reference.predicates = it->second;
    }
    references_.push_back(std::move(reference));
  }

  // The FROM items under `ref`; `filterable` says whether each one's rows all pass conditions
  // that hold for every row `ref` produces.
  void collect(const json& ref, std::vector<FromItem>& items) {
    const std::string type = json_text(ref, "type");
    if (type == "BASE_TABLE") {
      FromItem item;
      item.schema = to_lower(json_text(ref, "schema_name"));
      item.table = to_lower(json_text(ref, "table_name"));
      const std::string alias = to_lower(json_text(ref, "alias"));
      item.binding = alias.empty() ? item.table : alias;
      const std::string catalog = to_lower(json_text(ref, "catalog_name"));
      const bool plain = is_null_node(ref, "sample") && is_null_node(ref, "at_clause") &&
                         ref.value("column_name_alias", json::array()).empty() &&
                         (catalog.empty() || catalog == "memory") && !item.schema.empty();
      if (plain) {
        if (auto columns = columns_of_(item.schema, item.table)) {
          item.node = &ref;
          item.spelled = *columns;
          for (const std::string& column : *columns) item.columns.push_back(to_lower(column));
          item.filterable = true;
        }
      }
      items.push_back(std::move(item));
      return;
    }
    if (type == "JOIN") {
      std::vector<FromItem> left;
      std::vector<FromItem> right;
      if (ref.contains("left")) collect(ref["left"], left);
      if (ref.contains("right")) collect(ref["right"], right);
      const std::string join = json_text(ref, "join_type");
      const std::string kind = json_text(ref, "ref_type");
      const bool regular = kind == "REGULAR" || kind == "CROSS" || kind == "NATURAL";
      const bool inner = regular && join == "INNER";
      // The preserved side of a LEFT, SEMI or ANTI join keeps its rows' values.
      const bool left_kept =
          inner || (regular && (join == "LEFT" || join == "SEMI" || join == "ANTI"));
      for (FromItem& item : left) item.filterable = item.filterable && left_kept;
      for (FromItem& item : right) item.filterable = item.filterable && inner;
      std::vector<FromItem> all = std::move(left);
      for (FromItem& item : right) all.push_back(std::move(item));
      if (inner && ref.contains("condition")) apply(ref["condition"], all);
      for (FromItem& item : all) items.push_back(std::move(item));
      return;
    }
    // A subquery, table function, VALUES list, PIVOT, ...: its own columns, unknown here.
    FromItem other;
    other.binding = to_lower(json_text(ref, "alias"));
    items.push_back(std::move(other));
  }

  // Adds the predicates of `condition` to the filterable lake tables of `items` they name.
  void apply(const json& condition, const std::vector<FromItem>& items) {
    std::vector<const json*> parts;
    conjuncts(condition, parts);
    for (const json* part : parts) {
      for (RawPredicate& raw : predicates_of(*part)) {
        const FromItem* target = nullptr;
        std::string column;
        if (raw.column.size() == 1) {
          column = raw.column[0];
          for (const FromItem& item : items) {
            if (std::find(item.columns.begin(), item.columns.end(), column) != item.columns.end()) {
              // Two tables with the column: DuckDB refuses the name as ambiguous (or it is a
              // USING column); either way this reference is not told apart.
              target = target ? nullptr : &item;
              if (!target) break;
            }
          }
        } else if (raw.column.size() == 2 || raw.column.size() == 3) {
          column = raw.column.back();
          for (const FromItem& item : items) {
            const bool named = raw.column.size() == 2
                                   ? item.binding == raw.column[0]
                                   : item.binding == item.table && item.schema == raw.column[0] &&
                                         item.table == raw.column[1];
            if (named) target = &item;
          }
        }
        if (!target || !target->filterable || !target->node) continue;
        const auto found = std::find(target->columns.begin(), target->columns.end(), column);
        if (found == target->columns.end()) continue;
        const std::string& spelled = target->spelled[found - target->columns.begin()];
        predicates_[target->node].push_back({spelled, raw.op, std::move(raw.constants)});
      }
    }
  }

  void select_node(const json& node) {
    if (!node.contains("from_table")) return;
    std::vector<FromItem> items;
    collect(node["from_table"], items);
    // A sample is drawn before WHERE filters: fewer files would change what it draws.
    if (!is_null_node(node, "sample")) return;
    if (node.contains("where_clause")) apply(node["where_clause"], items);
  }
};

}  // namespace

QueryScans query_scans(const json& tree, const ColumnsOf& columns_of) {
  return Analyzer(columns_of).run(tree);
}

}  // namespace strata::lake
