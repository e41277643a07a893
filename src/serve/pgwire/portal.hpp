// Statements and portals as the extended protocol knows them, on top of DuckDB prepared
// statements. A PreparedQuery is a parsed statement with its parameter types (declared by the
// client or inferred by DuckDB) and result columns. A Portal is a PreparedQuery with bound
// parameter values and result formats; it runs the statement as a DuckDB streaming result and
// writes its rows as DataRows, a given number at a time (Execute with a row limit). Because a
// DuckDB connection streams one result at a time, a portal can be parked: the rest of its rows
// are read into memory before another statement runs on the connection.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/database.hpp"
#include "serve/pgwire/message_buffer.hpp"
#include "serve/pgwire/parameter_codec.hpp"
#include "serve/pgwire/value_codec.hpp"

namespace strata::serve::pgwire {

// What a statement of the client becomes before it runs (see compatibility.hpp).
struct StatementPlan {
  std::string sql;                       // what DuckDB runs; empty for an empty query
  std::vector<std::string> keywords;     // the client statement's leading keywords, for its tag
  std::optional<std::string> local_tag;  // answered by strata itself: nothing runs
  std::optional<std::pair<std::string, std::string>> parameter_change;  // a reported SET
};

struct PreparedQuery {
  StatementPlan plan;
  std::optional<engine::PreparedStatement> statement;  // none for empty and local statements
  std::vector<uint32_t> declared_types;   // per parameter: from Parse, 0 where unspecified
  std::vector<uint32_t> inferred_types;   // per parameter: DuckDB's inference as an OID, or 0
  std::vector<uint32_t> parameter_types;  // what ParameterDescription reports
  std::vector<ResultColumn> columns;      // as prepared, text format; empty when no rows
  bool returns_rows = false;

  bool empty() const { return plan.sql.empty() && !plan.local_tag; }
};

// Prepares `plan` on `connection`; `declared` are the Parse message's parameter types.
std::shared_ptr<PreparedQuery> prepare_query(engine::Connection& connection, StatementPlan plan,
                                             const std::vector<uint32_t>& declared);

class Portal {
 public:
  Portal(std::shared_ptr<PreparedQuery> query, std::vector<OwnedValue> parameters,
         std::vector<int16_t> result_formats);

  const PreparedQuery& query() const { return *query_; }
  bool started() const { return started_; }
  // True while a DuckDB streaming result is open (the connection is busy with this portal).
  bool streaming() const { return result_.has_value(); }

  // Binds the parameters and starts the statement; non-row statements run to completion.
  void start();
  // The result columns with their formats (after start(), the types DuckDB actually produced).
  const std::vector<ResultColumn>& columns() const { return columns_; }
  // Writes up to `max_rows` DataRows (0 = all) and returns true if rows remain. `flush` is called
  // whenever the buffer has grown large, so big results stream instead of piling up.
  bool write_rows(MessageWriter& out, uint64_t max_rows, const std::function<void()>& flush);
  // The CommandComplete tag after the last write_rows (or start(), for statements without rows).
  std::string completion_tag() const;
  // Reads the rest of a streaming result into memory.
  void park();

 private:
  std::shared_ptr<PreparedQuery> query_;
  std::vector<OwnedValue> parameters_;
  std::vector<int16_t> result_formats_;
  std::vector<ResultColumn> columns_;
  bool started_ = false;
  std::optional<engine::Result> result_;
  std::deque<engine::Chunk> chunks_;  // parked or fetched, not yet sent
  uint64_t row_in_chunk_ = 0;
  uint64_t rows_in_last_execute_ = 0;
  uint64_t rows_changed_ = 0;
  bool returned_rows_ = false;

  void apply_formats(std::vector<ResultColumn>& columns) const;
  // The chunk holding the next row to send, fetching as needed; null at the end.
  engine::Chunk* next_chunk();
  std::optional<engine::Chunk> fetch();
};

}  // namespace strata::serve::pgwire
