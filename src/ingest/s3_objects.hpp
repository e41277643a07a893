// Reading `s3://` paths of a files source through DuckDB's httpfs extension. The source's `s3:`
// settings, completed from the standard AWS environment variables, become a temporary secret
// scoped to the bucket; objects are listed by glob and described by key, size, last-modified time
// and ETag (from the HEAD responses, which the engine's HTTP log records), so that a load reads
// only objects it has not loaded before and notices an object rewritten under the same key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "engine/database.hpp"

namespace strata::ingest::s3 {

bool is_s3_path(std::string_view path);

// Loads httpfs and creates the secret for the bucket of `path`; kConfig for bad settings.
void configure(engine::Connection& connection, const SourceConfig& source, const std::string& path);

struct Object {
  std::string path;  // s3://bucket/key
  uint64_t size = 0;
  std::string fingerprint;  // "size:last-modified:etag"
};

// The objects matching `pattern` (a key, a glob, or a prefix ending in '/'), in key order.
std::vector<Object> list(engine::Connection& connection, const std::string& pattern);

}  // namespace strata::ingest::s3
