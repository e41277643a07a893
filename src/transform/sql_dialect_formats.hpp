// Date-format patterns of other SQL dialects rewritten as DuckDB strftime/strptime patterns:
// Spark's Java DateTimeFormatter letters (yyyy-MM-dd HH:mm:ss) and PostgreSQL's template
// patterns (YYYY-MM-DD HH24:MI:SS). Only the common letters are known; anything else is an
// error naming the letter, so a pattern is never silently half-converted.
#pragma once

#include <string>

namespace strata::transform {

// Throws Error(kInput) for pattern letters it does not know.
std::string java_pattern_to_strftime(const std::string& pattern);
std::string postgres_pattern_to_strftime(const std::string& pattern);

}  // namespace strata::transform
