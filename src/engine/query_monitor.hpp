// Watches a query running on a connection from a second thread: reports DuckDB's progress to a
// callback a few times a second and turns a Ctrl-C into duckdb_interrupt, so that long queries show
// progress and stop promptly. RAII: the watcher thread ends when the monitor is destroyed.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/database.hpp"

namespace strata::engine {

class QueryMonitor {
 public:
  using Callback = std::function<void(const QueryProgress&)>;
  QueryMonitor(Connection& connection, Callback on_progress);
  ~QueryMonitor();
  QueryMonitor(const QueryMonitor&) = delete;
  QueryMonitor& operator=(const QueryMonitor&) = delete;

 private:
  Connection& connection_;
  Callback on_progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
  void watch() noexcept;
};

}  // namespace strata::engine
