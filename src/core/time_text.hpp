// Times and durations as people write them in configuration and on the command line. Instants are
// read as ISO-8601 dates or date-times ("2021-12-01", "2021-12-01 06:00", "2021-12-01T06:00:00Z",
// "...+01:00"); one without an offset is a wall-clock time in a given time zone (daylight saving
// gaps resolve to the first instant after the jump, repeated times to their first occurrence).
// Instants are written back as ISO-8601 in UTC. Durations are a number and a unit, or several
// ("500ms", "10s", "5m", "1h30m", "2d").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time_zone.hpp"

namespace strata {

// Seconds since the epoch, or nothing when `text` is not such a date or date-time.
std::optional<int64_t> parse_instant(std::string_view text, const TimeZone& zone);

// "2021-12-01T06:00:00Z".
std::string iso_utc(int64_t seconds);

// Milliseconds, or nothing when `text` is not a duration.
std::optional<int64_t> parse_duration_ms(std::string_view text);

// "1h30m", "10s", "250ms": the shortest exact spelling.
std::string format_duration_ms(int64_t ms);

}  // namespace strata
