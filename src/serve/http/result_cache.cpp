#include "serve/http/result_cache.hpp"

#include <algorithm>

namespace strata::serve::http {

ResultCache::ResultCache(size_t max_bytes) : max_bytes_(max_bytes) {}

void ResultCache::erase(std::map<std::string, Entry>::iterator it) {
  stats_.bytes -= it->first.size() + it->second.result->body.size();
  --stats_.entries;
  recency_.erase(it->second.recency);
  entries_.erase(it);
}

std::shared_ptr<const CachedResult> ResultCache::find(const std::string& key,
                                                      const std::map<std::string, int64_t>& reads) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  if (it->second.result->reads != reads) {  // a table it read was committed to since
    erase(it);
    ++stats_.invalidated;
    ++stats_.misses;
    return nullptr;
  }
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  ++stats_.hits;
  return it->second.result;
}

void ResultCache::put(const std::string& key, CachedResult result) {
  const size_t size = key.size() + result.body.size();
  if (size > max_entry_bytes()) return;
  std::lock_guard lock(mutex_);
  if (auto old = entries_.find(key); old != entries_.end()) erase(old);
  while (!recency_.empty() && stats_.bytes + size > max_bytes_) {
    erase(entries_.find(recency_.back()));
  }
  recency_.push_front(key);
  entries_[key] = {std::make_shared<const CachedResult>(std::move(result)), recency_.begin()};
  stats_.bytes += size;
  ++stats_.entries;
}

void ResultCache::invalidate(const std::vector<std::string>& table_keys) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto& reads = it->second.result->reads;
    const bool stale = std::any_of(table_keys.begin(), table_keys.end(),
                                   [&](const std::string& table) { return reads.contains(table); });
    if (stale) {
      auto next = std::next(it);
      erase(it);
      ++stats_.invalidated;
      it = next;
    } else {
      ++it;
    }
  }
}

CacheStats ResultCache::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace strata::serve::http
