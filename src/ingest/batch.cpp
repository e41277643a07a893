#include "ingest/batch.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>

#include "core/ids.hpp"

namespace strata::ingest {

Batch start_batch() {
  static std::atomic<uint64_t> counter{0};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%llx_%llu",
                static_cast<unsigned long long>(ids::random_u64() >> 16),
                static_cast<unsigned long long>(counter++));
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  Batch batch;
  batch.suffix = buffer;
  batch.id = "b" + batch.suffix;
  batch.loaded_at = "make_timestamptz(" + std::to_string(micros) + ")";
  return batch;
}

}  // namespace strata::ingest
