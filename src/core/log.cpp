#include "core/log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "core/error.hpp"

namespace strata::log {

namespace {
std::mutex mutex;
Level current_level = Level::kInfo;
Format current_format = Format::kText;

const char* level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string timestamp(bool iso) {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, iso ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &utc);
  std::string out = buffer;
  if (iso) {
    std::snprintf(buffer, sizeof buffer, ".%03dZ", static_cast<int>(millis.count()));
    out += buffer;
  }
  return out;
}
}  // namespace

void configure(Level level, Format format) {
  std::lock_guard lock(mutex);
  current_level = level;
  current_format = format;
}

Level level() {
  return current_level;
}
Format format() {
  return current_format;
}

Level parse_level(std::string_view text) {
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn" || text == "warning") return Level::kWarn;
  if (text == "error") return Level::kError;
  throw Error(ErrorKind::kUsage,
              "unknown log level '" + std::string(text) + "' (use debug, info, warn or error)");
}

Format parse_format(std::string_view text) {
  if (text == "text") return Format::kText;
  if (text == "json") return Format::kJson;
  throw Error(ErrorKind::kUsage,
              "unknown log format '" + std::string(text) + "' (use text or json)");
}

std::string render(Level level, std::string_view message, const nlohmann::json& fields,
                   Format format, bool color) {
  if (format == Format::kJson) {
    nlohmann::json line = {
        {"ts", timestamp(true)}, {"level", level_name(level)}, {"msg", std::string(message)}};
    if (fields.is_object()) {
      for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
    }
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  static const char* colors[] = {"\033[2m", "\033[36m", "\033[33m", "\033[31m"};
  std::string out = timestamp(false) + " ";
  if (color) out += colors[static_cast<int>(level)];
  char padded[8];
  std::snprintf(padded, sizeof padded, "%-5s", level_name(level));
  out += padded;
  if (color) out += "\033[0m";
  out += " ";
  out += message;
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      out += " " + it.key() + "=" +
             (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
    }
  }
  return out;
}

void write(Level level, std::string_view message, const nlohmann::json& fields) {
  if (level < current_level) return;
  static const bool color = isatty(STDERR_FILENO) != 0;
  std::string line =
      render(level, message, fields, current_format, color && current_format == Format::kText);
  line += '\n';
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace strata::log
