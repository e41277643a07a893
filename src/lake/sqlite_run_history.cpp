#include "lake/sqlite_run_history.hpp"

#include <chrono>

namespace strata::lake::run_history {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kSelectPipelineRun =
    "SELECT r.id, r.command, r.status, r.started_at_ms, coalesce(r.finished_at_ms, 0), r.error, "
    "p.pipeline, p.interval_start, p.interval_end, p.triggered_by "
    "FROM pipeline_runs p JOIN runs r ON r.id = p.run_id";

PipelineRunRecord read_pipeline_run(const sqlite::Statement& s) {
  PipelineRunRecord record;
  record.run = {s.int64(0), s.text(1), s.text(2), s.int64(3), s.int64(4), s.text(5)};
  record.pipeline = s.text(6);
  record.interval_start = s.int64(7);
  record.interval_end = s.int64(8);
  record.trigger = s.text(9);
  return record;
}

}  // namespace

std::optional<int64_t> begin_pipeline_run(sqlite::Database& db, const std::string& pipeline,
                                          int64_t interval_start, int64_t interval_end,
                                          const std::string& trigger) {
  sqlite::Transaction transaction(db);
  if (trigger == "schedule") {
    sqlite::Statement s(db,
                        "SELECT 1 FROM pipeline_runs WHERE pipeline = ?1 AND interval_end = ?2 "
                        "AND triggered_by = 'schedule'");
    s.bind(1, pipeline).bind(2, interval_end);
    if (s.step()) return std::nullopt;
  }
  {
    sqlite::Statement s(db, "INSERT INTO runs(command, status, started_at_ms) VALUES (?1, ?2, ?3)");
    s.bind(1, "pipeline " + pipeline).bind(2, run_status_name(RunStatus::kRunning));
    s.bind(3, now_ms());
    s.run();
  }
  const int64_t run_id = db.last_insert_id();
  sqlite::Statement s(db,
                      "INSERT INTO pipeline_runs(run_id, pipeline, interval_start, interval_end, "
                      "triggered_by) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, run_id).bind(2, pipeline).bind(3, interval_start).bind(4, interval_end);
  s.bind(5, trigger);
  s.run();
  transaction.commit();
  return run_id;
}

std::vector<PipelineRunRecord> pipeline_runs(sqlite::Database& db,
                                             const PipelineRunFilter& filter) {
  sqlite::Statement s(db, std::string(kSelectPipelineRun) +
                              " WHERE p.pipeline = ?1 AND (?2 = '' OR p.triggered_by = ?2) AND "
                              "p.interval_end BETWEEN ?3 AND ?4 ORDER BY p.interval_end DESC, "
                              "r.id DESC LIMIT ?5");
  s.bind(1, filter.pipeline).bind(2, filter.trigger).bind(3, filter.interval_end_from);
  s.bind(4, filter.interval_end_to).bind(5, static_cast<int64_t>(filter.limit));
  std::vector<PipelineRunRecord> out;
  while (s.step()) out.push_back(read_pipeline_run(s));
  return out;
}

std::optional<PipelineRunRecord> pipeline_run(sqlite::Database& db, int64_t run_id) {
  sqlite::Statement s(db, std::string(kSelectPipelineRun) + " WHERE p.run_id = ?1");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return read_pipeline_run(s);
}

void append_logs(sqlite::Database& db, const std::vector<LogLine>& lines) {
  if (lines.empty()) return;
  sqlite::Transaction transaction(db);
  sqlite::Statement s(db,
                      "INSERT INTO logs(run_id, step_id, at_ms, stream, line) VALUES "
                      "(?1, ?2, ?3, ?4, ?5)");
  for (const LogLine& line : lines) {
    s.bind(1, line.run_id).bind(2, line.step_id).bind(3, line.at_ms ? line.at_ms : now_ms());
    s.bind(4, line.stream).bind(5, line.text);
    s.run();
    s.reset();
  }
  transaction.commit();
}

std::vector<LogLine> logs(sqlite::Database& db, int64_t run_id, int64_t step_id) {
  sqlite::Statement s(db, step_id < 0 ? "SELECT run_id, step_id, at_ms, stream, line FROM logs "
                                        "WHERE run_id = ?1 ORDER BY id"
                                      : "SELECT run_id, step_id, at_ms, stream, line FROM logs "
                                        "WHERE step_id = ?2 ORDER BY id");
  if (step_id < 0) {
    s.bind(1, run_id);
  } else {
    s.bind(2, step_id);
  }
  std::vector<LogLine> out;
  while (s.step()) out.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3), s.text(4)});
  return out;
}

}  // namespace strata::lake::run_history
