#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/time_zone.hpp"

namespace strata {
namespace {

int64_t utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return seconds_from_civil({y, mo, d, h, mi, s});
}

TEST(Civil, RoundTripsAndKnowsWeekdays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(civil_from_seconds(utc(2024, 2, 29, 23, 59, 59)).str(), "2024-02-29 23:59:59");
  EXPECT_EQ(civil_from_seconds(-1).str(), "1969-12-31 23:59:59");
  EXPECT_EQ((CivilTime{2021, 12, 25}.weekday()), 6);  // a Saturday
  EXPECT_EQ((CivilTime{1970, 1, 1}.weekday()), 4);
}

TEST(TimeZone, ReadsTransitionsFromTheSystemDatabase) {
  TimeZone berlin = TimeZone::load("Europe/Berlin");
  EXPECT_EQ(berlin.offset_at(utc(2021, 3, 28, 0, 59, 59)), 3600);
  EXPECT_EQ(berlin.offset_at(utc(2021, 3, 28, 1, 0, 0)), 7200);
  EXPECT_EQ(berlin.offset_at(utc(2021, 10, 31, 0, 59, 59)), 7200);
  EXPECT_EQ(berlin.offset_at(utc(2021, 10, 31, 1, 0, 0)), 3600);
  EXPECT_EQ(berlin.to_local(utc(2021, 12, 25, 7, 0)).str(), "2021-12-25 08:00:00");
  EXPECT_EQ(TimeZone::load("America/Sao_Paulo").offset_at(utc(2021, 1, 1, 0, 0)), -3 * 3600);
}

TEST(TimeZone, FollowsTheZoneRuleBeyondTheLastTransition) {
  TimeZone berlin = TimeZone::load("Europe/Berlin");
  EXPECT_EQ(berlin.offset_at(utc(2060, 1, 15, 12, 0)), 3600);
  EXPECT_EQ(berlin.offset_at(utc(2060, 7, 15, 12, 0)), 7200);
  // 2060-03-28 is the last Sunday of March: DST starts at 01:00 UTC.
  EXPECT_EQ(berlin.offset_at(utc(2060, 3, 28, 0, 59)), 3600);
  EXPECT_EQ(berlin.offset_at(utc(2060, 3, 28, 1, 0)), 7200);
  TimeZone sydney = TimeZone::load("Australia/Sydney");  // southern hemisphere
  EXPECT_EQ(sydney.offset_at(utc(2060, 1, 15, 0, 0)), 11 * 3600);
  EXPECT_EQ(sydney.offset_at(utc(2060, 7, 15, 0, 0)), 10 * 3600);
}

TEST(TimeZone, ResolvesSkippedAndRepeatedLocalTimes) {
  TimeZone berlin = TimeZone::load("Europe/Berlin");
  auto gap = berlin.from_local({2021, 3, 28, 2, 30, 0});
  EXPECT_EQ(gap.kind, TimeZone::LocalKind::kSkipped);
  EXPECT_EQ(gap.earliest, utc(2021, 3, 28, 1, 0));
  auto twice = berlin.from_local({2021, 10, 31, 2, 30, 0});
  EXPECT_EQ(twice.kind, TimeZone::LocalKind::kRepeated);
  EXPECT_EQ(twice.earliest, utc(2021, 10, 31, 0, 30));
  EXPECT_EQ(twice.latest, utc(2021, 10, 31, 1, 30));
  auto normal = berlin.from_local({2021, 12, 25, 8, 0, 0});
  EXPECT_EQ(normal.kind, TimeZone::LocalKind::kUnique);
  EXPECT_EQ(normal.earliest, utc(2021, 12, 25, 7, 0));
}

TEST(TimeZone, UnknownZonesAreConfigErrors) {
  EXPECT_THROW(TimeZone::load("Mars/Olympus_Mons"), Error);
  EXPECT_THROW(TimeZone::load("../etc/passwd"), Error);
  EXPECT_EQ(TimeZone::load("UTC").offset_at(123456789), 0);
}

}  // namespace
}  // namespace strata
