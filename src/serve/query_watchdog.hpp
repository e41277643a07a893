// Per-query timeouts for the servers: one thread watches the deadlines of every running query and
// interrupts (duckdb_interrupt) the connection of each query that outlives its deadline. A Watch
// is RAII: while it lives its connection may be interrupted, after its destruction never, so the
// connection may be destroyed right after it. Whether the deadline fired is asked with expired(),
// which turns DuckDB's "interrupted" error into a timeout for the client.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/database.hpp"

namespace strata::serve {

class QueryWatchdog {
 public:
  QueryWatchdog();
  ~QueryWatchdog();
  QueryWatchdog(const QueryWatchdog&) = delete;
  QueryWatchdog& operator=(const QueryWatchdog&) = delete;

  class Watch {
   public:
    Watch(QueryWatchdog& watchdog, uint64_t id, std::shared_ptr<std::atomic<bool>> expired)
        : watchdog_(watchdog), id_(id), expired_(std::move(expired)) {}
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    bool expired() const { return expired_->load(); }

   private:
    QueryWatchdog& watchdog_;
    uint64_t id_;
    std::shared_ptr<std::atomic<bool>> expired_;
  };

  // Interrupts `connection` once `timeout` has passed, unless the watch is gone by then.
  std::unique_ptr<Watch> watch(engine::Connection& connection, std::chrono::milliseconds timeout);
  // Interrupts every watched query now (at shutdown).
  void interrupt_all();

 private:
  struct Entry {
    std::chrono::steady_clock::time_point deadline;
    engine::Connection* connection;
    std::shared_ptr<std::atomic<bool>> expired;
  };
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<uint64_t, Entry> entries_;
  uint64_t next_id_ = 1;
  bool stop_ = false;
  std::thread thread_;

  void run() noexcept;
  void forget(uint64_t id);
};

}  // namespace strata::serve
