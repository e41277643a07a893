// What a SELECT reads of each lake table, from DuckDB's parse tree (engine/sql_tree.hpp): every
// reference to a table, each with the conjunctive WHERE predicates that every row it contributes
// must satisfy (`col = c`, `<`, `<=`, `>`, `>=`, `IN (...)`, `BETWEEN`, `IS [NOT] NULL`, with the
// column of that reference and a constant). The lake prunes data files with them
// (lake/file_pruning.hpp). The analysis is conservative: a reference whose filters cannot be
// proven to apply to its rows (outer join's nullable side, a sample, column aliases, positional
// joins, ...) gets no predicates, so it reads every file; a query shape it does not understand
// (several statements, query()/query_table(), samples) is not analysed at all.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace strata::lake {

enum class PredicateOp { kEq, kLt, kLe, kGt, kGe, kIn, kIsNull, kIsNotNull };

struct ColumnPredicate {
  std::string column;  // as the table's schema spells it
  PredicateOp op = PredicateOp::kEq;
  // Parse-tree nodes of the constants (one for comparisons, several for IN, none for IS NULL):
  // a literal, or a literal cast to a type (DATE '2024-01-01').
  std::vector<nlohmann::json> constants;
};

// One reference to a relation named schema.name (lower case as written; schema "" when
// unqualified).
struct TableReference {
  std::string schema;
  std::string name;
  std::vector<ColumnPredicate> predicates;  // empty: every row may be read
};

struct QueryScans {
  bool analysed = false;
  std::string reason;  // why not, when not
  std::vector<TableReference> references;
};

// The columns of lake table schema.name (lower-case names given), or nothing when it is not a
// lake table.
using ColumnsOf =
    std::function<std::optional<std::vector<std::string>>(const std::string&, const std::string&)>;

// `tree` is json_serialize_sql's document for one statement.
QueryScans query_scans(const nlohmann::json& tree, const ColumnsOf& columns_of);

}  // namespace strata::lake
