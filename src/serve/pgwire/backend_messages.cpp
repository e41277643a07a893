#include "serve/pgwire/backend_messages.hpp"

namespace strata::serve::pgwire {

void write_authentication_ok(MessageWriter& out) {
  out.begin(backend::kAuthentication);
  out.int32(0);
  out.end();
}

void write_parameter_status(MessageWriter& out, std::string_view name, std::string_view value) {
  out.begin(backend::kParameterStatus);
  out.cstring(name);
  out.cstring(value);
  out.end();
}

void write_backend_key_data(MessageWriter& out, int32_t process_id, int32_t secret_key) {
  out.begin(backend::kBackendKeyData);
  out.int32(process_id);
  out.int32(secret_key);
  out.end();
}

void write_ready_for_query(MessageWriter& out, char status) {
  out.begin(backend::kReadyForQuery);
  out.byte(static_cast<uint8_t>(status));
  out.end();
}

void write_row_description(MessageWriter& out, const std::vector<FieldDescription>& fields) {
  out.begin(backend::kRowDescription);
  out.int16(static_cast<int16_t>(fields.size()));
  for (const FieldDescription& field : fields) {
    out.cstring(field.name);
    out.int32(static_cast<int32_t>(field.table_oid));
    out.int16(field.column_number);
    out.int32(static_cast<int32_t>(field.type_oid));
    out.int16(field.type_size);
    out.int32(field.type_modifier);
    out.int16(field.format);
  }
  out.end();
}

void write_parameter_description(MessageWriter& out, const std::vector<uint32_t>& type_oids) {
  out.begin(backend::kParameterDescription);
  out.int16(static_cast<int16_t>(type_oids.size()));
  for (uint32_t oid : type_oids) out.int32(static_cast<int32_t>(oid));
  out.end();
}

void write_command_complete(MessageWriter& out, std::string_view tag) {
  out.begin(backend::kCommandComplete);
  out.cstring(tag);
  out.end();
}

void write_error(MessageWriter& out, const ErrorFields& error, char type) {
  out.begin(type);
  auto field = [&](char code, std::string_view value) {
    if (value.empty()) return;
    out.byte(static_cast<uint8_t>(code));
    // A NUL inside a value would end the field early; the protocol has no escape for it.
    std::string clean(value);
    for (char& c : clean) {
      if (c == '\0') c = ' ';
    }
    out.cstring(clean);
  };
  field('S', error.severity);
  field('V', error.severity);
  field('C', error.sqlstate);
  field('M', error.message);
  field('D', error.detail);
  field('H', error.hint);
  out.byte(0);
  out.end();
}

void write_negotiate_protocol_version(MessageWriter& out, int32_t newest_minor,
                                      const std::vector<std::string>& unsupported_options) {
  out.begin(backend::kNegotiateProtocolVersion);
  out.int32(newest_minor);
  out.int32(static_cast<int32_t>(unsupported_options.size()));
  for (const std::string& option : unsupported_options) out.cstring(option);
  out.end();
}

}  // namespace strata::serve::pgwire
