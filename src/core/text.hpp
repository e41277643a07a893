// Small text utilities shared by every layer: case folding, trimming, joining, edit distance for
// "did you mean" hints, hex encoding of bytes, and human-readable sizes and durations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

std::string to_lower(std::string_view text);
std::string_view trim(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::vector<std::string> split(std::string_view text, char separator);

// Levenshtein distance, for suggesting the closest valid name.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a likely typo, else empty.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// Bytes as two hex digits each (lower case unless `upper_case`), appended to `out` or returned.
void append_hex(std::string& out, std::string_view bytes, bool upper_case = false);
std::string hex_encode(std::string_view bytes, bool upper_case = false);

std::string format_bytes(uint64_t bytes);
std::string format_count(uint64_t count);    // 1234567 -> "1,234,567"
std::string format_rows(uint64_t rows);      // "1 row", "1,234 rows"
std::string format_seconds(double seconds);  // "850 ms", "12.3 s", "4 min 02 s"

}  // namespace strata
