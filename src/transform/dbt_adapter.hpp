// The parts of dbt's Jinja context that only dbt projects get: the project's macros,
// is_incremental(), `execute`, `model`, the `adapter` object (quote, dispatch, get_relation,
// get_columns_in_relation), run_query, `exceptions`, log and print. Database questions go through
// the CompileOptions callbacks; while discovering (dbt's parse), `execute` is false and run_query
// returns none, as in dbt.
#pragma once

#include "transform/dbt_context.hpp"

namespace strata::transform {

void add_dbt_context(jinja::Context& context, ModelCompilation& compilation);

}  // namespace strata::transform
