#include "serve/pgwire/portal.hpp"

#include <map>

#include "engine/duckdb_api.hpp"
#include "serve/pgwire/compatibility.hpp"
#include "serve/pgwire/frontend_messages.hpp"
#include "serve/pgwire/sql_error.hpp"
#include "serve/pgwire/sql_text.hpp"

namespace strata::serve::pgwire {

namespace {

constexpr size_t kFlushBytes = 256 * 1024;

class ScopedLogicalType {
 public:
  explicit ScopedLogicalType(duckdb_logical_type type) : type_(type) {}
  ~ScopedLogicalType() {
    if (type_) engine::duckdb().duckdb_destroy_logical_type(&type_);
  }
  ScopedLogicalType(const ScopedLogicalType&) = delete;
  ScopedLogicalType& operator=(const ScopedLogicalType&) = delete;
  duckdb_logical_type get() const { return type_; }

 private:
  duckdb_logical_type type_;
};

duckdb_type parameter_type_id(const engine::PreparedStatement& statement, size_t index) {
  ScopedLogicalType logical(engine::duckdb().duckdb_param_logical_type(statement.handle(), index));
  return logical.get() ? engine::duckdb().duckdb_get_type_id(logical.get()) : DUCKDB_TYPE_INVALID;
}

ResultColumn make_column(std::string name, duckdb_logical_type logical) {
  ResultColumn column;
  column.name = client_column_name(name);
  column.type = describe_type(logical);
  return column;
}

void check_supported(const std::vector<ResultColumn>& columns) {
  for (const ResultColumn& column : columns) {
    if (!column.type.supported && column.type.id != DUCKDB_TYPE_INVALID) {
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "column \"" + column.name + "\" has DuckDB type " + column.type.duckdb_name +
                         ", which strata cannot send over the PostgreSQL protocol yet; cast it "
                         "to VARCHAR");
    }
  }
}

bool is_row_statement(duckdb_statement_type type) {
  switch (type) {
    case DUCKDB_STATEMENT_TYPE_SELECT:
    case DUCKDB_STATEMENT_TYPE_EXPLAIN:
    case DUCKDB_STATEMENT_TYPE_PRAGMA:
    case DUCKDB_STATEMENT_TYPE_CALL:
    case DUCKDB_STATEMENT_TYPE_RELATION:
    case DUCKDB_STATEMENT_TYPE_EXECUTE:
      return true;
    default:
      return false;
  }
}

bool is_dml(duckdb_statement_type type) {
  return type == DUCKDB_STATEMENT_TYPE_INSERT || type == DUCKDB_STATEMENT_TYPE_UPDATE ||
         type == DUCKDB_STATEMENT_TYPE_DELETE;
}

// DuckDB answers DML without RETURNING with one BIGINT column "Count".
bool is_count_only(const std::vector<ResultColumn>& columns) {
  return columns.size() == 1 && columns[0].name == "Count" &&
         columns[0].type.id == DUCKDB_TYPE_BIGINT;
}

}  // namespace

std::shared_ptr<PreparedQuery> prepare_query(engine::Connection& connection, StatementPlan plan,
                                             const std::vector<uint32_t>& declared) {
  auto query = std::make_shared<PreparedQuery>();
  query->plan = std::move(plan);
  if (query->plan.sql.empty() || query->plan.local_tag) {
    query->declared_types = declared;
    query->parameter_types = declared;
    return query;
  }
  query->statement = connection.prepare(query->plan.sql);
  const auto& api = engine::duckdb();
  const size_t count = query->statement->parameter_count();
  if (declared.size() > count) {
    throw SqlError(sqlstate::kProtocolViolation, "Parse declared " +
                                                     std::to_string(declared.size()) +
                                                     " parameter types, but the statement has " +
                                                     std::to_string(count) + " parameters");
  }
  // Types the client declared where DuckDB could not infer one are cast to, as PostgreSQL would
  // take them: `SELECT $1` with an int4 parameter returns an int4.
  std::map<size_t, std::string> casts;
  for (size_t i = 0; i < declared.size(); ++i) {
    if (declared[i] == oid::kUnspecified) continue;
    if (parameter_type_id(*query->statement, i + 1) != DUCKDB_TYPE_INVALID) continue;
    std::string type = duckdb_cast_type(declared[i]);
    // A bare numeric parameter (`SELECT $1`) needs a type for the statement to describe its
    // columns before it is bound: a wide decimal, as PostgreSQL's numeric has no fixed scale.
    if (type.empty() && declared[i] == oid::kNumeric) type = "DECIMAL(38,18)";
    if (!type.empty()) casts[i + 1] = type;
  }
  if (!casts.empty()) {
    query->plan.sql = cast_parameters(query->plan.sql, casts);
    query->statement = connection.prepare(query->plan.sql);
  }
  duckdb_prepared_statement handle = query->statement->handle();
  for (size_t i = 0; i < count; ++i) {
    const uint32_t declared_type = i < declared.size() ? declared[i] : oid::kUnspecified;
    ScopedLogicalType logical(api.duckdb_param_logical_type(handle, i + 1));
    const ValueType inferred = logical.get() ? describe_type(logical.get()) : ValueType{};
    query->declared_types.push_back(declared_type);
    const bool inferred_known =
        inferred.id != DUCKDB_TYPE_INVALID && inferred.id != DUCKDB_TYPE_ANY &&
        inferred.id != DUCKDB_TYPE_SQLNULL && inferred.id != DUCKDB_TYPE_STRING_LITERAL &&
        inferred.id != DUCKDB_TYPE_INTEGER_LITERAL;
    query->inferred_types.push_back(inferred_known ? inferred.pg_oid : oid::kUnspecified);
    query->parameter_types.push_back(declared_type != oid::kUnspecified ? declared_type
                                     : inferred_known                   ? inferred.pg_oid
                                                                        : oid::kText);
  }
  const duckdb_statement_type type = api.duckdb_prepared_statement_type(handle);
  const idx_t columns = api.duckdb_prepared_statement_column_count(handle);
  for (idx_t i = 0; i < columns; ++i) {
    ScopedLogicalType logical(api.duckdb_prepared_statement_column_logical_type(handle, i));
    // DuckDB hands over a copy of the name that the caller frees.
    const char* name = api.duckdb_prepared_statement_column_name(handle, i);
    const std::string column_name = name ? name : "?column?";
    if (name) api.duckdb_free(const_cast<char*>(name));
    query->columns.push_back(make_column(column_name, logical.get()));
  }
  query->returns_rows =
      !query->columns.empty() &&
      (is_row_statement(type) || (is_dml(type) && !is_count_only(query->columns)));
  if (!query->returns_rows) query->columns.clear();
  return query;
}

