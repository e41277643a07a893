// One load's batch: the id and load time that every row it writes carries in the lineage columns
// `_strata_batch_id` and `_strata_loaded_at`, and a suffix unique across processes for naming the
// temporary objects the load creates in the engine session.
#pragma once

#include <string>

namespace strata::ingest {

struct Batch {
  std::string suffix;     // unique across processes and time
  std::string id;         // the value of `_strata_batch_id`
  std::string loaded_at;  // SQL: the load time as a TIMESTAMPTZ constant
};

Batch start_batch();

}  // namespace strata::ingest
