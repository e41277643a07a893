// What dbt's introspection asks of the warehouse while a project compiles, answered from the lake:
// whether a relation exists (is_incremental(), adapter.get_relation) from the catalog, its columns
// (adapter.get_columns_in_relation) and query results (run_query, statement) from an engine
// connection that has the lake attached. Shared by the commands and by pipeline steps, so both
// compile a dbt project the same way.
#pragma once

#include <functional>

#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "transform/project.hpp"

namespace strata::transform {

// Fills the introspection callbacks of `options`. `store` and the connection `connection()`
// returns must outlive the use of the options; the connection is asked for only when needed.
void add_lake_introspection(CompileOptions& options, lake::MetadataStore& store,
                            std::function<engine::Connection&()> connection);

}  // namespace strata::transform
