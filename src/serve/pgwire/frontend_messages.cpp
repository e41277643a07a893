#include "serve/pgwire/frontend_messages.hpp"

#include "core/error.hpp"
#include "serve/pgwire/message_buffer.hpp"

namespace strata::serve::pgwire {

namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw Error(ErrorKind::kInput, "invalid " + what);
}

int16_t read_format(MessageReader& reader, const char* what) {
  const int16_t format = reader.int16();
  if (format != kTextFormat && format != kBinaryFormat) {
    invalid(std::string(what) + ": format code " + std::to_string(format) +
            " (only 0 and 1 exist)");
  }
  return format;
}

int16_t read_count(MessageReader& reader, const char* what) {
  const int16_t count = reader.int16();
  if (count < 0) invalid(std::string(what) + ": negative count " + std::to_string(count));
  return count;
}

}  // namespace

std::string StartupPacket::option(std::string_view name) const {
  for (const auto& [key, value] : options) {
    if (key == name) return value;
  }
  return {};
}

StartupPacket decode_startup_packet(std::string_view body) {
  MessageReader reader(body, "startup packet");
  StartupPacket packet;
  const int32_t code = reader.int32();
  if (code == kSslRequestCode || code == kGssEncRequestCode) {
    packet.kind = code == kSslRequestCode ? StartupPacket::Kind::kSslRequest
                                          : StartupPacket::Kind::kGssEncRequest;
    reader.expect_end();
    return packet;
  }
  if (code == kCancelRequestCode) {
    packet.kind = StartupPacket::Kind::kCancel;
    packet.process_id = reader.int32();
    packet.secret_key = reader.int32();
    reader.expect_end();
    return packet;
  }
  packet.protocol = code;
  if ((code >> 16) != 3) return packet;  // the caller refuses other major versions
  // Name/value pairs, ended by an empty name.
  while (true) {
    const std::string_view name = reader.cstring();
    if (name.empty()) break;
    const std::string_view value = reader.cstring();
    packet.options.emplace_back(std::string(name), std::string(value));
  }
  reader.expect_end();
  return packet;
}

int16_t BindMessage::parameter_format(size_t index) const {
  if (parameter_formats.empty()) return kTextFormat;
  if (parameter_formats.size() == 1) return parameter_formats[0];
  return parameter_formats.at(index);
}

std::string decode_query(std::string_view body) {
  MessageReader reader(body, "Query message");
  std::string query(reader.cstring());
  reader.expect_end();
  return query;
}

ParseMessage decode_parse(std::string_view body) {
  MessageReader reader(body, "Parse message");
  ParseMessage message;
  message.statement = reader.cstring();
  message.query = reader.cstring();
  const int16_t count = read_count(reader, "Parse message");
  message.parameter_types.reserve(count);
  for (int16_t i = 0; i < count; ++i) {
    message.parameter_types.push_back(static_cast<uint32_t>(reader.int32()));
  }
  reader.expect_end();
  return message;
}

BindMessage decode_bind(std::string_view body) {
  MessageReader reader(body, "Bind message");
  BindMessage message;
  message.portal = reader.cstring();
  message.statement = reader.cstring();
  const int16_t format_count = read_count(reader, "Bind message");
  for (int16_t i = 0; i < format_count; ++i) {
    message.parameter_formats.push_back(read_format(reader, "Bind message"));
  }
  const int16_t parameter_count = read_count(reader, "Bind message");
  if (format_count > 1 && format_count != parameter_count) {
    invalid("Bind message: " + std::to_string(format_count) + " parameter formats for " +
            std::to_string(parameter_count) + " parameters");
  }
  message.parameters.reserve(parameter_count);
  for (int16_t i = 0; i < parameter_count; ++i) {
    const int32_t length = reader.int32();
    if (length == -1) {
      message.parameters.emplace_back(std::nullopt);
    } else if (length < 0) {
      invalid("Bind message: parameter " + std::to_string(i + 1) + " has length " +
              std::to_string(length));
    } else {
      message.parameters.emplace_back(std::string(reader.bytes(static_cast<size_t>(length))));
    }
  }
  const int16_t result_count = read_count(reader, "Bind message");
  for (int16_t i = 0; i < result_count; ++i) {
    message.result_formats.push_back(read_format(reader, "Bind message"));
  }
  reader.expect_end();
  return message;
}

namespace {

std::pair<char, std::string> decode_target(std::string_view body, const char* what) {
  MessageReader reader(body, what);
  const char kind = static_cast<char>(reader.byte());
  if (kind != 'S' && kind != 'P') {
    invalid(std::string(what) + ": target must be 'S' or 'P', not byte " +
            std::to_string(static_cast<unsigned char>(kind)));
  }
  std::string name(reader.cstring());
  reader.expect_end();
  return {kind, std::move(name)};
}

}  // namespace

DescribeMessage decode_describe(std::string_view body) {
  auto [kind, name] = decode_target(body, "Describe message");
  return {kind, std::move(name)};
}

CloseMessage decode_close(std::string_view body) {
  auto [kind, name] = decode_target(body, "Close message");
  return {kind, std::move(name)};
}

ExecuteMessage decode_execute(std::string_view body) {
  MessageReader reader(body, "Execute message");
  ExecuteMessage message;
  message.portal = reader.cstring();
  message.max_rows = reader.int32();
  reader.expect_end();
  if (message.max_rows < 0) message.max_rows = 0;  // as PostgreSQL: non-positive means all rows
  return message;
}

int16_t result_format(const std::vector<int16_t>& formats, size_t index, size_t count) {
  if (formats.empty()) return kTextFormat;
  if (formats.size() == 1) return formats[0];
  if (formats.size() != count) {
    invalid("Bind message: " + std::to_string(formats.size()) + " result formats for " +
            std::to_string(count) + " result columns");
  }
  return formats[index];
}

}  // namespace strata::serve::pgwire
