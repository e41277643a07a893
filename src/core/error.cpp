#include "core/error.hpp"

namespace strata {

std::string Location::str() const {
  std::string out = file;
  if (!file.empty() && line > 0) {
    out.append(":").append(std::to_string(line));
    if (column > 0) out.append(":").append(std::to_string(column));
  }
  if (!object.empty()) {
    if (!out.empty()) out.push_back(' ');
    out.append(object);
  }
  return out;
}

static std::string compose(const std::string& message, const Location& where) {
  return where.empty() ? message : where.str() + ": " + message;
}

Error::Error(ErrorKind kind, std::string message, Location where)
    : std::runtime_error(compose(message, where)),
      kind_(kind),
      message_(std::move(message)),
      where_(std::move(where)) {}

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kConfig:
      return "config";
    case ErrorKind::kInput:
      return "input";
    case ErrorKind::kEngine:
      return "engine";
    case ErrorKind::kStorage:
      return "storage";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kInterrupted:
      return "interrupted";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace strata
