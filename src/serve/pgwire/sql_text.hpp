// Just enough SQL lexing for a protocol server: a tokenizer that knows PostgreSQL's quoting
// ('...', E'...', "...", $tag$...$tag$) and comments (--, nested /* */), so that a Query message
// holding several statements is split at the right semicolons, a statement's leading keywords
// can be read (for command tags such as "INSERT 0 3" and for transaction status), and catalog
// rewrites match words, never text inside a string.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strata::serve::pgwire {

struct SqlToken {
  enum class Kind { kWord, kQuotedIdentifier, kString, kNumber, kParameter, kSymbol };
  Kind kind = Kind::kSymbol;
  size_t offset = 0;
  size_t length = 0;
  std::string_view text(std::string_view sql) const { return sql.substr(offset, length); }
};

// The tokens of `sql`, comments and whitespace dropped. An unterminated quote or comment runs to
// the end of the text (DuckDB reports the syntax error when the statement is prepared).
std::vector<SqlToken> tokenize_sql(std::string_view sql);

// The statements of a Query message, without their semicolons; blank ones are dropped.
std::vector<std::string> split_statements(std::string_view sql);

// `sql` with each parameter named in `types` ($n, 1-based; `?` counts in order) wrapped in a
// cast: CAST($n AS TYPE). This is how a type the client declared in Parse takes effect.
std::string cast_parameters(std::string_view sql, const std::map<size_t, std::string>& types);

// The first `count` words of a statement, upper-cased ("CREATE", "OR", "REPLACE").
std::vector<std::string> leading_keywords(std::string_view sql, size_t count = 6);

// How a statement affects the transaction block.
enum class TransactionEffect { kNone, kBegin, kEnd };
TransactionEffect transaction_effect(const std::vector<std::string>& keywords);

// The CommandComplete tag of a statement that ran: "SELECT 5", "INSERT 0 2", "CREATE TABLE".
std::string command_tag(const std::vector<std::string>& keywords, bool returned_rows,
                        uint64_t rows);

}  // namespace strata::serve::pgwire
