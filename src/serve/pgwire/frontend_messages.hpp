// The messages a PostgreSQL client sends, decoded from their bodies into plain structs: the
// startup-phase packets (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) and the query
// messages of the simple and extended protocols (Query, Parse, Bind, Describe, Execute, Close).
// Every decoder checks counts and lengths against the body and throws strata::Error(kInput) on a
// malformed message; it never reads outside the body it was given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::serve::pgwire {

// Request codes of the startup phase (the int32 after the length).
inline constexpr int32_t kProtocolVersion3 = 196608;  // 3.0
inline constexpr int32_t kCancelRequestCode = 80877102;
inline constexpr int32_t kSslRequestCode = 80877103;
inline constexpr int32_t kGssEncRequestCode = 80877104;

struct StartupPacket {
  enum class Kind { kStartup, kSslRequest, kGssEncRequest, kCancel };
  Kind kind = Kind::kStartup;
  int32_t protocol = 0;                                      // kStartup
  std::vector<std::pair<std::string, std::string>> options;  // kStartup: user, database, ...
  int32_t process_id = 0;                                    // kCancel
  int32_t secret_key = 0;                                    // kCancel

  // The value of a startup option, or empty.
  std::string option(std::string_view name) const;
};

StartupPacket decode_startup_packet(std::string_view body);

// Format codes of parameters and result columns.
inline constexpr int16_t kTextFormat = 0;
inline constexpr int16_t kBinaryFormat = 1;

struct ParseMessage {
  std::string statement;
  std::string query;
  std::vector<uint32_t> parameter_types;  // 0 = let the server infer it
};

struct BindMessage {
  std::string portal;
  std::string statement;
  std::vector<int16_t> parameter_formats;              // empty, one for all, or one each
  std::vector<std::optional<std::string>> parameters;  // nullopt = NULL
  std::vector<int16_t> result_formats;                 // empty, one for all, or one each

  // The format of parameter `index` (0-based), following the protocol's 0/1/n rule.
  int16_t parameter_format(size_t index) const;
};

struct DescribeMessage {
  char kind = 'S';  // 'S' statement, 'P' portal
  std::string name;
};

struct ExecuteMessage {
  std::string portal;
  int32_t max_rows = 0;  // 0 = all
};

struct CloseMessage {
  char kind = 'S';  // 'S' statement, 'P' portal
  std::string name;
};

std::string decode_query(std::string_view body);
ParseMessage decode_parse(std::string_view body);
BindMessage decode_bind(std::string_view body);
DescribeMessage decode_describe(std::string_view body);
ExecuteMessage decode_execute(std::string_view body);
CloseMessage decode_close(std::string_view body);

// The format of result column `index` of `count` columns, following the protocol's 0/1/n rule;
// throws Error(kInput) when the client sent a list of another length.
int16_t result_format(const std::vector<int16_t>& formats, size_t index, size_t count);

}  // namespace strata::serve::pgwire
