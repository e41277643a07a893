// The dbt materializations beyond table and view, on the lake: seeds (a CSV file loaded with type
// inference, column_types, delimiter and quote), incremental models (append, merge and
// delete+insert on a unique_key, insert_overwrite of the partitions the new rows touch,
// on_schema_change; microbatch is microbatch.hpp), and tests (counting failing rows against
// warn_if/error_if). Until the lake has row-level deletes, merge and delete+insert rewrite the
// table copy-on-write: the kept old rows and the new rows become the next snapshot in one atomic
// commit, so a failed build leaves the previous version readable.
#pragma once

#include <cstdint>
#include <string>

#include "engine/database.hpp"
#include "lake/table_store.hpp"
#include "transform/project.hpp"

namespace strata::transform {

// Loads the seed's CSV into its table; returns the rows written.
uint64_t build_seed(lake::Lake& lake, engine::Connection& connection, const Model& seed);

// Builds an incremental model from `select_sql`; returns the rows the model's query produced.
uint64_t build_incremental(lake::Lake& lake, engine::Connection& connection, const Model& model,
                           const std::string& select_sql, bool full_refresh);

struct TestOutcome {
  int64_t failures = 0;
  std::string status;  // "pass", "warn" or "fail"
};

TestOutcome run_test(engine::Connection& connection, const Model& test);

}  // namespace strata::transform
