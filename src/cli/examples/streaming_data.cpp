#include "cli/examples/streaming_data.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/error.hpp"
#include "core/paths.hpp"

namespace strata::example {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kStreamsPerPart = 2'000'000;
constexpr uint64_t kReviewsPerPart = 1'000'000;
constexpr size_t kWriteBufferBytes = size_t{1} << 20;
constexpr uint64_t kProgressEveryBytes = uint64_t{8} << 20;

constexpr int64_t kDay = 86400;
constexpr int64_t kHour = 3600;
constexpr int64_t kMinute = 60;
constexpr int64_t kDecember1 = 1638316800;  // 2021-12-01T00:00:00Z
constexpr int64_t kJanuary1 = 1640995200;   // 2022-01-01T00:00:00Z
constexpr int64_t kNovember1 = 1635724800;  // 2021-11-01T00:00:00Z
constexpr int64_t kChristmas = 1640390400;  // 2021-12-25T00:00:00Z
constexpr int64_t kOutageStart = kChristmas + 7 * kHour;
constexpr int64_t kOutageEnd = kChristmas + 12 * kHour;

constexpr uint64_t kPopularityResolution = 4096;
constexpr int64_t kMinStreamSeconds = 5 * kMinute;
constexpr int64_t kMaxStreamSeconds = 6 * kHour;

// ---------------------------------------------------------------------------------------------
// PRNG: xoshiro256** seeded through splitmix64. Every table draws from its own stream so that,
// e.g., the catalogue does not change when only the number of streams does.

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t state = seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));
    for (auto& word : s_) word = splitmix64(state);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) (modulo bias is below 1e-12 for the sizes used here).
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Uniform in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1) with 53 random bits; exact, so comparisons are the same everywhere.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

  template <typename T, size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[below(N)];
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
};

enum RngStream : uint64_t {
  kAuthorsStream = 1,
  kBooksStream,
  kMoviesStream,
  kUsersStream,
  kStreamsStream,
  kReviewsStream,
};

// ---------------------------------------------------------------------------------------------
// Word lists (ASCII only in names and titles, so that lower() agrees across engines).

using Words = std::string_view;

constexpr std::array<Words, 48> kAdjectives = {
    "Silent",     "Broken",    "Golden",   "Hidden",  "Last",     "Lost",    "Crimson",   "Distant",
    "Electric",   "Frozen",    "Burning",  "Hollow",  "Midnight", "Quiet",   "Restless",  "Savage",
    "Secret",     "Shattered", "Silver",   "Wild",    "Wicked",   "Endless", "Forgotten", "Glass",
    "Iron",       "Lonely",    "Painted",  "Scarlet", "Sleeping", "Stolen",  "Sunken",    "Velvet",
    "Whispering", "Winter",    "Bitter",   "Blue",    "Cold",     "Dark",    "Falling",   "Final",
    "Gentle",     "Infinite",  "Northern", "Open",    "Paper",    "Rising",  "Second",    "Tender"};

constexpr std::array<Words, 60> kNouns = {
    "River",   "Empire",   "Garden",  "Horizon",  "Kingdom", "Mirror",  "Harbor",   "Island",
    "Journey", "Lantern",  "Machine", "Mountain", "Ocean",   "Orchard", "Promise",  "Road",
    "Shadow",  "Signal",   "Storm",   "Summer",   "Tide",    "Tower",   "Valley",   "Voyage",
    "Whisper", "Widow",    "Wolf",    "Crown",    "Desert",  "Dream",   "Echo",     "Fire",
    "Forest",  "Ghost",    "Heart",   "Hunter",   "Letter",  "Light",   "Moon",     "Night",
    "Passage", "Prince",   "Rain",    "Secret",   "Sky",     "Song",    "Stranger", "Sun",
    "Thief",   "Train",    "Truth",   "Winter",   "Witness", "Bridge",  "Canyon",   "City",
    "Compass", "Daughter", "Engine",  "Frontier"};

constexpr std::array<Words, 24> kPlaces = {
    "the North",   "the Sea",     "Saigon",     "Lisbon",    "Marrakesh", "the Valley",
    "Tomorrow",    "the Moon",    "Singapore",  "the Delta", "Kyoto",     "the Steppe",
    "Babylon",     "the Canyon",  "Montevideo", "Nairobi",   "Yesterday", "the Frontier",
    "the Islands", "the Harbour", "Reykjavik",  "Avalon",    "the South", "Atlantis"};

constexpr std::array<Words, 56> kFirstNames = {
    "Ana",     "Bruno",  "Carla",  "Daniel",   "Elena", "Felipe",    "Grace",   "Hiro",
    "Isabel",  "Jamal",  "Keiko",  "Lucas",    "Maria", "Nadia",     "Omar",    "Priya",
    "Quentin", "Rosa",   "Samuel", "Tomas",    "Uma",   "Victor",    "Wei",     "Xavier",
    "Yara",    "Zoe",    "Aisha",  "Benjamin", "Chloe", "Diego",     "Emma",    "Farah",
    "Gabriel", "Hannah", "Ivan",   "Julia",    "Kwame", "Leila",     "Mateus",  "Noah",
    "Olivia",  "Pedro",  "Rafael", "Sofia",    "Tariq", "Valentina", "William", "Yusuf",
    "Mei",     "Jun",    "Siew",   "Ravi",     "Hui",   "Kai",       "Ling",    "Arjun"};

constexpr std::array<Words, 56> kLastNames = {
    "Silva",    "Santos",  "Oliveira", "Souza",    "Smith",    "Johnson",  "Brown",   "Garcia",
    "Martinez", "Lopez",   "Tan",      "Lim",      "Lee",      "Ng",       "Wong",    "Chua",
    "Goh",      "Koh",     "Teo",      "Chen",     "Nakamura", "Sato",     "Kim",     "Park",
    "Dubois",   "Martin",  "Bernard",  "Rossi",    "Russo",    "Muller",   "Schmidt", "Novak",
    "Kowalski", "Ivanov",  "Okafor",   "Mensah",   "Haddad",   "Khan",     "Patel",   "Sharma",
    "O'Brien",  "McKay",   "Van Dijk", "da Costa", "Fischer",  "Andersen", "Larsen",  "Moreau",
    "Costa",    "Pereira", "Almeida",  "Ferreira", "Rahman",   "Hassan",   "Nguyen",  "Tran"};

