// Column-level lineage: which columns of which relations each output column of a model derives
// from. A model's SELECT (its compiled SQL, ephemeral models inlined as CTEs, translated to DuckDB
// when written for another dialect) is parsed by DuckDB (`json_serialize_sql`) and walked: CTEs,
// subqueries in FROM, joins (with USING), `*` and `rel.*` (with EXCLUDE, REPLACE and RENAME),
// aliases (also of earlier select items), table and column aliases, UNION/INTERSECT/EXCEPT,
// aggregates, window functions (arguments, PARTITION BY and ORDER BY), CASE, casts, scalar and
// EXISTS subqueries. An output column is a `direct` copy when it is a bare column reference all the
// way down, else a `transformation`. Not resolved (the column is marked `unresolved`, with what
// was found): table functions (read_csv, unnest in FROM, ...), VALUES lists, PIVOT/UNPIVOT,
// recursive CTEs beyond their first part, UNION BY NAME, struct field access written as
// `column.field`, `COLUMNS(...)` expressions, and references to relations whose columns are not
// known (not built, not in the lake).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/database.hpp"
#include "transform/project.hpp"

namespace strata::transform {

struct ColumnOrigin {
  std::string relation;  // "schema.name" as the SQL names it (lower case)
  std::string column;
  bool operator<(const ColumnOrigin& other) const {
    return relation != other.relation ? relation < other.relation : column < other.column;
  }
};

struct ColumnLineage {
  std::string name;
  // A copy of a column (of one of them, for the branches of a UNION), through any number of
  // aliases, CTEs and subqueries.
  bool direct = false;
  std::vector<ColumnOrigin> origins;  // sorted, each once
  bool unresolved = false;            // a part of it could not be traced (see above)
};

// The columns of a relation ("schema.name", lower case); empty when unknown.
using RelationColumns = std::function<std::vector<std::string>(const std::string& relation)>;

// The lineage of the output columns of one SELECT, given as DuckDB's json_serialize_sql tree of
// it (the statement's "node"). Throws Error(kInput) for a statement kind it cannot read.
std::vector<ColumnLineage> select_lineage(const nlohmann::json& node,
                                          const RelationColumns& columns_of);

// The lineage of every model and snapshot of `project` (by node name), in DAG order so that a
// model's columns are known to the models that read it. `columns_of` answers for relations the
// lake has (seeds, sources, models built); a model's own output names are taken from it when it
// has them (DuckDB's names for unaliased expressions). A model whose SQL DuckDB cannot parse gets
// no entry and a message in `problems`.
std::map<std::string, std::vector<ColumnLineage>> project_lineage(
    const ModelProject& project, engine::Connection& connection, const RelationColumns& columns_of,
    std::vector<std::string>& problems);

// target/lineage.json's content: {"metadata": ..., "nodes": {unique_id: {"columns": {name:
// {"kind": "direct"|"transformation", "unresolved": bool, "sources": [{"unique_id", "relation",
// "column"}]}}}}}, with each column's "index" (1-based); sources named by the unique id of the
// model, seed, snapshot or source they are (null for a relation outside the project).
nlohmann::json lineage_json(const ModelProject& project,
                            const std::map<std::string, std::vector<ColumnLineage>>& lineage);

}  // namespace strata::transform
