// A small client for the S3 API, for the lake's metadata files on S3-compatible storage (data
// files go through DuckDB's httpfs extension): put, get, delete and list objects, each request
// signed with AWS Signature Version 4 (unsigned when no key is configured). Objects are named by
// `s3://bucket/key`; the bucket's settings come from lake/s3_settings.hpp. Transient failures
// (connection errors, 5xx, throttling) are retried with backoff; other failures are kStorage
// errors naming the object, the HTTP status and S3's error code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::lake::s3 {

struct ObjectInfo {
  std::string location;  // s3://bucket/key
  uint64_t size = 0;
  int64_t modified_ms = 0;  // last-modified time, milliseconds since the epoch
};

void put_object(const std::string& location, std::string_view bytes);
std::string get_object(const std::string& location);
// True when the object was deleted; false when there was none.
bool delete_object(const std::string& location);
// The objects whose locations start with `prefix` (s3://bucket/key-prefix), in key order.
std::vector<ObjectInfo> list_objects(const std::string& prefix);

// Hex SHA-256 and the SigV4 signature, exposed for the tests against AWS's published examples.
std::string sha256_hex(std::string_view bytes);
std::string signature_v4(const std::string& secret_key, const std::string& date,
                         const std::string& region, const std::string& service,
                         const std::string& string_to_sign);

}  // namespace strata::lake::s3
