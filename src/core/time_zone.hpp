// Time zones by IANA name ("Europe/Berlin", "UTC"), read from the system's TZif files
// (/usr/share/zoneinfo, Debian's tzdata), with the file's POSIX rule for instants past its last
// transition. It converts UTC instants to local time and local wall-clock times back to instants,
// reporting the two cases daylight saving creates: a local time that does not exist (the clock
// jumps over it) and one that exists twice (the clock falls back through it). Times are seconds
// since the Unix epoch; local times are broken down as a CivilTime.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace strata {

struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int weekday() const;  // 0 = Sunday
  auto operator<=>(const CivilTime&) const = default;
  std::string str() const;  // "2021-12-25 07:00:00"
};

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t days_from_civil(int year, int month, int day);
CivilTime civil_from_seconds(int64_t seconds);       // a UTC breakdown
int64_t seconds_from_civil(const CivilTime& civil);  // as if UTC

class TimeZone {
 public:
  // Loads a zone by IANA name; throws kConfig naming the zone when unknown.
  static TimeZone load(const std::string& name);
  static TimeZone utc();

  const std::string& name() const { return name_; }
  // The offset from UTC, in seconds, in force at a UTC instant.
  int32_t offset_at(int64_t utc_seconds) const;
  CivilTime to_local(int64_t utc_seconds) const;

  enum class LocalKind { kUnique, kSkipped, kRepeated };
  struct Resolved {
    LocalKind kind = LocalKind::kUnique;
    int64_t earliest = 0;  // the instant (for kSkipped: the first instant after the gap)
    int64_t latest = 0;    // equal to earliest unless kRepeated
  };
  Resolved from_local(const CivilTime& local) const;

  struct Rule;  // a POSIX TZ rule (the TZif footer); defined in the .cpp

 private:
  std::string name_;
  std::vector<int64_t> transitions_;    // UTC seconds, ascending
  std::vector<int32_t> offsets_after_;  // offset in force from each transition on
  int32_t initial_offset_ = 0;          // before the first transition
  std::shared_ptr<const Rule> rule_;    // after the last transition; null: keep the last offset
};

}  // namespace strata
