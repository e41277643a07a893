// The parameters of Iceberg's parameterized partition transforms (spec, "Partition Transforms"):
// W of truncate[W] and N of bucket[N], read from the transform's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace strata::lake::iceberg {

// W of "truncate[W]"; none for other transforms or a width that is not a positive integer.
std::optional<int64_t> truncate_width(const std::string& transform);

// N of "bucket[N]"; none for other transforms or a count that is not a positive integer.
std::optional<int32_t> bucket_count(const std::string& transform);

}  // namespace strata::lake::iceberg