constexpr std::array<Words, 6> kEmailDomains = {"example.com",      "mail.example.org",
                                                "inbox.test",       "streamly.example",
                                                "post.example.net", "webmail.test"};

constexpr std::array<Words, 12> kPublishers = {
    "Harbor House",       "Lantern Books",    "Penrose & Finch", "Blue Door Press",
    "Epigram Editions",   "Marina Bay Press", "Northwind",       "Quayside Publishing",
    "Orchard Road Books", "Atlas Editorial",  "Paper Crane",     "Sable & Sons"};

struct Nationality {
  int id;
  Words label;
  Words slug;
};

constexpr std::array<Nationality, 12> kNationalities = {{{1, "American", "americans"},
                                                         {2, "British", "britons"},
                                                         {3, "Singaporean", "singaporeans"},
                                                         {4, "French", "french"},
                                                         {5, "Brazilian", "brazilians"},
                                                         {6, "Japanese", "japanese"},
                                                         {7, "Nigerian", "nigerians"},
                                                         {8, "Indian", "indians"},
                                                         {9, "Malaysian", "malaysians"},
                                                         {10, "Canadian", "canadians"},
                                                         {11, "Korean", "koreans"},
                                                         {12, "Mexican", "mexicans"}}};
constexpr size_t kSingaporean = 2;

struct Language {
  Words code;  // empty = null
  int weight;  // per mille
};
constexpr std::array<Language, 11> kLanguages = {{{"en", 450},
                                                  {"fr", 100},
                                                  {"es", 80},
                                                  {"pt", 70},
                                                  {"ja", 60},
                                                  {"ko", 50},
                                                  {"de", 50},
                                                  {"it", 40},
                                                  {"hi", 40},
                                                  {"zh", 30},
                                                  {"", 30}}};

constexpr std::array<Words, 7> kExtraFields = {"HD", "4K", "SD", "mobile", "1", "tv", "web"};
constexpr std::array<Words, 12> kNumberWords = {
    "twelve",       "three hundred", "seven",       "one thousand", "forty two", "eleven",
    "nine hundred", "sixty",         "two hundred", "eighty five",  "ninety",    "five"};

constexpr std::array<Words, 18> kReviewPhrases = {"Loved it.",
                                                  "Not as good as the book.",
                                                  "The movie misses the point of the novel.",
                                                  "A faithful adaptation, mostly.",
                                                  "Très bien, mais le livre est meilleur.",
                                                  "Não gostei do final.",
                                                  "Five stars, \"unputdownable\" as they say.",
                                                  "The ending felt rushed.",
                                                  "Read it twice; watched it once.",
                                                  "Casting was spot on.",
                                                  "Too long.\nWay too long.",
                                                  "Surprisingly moving.",
                                                  "The book's quieter chapters are gone.",
                                                  "Soundtrack > plot.",
                                                  "A slow start, then a great second half.",
                                                  "Mixed feelings: C+ / B-.",
                                                  "Über-dramatic but fun.",
                                                  "Would recommend to book clubs."};

constexpr std::array<Words, 5> kRatingLabels = {"terrible", "bad", "ok", "good", "excellent"};

// UTC offsets (minutes) the apps write times in; repeated entries are more frequent.
constexpr std::array<int, 12> kOffsets = {-480, -300, -180, -180, 0, 0, 0, 60, 120, 330, 480, 540};

// ---------------------------------------------------------------------------------------------
// A growable text buffer whose appends inline (the generator spends most of its time appending
// short pieces; std::string::push_back is an out-of-line call with GCC at -O2).

class Text {
 public:
  Text() { grow(256); }
  explicit Text(std::string_view text) : Text() { append(text); }

