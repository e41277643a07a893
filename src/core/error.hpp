// strata's one error model. Code that cannot do its job throws strata::Error, which carries a kind
// (mapped to a process exit code by the CLI), a message written for the user, and optionally the
// place the problem is in (file:line:col, a table, a row). Errors are caught at exactly two kinds
// of places: the CLI's main, which prints them and exits with the kind's code, and the entry point
// of every thread, which stores them for the thread that joins it. Nothing else swallows them.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace strata {

enum class ErrorKind : int {
  kUsage = 2,     // bad command line
  kConfig = 3,    // invalid project configuration
  kInput = 4,     // data or model that cannot be parsed or run
  kEngine = 5,    // the embedded engine failed or is missing
  kStorage = 6,   // the lake or metadata store failed
  kConflict = 7,  // a concurrent commit won
  kInterrupted = 130,
  kInternal = 70,
};

// Where a problem is: every field optional, printed as "file:line:col" or "table ... row N".
struct Location {
  Location() = default;
  Location(std::string file_path, int64_t line_number = 0, int64_t column_number = 0,
           std::string object_name = {})
      : file(std::move(file_path)),
        line(line_number),
        column(column_number),
        object(std::move(object_name)) {}
  static Location of(std::string object_name) { return Location({}, 0, 0, std::move(object_name)); }

  std::string file;
  int64_t line = 0;    // 1-based; 0 = unknown
  int64_t column = 0;  // 1-based; 0 = unknown
  std::string object;  // a table, model or source name

  bool empty() const { return file.empty() && object.empty(); }
  std::string str() const;
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, Location where = {});

  ErrorKind kind() const { return kind_; }
  const Location& where() const { return where_; }
  const std::string& message() const { return message_; }
  int exit_code() const { return static_cast<int>(kind_); }

 private:
  ErrorKind kind_;
  std::string message_;
  Location where_;
};

std::string_view error_kind_name(ErrorKind kind);

}  // namespace strata
