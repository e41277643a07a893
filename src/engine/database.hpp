// A small RAII layer over DuckDB's C API: Database, Connection, PreparedStatement, Result (streamed
// chunk by chunk, with typed access to the common scalar types), Appender, query progress and
// interruption. Every failure becomes strata::Error(kEngine) carrying DuckDB's own message. Objects
// are move-only and release their DuckDB handle exactly once. A Connection is used by one thread at
// a time; `interrupt()` and `progress()` are the exceptions and may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/duckdb_api.hpp"

namespace strata::engine {

// A handle that releases itself with DuckDB's matching destroy function.
template <typename Handle, auto Destroy>
class Owned {
 public:
  Owned() = default;
  explicit Owned(Handle handle) : handle_(handle) {}
  Owned(Owned&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Owned& operator=(Owned&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { reset(); }

  Handle get() const { return handle_; }
  Handle* out() {
    reset();
    return &handle_;
  }
  explicit operator bool() const { return handle_ != nullptr; }
  void reset() {
    if (handle_) (duckdb().*Destroy)(&handle_);
    handle_ = nullptr;
  }

 private:
  Handle handle_ = nullptr;
};

using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;

// One chunk of a result: up to 2048 rows of every column.
class Chunk {
 public:
  Chunk() = default;
  // How a column is stored: its type and, for decimals, their storage type and scale.
  struct ColumnType {
    duckdb_type type = DUCKDB_TYPE_INVALID;
    duckdb_type decimal_storage = DUCKDB_TYPE_INVALID;
    uint8_t decimal_scale = 0;
  };
  Chunk(duckdb_data_chunk chunk, const std::vector<ColumnType>* types);
  Chunk(Chunk&&) noexcept = default;
  Chunk& operator=(Chunk&&) noexcept = default;

  uint64_t size() const { return size_; }
  bool is_null(size_t column, uint64_t row) const;
  int64_t get_int64(size_t column, uint64_t row) const;  // integers, dates (days), timestamps (us)
  double get_double(size_t column, uint64_t row) const;  // floats, decimals and integers
  bool get_bool(size_t column, uint64_t row) const;
  std::string_view get_string(size_t column, uint64_t row) const;  // VARCHAR and BLOB
  Value get(size_t column, uint64_t row) const;  // by the column's type; strings for text types
  // The raw chunk, for readers of types the getters above do not cover (lists, structs, ...).
  duckdb_data_chunk handle() const { return chunk_.get(); }
  // The column's DuckDB vector, for reading nested values (engine/column_type.hpp).
  duckdb_vector vector(size_t column) const { return this->column(column).vector; }

 private:
  struct Column {
    ColumnType type;
    duckdb_vector vector;
    void* data;
    uint64_t* validity;
  };
  Owned<duckdb_data_chunk, &DuckDbApi::duckdb_destroy_data_chunk> chunk_;
  std::vector<Column> columns_;
  uint64_t size_ = 0;
  const Column& column(size_t index) const;
};

// The result of a query, read chunk by chunk so that large results never sit in memory.
// DuckDB's name of a type id ("INTEGER", "TIMESTAMP WITH TIME ZONE", ...), for messages and
// type labels; "a scalar type" for ids this version does not name.
const char* duckdb_type_name(duckdb_type id);

class Result {
 public:
  Result() = default;
  explicit Result(std::unique_ptr<duckdb_result> result);
  Result(Result&&) noexcept = default;
  Result& operator=(Result&&) noexcept = default;
  ~Result();

  size_t column_count() const { return names_.size(); }
  const std::vector<std::string>& column_names() const { return names_; }
  duckdb_type column_type(size_t index) const { return types_.at(index).type; }
  std::string column_type_name(size_t index) const;
  // The next chunk, or an empty optional at the end.
  std::optional<Chunk> next_chunk();
  // Rows inserted, updated or deleted by a DML statement.
  uint64_t rows_changed();
  // Reads every remaining row into memory: for small results (catalog lookups, tests).
  std::vector<std::vector<Value>> fetch_all();
  // The single value of a one-row, one-column result.
  Value scalar();
  // The raw result, for callers that need its logical types or statement type.
  duckdb_result* handle() const { return result_.get(); }

 private:
  std::unique_ptr<duckdb_result> result_;
  std::vector<std::string> names_;
  std::vector<Chunk::ColumnType> types_;
};

class PreparedStatement {
 public:
  PreparedStatement(duckdb_prepared_statement statement, std::string sql);
  PreparedStatement(PreparedStatement&&) noexcept = default;
  PreparedStatement& operator=(PreparedStatement&&) noexcept = default;

  size_t parameter_count() const;
  // Binds parameter `index` (1-based, as in SQL's $1).
  PreparedStatement& bind(size_t index, const Value& value);
  Result execute();
  // The raw statement, for callers that need its parameter and column types.
  duckdb_prepared_statement handle() const { return statement_.get(); }

 private:
  Owned<duckdb_prepared_statement, &DuckDbApi::duckdb_destroy_prepare> statement_;
  std::string sql_;
};

// Rows appended to a table in bulk, far faster than INSERT statements.
class Appender {
 public:
  Appender(duckdb_appender appender, std::string table);
  Appender(Appender&&) noexcept = default;
  Appender& operator=(Appender&&) noexcept = default;

  Appender& append(const Value& value);
  void end_row();
  void flush();

 private:
  Owned<duckdb_appender, &DuckDbApi::duckdb_appender_destroy> appender_;
  std::string table_;
  void check(duckdb_state state, const char* what);
};

struct QueryProgress {
  double percentage = -1;  // 0..100, or -1 when DuckDB cannot tell
  uint64_t rows_processed = 0;
  uint64_t total_rows_to_process = 0;
};

class Database;

class Connection {
 public:
  explicit Connection(const Database& database);
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // Runs one or more statements and returns the result of the last, fully materialized.
  Result query(const std::string& sql);
  // Runs statements whose result is not needed.
  void execute(const std::string& sql) { query(sql); }
  PreparedStatement prepare(const std::string& sql);
  // Runs one statement with parameters, streaming its result.
  Result query(const std::string& sql, const std::vector<Value>& parameters);
  Appender appender(const std::string& schema, const std::string& table);

  // Safe from another thread while a query runs.
  void interrupt();
  QueryProgress progress() const;

  duckdb_connection handle() const { return connection_.get(); }

 private:
  Owned<duckdb_connection, &DuckDbApi::duckdb_disconnect> connection_;
};

struct DatabaseOptions {
  std::string path;                             // empty: in memory
  std::map<std::string, std::string> settings;  // DuckDB configuration options
  bool load_extensions_offline = true;  // extensions come only from strata's pinned directory
};

class Database {
 public:
  explicit Database(const DatabaseOptions& options = {});
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  Connection connect() const { return Connection(*this); }
  duckdb_database handle() const { return database_.get(); }

 private:
  Owned<duckdb_database, &DuckDbApi::duckdb_close> database_;
};

// SQL literal helpers: quoting is the one safe way to put names and strings into SQL text.
std::string quote_identifier(std::string_view name);
std::string quote_literal(std::string_view text);

// A value as text, for display (NULL as an empty optional).
std::optional<std::string> value_to_text(const Value& value);

}  // namespace strata::engine
