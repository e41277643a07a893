#include "serve/lake_sync.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace strata::serve {

namespace {

AttachedTable attached(const lake::TableInfo& info) {
  return {info.name, info.kind, info.current_snapshot, info.view_sql, info.metadata_location};
}

bool same(const AttachedTable& a, const AttachedTable& b) {
  // A schema-only commit (a rename through the Iceberg REST catalog) keeps the snapshot but moves
  // the metadata file: the view's columns change.
  return a.kind == b.kind && a.snapshot == b.snapshot && a.view_sql == b.view_sql &&
         a.metadata_location == b.metadata_location;
}

}  // namespace

std::string table_key(const std::string& space, const std::string& name) {
  return to_lower(space) + "." + to_lower(name);
}

const AttachedTable* LakeState::find(const std::string& space, const std::string& name) const {
  auto it = tables.find(table_key(space, name));
  return it == tables.end() ? nullptr : &it->second;
}

LakeSync::LakeSync(lake::Lake& lake, const engine::Database& database)
    : lake_(lake), connection_(database.connect()) {
  auto state = std::make_shared<LakeState>();
  for (const lake::TableInfo& info : lake_.store().list_tables()) {
    state->tables[table_key(info.name.space, info.name.name)] = attached(info);
  }
  lake_.attach_all(connection_);
  state_ = std::move(state);
}

std::shared_ptr<const LakeState> LakeSync::current() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void LakeSync::on_change(ChangeListener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

std::shared_ptr<const LakeState> LakeSync::refresh() {
  std::vector<lake::TableInfo> catalog = lake_.store().list_tables();
  std::lock_guard lock(mutex_);
  std::vector<AttachedTable> changed;
  for (const lake::TableInfo& info : catalog) {
    const AttachedTable now = attached(info);
    const AttachedTable* before = state_->find(info.name.space, info.name.name);
    if (!before || !same(*before, now)) changed.push_back(now);
  }
  if (changed.empty()) return state_;
  std::vector<AttachedTable> done = attach(std::move(changed));
  if (done.empty()) return state_;
  auto next = std::make_shared<LakeState>(*state_);
  next->version = state_->version + 1;
  for (const AttachedTable& table : done) {
    next->tables[table_key(table.name.space, table.name.name)] = table;
    log::info("table re-attached",
              {{"table", table.name.str()}, {"snapshot", std::to_string(table.snapshot)}});
  }
  state_ = std::move(next);
  for (const ChangeListener& listener : listeners_) listener(connection_, done);
  return state_;
}

std::vector<AttachedTable> LakeSync::attach(std::vector<AttachedTable> pending) {
  // Tables first: a view may read a table that changed in the same refresh.
  std::stable_partition(pending.begin(), pending.end(), [](const AttachedTable& table) {
    return table.kind == lake::TableKind::kTable;
  });
  std::vector<AttachedTable> done;
  while (!pending.empty()) {
    std::vector<AttachedTable> failed;
    std::string last_error;
    for (AttachedTable& table : pending) {
      try {
        lake_.attach(connection_, table.name);
        done.push_back(std::move(table));
      } catch (const Error& e) {
        last_error = e.message();
        failed.push_back(std::move(table));
      }
    }
    if (failed.size() == pending.size()) {
      for (const AttachedTable& table : failed) {
        log::warn("table cannot be re-attached; it keeps its previous snapshot",
                  {{"table", table.name.str()}, {"error", last_error}});
      }
      break;
    }
    pending = std::move(failed);
  }
  return done;
}

}  // namespace strata::serve
