// A single self-rewriting status line for long work ("ingest internal.streams  1.2M rows  85 MB
// 3.4 s"). It draws only when stderr is a terminal and CI is not set, at most ten times a second,
// so scripts and CI logs stay quiet. finish() erases it; the destructor does too.
#pragma once

#include <chrono>
#include <string>

namespace strata {

class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Redraws the line with `status` after the label and the elapsed time, if due.
  void update(const std::string& status, bool force = false);
  void finish();
  double elapsed_seconds() const;
  bool enabled() const { return enabled_; }

  // Whether progress lines draw at all in this process (a terminal, not CI, not --quiet).
  static bool terminal_enabled();
  static void set_quiet(bool quiet);

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace strata
