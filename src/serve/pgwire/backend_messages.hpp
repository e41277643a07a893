// The messages the server sends, written into a MessageWriter: authentication and session
// parameters at startup, RowDescription, CommandComplete, ReadyForQuery, ParameterDescription,
// ErrorResponse and NoticeResponse with their SQLSTATE fields, and the one-byte acknowledgements of
// the extended protocol. DataRow is written by the value codecs, which append cells directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "serve/pgwire/message_buffer.hpp"

namespace strata::serve::pgwire {

// Message type bytes of the backend.
namespace backend {
inline constexpr char kAuthentication = 'R';
inline constexpr char kParameterStatus = 'S';
inline constexpr char kBackendKeyData = 'K';
inline constexpr char kReadyForQuery = 'Z';
inline constexpr char kRowDescription = 'T';
inline constexpr char kDataRow = 'D';
inline constexpr char kCommandComplete = 'C';
inline constexpr char kEmptyQueryResponse = 'I';
inline constexpr char kErrorResponse = 'E';
inline constexpr char kNoticeResponse = 'N';
inline constexpr char kParseComplete = '1';
inline constexpr char kBindComplete = '2';
inline constexpr char kCloseComplete = '3';
inline constexpr char kNoData = 'n';
inline constexpr char kPortalSuspended = 's';
inline constexpr char kParameterDescription = 't';
inline constexpr char kNegotiateProtocolVersion = 'v';
}  // namespace backend

// One column of a RowDescription.
struct FieldDescription {
  std::string name;
  uint32_t table_oid = 0;
  int16_t column_number = 0;
  uint32_t type_oid = 0;
  int16_t type_size = -1;
  int32_t type_modifier = -1;
  int16_t format = 0;
};

// The fields of an ErrorResponse or NoticeResponse.
struct ErrorFields {
  std::string severity = "ERROR";  // ERROR, FATAL, NOTICE, WARNING, ...
  std::string sqlstate = "XX000";
  std::string message;
  std::string detail;
  std::string hint;
};

void write_authentication_ok(MessageWriter& out);
void write_parameter_status(MessageWriter& out, std::string_view name, std::string_view value);
void write_backend_key_data(MessageWriter& out, int32_t process_id, int32_t secret_key);
// status: 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block.
void write_ready_for_query(MessageWriter& out, char status);
void write_row_description(MessageWriter& out, const std::vector<FieldDescription>& fields);
void write_parameter_description(MessageWriter& out, const std::vector<uint32_t>& type_oids);
void write_command_complete(MessageWriter& out, std::string_view tag);
void write_error(MessageWriter& out, const ErrorFields& error, char type = backend::kErrorResponse);
void write_negotiate_protocol_version(MessageWriter& out, int32_t newest_minor,
                                      const std::vector<std::string>& unsupported_options);

}  // namespace strata::serve::pgwire
