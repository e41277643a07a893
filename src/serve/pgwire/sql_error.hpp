// Errors as a PostgreSQL client sees them. SqlError is a strata::Error(kInput) that also names
// the SQLSTATE to report (for errors the server itself detects: a statement that does not exist,
// a malformed parameter). error_fields() turns any strata::Error into ErrorResponse fields; for
// DuckDB's errors it derives the SQLSTATE from DuckDB's error class ("Catalog Error: Table with
// name x does not exist!" -> 42P01), so clients can tell a syntax error from a missing table, a
// bad cast or a cancelled query.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "serve/pgwire/backend_messages.hpp"

namespace strata::serve::pgwire {

// SQLSTATE codes strata reports itself.
namespace sqlstate {
inline constexpr const char* kProtocolViolation = "08P01";
inline constexpr const char* kFeatureNotSupported = "0A000";
inline constexpr const char* kInvalidTextRepresentation = "22P02";
inline constexpr const char* kInvalidBinaryRepresentation = "22P03";
inline constexpr const char* kInvalidParameterValue = "22023";
inline constexpr const char* kCharacterNotInRepertoire = "22021";
inline constexpr const char* kInFailedTransaction = "25P02";
inline constexpr const char* kInvalidStatementName = "26000";
inline constexpr const char* kInvalidCursorName = "34000";
inline constexpr const char* kSyntaxError = "42601";
inline constexpr const char* kInsufficientPrivilege = "42501";
inline constexpr const char* kInvalidAuthorization = "28000";
inline constexpr const char* kInvalidPassword = "28P01";
inline constexpr const char* kDuplicatePreparedStatement = "42P05";
inline constexpr const char* kDuplicateCursor = "42P03";
inline constexpr const char* kIndeterminateDatatype = "42P18";
inline constexpr const char* kTooManyConnections = "53300";
inline constexpr const char* kQueryCanceled = "57014";
inline constexpr const char* kAdminShutdown = "57P01";
inline constexpr const char* kInternalError = "XX000";
}  // namespace sqlstate

class SqlError : public Error {
 public:
  SqlError(std::string state, std::string message)
      : Error(ErrorKind::kInput, std::move(message)), sqlstate_(std::move(state)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// The SQLSTATE of a DuckDB error message, from its "<Class> Error:" prefix and wording.
std::string sqlstate_of_duckdb_error(std::string_view message);

ErrorFields error_fields(const Error& error);

}  // namespace strata::serve::pgwire
