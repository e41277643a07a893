#include "transform/microbatch.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/time_text.hpp"
#include "transform/row_replace.hpp"

namespace strata::transform {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;

// The start of the batch holding `seconds`.
int64_t truncate_to(int64_t seconds, const std::string& size) {
  CivilTime civil = civil_from_seconds(seconds);
  civil.minute = civil.second = 0;
  if (size != "hour") civil.hour = 0;
  if (size == "month" || size == "year") civil.day = 1;
  if (size == "year") civil.month = 1;
  return seconds_from_civil(civil);
}

// The start of the batch `offset` batches after (before, when negative) the one holding `seconds`.
int64_t offset_batches(int64_t seconds, const std::string& size, int64_t offset) {
  const int64_t start = truncate_to(seconds, size);
  if (size == "hour") return start + offset * kHour;
  if (size == "day") return start + offset * kDay;
  CivilTime civil = civil_from_seconds(start);
  if (size == "year") {
    civil.year += static_cast<int>(offset);
    return seconds_from_civil(civil);
  }
  const int64_t months = civil.year * 12LL + (civil.month - 1) + offset;
  civil.year = static_cast<int>(months / 12);
  civil.month = static_cast<int>(months % 12) + 1;
  return seconds_from_civil(civil);
}

int64_t ceiling_to(int64_t seconds, const std::string& size) {
  const int64_t start = truncate_to(seconds, size);
  return start == seconds ? start : offset_batches(seconds, size, 1);
}

std::string window_text(const BatchWindow& batch) {
  return "[" + batch_time_text(batch.start) + ", " + batch_time_text(batch.end) + ")";
}

}  // namespace

std::string batch_time_text(int64_t seconds) {
  return civil_from_seconds(seconds).str();
}

int64_t parse_event_time(const std::string& text, const std::string& option) {
  const std::optional<int64_t> seconds = parse_instant(text, TimeZone::utc());
  if (!seconds) {
    throw Error(ErrorKind::kUsage, option + " '" + text +
                                       "' is not an ISO date or date-time, e.g. 2026-11-01 or "
                                       "2026-11-01T06:00:00Z");
  }
  return *seconds;
}

std::vector<BatchWindow> plan_batches(const Model& model, bool incremental, const BatchRange& range,
                                      int64_t now_seconds) {
  const NodeConfig& config = model.config;
  const Location where(model.relative_path.string());
  const std::string prefix = "microbatch model '" + model.name + "' ";
  if (config.event_time.empty()) {
    throw Error(ErrorKind::kInput, prefix + "needs config event_time (its time column)", where);
  }
  if (config.batch_size.empty()) {
    throw Error(ErrorKind::kInput, prefix + "needs config batch_size (hour, day, month or year)",
                where);
  }
  const std::string& size = config.batch_size;
  const int64_t end = ceiling_to(range.end.value_or(now_seconds), size);
  int64_t start = 0;
  if (range.start) {
    start = truncate_to(*range.start, size);
  } else if (!incremental) {
    if (config.begin.empty()) {
      throw Error(ErrorKind::kInput, prefix + "needs config begin (where its first build starts)",
                  where);
    }
    const std::optional<int64_t> begin = parse_instant(config.begin, TimeZone::utc());
    if (!begin) {
      throw Error(
          ErrorKind::kInput,
          prefix + "has begin '" + config.begin + "', which is not an ISO date or date-time",
          where);
    }
    start = truncate_to(*begin, size);
  } else {
    // The current batch and `lookback` before it; at a batch boundary the current batch is the
    // one that just ended.
    const int64_t checkpoint = range.end.value_or(now_seconds);
    const int64_t back = config.lookback + (truncate_to(checkpoint, size) == checkpoint ? 1 : 0);
    start = offset_batches(checkpoint, size, -back);
  }
  if (start >= end) {
    throw Error(ErrorKind::kUsage, prefix + "has no batch between " + batch_time_text(start) +
                                       " and " + batch_time_text(end));
  }
  std::vector<BatchWindow> batches;
  for (int64_t at = start; at < end; at = offset_batches(at, size, 1)) {
    batches.push_back({at, std::min(offset_batches(at, size, 1), end), true});
  }
  batches.front().incremental = incremental;
  return batches;
}

uint64_t build_microbatch(lake::Lake& lake, engine::Connection& connection, const Model& model,
                          const std::vector<BatchWindow>& batches,
                          const std::function<std::string(const BatchWindow&)>& batch_sql,
                          BatchOutcome& outcome) {
  const lake::TableName table = model.relation();
  const std::string column = "t." + engine::quote_identifier(model.config.event_time);
  uint64_t rows = 0;
  std::vector<std::string> failures;
  std::optional<BatchWindow> first_failed, last_failed;
  for (size_t i = 0; i < batches.size(); ++i) {
    const BatchWindow& batch = batches[i];
    try {
      const std::string sql = batch_sql(batch);
      if (!batch.incremental) {
        rows += overwrite_partitioned(lake, connection, table, sql, model.config.partition_by);
      } else {
        const std::string predicate = column + " >= TIMESTAMP '" + batch_time_text(batch.start) +
                                      "' AND " + column + " < TIMESTAMP '" +
                                      batch_time_text(batch.end) + "'";
        rows += replace_rows(lake, connection, table, predicate, sql);
      }
      outcome.succeeded.push_back(batch);
    } catch (const Error& error) {
      failures.push_back("batch " + window_text(batch) + ": " + error.message());
      if (!first_failed) first_failed = batch;
      last_failed = batch;
      outcome.failed.push_back(batch);
      if (!batch.incremental) {  // no table for the batches after it
        outcome.failed.insert(outcome.failed.end(), batches.begin() + i + 1, batches.end());
        break;
      }
    }
  }
  if (failures.empty()) return rows;
  throw Error(ErrorKind::kInput,
              std::to_string(failures.size()) + " of " + std::to_string(batches.size()) +
                  " batches failed (the others are committed): " + join(failures, "; ") +
                  ". Build them again with --event-time-start '" +
                  batch_time_text(first_failed->start) + "' --event-time-end '" +
                  batch_time_text(last_failed->end) + "'");
}

}  // namespace strata::transform
