// PostgreSQL's text output formats for scalar values, written from DuckDB's physical
// representations: dates and timestamps as ISO 'YYYY-MM-DD HH:MM:SS[.ffffff][+00][ BC]', intervals
// in the 'postgres' IntervalStyle ('1 year 2 mons 3 days 04:05:06'), exact decimals, shortest
// round-trip floats ('NaN', 'Infinity'), uuids, bytea as '\x...' hex, array elements quoted the way
// array_out does, and JSON strings. Pure functions with no DuckDB calls, so they are unit-tested
// directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::serve::pgwire {

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
// From 1970-01-01 (DuckDB's epoch) to 2000-01-01 (PostgreSQL's binary epoch).
inline constexpr int32_t kPgEpochDays = 10957;
inline constexpr int64_t kPgEpochMicros = kPgEpochDays * kMicrosPerDay;

struct CivilDate {
  int64_t year = 1970;  // astronomical: 0 is 1 BC
  unsigned month = 1;
  unsigned day = 1;
};
CivilDate civil_from_days(int64_t days_since_1970);
int64_t days_from_civil(const CivilDate& date);

void append_date(std::string& out, int32_t days_since_1970);
void append_time(std::string& out, int64_t micros_since_midnight);
// `offset_seconds` east of UTC, printed as +HH[:MM[:SS]].
void append_utc_offset(std::string& out, int32_t offset_seconds);
void append_timestamp(std::string& out, int64_t micros_since_1970, bool with_time_zone);
void append_interval(std::string& out, int32_t months, int32_t days, int64_t micros);
void append_decimal(std::string& out, __int128 unscaled, uint8_t scale);
void append_unsigned(std::string& out, unsigned __int128 value);
void append_double(std::string& out, double value);
void append_float(std::string& out, float value);
// DuckDB stores a UUID as a 128-bit integer whose top bit is flipped (so that it sorts right).
void append_uuid(std::string& out, int64_t upper, uint64_t lower);
void append_bytea_hex(std::string& out, std::string_view bytes);
// One element of an array literal, quoted and escaped when array_out would.
void append_array_element(std::string& out, std::string_view text);
void append_json_string(std::string& out, std::string_view text);
// One CSV field (RFC 4180): quoted when it holds the delimiter, a quote or a line break, and an
// empty string as "" so that it differs from NULL (which callers write as nothing).
void append_csv_field(std::string& out, std::string_view text, char delimiter = ',');

}  // namespace strata::serve::pgwire
