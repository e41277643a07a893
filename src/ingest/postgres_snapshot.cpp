#include "ingest/postgres_snapshot.hpp"

#include <algorithm>
#include <charconv>

#include "core/error.hpp"
#include "core/text.hpp"
#include "ingest/pgoutput.hpp"

namespace strata::ingest::pgoutput {

namespace {

uint64_t number(std::string_view text, std::string_view whole) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw Error(ErrorKind::kInput, "malformed PostgreSQL snapshot '" + std::string(whole) + "'");
  }
  return value;
}

}  // namespace

SnapshotSeen SnapshotSeen::parse(std::string_view snapshot, std::string_view wal_position) {
  SnapshotSeen seen;
  const size_t first = snapshot.find(':');
  const size_t second = first == std::string_view::npos ? first : snapshot.find(':', first + 1);
  if (second == std::string_view::npos) {
    throw Error(ErrorKind::kInput, "malformed PostgreSQL snapshot '" + std::string(snapshot) + "'");
  }
  seen.xmin = number(snapshot.substr(0, first), snapshot);
  seen.xmax = number(snapshot.substr(first + 1, second - first - 1), snapshot);
  std::string_view rest = snapshot.substr(second + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    seen.xip.push_back(number(rest.substr(0, comma), snapshot));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  std::sort(seen.xip.begin(), seen.xip.end());
  seen.wal_before = parse_lsn(std::string(wal_position));
  return seen;
}

std::string SnapshotSeen::text() const {
  std::string out = std::to_string(xmin) + ":" + std::to_string(xmax) + ":";
  for (size_t i = 0; i < xip.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(xip[i]);
  }
  return out + "@" + format_lsn(wal_before);
}

std::optional<SnapshotSeen> SnapshotSeen::from_text(std::string_view text) {
  const size_t at = text.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  try {
    return parse(text.substr(0, at), text.substr(at + 1));
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool SnapshotSeen::saw(uint32_t xid, uint64_t commit_lsn) const {
  if (commit_lsn >= wal_before) return false;
  // The full id: the one within 2^31 of xmax whose low 32 bits are `xid` (ids are compared
  // modulo 2^32 in PostgreSQL, and a transaction seen is older than xmax).
  const auto distance = static_cast<int32_t>(xid - static_cast<uint32_t>(xmax));
  const uint64_t full = xmax + static_cast<uint64_t>(static_cast<int64_t>(distance));
  if (full < xmin) return true;
  if (full >= xmax) return false;
  return !std::binary_search(xip.begin(), xip.end(), full);
}

}  // namespace strata::ingest::pgoutput
