#include "serve/http/query_service.hpp"

#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>

#include <unistd.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "engine/duckdb_api.hpp"
#include "serve/auth/query_guard.hpp"
#include "serve/http/named_queries.hpp"

namespace strata::serve::http {

namespace {

constexpr size_t kFlushBytes = 64 * 1024;

// A file removed when it goes out of scope.
struct TemporaryFile {
  std::filesystem::path path;
  ~TemporaryFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

// Everything a streamed response needs after the handler returned, destroyed in reverse order:
// the result before the watch, the watch before the connection.
struct Execution {
  std::unique_ptr<engine::Connection> connection;
  std::unique_ptr<QueryWatchdog::Watch> watch;
  std::optional<engine::PreparedStatement> statement;
  engine::Result result;
  std::optional<engine::Chunk> first;
  std::optional<ResultEncoder> encoder;
  std::unique_ptr<TemporaryFile> parquet;  // the result as DuckDB wrote it, for format parquet
};

std::string timeout_message(std::chrono::milliseconds timeout) {
  return "the query ran longer than the server's query timeout (" +
         std::to_string(timeout.count()) + " ms) and was stopped";
}

void bind_parameters(engine::PreparedStatement& statement, const QueryRequest& request) {
  const size_t count = statement.parameter_count();
  if (request.named.empty()) {
    if (request.positional.size() != count) {
      throw Error(ErrorKind::kInput, "the query has " + std::to_string(count) +
                                         " parameter(s) but " +
                                         std::to_string(request.positional.size()) +
                                         " value(s) were given in \"params\"");
    }
    for (size_t i = 0; i < count; ++i) statement.bind(i + 1, request.positional[i]);
    return;
  }
  for (size_t i = 1; i <= count; ++i) {
    const std::string name = statement_parameter_name(statement, i);
    auto value = request.named.find(name);
    if (value == request.named.end()) {
      throw Error(ErrorKind::kConfig,
                  "the query's SQL uses parameter $" + name + ", which it does not declare");
    }
    statement.bind(i, value->second);
  }
}

void check_read_only(const engine::PreparedStatement& statement) {
  const duckdb_statement_type type =
      engine::duckdb().duckdb_prepared_statement_type(statement.handle());
  if (type != DUCKDB_STATEMENT_TYPE_SELECT) {
    throw Error(ErrorKind::kInput,
                "only SELECT queries can be run through the HTTP API (it is read-only)");
  }
}

void check_encodable(const std::vector<EncodedColumn>& columns) {
  for (const EncodedColumn& column : columns) {
    if (!column.type.supported && column.type.id != DUCKDB_TYPE_INVALID) {
      throw Error(ErrorKind::kInput, "column \"" + column.name + "\" has DuckDB type " +
                                         column.type.duckdb_name +
                                         ", which the HTTP API cannot encode; cast it to VARCHAR");
    }
  }
}

// DuckDB's C API gives no Parquet writer for a stream, so DuckDB writes the result (streaming,
// in bounded memory) to a temporary file, which the response then sends. The SELECT was prepared
// alone before, so it is one statement; the line breaks keep a trailing comment inside.
void write_parquet(Execution& execution, const QueryRequest& request, const std::string& sql) {
  static std::atomic<uint64_t> counter{0};
  execution.parquet = std::make_unique<TemporaryFile>();
  execution.parquet->path =
      std::filesystem::temp_directory_path() /
      ("strata-http-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".parquet");
  std::string select = sql;
  while (!select.empty() &&
         (std::isspace(static_cast<unsigned char>(select.back())) || select.back() == ';')) {
    select.pop_back();
  }
  engine::PreparedStatement copy = execution.connection->prepare(
      "COPY (\n" + select + "\n) TO " + engine::quote_literal(execution.parquet->path.string()) +
      " (FORMAT parquet, COMPRESSION zstd)");
  bind_parameters(copy, request);
  copy.execute().fetch_all();
}

// Encodes the rows of a running result into `out`, calling `flush` as it grows.
template <typename Flush>
void stream_rows(Execution& execution, std::string& out, Flush& flush,
                 std::chrono::milliseconds timeout) {
  ResultEncoder& encoder = *execution.encoder;
  encoder.begin(out);
  try {
    if (execution.first) encoder.append(*execution.first, out);
    execution.first.reset();
    flush(false);
    while (std::optional<engine::Chunk> chunk = execution.result.next_chunk()) {
      encoder.append(*chunk, out);
      flush(false);
    }
  } catch (const Error& e) {
    if (execution.watch->expired()) throw Error(ErrorKind::kInterrupted, timeout_message(timeout));
    throw;
  }
  encoder.end(out);
}

}  // namespace

std::string parameters_key(const QueryRequest& request) {
  nlohmann::json key = nlohmann::json::array();
  auto add = [&key](const engine::Value& value) {
    std::visit(
        [&key](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            key.push_back(nullptr);
          } else {
            key.push_back(v);
          }
        },
        value);
  };
  for (const engine::Value& value : request.positional) add(value);
  for (const auto& [name, value] : request.named) {
    key.push_back(name);
    add(value);
  }
  return key.dump();
}

QueryService::QueryService(const engine::Database& database, LakeSync& lake,
                           QueryServiceOptions options)
    : database_(database), lake_(lake), options_(options), cache_(options.cache_bytes) {
  engine::Connection connection = database_.connect();
  analyzer_ = std::make_unique<QueryAnalyzer>(connection);
  lake_.on_change([this](engine::Connection&, const std::vector<AttachedTable>& changed) {
    std::vector<std::string> keys;
    for (const AttachedTable& table : changed) {
      keys.push_back(table_key(table.name.space, table.name.name));
    }
    cache_.invalidate(keys);
  });
}

Response QueryService::run(const QueryRequest& request) {
  std::shared_ptr<const LakeState> state = lake_.refresh();
  auto execution = std::make_shared<Execution>();
  execution->connection = std::make_unique<engine::Connection>(database_.connect());
  engine::Connection& connection = *execution->connection;

  const QueryAnalysis analysis = analyzer_->analyze(connection, request.sql, *state);
  // Checked before DuckDB binds the query: binding alone may open the files it names.
  if (request.apply_read_policy) {
    if (analysis.rejection) return error_response(400, *analysis.rejection);
    if (analysis.forbidden) return error_response(analysis.forbidden_status, *analysis.forbidden);
  }
  // Checked and masked for the role before DuckDB binds it; what runs is `sql`.
  std::string sql = request.sql;
  if (request.role) {
    auth::GuardedQuery guarded = auth::guard_query(
        connection, request.sql, analysis.select, *request.role, *state, request.apply_read_policy);
    if (guarded.denied) return error_response(403, *guarded.denied);
    sql = std::move(guarded.sql);
  }
  const std::string key = (request.role ? request.role->name : std::string("*")) + '\n' +
                          analysis.normalized + '\n' + parameters_key(request) + '\n' +
                          result_format_name(request.format);
  if (analysis.cacheable) {
    if (auto hit = cache_.find(key, analysis.reads)) {
      Response response;
      response.content_type = hit->content_type;
      response.body = hit->body;
      response.headers.emplace_back("X-Cache", "hit");
      return response;
    }
  } else {
    log::debug("HTTP query bypasses the cache", {{"reason", analysis.reason}});
  }

  execution->watch = watchdog_.watch(connection, options_.timeout);
  try {
    execution->statement.emplace(connection.prepare(sql));
    check_read_only(*execution->statement);
    bind_parameters(*execution->statement, request);
    if (request.format == ResultFormat::kParquet) {
      write_parquet(*execution, request, sql);
    } else {
      execution->result = execution->statement->execute();
      std::vector<EncodedColumn> columns = result_columns(execution->result);
      // Arrow output takes DuckDB's own Arrow conversion, which covers more types.
      if (request.format != ResultFormat::kArrow) check_encodable(columns);
      execution->encoder.emplace(request.format, std::move(columns), execution->result);
      execution->first = execution->result.next_chunk();
    }
  } catch (const Error& e) {
    if (execution->watch->expired()) return error_response(504, timeout_message(options_.timeout));
    throw;
  }

  Response response;
  response.content_type = content_type_of(request.format);
  response.headers.emplace_back("X-Cache", analysis.cacheable ? "miss" : "bypass");
  const bool cacheable = analysis.cacheable;
  response.stream = [this, execution, key, cacheable, reads = analysis.reads,
                     content_type = response.content_type](const BodyWriter& write) {
    std::string out;
    std::string captured;
    bool capturing = cacheable;
    auto flush = [&](bool force) {
      if (out.size() < kFlushBytes && !force) return;
      if (capturing) {
        if (captured.size() + out.size() > cache_.max_entry_bytes()) {
          capturing = false;
          captured.clear();
          captured.shrink_to_fit();
        } else {
          captured.append(out);
        }
      }
      if (!out.empty() && !write(out)) {
        throw Error(ErrorKind::kInterrupted, "the client went away before the result's end");
      }
      out.clear();
    };
    if (execution->parquet) {
      std::ifstream file(execution->parquet->path, std::ios::binary);
      std::vector<char> piece(kFlushBytes);
      while (file.read(piece.data(), static_cast<std::streamsize>(piece.size())) ||
             file.gcount() > 0) {
        out.append(piece.data(), static_cast<size_t>(file.gcount()));
        flush(true);
      }
      if (file.bad()) throw Error(ErrorKind::kStorage, "cannot read the Parquet result back");
      execution->parquet.reset();  // removed before the response's last chunk goes out
    } else {
      stream_rows(*execution, out, flush, options_.timeout);
    }
    flush(true);
    if (capturing) cache_.put(key, {content_type, std::move(captured), reads});
  };
  return response;
}

}  // namespace strata::serve::http
