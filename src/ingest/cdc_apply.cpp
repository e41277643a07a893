#include "ingest/cdc_apply.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "ingest/batch.hpp"
#include "ingest/bronze_partitioning.hpp"
#include "ingest/current_state.hpp"

namespace strata::ingest {

namespace {

using engine::quote_identifier;
using engine::quote_literal;

std::string text(const engine::Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return {};
}

// A staging table of the engine holding one batch of changes as text; dropped when done.
class Staging {
 public:
  Staging(engine::Connection& connection, const std::string& suffix, CdcChanges& changes)
      : connection_(connection), name_("strata_cdc_" + suffix) {
    std::vector<std::string> columns;
    for (const auto& column : changes.lineage) {
      columns.push_back(quote_identifier(column.name) + " " + column.type);
    }
    for (const auto& column : changes.columns) {
      columns.push_back(quote_identifier(column) + " VARCHAR");
    }
    columns.push_back("_strata_change BIGINT");  // the order of the change in the batch
    connection_.execute("CREATE TABLE main." + quote_identifier(name_) + " (" +
                        join(columns, ", ") + ")");
    engine::Appender appender = connection_.appender("main", name_);
    int64_t order = 0;
    for (CdcRow& row : changes.rows) {
      for (const auto& value : row.lineage) appender.append(value);
      for (size_t i = 0; i < changes.columns.size(); ++i) {
        auto* value = i < row.values.size() && row.values[i] ? &*row.values[i] : nullptr;
        appender.append(value ? engine::Value(std::move(*value)) : engine::Value());
      }
      appender.append(order++);
      appender.end_row();
    }
    appender.flush();
  }
  ~Staging() {
    try {
      connection_.execute("DROP TABLE IF EXISTS main." + quote_identifier(name_));
    } catch (const Error& e) {
      log::warn("could not drop a CDC staging table", {{"error", e.message()}});
    }
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  std::string sql() const { return "main." + quote_identifier(name_); }

 private:
  engine::Connection& connection_;
  std::string name_;
};

bool is_lineage_column(const std::string& name) {
  return starts_with(name, "_strata_");
}

}  // namespace

std::optional<uint64_t> apply_cdc_changes(engine::Connection& connection, lake::Lake& lake,
                                          const CdcTarget& target, CdcChanges& changes,
                                          int64_t& snapshot) {
  partition_by_load_day(lake, target.bronze);
  const Batch batch = start_batch();
  const std::optional<lake::TableInfo> bronze = lake.store().find_table(target.bronze);
  if (!bronze) {
    throw Error(ErrorKind::kInternal, "the bronze table of a CDC table is missing", target.where);
  }
  lake.attach(connection, target.bronze);
  Staging staging(connection, batch.suffix, changes);

  std::vector<std::string> select;
  std::vector<std::string> in_bronze;
  for (const auto& row :
       connection
           .query("DESCRIBE SELECT * FROM " + quote_identifier(target.bronze.space) + "." +
                  quote_identifier(target.bronze.name))
           .fetch_all()) {
    const std::string name = text(row.at(0));
    const std::string type = text(row.at(1));
    if (is_lineage_column(name)) continue;
    in_bronze.push_back(name);
    const bool sent =
        std::find(changes.columns.begin(), changes.columns.end(), name) != changes.columns.end();
    const std::string value = !sent ? "CAST(NULL AS " + type + ")"
                              : target.typed
                                  ? target.typed(name, type)
                                  : "CAST(" + quote_identifier(name) + " AS " + type + ")";
    select.push_back(value + " AS " + quote_identifier(name));
  }
  for (const auto& column : changes.columns) {  // added to the source since the bronze table
    if (std::find(in_bronze.begin(), in_bronze.end(), column) == in_bronze.end()) {
      select.push_back(quote_identifier(column));
    }
  }
  for (const auto& column : changes.lineage) select.push_back(quote_identifier(column.name));
  const std::string sql = "SELECT " + join(select, ", ") + ", " + batch.loaded_at +
                          " AS _strata_loaded_at, " + quote_literal(batch.id) +
                          " AS _strata_batch_id, " + quote_literal(target.origin) +
                          " AS _strata_source FROM " + staging.sql() + " ORDER BY _strata_change";
  lake::WriteResult written = lake.write_files(connection, target.bronze, sql);

  lake::Commit commit;
  lake::TableChange change;
  change.table = target.bronze;
  change.kind = lake::TableKind::kTable;
  change.mode = lake::WriteMode::kAppend;
  change.location = lake.table_location(target.bronze).string();
  change.expected_snapshot = bronze->current_snapshot;
  change.added_files = written.files;
  commit.tables.push_back(std::move(change));
  commit.state = target.state;
  std::optional<uint64_t> current_rows;
  if (target.table->current_state) {
    CurrentStateMerge merge;
    merge.bronze = target.bronze;
    merge.primary_key = target.table->primary_key;
    merge.latest_by = changes.order_by;
    merge.deleted_when = "_strata_op = 'delete'";
    merge.soft_deletes = target.table->soft_deletes;
    merge.truncates = true;
    current_rows = add_current_state(connection, lake, merge, written.files, commit);
  }
  snapshot = lake.commit(commit).front();
  return current_rows;
}

}  // namespace strata::ingest
