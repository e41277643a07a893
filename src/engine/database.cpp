#include "engine/database.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace strata::engine {

namespace {

[[noreturn]] void fail(const std::string& message) {
  throw Error(ErrorKind::kEngine, message);
}

std::string take_error(duckdb_result* result) {
  const char* message = duckdb().duckdb_result_error(result);
  return message ? message : "unknown DuckDB error";
}

bool is_integer_type(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_DATE:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_HUGEINT:
      return true;
    default:
      return false;
  }
}

}  // namespace

// ---- Chunk ----------------------------------------------------------------------------------

Chunk::Chunk(duckdb_data_chunk chunk, const std::vector<ColumnType>* types) : chunk_(chunk) {
  const auto& api = duckdb();
  size_ = api.duckdb_data_chunk_get_size(chunk);
  columns_.reserve(types->size());
  for (size_t i = 0; i < types->size(); ++i) {
    duckdb_vector vector = api.duckdb_data_chunk_get_vector(chunk, i);
    columns_.push_back({(*types)[i], vector, api.duckdb_vector_get_data(vector),
                        api.duckdb_vector_get_validity(vector)});
  }
}

const Chunk::Column& Chunk::column(size_t index) const {
  if (index >= columns_.size()) fail("column index " + std::to_string(index) + " out of range");
  return columns_[index];
}

bool Chunk::is_null(size_t index, uint64_t row) const {
  const Column& c = column(index);
  return c.validity && !duckdb().duckdb_validity_row_is_valid(c.validity, row);
}

int64_t Chunk::get_int64(size_t index, uint64_t row) const {
  const Column& c = column(index);
  switch (c.type.type) {
    case DUCKDB_TYPE_TINYINT:
      return static_cast<const int8_t*>(c.data)[row];
    case DUCKDB_TYPE_SMALLINT:
      return static_cast<const int16_t*>(c.data)[row];
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_DATE:
      return static_cast<const int32_t*>(c.data)[row];
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_TIME:
      return static_cast<const int64_t*>(c.data)[row];
    case DUCKDB_TYPE_UTINYINT:
      return static_cast<const uint8_t*>(c.data)[row];
    case DUCKDB_TYPE_USMALLINT:
      return static_cast<const uint16_t*>(c.data)[row];
    case DUCKDB_TYPE_UINTEGER:
      return static_cast<const uint32_t*>(c.data)[row];
    case DUCKDB_TYPE_UBIGINT:
      return static_cast<int64_t>(static_cast<const uint64_t*>(c.data)[row]);
    case DUCKDB_TYPE_BOOLEAN:
      return static_cast<const bool*>(c.data)[row] ? 1 : 0;
    case DUCKDB_TYPE_HUGEINT: {
      // Sums of integers are HUGEINT; they are readable as int64 when they fit.
      const duckdb_hugeint value = static_cast<const duckdb_hugeint*>(c.data)[row];
      const bool fits = (value.upper == 0 && value.lower <= INT64_MAX) ||
                        (value.upper == -1 && value.lower > static_cast<uint64_t>(INT64_MAX));
      if (!fits) fail("column " + std::to_string(index) + " holds a value beyond 64 bits");
      return static_cast<int64_t>(value.lower);
    }
    default:
      fail("column " + std::to_string(index) + " is not an integer column");
  }
}

double Chunk::get_double(size_t index, uint64_t row) const {
  const Column& c = column(index);
  if (c.type.type == DUCKDB_TYPE_DOUBLE) return static_cast<const double*>(c.data)[row];
  if (c.type.type == DUCKDB_TYPE_FLOAT) return static_cast<const float*>(c.data)[row];
  if (c.type.type == DUCKDB_TYPE_DECIMAL) {
    double unscaled = 0;
    switch (c.type.decimal_storage) {
      case DUCKDB_TYPE_SMALLINT:
        unscaled = static_cast<const int16_t*>(c.data)[row];
        break;
      case DUCKDB_TYPE_INTEGER:
        unscaled = static_cast<const int32_t*>(c.data)[row];
        break;
      case DUCKDB_TYPE_BIGINT:
        unscaled = static_cast<double>(static_cast<const int64_t*>(c.data)[row]);
        break;
      case DUCKDB_TYPE_HUGEINT: {
        const duckdb_hugeint v = static_cast<const duckdb_hugeint*>(c.data)[row];
        unscaled =
            static_cast<double>(v.upper) * 18446744073709551616.0 + static_cast<double>(v.lower);
        break;
      }
      default:
        fail("column " + std::to_string(index) + " has an unknown decimal storage");
    }
    double scale = 1;
    for (int i = 0; i < c.type.decimal_scale; ++i) scale *= 10;
    return unscaled / scale;
  }
  if (is_integer_type(c.type.type)) return static_cast<double>(get_int64(index, row));
  fail("column " + std::to_string(index) + " is not numeric");
}

