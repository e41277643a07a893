// dbt's microbatch incremental strategy: a model with `event_time`, `batch_size` (hour, day,
// month, year), `begin` and `lookback` is built in time batches [start, end). The first build (and
// --full-refresh) covers `begin` up to now; later builds the current batch and `lookback` batches
// before it; --event-time-start/--event-time-end choose the range instead. Each batch's SQL is
// rendered with the batch window (refs to models with an `event_time` read only that window), and
// each batch replaces the model's rows in its window in one atomic commit, so a failed batch
// leaves the others committed and is reported with the options that build it again.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/database.hpp"
#include "lake/table_store.hpp"
#include "transform/project.hpp"

namespace strata::transform {

struct BatchRange {
  std::optional<int64_t> start, end;  // --event-time-start/--event-time-end (UTC seconds)
};

// The batches of `model` to build now; `incremental` when its table exists and this is not a full
// refresh. kInput naming the model for missing or invalid settings.
std::vector<BatchWindow> plan_batches(const Model& model, bool incremental, const BatchRange& range,
                                      int64_t now_seconds);

// "2026-11-01 00:00:00": a batch bound as SQL timestamp text (UTC).
std::string batch_time_text(int64_t seconds);

// --event-time-start/--event-time-end: an ISO date or date-time (UTC unless it has an offset);
// kUsage naming `option` otherwise.
int64_t parse_event_time(const std::string& text, const std::string& option);

// Which batches of a build were committed and which failed (for run_results.json and
// `strata retry`, which builds the failed ones again).
struct BatchOutcome {
  std::vector<BatchWindow> succeeded, failed;
};

// Builds the batches in order, each from the SQL `batch_sql` returns for it (compiled for that
// window, in DuckDB's dialect), recording each in `outcome`. Returns the rows written; when
// batches fail, throws kInput listing them after building the others (the first batch of a new
// table failing stops the rest, which are recorded as failed too).
uint64_t build_microbatch(lake::Lake& lake, engine::Connection& connection, const Model& model,
                          const std::vector<BatchWindow>& batches,
                          const std::function<std::string(const BatchWindow&)>& batch_sql,
                          BatchOutcome& outcome);

}  // namespace strata::transform
