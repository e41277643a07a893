// Identifiers strata generates: random version-4 UUIDs (table ids, metadata file names) and random
// positive ids (snapshot ids) below 2^53, so that every JSON reader holds them exactly. Random bits
// come from a per-thread generator seeded by the operating system, so ids are unique in practice
// across processes and time.
#pragma once

#include <cstdint>
#include <string>

namespace strata::ids {

uint64_t random_u64();

// "f79c3e09-677c-4bbd-a479-3f349cb785e7"
std::string uuid4();

// In [1, 2^53).
int64_t positive_id();

}  // namespace strata::ids
