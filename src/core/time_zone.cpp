#include "core/time_zone.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "core/error.hpp"

namespace strata {

// ---- civil calendar arithmetic (proleptic Gregorian, 400-year eras) -------------------------

int64_t days_from_civil(int year, int month, int day) {
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

static void civil_from_days(int64_t days, int& year, int& month, int& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
}

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

CivilTime civil_from_seconds(int64_t seconds) {
  CivilTime c;
  const int64_t days = floor_div(seconds, 86400);
  int64_t rest = seconds - days * 86400;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(rest / 3600);
  c.minute = static_cast<int>(rest % 3600 / 60);
  c.second = static_cast<int>(rest % 60);
  return c;
}

int64_t seconds_from_civil(const CivilTime& c) {
  return days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
}

int CivilTime::weekday() const {
  const int64_t days = days_from_civil(year, month, day);
  return static_cast<int>((days % 7 + 11) % 7);  // 1970-01-01 was a Thursday (4)
}

std::string CivilTime::str() const {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d", year, month, day, hour,
                minute, second);
  return buffer;
}

// ---- POSIX TZ rules (the footer of a TZif file) -----------------------------------------------

struct TimeZone::Rule {
  int32_t std_offset = 0;  // seconds east of UTC
  int32_t dst_offset = 0;
  bool has_dst = false;
  struct Date {
    char kind = 'M';  // 'M' month.week.day, 'J' Julian 1..365 without Feb 29, 'N' zero-based day
    int month = 0, week = 0, weekday = 0, day = 0;
    int32_t time = 7200;  // local seconds after midnight
  } start, end;

  // The local-date of a transition in `year`, as days since the epoch.
  static int64_t day_of(const Date& d, int year) {
    if (d.kind == 'J') {
      int64_t day = days_from_civil(year, 1, 1) + d.day - 1;
      const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
      if (leap && d.day >= 60) ++day;
      return day;
    }
    if (d.kind == 'N') return days_from_civil(year, 1, 1) + d.day;
    const int64_t first = days_from_civil(year, d.month, 1);
    const int first_weekday = static_cast<int>((first % 7 + 11) % 7);
    int64_t day = first + (d.weekday - first_weekday + 7) % 7 + 7 * (d.week - 1);
    const int next_month = d.month == 12 ? 1 : d.month + 1;
    const int64_t month_end = days_from_civil(d.month == 12 ? year + 1 : year, next_month, 1);
    while (day >= month_end) day -= 7;  // week 5 means "the last"
    return day;
  }

  int32_t offset_at(int64_t utc) const {
    if (!has_dst) return std_offset;
    const int year = civil_from_seconds(utc + std_offset).year;
    const int64_t start_utc = day_of(start, year) * 86400 + start.time - std_offset;
    const int64_t end_utc = day_of(end, year) * 86400 + end.time - dst_offset;
    const bool in_dst = start_utc < end_utc ? (utc >= start_utc && utc < end_utc)
                                            : !(utc >= end_utc && utc < start_utc);
    return in_dst ? dst_offset : std_offset;
  }
};

namespace {

[[noreturn]] void bad_zone(const std::string& name, const std::string& why) {
  throw Error(ErrorKind::kConfig, "time zone '" + name + "': " + why);
}

class RuleParser {
 public:
  RuleParser(std::string text, std::string zone) : text_(std::move(text)), zone_(std::move(zone)) {}

  std::shared_ptr<TimeZone::Rule> parse() {
    auto rule = std::make_shared<TimeZone::Rule>();
    skip_name();
    rule->std_offset = -offset();
    if (at_end()) return rule;
    skip_name();
    rule->has_dst = true;
    rule->dst_offset = rule->std_offset + 3600;
    if (!at_end() && peek() != ',') rule->dst_offset = -offset();
    if (at_end()) {  // DST named without rules: POSIX's default is US rules; zoneinfo never does
                     // this
      rule->has_dst = false;
      return rule;
    }
    expect(',');
    rule->start = date();
    expect(',');
    rule->end = date();
    return rule;
  }

 private:
  std::string text_;
  std::string zone_;
  size_t pos_ = 0;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void expect(char c) {
    if (peek() != c) bad_zone(zone_, "unreadable rule '" + text_ + "'");
    ++pos_;
  }
  void skip_name() {
    if (peek() == '<') {
      while (!at_end() && peek() != '>') ++pos_;
      expect('>');
      return;
    }
    const size_t start = pos_;
    while (!at_end() && std::isalpha(static_cast<unsigned char>(peek()))) ++pos_;
    if (pos_ - start < 3) bad_zone(zone_, "unreadable rule '" + text_ + "'");
  }
  int number() {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) {
      bad_zone(zone_, "unreadable rule '" + text_ + "'");
    }
    int value = 0;
    while (std::isdigit(static_cast<unsigned char>(peek())))
      value = value * 10 + (text_[pos_++] - '0');
    return value;
  }
  // [+-]hh[:mm[:ss]] in seconds, POSIX sign (positive = west of Greenwich).
  int32_t offset() {
    int sign = 1;
    if (peek() == '+' || peek() == '-') sign = text_[pos_++] == '-' ? -1 : 1;
    int32_t seconds = number() * 3600;
    if (peek() == ':') {
      ++pos_;
      seconds += number() * 60;
      if (peek() == ':') {
        ++pos_;
        seconds += number();
      }
    }
    return sign * seconds;
  }
  TimeZone::Rule::Date date() {
    TimeZone::Rule::Date d;
    if (peek() == 'M') {
      ++pos_;
      d.kind = 'M';
      d.month = number();
      expect('.');
      d.week = number();
      expect('.');
      d.weekday = number();
    } else if (peek() == 'J') {
      ++pos_;
      d.kind = 'J';
      d.day = number();
    } else {
      d.kind = 'N';
      d.day = number();
    }
    if (peek() == '/') {
      ++pos_;
      d.time = -offset();  // a time of day, not an offset: undo the POSIX sign flip
    }
    return d;
  }
};

int64_t read_be(const unsigned char* p, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | p[i];
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(value));
  return static_cast<int64_t>(value);
}

}  // namespace

