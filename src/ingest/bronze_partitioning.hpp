// Bronze tables are partitioned by load date: the Iceberg partition spec day(_strata_loaded_at),
// so that readers (pyiceberg, strata's own planning) skip the files of other days' loads. A bronze
// table gets the spec as soon as it has columns (its first load's files are written before, all
// within the load's day); an existing unpartitioned bronze table evolves its spec (files already
// written keep theirs). A table whose spec was ever changed (`strata table partition`) is left as
// its owner set it.
#pragma once

#include "lake/table_store.hpp"

namespace strata::ingest {

void partition_by_load_day(lake::Lake& lake, const lake::TableName& bronze);

}  // namespace strata::ingest
