#include "orchestrate/cron.hpp"

#include <algorithm>
#include <array>
#include <sstream>

#include "core/text.hpp"

namespace strata::orchestrate {

namespace {

struct FieldSpec {
  const char* name;
  int low;
  int high;
  std::vector<std::string> names;  // names[i] stands for low + i
};

const std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day of month", 1, 31, {}},
    {"month",
     1,
     12,
     {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
    {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}};

std::string expand_alias(const std::string& expression) {
  const std::string e = to_lower(trim(expression));
  if (e == "@yearly" || e == "@annually") return "0 0 1 1 *";
  if (e == "@monthly") return "0 0 1 * *";
  if (e == "@weekly") return "0 0 * * 0";
  if (e == "@daily" || e == "@midnight") return "0 0 * * *";
  if (e == "@hourly") return "0 * * * *";
  return std::string(trim(expression));
}

class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, std::string text, const std::string& expression,
              const Location& where)
      : spec_(spec), text_(std::move(text)), expression_(expression), where_(where) {}

  // The values the field allows, and whether it is a plain '*'.
  std::vector<bool> parse(bool& wildcard) {
    std::vector<bool> allowed(spec_.high + 1, false);
    wildcard = text_ == "*";
    for (const std::string& part : split(text_, ',')) {
      if (part.empty()) fail("an empty list item");
      const size_t slash = part.find('/');
      const std::string range = part.substr(0, slash);
      int step = 1;
      if (slash != std::string::npos) {
        step = value_of(part.substr(slash + 1), true);
        if (step <= 0) fail("a step must be positive");
      }
      int first = spec_.low, last = spec_.high;
      if (range != "*") {
        const size_t dash = range.find('-');
        first = value_of(range.substr(0, dash), false);
        last = dash == std::string::npos ? (slash == std::string::npos ? first : spec_.high)
                                         : value_of(range.substr(dash + 1), false);
        if (first > last) fail("the range " + range + " runs backwards");
      }
      for (int v = first; v <= last; v += step) allowed[v] = true;
    }
    return allowed;
  }

 private:
  const FieldSpec& spec_;
  std::string text_;
  const std::string& expression_;
  const Location& where_;

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorKind::kConfig,
                "invalid cron expression '" + expression_ + "': " + spec_.name + " field '" +
                    text_ + "': " + why,
                where_);
  }

  int value_of(const std::string& token, bool is_step) const {
    if (token.empty()) fail("a missing number");
    if (!is_step) {
      const std::string lower = to_lower(token);
      for (size_t i = 0; i < spec_.names.size(); ++i) {
        if (lower == spec_.names[i]) return spec_.low + static_cast<int>(i);
      }
    }
    for (char c : token) {
      if (!std::isdigit(static_cast<unsigned char>(c))) fail("'" + token + "' is not a number");
    }
    const int value = std::stoi(token);
    if (!is_step && (value < spec_.low || value > spec_.high)) {
      fail(token + " is outside " + std::to_string(spec_.low) + "-" + std::to_string(spec_.high));
    }
    return value;
  }
};

// Naive civil arithmetic: the calendar without any time zone.
CivilTime plus_seconds(const CivilTime& t, int64_t seconds) {
  return civil_from_seconds(seconds_from_civil(t) + seconds);
}

}  // namespace

