// `COPY ... TO STDOUT` over the simple query protocol, as psql's \copy and drivers' copy APIs send
// it: `COPY (query) TO STDOUT` or `COPY table [(columns)] TO STDOUT`, with the options of
// PostgreSQL's syntax, `WITH (FORMAT text|csv, HEADER, DELIMITER 'c', NULL 'text')` or the older
// `[WITH] CSV HEADER DELIMITER 'c' NULL 'text'`. The rows stream as CopyData messages, one row
// each, in PostgreSQL's text format (tab-separated, \N for NULL, backslash escapes) or CSV
// (quoted where needed, NULL unquoted and empty, an empty string as ""), between CopyOutResponse
// and CopyDone; then CommandComplete "COPY n".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/database.hpp"
#include "serve/pgwire/message_buffer.hpp"

namespace strata::serve::pgwire {

struct CopyOutPlan {
  std::string query;  // the SELECT that produces the rows
  bool csv = false;
  bool header = false;
  char delimiter = '\t';
  std::string null_text = "\\N";
};

// The plan of a `COPY ... TO STDOUT` statement, or nothing for any other statement (COPY FROM
// and COPY TO a file are left to DuckDB). Throws Error(kInput) for options it does not know.
std::optional<CopyOutPlan> parse_copy_to_stdout(std::string_view sql);

// Runs the plan's query and writes the copy-out messages; `flush` is called whenever the buffer
// has grown large. Returns the number of rows.
uint64_t run_copy_out(engine::Connection& connection, const CopyOutPlan& plan, MessageWriter& out,
                      const std::function<void()>& flush);

}  // namespace strata::serve::pgwire
