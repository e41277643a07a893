// Cron schedules: the five classic fields (minute, hour, day of month, month, day of week) with
// lists, ranges, steps and names (JAN, MON), the @yearly/@monthly/@weekly/@daily/@hourly aliases,
// evaluated in a time zone. Daylight saving: a local time the clock skips fires at the first
// instant after the jump (for schedules with fixed hours) and a local time that happens twice fires
// once, at its first occurrence; schedules that run every hour or more often follow elapsed time
// instead (a skipped hour has no ticks, a repeated hour has ticks in both passes). As in Vixie
// cron, when both day fields are restricted a day matches either of them.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time_zone.hpp"

namespace strata::orchestrate {

class CronSchedule {
 public:
  // Throws kConfig naming `where` (the expression's place in strata.yml) and the bad field.
  static CronSchedule parse(const std::string& expression, TimeZone zone,
                            const Location& where = {});

  const std::string& expression() const { return expression_; }
  const TimeZone& zone() const { return zone_; }
  // The first tick strictly after `after` (UTC seconds). Throws kConfig if there is none within
  // five years (e.g. "0 0 30 2 *").
  int64_t next_after(int64_t after) const;
  // Every tick in (after, until], in order.
  std::vector<int64_t> ticks(int64_t after, int64_t until) const;
  // The last tick at or before `at`; nothing when there is none in the five years before it.
  std::optional<int64_t> last_at_or_before(int64_t at) const;

 private:
  std::string expression_;
  TimeZone zone_ = TimeZone::utc();
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool day_restricted_ = false;
  bool weekday_restricted_ = false;
  bool every_hour_ = false;  // the hour field is '*': follow elapsed time across DST changes

  bool day_matches(const CivilTime& t) const;
};

}  // namespace strata::orchestrate