bool Chunk::get_bool(size_t index, uint64_t row) const {
  const Column& c = column(index);
  if (c.type.type != DUCKDB_TYPE_BOOLEAN)
    fail("column " + std::to_string(index) + " is not BOOLEAN");
  return static_cast<const bool*>(c.data)[row];
}

std::string_view Chunk::get_string(size_t index, uint64_t row) const {
  const Column& c = column(index);
  if (c.type.type != DUCKDB_TYPE_VARCHAR && c.type.type != DUCKDB_TYPE_BLOB) {
    fail("column " + std::to_string(index) + " is not text; cast it to VARCHAR to read it as text");
  }
  auto* value = &static_cast<duckdb_string_t*>(c.data)[row];
  if (duckdb().duckdb_string_is_inlined(*value)) {
    return {value->value.inlined.inlined, value->value.inlined.length};
  }
  return {value->value.pointer.ptr, value->value.pointer.length};
}

Value Chunk::get(size_t index, uint64_t row) const {
  if (is_null(index, row)) return std::monostate{};
  const Column& c = column(index);
  if (c.type.type == DUCKDB_TYPE_BOOLEAN) return get_bool(index, row);
  if (c.type.type == DUCKDB_TYPE_DOUBLE || c.type.type == DUCKDB_TYPE_FLOAT ||
      c.type.type == DUCKDB_TYPE_DECIMAL) {
    return get_double(index, row);
  }
  if (c.type.type == DUCKDB_TYPE_VARCHAR || c.type.type == DUCKDB_TYPE_BLOB) {
    return std::string(get_string(index, row));
  }
  if (c.type.type == DUCKDB_TYPE_TINYINT || c.type.type == DUCKDB_TYPE_SMALLINT ||
      c.type.type == DUCKDB_TYPE_INTEGER || c.type.type == DUCKDB_TYPE_BIGINT ||
      c.type.type == DUCKDB_TYPE_UTINYINT || c.type.type == DUCKDB_TYPE_USMALLINT ||
      c.type.type == DUCKDB_TYPE_UINTEGER || c.type.type == DUCKDB_TYPE_UBIGINT ||
      c.type.type == DUCKDB_TYPE_HUGEINT) {
    return get_int64(index, row);
  }
  fail("column " + std::to_string(index) +
       " has a type strata reads only as text; cast it to VARCHAR (or use query_text)");
}

// ---- Result ---------------------------------------------------------------------------------

Result::Result(std::unique_ptr<duckdb_result> result) : result_(std::move(result)) {
  const auto& api = duckdb();
  const idx_t count = api.duckdb_column_count(result_.get());
  for (idx_t i = 0; i < count; ++i) {
    names_.emplace_back(api.duckdb_column_name(result_.get(), i));
    Chunk::ColumnType type;
    type.type = api.duckdb_column_type(result_.get(), i);
    if (type.type == DUCKDB_TYPE_DECIMAL) {
      duckdb_logical_type logical = api.duckdb_column_logical_type(result_.get(), i);
      type.decimal_scale = api.duckdb_decimal_scale(logical);
      type.decimal_storage = api.duckdb_decimal_internal_type(logical);
      api.duckdb_destroy_logical_type(&logical);
    }
    types_.push_back(type);
  }
}

Result::~Result() {
  if (result_) duckdb().duckdb_destroy_result(result_.get());
}

const char* duckdb_type_name(duckdb_type id) {
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
      return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT:
      return "TINYINT";
    case DUCKDB_TYPE_SMALLINT:
      return "SMALLINT";
    case DUCKDB_TYPE_INTEGER:
      return "INTEGER";
    case DUCKDB_TYPE_BIGINT:
      return "BIGINT";
    case DUCKDB_TYPE_UTINYINT:
      return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT:
      return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER:
      return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
      return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT:
      return "FLOAT";
    case DUCKDB_TYPE_DOUBLE:
      return "DOUBLE";
    case DUCKDB_TYPE_VARCHAR:
      return "VARCHAR";
    case DUCKDB_TYPE_BLOB:
      return "BLOB";
    case DUCKDB_TYPE_DATE:
      return "DATE";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_TIME_NS:
      return "TIME_NS";
    case DUCKDB_TYPE_TIME_TZ:
      return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP:
      return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_S:
      return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return "TIMESTAMP_NS";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL:
      return "INTERVAL";
    case DUCKDB_TYPE_UUID:
      return "UUID";
    case DUCKDB_TYPE_LIST:
      return "LIST";
    case DUCKDB_TYPE_ARRAY:
      return "ARRAY";
    case DUCKDB_TYPE_STRUCT:
      return "STRUCT";
    case DUCKDB_TYPE_MAP:
      return "MAP";
    case DUCKDB_TYPE_UNION:
      return "UNION";
    case DUCKDB_TYPE_BIT:
      return "BIT";
    case DUCKDB_TYPE_BIGNUM:
      return "BIGNUM";
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL";
    case DUCKDB_TYPE_ENUM:
      return "ENUM";
    case DUCKDB_TYPE_ANY:
      return "ANY";
    case DUCKDB_TYPE_INVALID:
      return "an unknown type";
    default:
      return "a scalar type";
  }
}

