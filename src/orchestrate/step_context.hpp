// What one attempt of a pipeline step runs with, and how it is stopped and heard from. A
// StepControl is the attempt's stop switch: the executor flips it at the step's timeout or when
// the run is cancelled, which interrupts the engine connection the step registered (again and again
// until the step returns, since DuckDB forgets an interrupt between queries) and makes command
// steps kill their process group. A StepLog collects the attempt's log lines and writes them to
// the metadata store in batches. run_step() runs an attempt of any kind; it throws strata::Error
// when the step fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "orchestrate/pipeline.hpp"

namespace strata::orchestrate {

class StepControl {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  // `timeout_ms` 0: no deadline.
  explicit StepControl(int64_t timeout_ms);
  StepControl(const StepControl&) = delete;
  StepControl& operator=(const StepControl&) = delete;

  // The first reason wins ("timed out after 30m", "cancelled").
  void request_stop(const std::string& reason);
  bool stop_requested() const;
  std::string stop_reason() const;
  // Throws Error(kInterrupted, reason) once a stop was requested.
  void throw_if_stopped() const;
  // The connection the attempt is running queries on (nullptr: none any more).
  void attach(engine::Connection* connection);
  // For the executor's watchdog: stops the attempt when its deadline has passed, and interrupts
  // the attached connection again while a stop is pending.
  void watch(SteadyTime now);

 private:
  mutable std::mutex mutex_;
  bool has_deadline_;
  SteadyTime deadline_;
  int64_t timeout_ms_;
  bool stop_ = false;
  std::string reason_;
  engine::Connection* connection_ = nullptr;
};

class StepLog {
 public:
  StepLog(lake::MetadataStore& store, int64_t run_id, int64_t step_id);
  ~StepLog();  // flushes; a store failure here is logged, not thrown
  StepLog(const StepLog&) = delete;
  StepLog& operator=(const StepLog&) = delete;

  // `stream`: "stdout", "stderr", "info" or "error". Very long lines are cut.
  void write(const std::string& stream, std::string text);
  void flush();

 private:
  lake::MetadataStore& store_;
  int64_t run_id_;
  int64_t step_id_;
  std::mutex mutex_;
  std::vector<lake::LogLine> pending_;
  size_t written_ = 0;
  std::chrono::steady_clock::time_point last_flush_;
  void flush_locked();
};

struct StepContext {
  const ProjectConfig& project;
  const Pipeline& pipeline;
  const PipelineStepConfig& step;
  lake::Lake& lake;
  DataInterval interval;
  int64_t run_id = 0;
  int64_t step_id = 0;
  int attempt = 1;
  StepControl& control;
  StepLog& log;
  // A manual trigger's parameters: vars of `run` steps, DuckDB variables of `sql` steps and
  // STRATA_PARAM_<NAME> environment variables of commands.
  const std::map<std::string, std::string>& params;
};

struct StepResult {
  uint64_t rows = 0;  // rows loaded, written or returned, when the kind has them
};

StepResult run_step(const StepContext& context);

}  // namespace strata::orchestrate