TimeZone TimeZone::utc() {
  TimeZone zone;
  zone.name_ = "UTC";
  return zone;
}

TimeZone TimeZone::load(const std::string& name) {
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") return utc();
  if (name.empty() || name.find("..") != std::string::npos || name.front() == '/') {
    bad_zone(name, "not an IANA time zone name (like Europe/Berlin)");
  }
  const std::string path = "/usr/share/zoneinfo/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) bad_zone(name, "unknown time zone (no " + path + "; is tzdata installed?)");
  const std::vector<unsigned char> data((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  auto need = [&](size_t end) {
    if (end > data.size()) bad_zone(name, "truncated zone file " + path);
  };
  need(44);
  if (std::string(data.begin(), data.begin() + 4) != "TZif") bad_zone(name, path + " is not TZif");
  const int version = data[4] == 0 ? 1 : data[4] - '0';
  size_t header = 0;
  int time_size = 4;
  auto counts = [&](size_t at) {
    std::vector<int64_t> c(6);
    for (int i = 0; i < 6; ++i) c[i] = read_be(&data[at + 20 + 4 * i], 4);
    return c;  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  };
  auto block_size = [&](const std::vector<int64_t>& c, int ts) {
    return static_cast<size_t>(c[3] * ts + c[3] + c[4] * 6 + c[5] + c[2] * (ts + 4) + c[1] + c[0]);
  };
  std::vector<int64_t> c = counts(0);
  if (version >= 2) {  // skip the 32-bit block; use the 64-bit one
    header = 44 + block_size(c, 4);
    need(header + 44);
    c = counts(header);
    time_size = 8;
  }
  const size_t body = header + 44;
  need(body + block_size(c, time_size));
  const int64_t timecnt = c[3], typecnt = c[4];
  if (typecnt < 1) bad_zone(name, "no local time types in " + path);
  const size_t types_at = body + timecnt * time_size + timecnt;
  auto type_offset = [&](int64_t index) {
    if (index < 0 || index >= typecnt) bad_zone(name, "corrupt zone file " + path);
    return static_cast<int32_t>(read_be(&data[types_at + index * 6], 4));
  };

  TimeZone zone;
  zone.name_ = name;
  zone.initial_offset_ = type_offset(0);
  for (int64_t i = 0; i < timecnt; ++i) {
    zone.transitions_.push_back(read_be(&data[body + i * time_size], time_size));
    zone.offsets_after_.push_back(type_offset(data[body + timecnt * time_size + i]));
  }
  if (version >= 2) {
    const size_t footer = body + block_size(c, time_size);
    if (footer + 1 < data.size() && data[footer] == '\n') {
      const auto end = std::find(data.begin() + footer + 1, data.end(), '\n');
      std::string text(data.begin() + footer + 1, end);
      if (!text.empty()) zone.rule_ = RuleParser(text, name).parse();
    }
  }
  return zone;
}

int32_t TimeZone::offset_at(int64_t utc_seconds) const {
  if (transitions_.empty() || utc_seconds >= transitions_.back()) {
    if (rule_) return rule_->offset_at(utc_seconds);
    return transitions_.empty() ? initial_offset_ : offsets_after_.back();
  }
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_after_[std::distance(transitions_.begin(), it) - 1];
}

CivilTime TimeZone::to_local(int64_t utc_seconds) const {
  return civil_from_seconds(utc_seconds + offset_at(utc_seconds));
}

TimeZone::Resolved TimeZone::from_local(const CivilTime& local) const {
  const int64_t wall = seconds_from_civil(local);
  const int32_t before = offset_at(wall - 86400);
  const int32_t after = offset_at(wall + 86400);
  std::vector<int64_t> valid;
  for (int32_t offset : {before, after}) {
    const int64_t candidate = wall - offset;
    if (offset_at(candidate) == offset &&
        std::find(valid.begin(), valid.end(), candidate) == valid.end()) {
      valid.push_back(candidate);
    }
  }
  std::sort(valid.begin(), valid.end());
  if (valid.size() == 1) return {LocalKind::kUnique, valid[0], valid[0]};
  if (valid.size() == 2) return {LocalKind::kRepeated, valid[0], valid[1]};
  // In a gap: the first instant after it is the transition itself.
  int64_t low = wall - before - 2 * 86400;
  int64_t high = wall - before;
  while (low + 1 < high) {
    const int64_t mid = low + (high - low) / 2;
    (offset_at(mid) == after ? high : low) = mid;
  }
  return {LocalKind::kSkipped, high, high};
}

}  // namespace strata
