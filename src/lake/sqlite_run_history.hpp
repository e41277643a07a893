// The SQLite queries behind the metadata store's pipeline-run and log methods (see metastore.hpp),
// kept apart from the catalog's so each file stays about one thing. The caller holds the store's
// lock; tables come from migration 3 in sqlite_metastore.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lake/metastore.hpp"
#include "lake/sqlite.hpp"

namespace strata::lake::run_history {

std::optional<int64_t> begin_pipeline_run(sqlite::Database& db, const std::string& pipeline,
                                          int64_t interval_start, int64_t interval_end,
                                          const std::string& trigger);
std::vector<PipelineRunRecord> pipeline_runs(sqlite::Database& db, const PipelineRunFilter& filter);
std::optional<PipelineRunRecord> pipeline_run(sqlite::Database& db, int64_t run_id);

void append_logs(sqlite::Database& db, const std::vector<LogLine>& lines);
// Log lines of a run (step_id < 0) or of one step, in the order they were written.
std::vector<LogLine> logs(sqlite::Database& db, int64_t run_id, int64_t step_id);

}  // namespace strata::lake::run_history