CronSchedule CronSchedule::parse(const std::string& text, TimeZone zone, const Location& where) {
  CronSchedule schedule;
  schedule.expression_ = std::string(trim(text));
  schedule.zone_ = std::move(zone);
  std::istringstream words(expand_alias(text));
  std::vector<std::string> fields;
  for (std::string word; words >> word;) fields.push_back(word);
  if (fields.size() != 5) {
    throw Error(ErrorKind::kConfig,
                "invalid cron expression '" + schedule.expression_ +
                    "': expected 5 fields "
                    "(minute hour day-of-month month day-of-week) or an alias like @daily, got " +
                    std::to_string(fields.size()),
                where);
  }
  bool wildcard[5];
  std::vector<bool> allowed[5];
  for (int i = 0; i < 5; ++i) {
    allowed[i] = FieldParser(kFields[i], fields[i], schedule.expression_, where).parse(wildcard[i]);
  }
  for (int m = 0; m < 60; ++m) schedule.minutes_[m] = allowed[0][m];
  for (int h = 0; h < 24; ++h) schedule.hours_[h] = allowed[1][h];
  for (int d = 1; d <= 31; ++d) schedule.days_[d] = allowed[2][d];
  for (int m = 1; m <= 12; ++m) schedule.months_[m] = allowed[3][m];
  for (int w = 0; w <= 7; ++w) {
    if (allowed[4][w]) schedule.weekdays_[w % 7] = true;  // 7 is Sunday too
  }
  schedule.day_restricted_ = !wildcard[2];
  schedule.weekday_restricted_ = !wildcard[4];
  schedule.every_hour_ = wildcard[1];
  return schedule;
}

bool CronSchedule::day_matches(const CivilTime& t) const {
  const bool day = days_[t.day];
  const bool weekday = weekdays_[t.weekday()];
  if (day_restricted_ && weekday_restricted_) return day || weekday;
  return day && weekday;
}

int64_t CronSchedule::next_after(int64_t after) const {
  const int64_t first_minute = after - ((after % 60) + 60) % 60 + 60;
  const int64_t limit = after + 5LL * 366 * 86400;
  if (every_hour_) {
    // Hourly or finer: walk real minutes, so a repeated local hour ticks in both passes and a
    // skipped one has no ticks. Days and months that cannot match are jumped over.
    for (int64_t u = first_minute; u < limit;) {
      const CivilTime t = zone_.to_local(u);
      if (!months_[t.month] || !day_matches(t)) {
        const CivilTime next_day = plus_seconds({t.year, t.month, t.day, 0, 0, 0}, 86400);
        u = std::max(u + 60, zone_.from_local(next_day).earliest);
        continue;
      }
      if (minutes_[t.minute]) return u;
      u += 60;
    }
  } else {
    // Fixed hours: walk local wall-clock time; each matching local time fires once.
    CivilTime t = zone_.to_local(first_minute);
    const int64_t local_limit = seconds_from_civil(t) + 5LL * 366 * 86400;
    while (seconds_from_civil(t) < local_limit) {
      if (!months_[t.month]) {
        t = {t.month == 12 ? t.year + 1 : t.year, t.month == 12 ? 1 : t.month + 1, 1, 0, 0, 0};
        continue;
      }
      if (!day_matches(t)) {
        t = plus_seconds({t.year, t.month, t.day, 0, 0, 0}, 86400);
        continue;
      }
      if (!hours_[t.hour]) {
        t = plus_seconds({t.year, t.month, t.day, t.hour, 0, 0}, 3600);
        continue;
      }
      if (minutes_[t.minute]) {
        // A skipped local time fires when the clock jumps; a repeated one at its first pass.
        const int64_t instant = zone_.from_local(t).earliest;
        if (instant > after) return instant;
      }
      t = plus_seconds(t, 60);
    }
  }
  throw Error(ErrorKind::kConfig,
              "cron expression '" + expression_ + "' never fires (no tick within five years)");
}

std::vector<int64_t> CronSchedule::ticks(int64_t after, int64_t until) const {
  std::vector<int64_t> out;
  for (int64_t t = next_after(after); t <= until; t = next_after(t)) out.push_back(t);
  return out;
}

std::optional<int64_t> CronSchedule::last_at_or_before(int64_t at) const {
  // Look back over growing windows, so frequent schedules walk few ticks.
  for (int64_t window : {3600LL, 86400LL, 32 * 86400LL, 367 * 86400LL, 5 * 367 * 86400LL}) {
    int64_t last = next_after(at - window);
    if (last > at) continue;
    for (int64_t next = next_after(last); next <= at; next = next_after(last)) last = next;
    return last;
  }
  return std::nullopt;
}

}  // namespace strata::orchestrate
