#include "core/progress.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/text.hpp"

namespace strata {

namespace {
std::atomic<bool> quiet{false};
}

bool ProgressLine::terminal_enabled() {
  const char* ci = std::getenv("CI");
  return !quiet && isatty(STDERR_FILENO) && !(ci && *ci && std::strcmp(ci, "false") != 0);
}

void ProgressLine::set_quiet(bool value) {
  quiet = value;
}

ProgressLine::ProgressLine(std::string label)
    : label_(std::move(label)),
      enabled_(terminal_enabled()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressLine::~ProgressLine() {
  finish();
}

double ProgressLine::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressLine::update(const std::string& status, bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::string line = "\r\033[K" + label_ + "  " + status + "  " + format_seconds(elapsed_seconds());
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::finish() {
  if (drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace strata