Portal::Portal(std::shared_ptr<PreparedQuery> query, std::vector<OwnedValue> parameters,
               std::vector<int16_t> result_formats)
    : query_(std::move(query)),
      parameters_(std::move(parameters)),
      result_formats_(std::move(result_formats)),
      columns_(query_->columns) {
  // A statement whose parameters left its columns unknown until bound (DuckDB then reports one
  // placeholder column) has its formats checked by start(), against the columns it produced.
  if (result_formats_.size() <= 1 || result_formats_.size() == columns_.size()) {
    apply_formats(columns_);
  }
}

void Portal::apply_formats(std::vector<ResultColumn>& columns) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    columns[i].format = result_format(result_formats_, i, columns.size());
  }
}

void Portal::start() {
  if (started_) return;
  started_ = true;
  if (!query_->statement) return;  // empty or local: nothing runs
  engine::PreparedStatement& statement = *query_->statement;
  const auto& api = engine::duckdb();
  api.duckdb_clear_bindings(statement.handle());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (api.duckdb_bind_value(statement.handle(), i + 1, parameters_[i].get()) == DuckDBError) {
      throw SqlError(sqlstate::kInvalidParameterValue,
                     "cannot bind parameter $" + std::to_string(i + 1));
    }
  }
  engine::Result result = statement.execute();
  if (!query_->returns_rows) {
    // Run to the end; DML reports its row count in its one cell.
    while (auto chunk = result.next_chunk()) {
      if (chunk->size() > 0 && result.column_count() == 1 &&
          result.column_type(0) == DUCKDB_TYPE_BIGINT && !chunk->is_null(0, 0)) {
        rows_changed_ += static_cast<uint64_t>(chunk->get_int64(0, 0));
      }
    }
    return;
  }
  // The types DuckDB produced are the truth (a parameter's value may have refined them).
  std::vector<ResultColumn> actual;
  for (size_t i = 0; i < result.column_count(); ++i) {
    ScopedLogicalType logical(api.duckdb_column_logical_type(result.handle(), i));
    actual.push_back(make_column(result.column_names()[i], logical.get()));
  }
  check_supported(actual);
  apply_formats(actual);
  columns_ = std::move(actual);
  returned_rows_ = true;
  result_ = std::move(result);
}

engine::Chunk* Portal::next_chunk() {
  while (!chunks_.empty() && row_in_chunk_ >= chunks_.front().size()) {
    chunks_.pop_front();
    row_in_chunk_ = 0;
  }
  if (!chunks_.empty()) return &chunks_.front();
  if (!result_) return nullptr;
  while (auto chunk = fetch()) {
    if (chunk->size() == 0) continue;
    chunks_.push_back(std::move(*chunk));
    row_in_chunk_ = 0;
    return &chunks_.front();
  }
  result_.reset();  // the end: the connection is free again
  return nullptr;
}

std::optional<engine::Chunk> Portal::fetch() {
  try {
    return result_->next_chunk();
  } catch (...) {
    result_.reset();  // a failed stream is over; the connection is free for the next statement
    throw;
  }
}

bool Portal::write_rows(MessageWriter& out, uint64_t max_rows, const std::function<void()>& flush) {
  rows_in_last_execute_ = 0;
  if (!returned_rows_) return false;
  while (max_rows == 0 || rows_in_last_execute_ < max_rows) {
    engine::Chunk* chunk = next_chunk();
    if (!chunk) return false;
    const uint64_t available = chunk->size() - row_in_chunk_;
    const uint64_t wanted =
        max_rows == 0 ? available : std::min(available, max_rows - rows_in_last_execute_);
    for (uint64_t i = 0; i < wanted; ++i) {
      write_data_row(out, chunk->handle(), row_in_chunk_ + i, columns_);
      if (out.size() >= kFlushBytes) flush();
    }
    row_in_chunk_ += wanted;
    rows_in_last_execute_ += wanted;
  }
  return next_chunk() != nullptr;
}

std::string Portal::completion_tag() const {
  if (query_->plan.local_tag) return *query_->plan.local_tag;
  return command_tag(query_->plan.keywords, returned_rows_,
                     returned_rows_ ? rows_in_last_execute_ : rows_changed_);
}

void Portal::park() {
  if (!result_) return;
  while (auto chunk = fetch()) {
    if (chunk->size() > 0) chunks_.push_back(std::move(*chunk));
  }
  result_.reset();
}

}  // namespace strata::serve::pgwire