  void push_back(char c) {
    if (size_ == capacity_) grow(1);
    data_[size_++] = c;
  }
  void append(std::string_view text) {
    if (text.size() > capacity_ - size_) grow(text.size());
    std::memcpy(data_.get() + size_, text.data(), text.size());
    size_ += text.size();
  }
  void assign(std::string_view text) {
    size_ = 0;
    append(text);
  }
  void clear() { size_ = 0; }
  void truncate(size_t size) { size_ = std::min(size, size_); }
  void reserve(size_t capacity) {
    if (capacity > capacity_) grow(capacity - size_);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  char operator[](size_t i) const { return data_[i]; }
  const char* data() const { return data_.get(); }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  void grow(size_t extra) {
    const size_t capacity = std::max(capacity_ * 2, size_ + extra);
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Text formatting helpers (append to a reusable line buffer; no locale, no allocation per call).

void append_uint(Text& out, uint64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(std::string_view(digits, static_cast<size_t>(result.ptr - digits)));
}

void append_int(Text& out, int64_t value) {
  if (value < 0) {
    out.push_back('-');
    append_uint(out, static_cast<uint64_t>(-(value + 1)) + 1);
  } else {
    append_uint(out, static_cast<uint64_t>(value));
  }
}

void append_2d(Text& out, int64_t value) {
  out.push_back(static_cast<char>('0' + value / 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

// cents -> "812.35"
void append_cents(Text& out, uint64_t cents) {
  append_uint(out, cents / 100);
  out.push_back('.');
  append_2d(out, static_cast<int64_t>(cents % 100));
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string lower_copy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Writes s, or (with probability p) s in all upper or all lower case.
void append_varied_case(Text& out, Rng& rng, std::string_view s, double p) {
  if (!rng.chance(p)) {
    out.append(s);
    return;
  }
  const bool upper = rng.chance(0.5);
  for (char c : s) out.push_back(upper ? ascii_upper(c) : ascii_lower(c));
}

// RFC 4180: quote a field containing a delimiter, quote or line break; double inner quotes.
void append_csv_field(Text& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_json_string(Text& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (byte < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// ---------------------------------------------------------------------------------------------
// Dates: civil dates from days since 1970-01-01, with the days the data lives in precomputed.

bool is_leap(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

void append_civil_date(Text& out, int64_t days) {
  int64_t year = 1970;
  while (days < 0) {
    --year;
    days += is_leap(year) ? 366 : 365;
  }
  while (days >= (is_leap(year) ? 366 : 365)) {
    days -= is_leap(year) ? 366 : 365;
    ++year;
  }
  static constexpr std::array<int, 12> kMonthDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  int month = 0;
  while (true) {
    const int length = kMonthDays[static_cast<size_t>(month)] + (month == 1 && is_leap(year));
    if (days < length) break;
    days -= length;
    ++month;
  }
  append_uint(out, static_cast<uint64_t>(year));
  out.push_back('-');
  append_2d(out, month + 1);
  out.push_back('-');
  append_2d(out, days + 1);
}

class TimestampWriter {
 public:
  TimestampWriter() {
    for (int64_t day = 0; day < kCachedDays; ++day) {
      Text text;
      append_civil_date(text, kFirstCachedDay + day);
      std::copy_n(text.data(), text.size(), dates_[static_cast<size_t>(day)].begin());
    }
  }

  // "2021-12-25T04:13:00-03:00": the instant epoch_seconds written in local time at the offset.
  void append(Text& out, int64_t epoch_seconds, int offset_minutes) const {
    const int64_t local = epoch_seconds + offset_minutes * kMinute;
    const int64_t days = (local >= 0 ? local : local - (kDay - 1)) / kDay;
    const int64_t seconds = local - days * kDay;
    const int64_t cached = days - kFirstCachedDay;
    if (cached >= 0 && cached < kCachedDays) {
      const auto& date = dates_[static_cast<size_t>(cached)];
      out.append(std::string_view(date.data(), date.size()));
    } else {
      append_civil_date(out, days);
    }
    out.push_back('T');
    append_2d(out, seconds / kHour);
    out.push_back(':');
    append_2d(out, seconds % kHour / kMinute);
    out.push_back(':');
    append_2d(out, seconds % kMinute);
    const int magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    out.push_back(offset_minutes < 0 ? '-' : '+');
    append_2d(out, magnitude / 60);
    out.push_back(':');
    append_2d(out, magnitude % 60);
  }

 private:
  static constexpr int64_t kFirstCachedDay = kNovember1 / kDay - 31;  // 2021-10-01
  static constexpr int64_t kCachedDays = 150;
  std::array<std::array<char, 10>, kCachedDays> dates_{};
};

// ---------------------------------------------------------------------------------------------
// Output: a file written through a large buffer, created as "<path>.partial" and renamed by
// commit(); an uncommitted file is removed when the writer goes away.

std::string errno_message(int error) {
  return std::error_code(error, std::generic_category()).message();
}

class Progress {
 public:
  Progress(const std::function<void(uint64_t, uint64_t)>& callback, uint64_t estimate)
      : callback_(callback), estimate_(estimate) {}

  void add(uint64_t bytes) {
    written_ += bytes;
    if (written_ - reported_ >= kProgressEveryBytes) report();
  }
  void report() {
    reported_ = written_;
    if (callback_) callback_(written_, std::max(written_, estimate_));
  }
  void finish() {
    estimate_ = written_;
    report();
  }

 private:
  const std::function<void(uint64_t, uint64_t)>& callback_;
  uint64_t estimate_ = 0;
  uint64_t written_ = 0;
  uint64_t reported_ = 0;
};

class OutputFile {
 public:
  OutputFile(fs::path path, Progress& progress) : path_(std::move(path)), progress_(progress) {
    temp_path_ = path_;
    temp_path_ += ".partial";
    file_.reset(std::fopen(temp_path_.string().c_str(), "wb"));
    if (!file_) {
      throw Error(ErrorKind::kStorage, "cannot create file: " + errno_message(errno),
                  Location{temp_path_.string()});
    }
    std::setvbuf(file_.get(), nullptr, _IONBF, 0);
    buffer_.reserve(kWriteBufferBytes + 64 * 1024);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  ~OutputFile() {
    if (file_) {
      file_.reset();
      std::error_code ignored;
      fs::remove(temp_path_, ignored);
    }
  }

  void append(std::string_view text) {
    buffer_.append(text);
    if (buffer_.size() >= kWriteBufferBytes) flush();
  }

  GeneratedFile commit(uint64_t rows) {
    flush();
    if (std::fclose(file_.release()) != 0) {
      const int error = errno;
      std::error_code ignored;
      fs::remove(temp_path_, ignored);
      throw Error(ErrorKind::kStorage, "cannot write file: " + errno_message(error),
                  Location{temp_path_.string()});
    }
    std::error_code ec;
    fs::rename(temp_path_, path_, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(temp_path_, ignored);
      throw Error(ErrorKind::kStorage, "cannot rename " + temp_path_.string() + ": " + ec.message(),
                  Location{path_.string()});
    }
    return GeneratedFile{path_, rows, bytes_};
  }

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };

  void flush() {
    if (buffer_.empty()) return;
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size()) {
      throw Error(ErrorKind::kStorage, "cannot write file: " + errno_message(errno),
                  Location{temp_path_.string()});
    }
    bytes_ += buffer_.size();
    progress_.add(buffer_.size());
    buffer_.clear();
  }

  fs::path path_;
  fs::path temp_path_;
  Progress& progress_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  Text buffer_;
  uint64_t bytes_ = 0;
};

// Removes "<prefix>NNNN<suffix>" part files (and their ".partial" leftovers) from dir.
void remove_stale_parts(const fs::path& dir, std::string_view prefix, std::string_view suffix) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() > 8 && name.ends_with(".partial")) name.resize(name.size() - 8);
    if (name.size() != prefix.size() + 4 + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix)) {
      continue;
    }
    const std::string_view digits = std::string_view(name).substr(prefix.size(), 4);
    if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      stale.push_back(it->path());
    }
  }
  if (ec) {
    throw Error(ErrorKind::kStorage, "cannot list directory: " + ec.message(),
                Location{dir.string()});
  }
  for (const auto& path : stale) {
    if (!fs::remove(path, ec) && ec) {
      throw Error(ErrorKind::kStorage, "cannot remove stale file: " + ec.message(),
                  Location{path.string()});
    }
  }
}

fs::path part_path(const fs::path& dir, std::string_view prefix, uint64_t part,
                   std::string_view suffix) {
  std::string name(prefix);
  char digits[8];
  std::snprintf(digits, sizeof digits, "%04u", static_cast<unsigned>(part));
  name += digits;
  name += suffix;
  return dir / name;
}

// A file's lines split evenly into parts of at most `per_part` lines.
struct PartPlan {
  uint64_t parts = 0;
  uint64_t total = 0;
  uint64_t rows_in(uint64_t part) const { return total / parts + (part < total % parts ? 1 : 0); }
};

PartPlan plan_parts(uint64_t total, uint64_t per_part) {
  return PartPlan{std::max<uint64_t>(1, (total + per_part - 1) / per_part), total};
}

// ---------------------------------------------------------------------------------------------
// Catalogues.

struct Author {
  std::string name;
  std::string birth_date;
  std::string died_at;  // empty = null
  std::vector<size_t> nationalities;
};

struct Book {
  std::string title;
  size_t author = 0;
  int pages = -1;  // -1 = null
  Words publisher;
  std::vector<size_t> movies;  // movies based on this book
};

struct Movie {
  std::string title;
  int duration_mins = 0;
  Words language;
  int size_mb = 0;
};

struct Catalogue {
  std::vector<Author> authors;
  std::vector<Book> books;
  std::vector<Movie> movies;
  std::vector<size_t> adapted_books;  // books with at least one movie, in book order
  std::vector<std::vector<size_t>> books_by_author;
  size_t unforgiven = 0;
};

// Unique (case-insensitively) titles or names.
class UniqueNames {
 public:
  explicit UniqueNames(std::initializer_list<std::string_view> reserved) {
    for (auto name : reserved) seen_.insert(lower_copy(name));
  }
  bool claim(std::string_view name) { return seen_.insert(lower_copy(name)).second; }

 private:
  std::unordered_set<std::string> seen_;
};

std::string make_movie_title(Rng& rng) {
  std::string title;
  const uint64_t pattern = rng.below(100);
  if (pattern < 30) {
    title = "The " + std::string(rng.pick(kAdjectives)) + " " + std::string(rng.pick(kNouns));
  } else if (pattern < 50) {
    title = std::string(rng.pick(kAdjectives)) + " " + std::string(rng.pick(kNouns));
  } else if (pattern < 65) {
    title = std::string(rng.pick(kNouns)) + " of " + std::string(rng.pick(kPlaces));
  } else if (pattern < 78) {
    title = std::string(rng.pick(kFirstNames)) + " and the " + std::string(rng.pick(kNouns));
  } else if (pattern < 88) {
    title = "Return to " + std::string(rng.pick(kPlaces));
    if (rng.chance(0.5)) title += ": " + std::string(rng.pick(kNouns));
  } else if (pattern < 95) {  // a comma: quoted in CSV
    title = std::string(rng.pick(kNouns)) + ", " + std::string(rng.pick(kNouns)) + " and " +
            std::string(rng.pick(kNouns));
  } else if (pattern < 98) {
    title = std::string(rng.pick(kAdjectives)) + " " + std::string(rng.pick(kNouns)) + " II";
  } else {  // double quotes: quoted and doubled in CSV, escaped in JSON
    title = "The \"" + std::string(rng.pick(kAdjectives)) + "\" " + std::string(rng.pick(kNouns));
  }
  return title;
}

std::string make_book_title(Rng& rng) {
  std::string title;
  const uint64_t pattern = rng.below(100);
  if (pattern < 25) {
    title = "The " + std::string(rng.pick(kNouns)) + " of " + std::string(rng.pick(kPlaces));
  } else if (pattern < 45) {
    title = std::string(rng.pick(kFirstNames)) + "'s " + std::string(rng.pick(kNouns));
  } else if (pattern < 65) {
    title = "A " + std::string(rng.pick(kAdjectives)) + " " + std::string(rng.pick(kNouns));
  } else if (pattern < 80) {
    title = std::string(rng.pick(kNouns)) + " and " + std::string(rng.pick(kNouns));
  } else if (pattern < 92) {
    title = "Letters from " + std::string(rng.pick(kPlaces));
    if (rng.chance(0.6)) title += ", " + std::string(rng.pick(kFirstNames));
  } else {
    title = "The " + std::string(rng.pick(kAdjectives)) + " " + std::string(rng.pick(kNouns)) +
            " Chronicles";
  }
  return title;
}

std::string make_date(Rng& rng, int64_t first_year, int64_t last_year) {
  Text date;
  append_uint(date, static_cast<uint64_t>(rng.between(first_year, last_year)));
  date.push_back('-');
  append_2d(date, rng.between(1, 12));
  date.push_back('-');
  append_2d(date, rng.between(1, 28));
  return std::string(date.view());
}

Catalogue build_catalogue(const StreamingDataSizes& sizes, uint64_t seed) {
  Catalogue catalogue;

  // Authors: unique names; about 15% Singaporean; some have no or two nationalities.
  Rng author_rng(seed, kAuthorsStream);
  UniqueNames author_names({});
  catalogue.authors.reserve(sizes.authors);
  for (uint64_t i = 0; i < sizes.authors; ++i) {
    Author author;
    const std::string first(author_rng.pick(kFirstNames));
    const std::string last(author_rng.pick(kLastNames));
    author.name = first + " " + last;
    for (int initial = 0; !author_names.claim(author.name); ++initial) {
      author.name = initial < 26 ? first + " " + static_cast<char>('A' + initial) + ". " + last
                                 : first + " " + last + " " + std::to_string(i);
    }
    const int64_t birth_year = author_rng.between(1900, 1992);
    author.birth_date = make_date(author_rng, birth_year, birth_year);
    if (birth_year < 1965 && author_rng.chance(0.35)) {
      author.died_at =
          make_date(author_rng, birth_year + 25, std::min<int64_t>(2021, birth_year + 95));
    }
    if (!author_rng.chance(0.05)) {
      size_t primary = kSingaporean;
      if (!author_rng.chance(0.15)) {
        do {
          primary = author_rng.below(kNationalities.size());
        } while (primary == kSingaporean);
      }
      author.nationalities.push_back(primary);
      if (author_rng.chance(0.10)) {
        const size_t second = author_rng.below(kNationalities.size());
        if (second != primary) author.nationalities.push_back(second);
      }
    }
    catalogue.authors.push_back(std::move(author));
  }

  // Books.
  Rng book_rng(seed, kBooksStream);
  UniqueNames book_titles({"end"});
  catalogue.books.reserve(sizes.books);
  for (uint64_t i = 0; i < sizes.books; ++i) {
    Book book;
    book.title = make_book_title(book_rng);
    for (int attempt = 0; !book_titles.claim(book.title); ++attempt) {
      book.title = attempt < 40 ? make_book_title(book_rng)
                                : make_book_title(book_rng) + " (" + std::to_string(i) + ")";
    }
    book.author = book_rng.below(catalogue.authors.size());
    if (!book_rng.chance(0.05)) book.pages = static_cast<int>(book_rng.between(80, 1200));
    book.publisher = book_rng.pick(kPublishers);
    catalogue.books.push_back(std::move(book));
  }
  std::vector<size_t> singaporean_books;
  for (size_t b = 0; b < catalogue.books.size(); ++b) {
    const auto& nat = catalogue.authors[catalogue.books[b].author].nationalities;
    if (std::find(nat.begin(), nat.end(), kSingaporean) != nat.end())
      singaporean_books.push_back(b);
  }

  // Movies: about 65% based on a book (some keep the book's title); "Unforgiven" is real, popular
  // and not based on a book. The first few adaptations are of Singaporean authors' books.
  Rng movie_rng(seed, kMoviesStream);
  UniqueNames movie_titles({"end", "Unforgiven"});
  catalogue.unforgiven = sizes.movies / 7;
  int singaporean_adaptations = 0;
  catalogue.movies.reserve(sizes.movies);
  for (uint64_t i = 0; i < sizes.movies; ++i) {
    Movie movie;
    movie.duration_mins = static_cast<int>(movie_rng.between(60, 200));
    int64_t pick = movie_rng.between(0, 999);
    for (const auto& language : kLanguages) {
      pick -= language.weight;
      if (pick < 0) {
        movie.language = language.code;
        break;
      }
    }
    movie.size_mb = movie.duration_mins * static_cast<int>(movie_rng.between(4, 12));
    if (i == catalogue.unforgiven) {
      movie.title = "Unforgiven";
      movie.duration_mins = 130;
      movie.size_mb = 130 * 8;
      catalogue.movies.push_back(std::move(movie));
      continue;
    }
    const bool adapted = movie_rng.chance(0.65);
    size_t book = 0;
    if (adapted) {
      if (singaporean_adaptations < 3 && !singaporean_books.empty()) {
        book = singaporean_books[movie_rng.below(singaporean_books.size())];
        ++singaporean_adaptations;
      } else {
        book = movie_rng.below(catalogue.books.size());
      }
      if (movie_rng.chance(0.4) && movie_titles.claim(catalogue.books[book].title)) {
        movie.title = catalogue.books[book].title;
      }
    }
    for (int attempt = 0; movie.title.empty(); ++attempt) {
      std::string title = make_movie_title(movie_rng);
      if (attempt >= 40) title += " " + std::to_string(i);
      if (movie_titles.claim(title)) movie.title = std::move(title);
    }
    if (adapted) catalogue.books[book].movies.push_back(i);
    catalogue.movies.push_back(std::move(movie));
  }
  catalogue.books_by_author.resize(catalogue.authors.size());
  for (size_t b = 0; b < catalogue.books.size(); ++b) {
    if (!catalogue.books[b].movies.empty()) catalogue.adapted_books.push_back(b);
    catalogue.books_by_author[catalogue.books[b].author].push_back(b);
  }
  return catalogue;
}

// ---------------------------------------------------------------------------------------------
// Writers, one per table.

GeneratedFile write_movies(const fs::path& path, const Catalogue& catalogue, Progress& progress) {
  OutputFile out(path, progress);
  Text line("title,duration_mins,original_language,size_mb\n");
  out.append(line.view());
  for (const auto& movie : catalogue.movies) {
    line.clear();
    append_csv_field(line, movie.title);
    line.push_back(',');
    append_int(line, movie.duration_mins);
    line.push_back(',');
    line.append(movie.language);
    line.push_back(',');
    append_int(line, movie.size_mb);
    line.push_back('\n');
    out.append(line.view());
  }
  return out.commit(catalogue.movies.size());
}

// The users' e-mails, packed in one string.
class EmailList {
 public:
  void add(std::string_view email) {
    offsets_.push_back(data_.size());
    data_.append(email);
  }
  size_t size() const { return offsets_.size(); }
  std::string_view operator[](size_t i) const {
    const size_t end = i + 1 < offsets_.size() ? offsets_[i + 1] : data_.size();
    return std::string_view(data_).substr(offsets_[i], end - offsets_[i]);
  }

 private:
  std::string data_;
  std::vector<size_t> offsets_;
};

void append_email_part(std::string& out, std::string_view name) {
  for (char c : name) {
    const char lower = ascii_lower(c);
    if (lower >= 'a' && lower <= 'z') out.push_back(lower);
  }
}

GeneratedFile write_users(const fs::path& path, uint64_t count, uint64_t seed, EmailList& emails,
                          Progress& progress) {
  Rng rng(seed, kUsersStream);
  OutputFile out(path, progress);
  Text line("first_name,last_name,email\n");
  out.append(line.view());
  std::unordered_map<std::string, uint64_t> uses;  // e-mail local part + domain -> times used
  std::string last_name;
  std::string base;
  std::string email;
  for (uint64_t i = 0; i < count; ++i) {
    const Words first = rng.pick(kFirstNames);
    last_name.clear();
    if (!rng.chance(0.02)) {
      last_name = rng.pick(kLastNames);
      if (rng.chance(0.01)) last_name += ", Jr.";
    }
    const Words domain = rng.pick(kEmailDomains);
    base.clear();
    append_email_part(base, first);
    if (!last_name.empty()) {
      base.push_back('.');
      append_email_part(base, last_name);
    }
    base.push_back('@');
    base.append(domain);
    // Local parts are letters and dots, so appending a number keeps every address unique.
    const uint64_t n = ++uses[base];
    email.assign(base, 0, base.find('@'));
    if (n > 1) email += std::to_string(n);
    email.append(base, base.find('@'));
    emails.add(email);

    line.clear();
    append_csv_field(line, first);
    line.push_back(',');
    append_csv_field(line, last_name);
    line.push_back(',');
    line.append(email);
    line.push_back('\n');
    out.append(line.view());
  }
  return out.commit(count);
}

enum class Malformed { kNone, kExtraField, kMissingField, kSizeInWords };

struct StreamRow {
  size_t movie = 0;
  size_t user = 0;
  int64_t start = 0;
  int64_t end = 0;
  int start_offset = 0;
  int end_offset = 0;
  int64_t size_cents = -1;  // -1 = null
};

class StreamsGenerator {
 public:
  StreamsGenerator(const Catalogue& catalogue, const EmailList& emails, uint64_t seed)
      : catalogue_(catalogue), emails_(emails), rng_(seed, kStreamsStream) {}

  StreamRow next_row() {
    StreamRow row;
    const uint64_t movies = catalogue_.movies.size();
    int64_t seconds = 0;
    if (rng_.chance(0.0025)) {
      // Unforgiven on Christmas morning, including sessions on the outage window's edges.
      row.movie = catalogue_.unforgiven;
      seconds = random_duration(catalogue_.movies[row.movie]);
      const uint64_t edge = rng_.below(100);
      if (edge < 8) {
        row.start = kOutageEnd;  // starts exactly at 12:00 (affected)
      } else if (edge < 16) {
        row.start = kOutageStart - seconds;  // ends exactly at 07:00 (affected)
      } else if (edge < 22) {
        row.start = kOutageEnd + 1;  // starts at 12:00:01 (not affected)
      } else if (edge < 28) {
        row.start = kOutageStart - 1 - seconds;  // ends at 06:59:59 (not affected)
      } else {
        row.start = kChristmas + 5 * kHour + rng_.between(0, 9 * kHour - 1);
      }
    } else {
      // Popular movies first: rank = M * u^2 (density ~ 1/sqrt(rank)), in integers, with u drawn
      // on a grid fine enough for every rank to be reachable.
      const uint64_t grid = movies * kPopularityResolution;
      const uint64_t u = rng_.below(grid);
      row.movie = static_cast<size_t>(u * u / grid / kPopularityResolution);
      seconds = random_duration(catalogue_.movies[row.movie]);
      row.start = kDecember1 + rng_.between(0, kJanuary1 - kDecember1 - seconds);
    }
    row.end = row.start + seconds;
    row.user = rng_.below(emails_.size());
    row.start_offset = rng_.pick(kOffsets);
    row.end_offset = rng_.chance(0.9) ? row.start_offset : rng_.pick(kOffsets);
    if (!rng_.chance(0.01)) {
      const Movie& movie = catalogue_.movies[row.movie];
      const int64_t full = movie.duration_mins * kMinute;
      const int64_t watched = std::min(seconds, full);
      const int64_t cents = int64_t{movie.size_mb} * 100 * watched / full;
      row.size_cents =
          std::max<int64_t>(100, cents * rng_.between(90, 110) / 100 + rng_.between(0, 99));
    }
    return row;
  }

  void format(Text& line, const StreamRow& row, Malformed malformed) {
    line.clear();
    const std::string& title = catalogue_.movies[row.movie].title;
    if (title.find_first_of(",\"") == std::string::npos) {
      append_varied_case(line, rng_, title, 0.02);
    } else {
      scratch_.clear();
      append_varied_case(scratch_, rng_, title, 0.02);
      append_csv_field(line, scratch_.view());
    }
    line.push_back(',');
    line.append(emails_[row.user]);
    line.push_back(',');
    if (malformed == Malformed::kSizeInWords) {
      line.append(rng_.pick(kNumberWords));
    } else if (row.size_cents >= 0) {
      append_cents(line, static_cast<uint64_t>(row.size_cents));
    }
    line.push_back(',');
    timestamps_.append(line, row.start, row.start_offset);
    if (malformed != Malformed::kMissingField) {
      line.push_back(',');
      timestamps_.append(line, row.end, row.end_offset);
    }
    if (malformed == Malformed::kExtraField) {
      line.push_back(',');
      line.append(rng_.pick(kExtraFields));
    }
    line.push_back('\n');
  }

  Malformed pick_malformation() {
    const uint64_t kind = rng_.below(100);
    return kind < 45 ? Malformed::kExtraField
                     : (kind < 60 ? Malformed::kMissingField : Malformed::kSizeInWords);
  }

  Rng& rng() { return rng_; }

 private:
  int64_t random_duration(const Movie& movie) {
    int64_t seconds = 0;
    if (rng_.chance(0.55)) {  // watched a good part of the movie
      seconds = movie.duration_mins * kMinute * rng_.between(30, 115) / 100 + rng_.between(0, 59);
    } else {
      seconds = rng_.between(kMinStreamSeconds, kMaxStreamSeconds);
    }
    return std::clamp(seconds, kMinStreamSeconds, kMaxStreamSeconds);
  }

  const Catalogue& catalogue_;
  const EmailList& emails_;
  Rng rng_;
  TimestampWriter timestamps_;
  Text scratch_;
};

// Malformed lines: about 0.1% at random, plus `minimum` forced ones spread over every part.
bool forced_malformed(uint64_t index, uint64_t rows, uint64_t minimum) {
  const uint64_t span = rows > 2 ? rows - 2 : 0;
  for (uint64_t k = 0; k < minimum; ++k) {
    if (index == std::min(rows - 1, 1 + span * k / minimum)) return true;
  }
  return false;
}

void write_streams(const fs::path& dir, uint64_t count, const Catalogue& catalogue,
                   const EmailList& emails, uint64_t seed, Progress& progress,
                   std::vector<GeneratedFile>& files) {
  StreamsGenerator generator(catalogue, emails, seed);
  Rng& rng = generator.rng();
  const PartPlan plan = plan_parts(count, kStreamsPerPart);
  Text line;
  for (uint64_t part = 0; part < plan.parts; ++part) {
    OutputFile out(part_path(dir, "streams-", part + 1, ".csv"), progress);
    out.append("movie_title,user_email,size_mb,start_at,end_at\n");
    const uint64_t rows = plan.rows_in(part);
    bool previous_is_valid = false;
    for (uint64_t i = 0; i < rows; ++i) {
      if (forced_malformed(i, rows, 3) || rng.chance(0.001)) {
        generator.format(line, generator.next_row(), generator.pick_malformation());
        previous_is_valid = false;
      } else if (previous_is_valid && rng.chance(0.01)) {
        previous_is_valid = false;  // `line` still holds the previous row: write it again
      } else {
        generator.format(line, generator.next_row(), Malformed::kNone);
        previous_is_valid = true;
      }
      out.append(line.view());
    }
    files.push_back(out.commit(rows));
  }
}

void write_nationality(Text& line, const Nationality& nationality) {
  line.append("{\"id\":");
  append_int(line, nationality.id);
  line.append(",\"label\":");
  append_json_string(line, nationality.label);
  line.append(",\"slug\":");
  append_json_string(line, nationality.slug);
  line.push_back('}');
}

GeneratedFile write_authors(const fs::path& path, const Catalogue& catalogue, Progress& progress) {
  OutputFile out(path, progress);
  Text line;
  for (const auto& author : catalogue.authors) {
    line.assign("{\"metadata\":{\"name\":");
    append_json_string(line, author.name);
    line.append(",\"birth_date\":");
    append_json_string(line, author.birth_date);
    line.append(",\"died_at\":");
    if (author.died_at.empty()) {
      line.append("null");
    } else {
      append_json_string(line, author.died_at);
    }
    line.append("},\"nationalities\":[");
    for (size_t k = 0; k < author.nationalities.size(); ++k) {
      if (k > 0) line.push_back(',');
      write_nationality(line, kNationalities[author.nationalities[k]]);
    }
    line.append("]}\n");
    out.append(line.view());
  }
  return out.commit(catalogue.authors.size());
}

GeneratedFile write_books(const fs::path& path, const Catalogue& catalogue, uint64_t seed,
                          Progress& progress) {
  Rng rng(seed ^ 0x5bd1e995ULL, kBooksStream);
  OutputFile out(path, progress);
  Text line;
  Text author;
  for (const auto& book : catalogue.books) {
    line.assign("{\"name\":");
    append_json_string(line, book.title);
    line.append(",\"pages\":");
    if (book.pages < 0) {
      line.append("null");
    } else {
      append_int(line, book.pages);
    }
    line.append(",\"author\":");
    author.clear();
    append_varied_case(author, rng, catalogue.authors[book.author].name, 0.12);
    append_json_string(line, author.view());
    line.append(",\"publisher\":");
    append_json_string(line, book.publisher);
    line.append("}\n");
    out.append(line.view());
  }
  return out.commit(catalogue.books.size());
}

class ReviewsGenerator {
 public:
  ReviewsGenerator(const Catalogue& catalogue, uint64_t seed)
      : catalogue_(catalogue), rng_(seed, kReviewsStream) {}

  void format(Text& line, uint64_t index) {
    const auto& books = catalogue_.books;
    const auto& adapted = catalogue_.adapted_books;
    size_t book = 0;
    if (!adapted.empty() && index < adapted.size()) {
      book = adapted[index];  // every adapted book gets reviewed once the data is big enough
    } else if (!adapted.empty() && rng_.chance(0.85)) {
      book = adapted[rng_.below(adapted.size())];
    } else {
      book = rng_.below(books.size());
    }

    line.assign("{\"content\":{\"text\":");
    if (rng_.chance(0.03)) {
      line.append("null");
    } else {
      text_.assign(rng_.pick(kReviewPhrases));
      if (rng_.chance(0.5)) {
        text_.push_back(' ');
        text_.append(rng_.pick(kReviewPhrases));
      }
      append_json_string(line, text_.view());
    }
    line.append("},\"rating\":");
    if (rng_.chance(0.05)) {
      line.append("null");
    } else {
      const uint64_t rate = rng_.below(5);
      line.append("{\"rate\":");
      append_uint(line, rate + 1);
      line.append(",\"label\":");
      append_json_string(line, kRatingLabels[rate]);
      line.push_back('}');
    }

    line.append(",\"books\":[");
    append_book(line, book);
    if (rng_.chance(0.1)) {  // a review of a series: another book by the same author
      const auto& series = catalogue_.books_by_author[books[book].author];
      const size_t other = series[rng_.below(series.size())];
      if (other != book) {
        line.push_back(',');
        append_book(line, other);
      }
    }

    line.append("],\"movies\":[");
    bool first = true;
    for (size_t movie : books[book].movies) {
      if (!first) line.push_back(',');
      first = false;
      line.append("{\"id\":");
      append_uint(line, movie + 1);
      line.append(",\"title\":");
      scratch_.clear();
      append_varied_case(scratch_, rng_, catalogue_.movies[movie].title, 0.2);
      append_json_string(line, scratch_.view());
      line.push_back('}');
    }
    // The vendor closes many movie lists with a sentinel entry that is not a movie.
    if (books[book].movies.empty() ? rng_.chance(0.7) : rng_.chance(0.6)) {
      if (!first) line.push_back(',');
      line.append("{\"id\":0,\"title\":\"end\"}");
    }

    const int64_t created = kNovember1 + rng_.between(0, kJanuary1 - kNovember1 - 1);
    const int64_t updated = std::min(kJanuary1 - 1, created + rng_.between(0, 10 * kDay));
    line.append("],\"updated\":\"");
    timestamps_.append(line, updated, rng_.pick(kOffsets));
    line.append("\",\"created\":\"");
    timestamps_.append(line, created, rng_.pick(kOffsets));
    line.append("\"}\n");
  }

  // Cuts a line short (never inside a UTF-8 sequence): a truncated JSON object.
  void truncate(Text& line) {
    size_t cut = static_cast<size_t>(rng_.between(10, static_cast<int64_t>(line.size()) - 3));
    while (cut > 1 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line.truncate(cut);
    line.push_back('\n');
  }

  Rng& rng() { return rng_; }

 private:
  void append_book(Text& line, size_t index) {
    const Book& book = catalogue_.books[index];
    line.append("{\"id\":");
    append_uint(line, index + 1);
    line.append(",\"metadata\":{\"title\":");
    scratch_.clear();
    append_varied_case(scratch_, rng_, book.title, 0.2);
    append_json_string(line, scratch_.view());
    line.append(",\"pages\":");
    if (book.pages < 0) {
      line.append("null");
    } else {
      line.push_back('"');
      append_int(line, book.pages);
      line.push_back('"');
    }
    line.append("}}");
  }

  const Catalogue& catalogue_;
  Rng rng_;
  TimestampWriter timestamps_;
  Text text_;
  Text scratch_;
};

void write_reviews(const fs::path& dir, uint64_t count, const Catalogue& catalogue, uint64_t seed,
                   Progress& progress, std::vector<GeneratedFile>& files) {
  ReviewsGenerator generator(catalogue, seed);
  Rng& rng = generator.rng();
  const PartPlan plan = plan_parts(count, kReviewsPerPart);
  Text line;
  uint64_t index = 0;
  for (uint64_t part = 0; part < plan.parts; ++part) {
    OutputFile out(part_path(dir, "reviews-", part + 1, ".ndjson"), progress);
    const uint64_t rows = plan.rows_in(part);
    for (uint64_t i = 0; i < rows; ++i, ++index) {
      const bool malformed = forced_malformed(i, rows, 2) || rng.chance(0.001);
      generator.format(line, index);
      if (malformed) generator.truncate(line);
      out.append(line.view());
    }
    files.push_back(out.commit(rows));
  }
}

}  // namespace

StreamingDataSizes streaming_data_sizes(double scale) {
  if (!std::isfinite(scale) || scale <= 0 || scale > 10000) {
    throw Error(ErrorKind::kUsage,
                "scale must be a number in (0, 10000], got " + std::to_string(scale));
  }
  StreamingDataSizes sizes;
  sizes.streams = std::max<uint64_t>(200, static_cast<uint64_t>(std::llround(20000 * scale)));
  sizes.users = std::max<uint64_t>(50, (sizes.streams + 10) / 20);
  sizes.movies = 300 * static_cast<uint64_t>(std::ceil(std::sqrt(scale)));
  sizes.books = (sizes.movies * 6 + 5) / 10;
  sizes.authors = (sizes.books + 1) / 3;
  sizes.reviews = std::max<uint64_t>(100, (sizes.streams + 5) / 10);
  return sizes;
}

std::vector<GeneratedFile> generate_streaming_data(
    const StreamingDataOptions& options,
    const std::function<void(uint64_t, uint64_t)>& on_progress) {
  const StreamingDataSizes sizes = streaming_data_sizes(options.scale);
  const fs::path internal = options.out_dir / "internal";
  const fs::path vendor = options.out_dir / "vendor";
  const fs::path movies_dir = internal / "movies";
  const fs::path users_dir = internal / "users";
  const fs::path streams_dir = internal / "streams";
  const fs::path authors_dir = vendor / "authors";
  const fs::path books_dir = vendor / "books";
  const fs::path reviews_dir = vendor / "reviews";
  for (const auto* dir :
       {&movies_dir, &users_dir, &streams_dir, &authors_dir, &books_dir, &reviews_dir}) {
    paths::ensure_directory(*dir);
  }
  remove_stale_parts(streams_dir, "streams-", ".csv");
  remove_stale_parts(reviews_dir, "reviews-", ".ndjson");

  // Average line lengths measured on generated data (seed 2021, scale 100).
  const uint64_t estimate = sizes.movies * 31 + sizes.users * 40 + sizes.streams * 106 +
                            sizes.authors * 146 + sizes.books * 96 + sizes.reviews * 348;
  Progress progress(on_progress, estimate);
  progress.report();

  const Catalogue catalogue = build_catalogue(sizes, options.seed);
  std::vector<GeneratedFile> files;
  files.push_back(write_movies(movies_dir / "movies.csv", catalogue, progress));
  EmailList emails;
  files.push_back(
      write_users(users_dir / "users.csv", sizes.users, options.seed, emails, progress));
  write_streams(streams_dir, sizes.streams, catalogue, emails, options.seed, progress, files);
  files.push_back(write_authors(authors_dir / "authors.ndjson", catalogue, progress));
  files.push_back(write_books(books_dir / "books.ndjson", catalogue, options.seed, progress));
  write_reviews(reviews_dir, sizes.reviews, catalogue, options.seed, progress, files);
  progress.finish();
  return files;
}

}  // namespace strata::example
