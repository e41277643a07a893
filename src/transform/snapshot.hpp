// dbt snapshots on the lake: type-2 slowly changing dimensions of a query, with dbt's columns
// (dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to). The `timestamp` strategy detects a
// change by a newer `updated_at` and dates versions by it; the `check` strategy compares
// `check_cols` (or all columns) and dates versions by the snapshot's time. Each snapshot is one
// copy-on-write commit of the whole table, so a failed snapshot leaves the previous one readable.
// Rows deleted from the source are kept as they are (hard_deletes='ignore', dbt's default).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/database.hpp"
#include "lake/table_store.hpp"
#include "transform/project.hpp"

namespace strata::transform {

// Returns the rows of the snapshot table after the snapshot.
uint64_t build_snapshot(lake::Lake& lake, engine::Connection& connection, const Model& snapshot,
                        const std::string& select_sql);

// The body of `{% snapshot name %}...{% endsnapshot %}` in `text`, with the text before it turned
// into as many newlines (so lines keep their numbers), and the snapshot's name. Empty name when
// the text has no snapshot block.
std::pair<std::string, std::string> snapshot_block(std::string_view text);

}  // namespace strata::transform
