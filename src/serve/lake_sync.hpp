// Keeps a long-running server's DuckDB database in step with the catalog. Every lake table is a
// DuckDB view over the data files of one snapshot; when another process (`strata ingest`,
// `strata run`, the scheduler) commits, the catalog's current snapshot moves on. refresh(), called
// at the start of every query or transaction, reads the catalog's current snapshot ids (one cheap
// metadata-store read) and re-attaches exactly the tables and views that changed, on its own
// connection and under its own lock, then publishes an immutable LakeState: the snapshot of each
// table as now attached, which the HTTP result cache keys its entries on. Attached views only move
// forward, so a query started after refresh() sees data at least as new as the state it got.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/database.hpp"
#include "lake/table_store.hpp"

namespace strata::serve {

struct AttachedTable {
  lake::TableName name;
  lake::TableKind kind = lake::TableKind::kTable;
  int64_t snapshot = 0;
  std::string view_sql;             // views: their definition
  std::string metadata_location{};  // tables: the Iceberg metadata file attached
};

struct LakeState {
  uint64_t version = 0;  // grows with every change
  // Keyed by the lower-case "namespace.name" (DuckDB identifiers are case-insensitive).
  std::map<std::string, AttachedTable> tables;

  const AttachedTable* find(const std::string& space, const std::string& name) const;
};

// The key LakeState::tables uses for a name.
std::string table_key(const std::string& space, const std::string& name);

class LakeSync {
 public:
  // Gets the sync's own connection, for catalog bookkeeping in the shared database.
  using ChangeListener = std::function<void(engine::Connection& connection,
                                            const std::vector<AttachedTable>& changed)>;

  // Attaches every table of the catalog in `database`.
  LakeSync(lake::Lake& lake, const engine::Database& database);

  // Re-attaches what changed since the last call; returns the state now attached. Thread-safe.
  // A table that cannot be re-attached keeps its previous snapshot (and is logged).
  std::shared_ptr<const LakeState> refresh();
  std::shared_ptr<const LakeState> current() const;
  // Called (under the sync's lock) with the tables attached anew by a refresh.
  void on_change(ChangeListener listener);

 private:
  lake::Lake& lake_;
  engine::Connection connection_;
  mutable std::mutex mutex_;
  std::shared_ptr<const LakeState> state_;
  std::vector<ChangeListener> listeners_;

  // Attaches `changed` (views after tables, retried while some succeed); returns those attached.
  std::vector<AttachedTable> attach(std::vector<AttachedTable> changed);
};

}  // namespace strata::serve
