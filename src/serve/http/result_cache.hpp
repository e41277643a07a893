// Finished HTTP query results kept in memory, keyed on the query (normalized SQL, parameters,
// format) and valid for the snapshot ids of the lake tables it reads. A lookup with the snapshots
// attached now misses (and drops the entry) when any of them moved on, so a commit to a table
// invalidates exactly the entries that read it; invalidate() drops them eagerly when the server
// re-attaches a table. Entries are evicted least recently used first within a byte budget; a
// result larger than a fraction of the budget is never kept. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace strata::serve::http {

struct CachedResult {
  std::string content_type;
  std::string body;
  std::map<std::string, int64_t> reads;  // table key -> snapshot id it was computed at
};

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t invalidated = 0;
};

class ResultCache {
 public:
  explicit ResultCache(size_t max_bytes);

  // The entry for `key` if it was computed at exactly the snapshots in `reads`.
  std::shared_ptr<const CachedResult> find(const std::string& key,
                                           const std::map<std::string, int64_t>& reads);
  void put(const std::string& key, CachedResult result);
  // Drops every entry that read one of these tables.
  void invalidate(const std::vector<std::string>& table_keys);
  // The largest body put() keeps.
  size_t max_entry_bytes() const { return max_bytes_ / 8; }
  CacheStats stats() const;

 private:
  struct Entry {
    std::shared_ptr<const CachedResult> result;
    std::list<std::string>::iterator recency;
  };
  size_t max_bytes_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::list<std::string> recency_;  // most recently used first
  CacheStats stats_;

  void erase(std::map<std::string, Entry>::iterator it);
};

}  // namespace strata::serve::http
