#include "serve/pgwire/sql_error.hpp"

#include <array>
#include <utility>

namespace strata::serve::pgwire {

namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

std::string sqlstate_of_duckdb_error(std::string_view message) {
  if (message.starts_with("INTERRUPT Error")) return sqlstate::kQueryCanceled;
  if (message.starts_with("Parser Error")) return sqlstate::kSyntaxError;
  if (message.starts_with("Catalog Error")) {
    if (contains(message, "already exists")) return "42P07";
    if (contains(message, "Schema with name")) return "3F000";
    if (contains(message, "Function") || contains(message, "Macro")) return "42883";
    if (contains(message, "Table") || contains(message, "View")) return "42P01";
    return "42704";  // undefined_object
  }
  if (message.starts_with("Binder Error")) {
    if (contains(message, "Referenced column") || contains(message, "not found in FROM clause")) {
      return "42703";  // undefined_column
    }
    if (contains(message, "No function matches") || contains(message, "Could not choose")) {
      return "42883";  // undefined_function
    }
    if (contains(message, "must appear in the GROUP BY")) return "42803";
    return "42000";
  }
  if (message.starts_with("Conversion Error")) return sqlstate::kInvalidTextRepresentation;
  if (message.starts_with("Out of Range Error")) {
    return contains(message, "ivision by zero") ? "22012" : "22003";
  }
  if (message.starts_with("Constraint Error")) {
    if (contains(message, "NOT NULL")) return "23502";
    if (contains(message, "unique") || contains(message, "primary key") ||
        contains(message, "Duplicate key")) {
      return "23505";
    }
    if (contains(message, "foreign key")) return "23503";
    if (contains(message, "CHECK")) return "23514";
    return "23000";
  }
  if (message.starts_with("TransactionContext Error") || message.starts_with("Transaction Error")) {
    return contains(message, "aborted") ? sqlstate::kInFailedTransaction : "25000";
  }
  static constexpr std::array<std::pair<std::string_view, const char*>, 11> kByClass = {{
      {"Invalid Input Error", sqlstate::kInvalidParameterValue},
      {"Not implemented Error", sqlstate::kFeatureNotSupported},
      {"Permission Error", "42501"},
      {"Out of Memory Error", "53200"},
      {"IO Error", "58030"},
      {"HTTP Error", "58030"},
      {"Dependency Error", "2BP01"},
      {"Sequence Error", "2200H"},
      {"Invalid type Error", "42804"},
      {"Mismatch Type Error", "42804"},
      {"Serialization Error", "40001"},
  }};
  for (const auto& [prefix, state] : kByClass) {
    if (message.starts_with(prefix)) return state;
  }
  return sqlstate::kInternalError;
}

ErrorFields error_fields(const Error& error) {
  ErrorFields fields;
  fields.message = error.message();
  if (const auto* sql = dynamic_cast<const SqlError*>(&error)) {
    fields.sqlstate = sql->sqlstate();
  } else if (error.kind() == ErrorKind::kEngine) {
    fields.sqlstate = sqlstate_of_duckdb_error(error.message());
    if (fields.sqlstate == sqlstate::kQueryCanceled) {
      fields.message = "canceling statement due to user request";
    }
  } else if (error.kind() == ErrorKind::kInterrupted) {
    fields.sqlstate = sqlstate::kAdminShutdown;
  } else {
    fields.sqlstate = sqlstate::kInternalError;
  }
  return fields;
}

}  // namespace strata::serve::pgwire
