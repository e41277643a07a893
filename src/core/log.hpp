// Logging: one line per event on stderr, human-readable by default ("12:03:04 info  message
// key=value") and JSON lines when asked (`--log-format json` or STRATA_LOG_FORMAT=json), so that
// log collectors can parse them. Thread-safe; a line is written whole.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace strata::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kText, kJson };

void configure(Level level, Format format);
Level level();
Format format();
// Parses "debug"/"info"/"warn"/"error" and "text"/"json"; throws kUsage on anything else.
Level parse_level(std::string_view text);
Format parse_format(std::string_view text);

void write(Level level, std::string_view message, const nlohmann::json& fields = {});
inline void debug(std::string_view m, const nlohmann::json& f = {}) {
  write(Level::kDebug, m, f);
}
inline void info(std::string_view m, const nlohmann::json& f = {}) {
  write(Level::kInfo, m, f);
}
inline void warn(std::string_view m, const nlohmann::json& f = {}) {
  write(Level::kWarn, m, f);
}
inline void error(std::string_view m, const nlohmann::json& f = {}) {
  write(Level::kError, m, f);
}

// The text a log line would have, without writing it (used by tests and by write()).
std::string render(Level level, std::string_view message, const nlohmann::json& fields,
                   Format format, bool color);

}  // namespace strata::log
