// Iceberg's bucket[N] partition transform (spec, "Bucket Transform Details" and Appendix B): a
// 32-bit Murmur3 hash (x86 variant, seed 0) of a value's hash bytes, then
// (hash & Integer.MAX_VALUE) % N. Hash bytes: int, long, date, time and timestamps as an 8-byte
// little-endian long; decimals as the minimal big-endian two's-complement bytes of the unscaled
// value; strings as UTF-8; UUIDs as 16 big-endian bytes; binary as is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/database.hpp"
#include "lake/iceberg_schema.hpp"

namespace strata::lake::iceberg {

uint32_t murmur3_32(std::string_view bytes, uint32_t seed = 0);

// The hash of a long (ints, dates, times and timestamps hash as longs).
int32_t hash_long(int64_t value);
// The hash of raw bytes (strings, binary, decimal and UUID hash bytes).
int32_t hash_bytes(std::string_view bytes);

// The bucket of a hash.
int32_t bucket_of(int32_t hash, int32_t buckets);

// Whether values of `type` have hash bytes (every primitive type but boolean, float and double).
bool bucketable(const Type& type);

// The hash of a value given in Iceberg's binary single-value serialization of `type` (as in
// bounds); none for types that are not bucketed (boolean, float, double, nested).
std::optional<int32_t> hash_single_value(const Type& type, std::string_view value);

// The SQL function that computes bucket partition values while writing (bucket_sql), registered
// in the database of `connection` if it is not there yet: strata_iceberg_bucket(N, value) with
// value a BIGINT (ints, dates, times, timestamps as their long), a BLOB (hash bytes) or a HUGEINT
// (a decimal's unscaled value).
void register_bucket_function(engine::Connection& connection);
constexpr const char* kBucketFunction = "strata_iceberg_bucket";

}  // namespace strata::lake::iceberg
