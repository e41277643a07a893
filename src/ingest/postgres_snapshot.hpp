// Which transactions a PostgreSQL snapshot saw, so a CDC initial load and the changes after it
// hold every change exactly once. The replication slot is created first; the initial copy is then
// read in one REPEATABLE READ transaction, which also reads `pg_current_snapshot()` and the WAL
// insert position. A transaction the slot streams (it committed after the slot's start) whose
// changes that snapshot already saw is skipped; every other one is applied. Only transactions
// committed below the recorded WAL position can have been seen, which bounds the check and keeps
// 32-bit transaction ids from the change stream unambiguous.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::ingest::pgoutput {

struct SnapshotSeen {
  uint64_t xmin = 0;          // every transaction id below it had ended
  uint64_t xmax = 0;          // every transaction id from it on had not started
  std::vector<uint64_t> xip;  // in progress (not seen) between xmin and xmax
  uint64_t wal_before = 0;    // every transaction seen committed below this WAL position

  // `pg_current_snapshot()` text (xmin:xmax:xip,...) and the WAL position after it was taken.
  static SnapshotSeen parse(std::string_view snapshot, std::string_view wal_position);
  // Both parts as one text, for the source state ("xmin:xmax:xip@lsn").
  std::string text() const;
  // The state text back; nothing when `text` is not in that form.
  static std::optional<SnapshotSeen> from_text(std::string_view text);

  // Whether the transaction `xid` (32-bit, as pgoutput sends it) committing at `commit_lsn` was
  // seen by the snapshot: its changes are in the initial copy.
  bool saw(uint32_t xid, uint64_t commit_lsn) const;
};

}  // namespace strata::ingest::pgoutput