std::string Result::column_type_name(size_t index) const {
  return duckdb_type_name(column_type(index));
}

std::optional<Chunk> Result::next_chunk() {
  if (!result_) return std::nullopt;
  duckdb_data_chunk chunk = duckdb().duckdb_fetch_chunk(*result_);
  if (!chunk) {
    // A streaming query that failed part-way reports its error here.
    const char* error = duckdb().duckdb_result_error(result_.get());
    if (error && *error) fail(error);
    return std::nullopt;
  }
  return Chunk(chunk, &types_);
}

uint64_t Result::rows_changed() {
  return result_ ? duckdb().duckdb_rows_changed(result_.get()) : 0;
}

std::vector<std::vector<Value>> Result::fetch_all() {
  std::vector<std::vector<Value>> rows;
  while (auto chunk = next_chunk()) {
    for (uint64_t r = 0; r < chunk->size(); ++r) {
      std::vector<Value> row;
      row.reserve(column_count());
      for (size_t c = 0; c < column_count(); ++c) row.push_back(chunk->get(c, r));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

Value Result::scalar() {
  auto rows = fetch_all();
  if (rows.size() != 1 || rows[0].size() != 1) {
    fail("expected one value, got " + std::to_string(rows.size()) + " rows");
  }
  return rows[0][0];
}

// ---- PreparedStatement ----------------------------------------------------------------------

PreparedStatement::PreparedStatement(duckdb_prepared_statement statement, std::string sql)
    : statement_(statement), sql_(std::move(sql)) {}

size_t PreparedStatement::parameter_count() const {
  return duckdb().duckdb_nparams(statement_.get());
}

PreparedStatement& PreparedStatement::bind(size_t index, const Value& value) {
  const auto& api = duckdb();
  duckdb_state state = std::visit(
      [&](const auto& v) -> duckdb_state {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return api.duckdb_bind_null(statement_.get(), index);
        } else if constexpr (std::is_same_v<T, bool>) {
          return api.duckdb_bind_boolean(statement_.get(), index, v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return api.duckdb_bind_int64(statement_.get(), index, v);
        } else if constexpr (std::is_same_v<T, double>) {
          return api.duckdb_bind_double(statement_.get(), index, v);
        } else {
          return api.duckdb_bind_varchar_length(statement_.get(), index, v.data(), v.size());
        }
      },
      value);
  if (state == DuckDBError) {
    fail("cannot bind parameter $" + std::to_string(index) + " of: " + sql_);
  }
  return *this;
}

Result PreparedStatement::execute() {
  auto result = std::make_unique<duckdb_result>();
  if (duckdb().duckdb_execute_prepared_streaming(statement_.get(), result.get()) == DuckDBError) {
    std::string message = take_error(result.get());
    duckdb().duckdb_destroy_result(result.get());
    fail(message);
  }
  return Result(std::move(result));
}

// ---- Appender -------------------------------------------------------------------------------

Appender::Appender(duckdb_appender appender, std::string table)
    : appender_(appender), table_(std::move(table)) {}

void Appender::check(duckdb_state state, const char* what) {
  if (state == DuckDBError) {
    const char* message = duckdb().duckdb_appender_error(appender_.get());
    fail(std::string(what) + " into " + table_ + ": " + (message ? message : "unknown error"));
  }
}

Appender& Appender::append(const Value& value) {
  const auto& api = duckdb();
  duckdb_appender a = appender_.get();
  duckdb_state state = std::visit(
      [&](const auto& v) -> duckdb_state {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return api.duckdb_append_null(a);
        else if constexpr (std::is_same_v<T, bool>)
          return api.duckdb_append_bool(a, v);
        else if constexpr (std::is_same_v<T, int64_t>)
          return api.duckdb_append_int64(a, v);
        else if constexpr (std::is_same_v<T, double>)
          return api.duckdb_append_double(a, v);
        else
          return api.duckdb_append_varchar_length(a, v.data(), v.size());
      },
      value);
  check(state, "append");
  return *this;
}

void Appender::end_row() {
  check(duckdb().duckdb_appender_end_row(appender_.get()), "end row");
}
void Appender::flush() {
  check(duckdb().duckdb_appender_flush(appender_.get()), "flush");
}

// ---- Connection -----------------------------------------------------------------------------

Connection::Connection(const Database& database) {
  if (duckdb().duckdb_connect(database.handle(), connection_.out()) == DuckDBError) {
    fail("cannot connect to the DuckDB database");
  }
}

Result Connection::query(const std::string& sql) {
  auto result = std::make_unique<duckdb_result>();
  if (duckdb().duckdb_query(connection_.get(), sql.c_str(), result.get()) == DuckDBError) {
    std::string message = take_error(result.get());
    duckdb().duckdb_destroy_result(result.get());
    fail(message);
  }
  return Result(std::move(result));
}

PreparedStatement Connection::prepare(const std::string& sql) {
  duckdb_prepared_statement statement = nullptr;
  if (duckdb().duckdb_prepare(connection_.get(), sql.c_str(), &statement) == DuckDBError) {
    std::string message = duckdb().duckdb_prepare_error(statement);
    duckdb().duckdb_destroy_prepare(&statement);
    fail(message);
  }
  return PreparedStatement(statement, sql);
}

Result Connection::query(const std::string& sql, const std::vector<Value>& parameters) {
  PreparedStatement statement = prepare(sql);
  for (size_t i = 0; i < parameters.size(); ++i) statement.bind(i + 1, parameters[i]);
  return statement.execute();
}

Appender Connection::appender(const std::string& schema, const std::string& table) {
  duckdb_appender appender = nullptr;
  if (duckdb().duckdb_appender_create_ext(connection_.get(), nullptr, schema.c_str(), table.c_str(),
                                          &appender) == DuckDBError) {
    std::string message = duckdb().duckdb_appender_error(appender);
    duckdb().duckdb_appender_destroy(&appender);
    fail("cannot append to " + schema + "." + table + ": " + message);
  }
  return Appender(appender, schema + "." + table);
}

void Connection::interrupt() {
  duckdb().duckdb_interrupt(connection_.get());
}

QueryProgress Connection::progress() const {
  duckdb_query_progress_type p = duckdb().duckdb_query_progress(connection_.get());
  return {p.percentage, p.rows_processed, p.total_rows_to_process};
}

// ---- Database -------------------------------------------------------------------------------

Database::Database(const DatabaseOptions& options) {
  const auto& api = duckdb();
  duckdb_config config = nullptr;
  if (api.duckdb_create_config(&config) == DuckDBError) fail("cannot create DuckDB configuration");
  std::map<std::string, std::string> settings = options.settings;
  if (options.load_extensions_offline) {
    // Never download anything at run time: extensions come from the pinned directory only.
    settings.try_emplace("extension_directory", duckdb_extension_directory());
    settings.try_emplace("autoinstall_known_extensions", "false");
    settings.try_emplace("autoload_known_extensions", "true");
  }
  for (const auto& [name, value] : settings) {
    if (api.duckdb_set_config(config, name.c_str(), value.c_str()) == DuckDBError) {
      api.duckdb_destroy_config(&config);
      fail("invalid DuckDB setting " + name + "=" + value);
    }
  }
  char* error = nullptr;
  const char* path = options.path.empty() ? nullptr : options.path.c_str();
  if (api.duckdb_open_ext(path, database_.out(), config, &error) == DuckDBError) {
    std::string message = error ? error : "unknown error";
    if (error) api.duckdb_free(error);
    api.duckdb_destroy_config(&config);
    fail("cannot open DuckDB database " + (options.path.empty() ? ":memory:" : options.path) +
         ": " + message);
  }
  api.duckdb_destroy_config(&config);
  // Sessions work in UTC, whatever the machine's zone: timestamps print and compare the same
  // everywhere. TimeZone needs ICU, which is built into the library but loaded on demand.
  Connection bootstrap(*this);
  bootstrap.execute("LOAD icu; SET GLOBAL TimeZone = 'UTC'");
}

// ---- SQL text helpers -----------------------------------------------------------------------

static std::string quote_with(std::string_view text, char quote) {
  std::string out;
  out.reserve(text.size() + 2);
  out += quote;
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

std::string quote_identifier(std::string_view name) {
  return quote_with(name, '"');
}
std::string quote_literal(std::string_view text) {
  return quote_with(text, '\'');
}

std::optional<std::string> value_to_text(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::optional<std::string> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return std::nullopt;
        else if constexpr (std::is_same_v<T, bool>)
          return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, int64_t>)
          return std::to_string(v);
        else if constexpr (std::is_same_v<T, double>) {
          char buffer[64];
          std::snprintf(buffer, sizeof buffer, "%.17g", v);
          return std::string(buffer);
        } else
          return v;
      },
      value);
}

}  // namespace strata::engine
