#include "core/ids.hpp"

#include <cstdio>
#include <random>

namespace strata::ids {

uint64_t random_u64() {
  static thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }()};
  return generator();
}

std::string uuid4() {
  uint64_t high = random_u64();
  uint64_t low = random_u64();
  high = (high & ~0xF000ULL) | 0x4000ULL;          // version 4
  low = (low & ~(0x3ULL << 62)) | (0x2ULL << 62);  // variant 10
  char text[37];
  std::snprintf(text, sizeof text, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xFFFF),
                static_cast<unsigned long long>(high & 0xFFFF),
                static_cast<unsigned long long>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

int64_t positive_id() {
  constexpr uint64_t kLimit = uint64_t{1} << 53;
  return static_cast<int64_t>(random_u64() % (kLimit - 1) + 1);
}

}  // namespace strata::ids
