#include <gtest/gtest.h>

#include "core/error.hpp"
#include "orchestrate/cron.hpp"

namespace strata::orchestrate {
namespace {

int64_t utc(int y, int mo, int d, int h, int mi) {
  return seconds_from_civil({y, mo, d, h, mi, 0});
}

std::string at(int64_t seconds) {
  return civil_from_seconds(seconds).str();
}

TEST(Cron, FieldsListsRangesStepsAndNames) {
  auto business = CronSchedule::parse("*/15 9-17 * * MON-FRI", TimeZone::utc());
  // Friday 2021-12-24 17:50 -> Monday 09:00.
  EXPECT_EQ(at(business.next_after(utc(2021, 12, 24, 17, 50))), "2021-12-27 09:00:00");
  EXPECT_EQ(at(business.next_after(utc(2021, 12, 27, 9, 0))), "2021-12-27 09:15:00");
  auto monthly = CronSchedule::parse("@monthly", TimeZone::utc());
  EXPECT_EQ(at(monthly.next_after(utc(2021, 12, 5, 0, 0))), "2022-01-01 00:00:00");
  auto list = CronSchedule::parse("5,10 1 * jan,Jul 7", TimeZone::utc());  // 7 = Sunday
  EXPECT_EQ(at(list.next_after(utc(2022, 1, 1, 0, 0))), "2022-01-02 01:05:00");
  EXPECT_EQ(at(list.next_after(utc(2022, 1, 2, 1, 5))), "2022-01-02 01:10:00");
}

TEST(Cron, EitherDayFieldMatchesWhenBothAreRestricted) {
  auto schedule = CronSchedule::parse("0 0 13 * FRI", TimeZone::utc());
  // 2021-12-13 is a Monday (the 13th); the Friday after is the 17th.
  EXPECT_EQ(at(schedule.next_after(utc(2021, 12, 12, 0, 0))), "2021-12-13 00:00:00");
  EXPECT_EQ(at(schedule.next_after(utc(2021, 12, 13, 0, 0))), "2021-12-17 00:00:00");
}

TEST(Cron, EvaluatesInItsTimeZone) {
  auto daily = CronSchedule::parse("@daily", TimeZone::load("Europe/Berlin"));
  // 2021-12-25 00:30 in Berlin; the next local midnight is 2021-12-25 23:00 UTC.
  EXPECT_EQ(at(daily.next_after(utc(2021, 12, 24, 23, 30))), "2021-12-25 23:00:00");
}

TEST(Cron, FixedHourInDaylightSavingGapsAndRepeats) {
  auto schedule = CronSchedule::parse("30 2 * * *", TimeZone::load("Europe/Berlin"));
  // 02:30 does not exist on 2021-03-28: it fires when the clock jumps (01:00 UTC), once.
  EXPECT_EQ(at(schedule.next_after(utc(2021, 3, 27, 12, 0))), "2021-03-28 01:00:00");
  EXPECT_EQ(at(schedule.next_after(utc(2021, 3, 28, 1, 0))), "2021-03-29 00:30:00");
  // 02:30 happens twice on 2021-10-31: it fires at the first one only.
  EXPECT_EQ(at(schedule.next_after(utc(2021, 10, 30, 12, 0))), "2021-10-31 00:30:00");
  EXPECT_EQ(at(schedule.next_after(utc(2021, 10, 31, 0, 30))), "2021-11-01 01:30:00");
}

TEST(Cron, FrequentSchedulesFollowElapsedTimeAcrossDaylightSaving) {
  auto schedule = CronSchedule::parse("*/30 * * * *", TimeZone::load("Europe/Berlin"));
  // Autumn: the repeated hour ticks in both passes; every real half hour, no gaps or doubles.
  auto autumn = schedule.ticks(utc(2021, 10, 30, 23, 0), utc(2021, 10, 31, 2, 0));
  ASSERT_EQ(autumn.size(), 6u);
  for (size_t i = 1; i < autumn.size(); ++i) EXPECT_EQ(autumn[i] - autumn[i - 1], 1800);
  auto spring = schedule.ticks(utc(2021, 3, 28, 0, 0), utc(2021, 3, 28, 3, 0));
  ASSERT_EQ(spring.size(), 6u);
  for (size_t i = 1; i < spring.size(); ++i) EXPECT_EQ(spring[i] - spring[i - 1], 1800);
}

TEST(Cron, InvalidExpressionsNameTheFieldAndPlace) {
  const Location where("strata.yml", 12, 15);
  try {
    CronSchedule::parse("61 * * * *", TimeZone::utc(), where);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
    EXPECT_EQ(e.where().line, 12);
    EXPECT_NE(e.message().find("minute field '61': 61 is outside 0-59"), std::string::npos)
        << e.message();
  }
  EXPECT_THROW(CronSchedule::parse("* * *", TimeZone::utc()), Error);
  EXPECT_THROW(CronSchedule::parse("0 0 * * funday", TimeZone::utc()), Error);
  EXPECT_THROW(CronSchedule::parse("0 0 5-1 * *", TimeZone::utc()), Error);
  EXPECT_THROW(CronSchedule::parse("*/0 * * * *", TimeZone::utc()), Error);
  auto never = CronSchedule::parse("0 0 30 2 *", TimeZone::utc());
  EXPECT_THROW(never.next_after(0), Error);
}

}  // namespace
}  // namespace strata::orchestrate
