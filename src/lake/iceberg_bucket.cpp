#include "lake/iceberg_bucket.hpp"

#include <cstring>

#include "core/error.hpp"
#include "engine/scalar_function.hpp"
#include "lake/iceberg_bounds.hpp"
#include "lake/iceberg_transforms.hpp"

namespace strata::lake::iceberg {

namespace {

uint32_t rotl(uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

uint32_t read_le32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

int64_t read_le(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  if (bytes.size() == 4) return static_cast<int32_t>(static_cast<uint32_t>(value));
  return static_cast<int64_t>(value);
}

}  // namespace

uint32_t murmur3_32(std::string_view bytes, uint32_t seed) {
  constexpr uint32_t c1 = 0xcc9e2d51;
  constexpr uint32_t c2 = 0x1b873593;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t blocks = bytes.size() / 4;
  uint32_t h = seed;
  for (size_t i = 0; i < blocks; ++i) {
    uint32_t k = read_le32(data + 4 * i);
    k *= c1;
    k = rotl(k, 15);
    k *= c2;
    h ^= k;
    h = rotl(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  const unsigned char* tail = data + 4 * blocks;
  uint32_t k = 0;
  switch (bytes.size() & 3) {
    case 3:
      k ^= static_cast<uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      k ^= static_cast<uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= c1;
      k = rotl(k, 15);
      k *= c2;
      h ^= k;
  }
  h ^= static_cast<uint32_t>(bytes.size());
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

int32_t hash_long(int64_t value) {
  char bytes[8];
  const auto bits = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
  return static_cast<int32_t>(murmur3_32(std::string_view(bytes, 8)));
}

int32_t hash_bytes(std::string_view bytes) {
  return static_cast<int32_t>(murmur3_32(bytes));
}

int32_t bucket_of(int32_t hash, int32_t buckets) {
  return (hash & 0x7fffffff) % buckets;
}

std::optional<int32_t> bucket_count(const std::string& transform) {
  if (!transform.starts_with("bucket[") || !transform.ends_with("]")) return std::nullopt;
  const std::string digits = transform.substr(7, transform.size() - 8);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int64_t n = std::stoll(digits);
  if (n <= 0) return std::nullopt;
  return static_cast<int32_t>(n);
}

bool bucketable(const Type& type) {
  switch (type.id) {
    case TypeId::kInt:
    case TypeId::kLong:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
    case TypeId::kDecimal:
    case TypeId::kString:
    case TypeId::kUuid:
    case TypeId::kBinary:
      return true;
    default:
      return false;
  }
}

std::optional<int32_t> hash_single_value(const Type& type, std::string_view value) {
  if (!bucketable(type)) return std::nullopt;
  switch (type.id) {
    case TypeId::kInt:
    case TypeId::kLong:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      if (value.size() != 4 && value.size() != 8) return std::nullopt;
      return hash_long(read_le(value));
    default:  // decimal (the single value is the minimal big-endian form), string, uuid, binary
      return hash_bytes(value);
  }
}

void register_bucket_function(engine::Connection& connection) {
  const auto checked = [](int32_t n) {
    if (n <= 0) throw Error(ErrorKind::kInput, "bucket count must be positive");
    return n;
  };
  engine::IntegerFunction function;
  function.name = kBucketFunction;
  function.on_bigint = [checked](int32_t n, int64_t v) {
    return bucket_of(hash_long(v), checked(n));
  };
  function.on_blob = [checked](int32_t n, std::string_view v) {
    return bucket_of(hash_bytes(v), checked(n));
  };
  function.on_hugeint = [checked](int32_t n, __int128 v) {
    return bucket_of(hash_bytes(decimal_bytes(v)), checked(n));
  };
  engine::register_function(connection, function);
}

}  // namespace strata::lake::iceberg
