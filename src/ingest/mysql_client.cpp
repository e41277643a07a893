#include "ingest/mysql_client.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include "core/digest.hpp"
#include "core/text.hpp"

namespace strata::ingest::mysql {

namespace {

// Capability flags of the protocol.
constexpr uint32_t kLongPassword = 0x1;
constexpr uint32_t kConnectWithDb = 0x8;
constexpr uint32_t kProtocol41 = 0x200;
constexpr uint32_t kTransactions = 0x2000;
constexpr uint32_t kSecureConnection = 0x8000;
constexpr uint32_t kPluginAuth = 0x80000;
constexpr uint32_t kPluginAuthLenencData = 0x200000;

constexpr char kComQuery = 0x03;
constexpr char kComBinlogDump = 0x12;
constexpr uint16_t kBinlogDumpNonBlock = 0x01;

std::string xor_bytes(std::string a, std::string_view b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<char>(a[i] ^ b[i % b.size()]);
  return a;
}

// mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).
std::string native_password(const std::string& password, std::string_view scramble) {
  if (password.empty()) return {};
  const std::string once = sha1(password);
  return xor_bytes(once, sha1(std::string(scramble.substr(0, 20)) + sha1(once)));
}

// caching_sha2_password: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + scramble).
std::string sha2_password(const std::string& password, std::string_view scramble) {
  if (password.empty()) return {};
  const std::string once = sha256(password);
  return xor_bytes(once, sha256(sha256(once) + std::string(scramble.substr(0, 20))));
}

// The password (with its terminating zero, XORed with the scramble) encrypted with the server's
// RSA public key, for caching_sha2_password's full authentication without TLS.
std::string rsa_encrypted_password(const std::string& password, std::string_view scramble,
                                   std::string_view pem, const std::string& server) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr, &EVP_PKEY_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      key ? EVP_PKEY_CTX_new(key.get(), nullptr) : nullptr, &EVP_PKEY_CTX_free);
  const std::string plain = xor_bytes(password + '\0', scramble.substr(0, 20));
  size_t length = 0;
  if (!context || EVP_PKEY_encrypt_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_encrypt(context.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(plain.data()), plain.size()) != 1) {
    throw Error(ErrorKind::kStorage,
                "MySQL server " + server + " sent an RSA public key strata cannot use");
  }
  std::string out(length, '\0');
  if (EVP_PKEY_encrypt(context.get(), reinterpret_cast<unsigned char*>(out.data()), &length,
                       reinterpret_cast<const unsigned char*>(plain.data()), plain.size()) != 1) {
    throw Error(ErrorKind::kStorage,
                "encrypting the password for MySQL server " + server + " with its RSA key failed");
  }
  out.resize(length);
  return out;
}

std::string auth_response(const std::string& plugin, const std::string& password,
                          std::string_view scramble, const std::string& server) {
  if (plugin == "mysql_native_password") return native_password(password, scramble);
  if (plugin == "caching_sha2_password") return sha2_password(password, scramble);
  if (plugin == "mysql_clear_password") return password + '\0';
  throw Error(ErrorKind::kConfig, "MySQL server " + server + " asks for authentication plugin '" +
                                      plugin +
                                      "', which strata does not speak yet; give the user "
                                      "mysql_native_password or caching_sha2_password");
}

bool is_ok(std::string_view packet) {
  return !packet.empty() && packet[0] == '\0';
}
bool is_eof(std::string_view packet) {
  return !packet.empty() && static_cast<uint8_t>(packet[0]) == 0xfe && packet.size() < 9;
}

}  // namespace

uint16_t error_code(std::string_view packet) {
  if (packet.size() < 3 || static_cast<uint8_t>(packet[0]) != 0xff) return 0;
  return static_cast<uint16_t>(static_cast<uint8_t>(packet[1]) |
                               (static_cast<uint8_t>(packet[2]) << 8));
}

Client::Client(const ClientOptions& options)
    : socket_(options.host, options.port, options.timeout_seconds) {
  authenticate(options);
}

bool Client::is_mariadb() const {
  return to_lower(server_version_).find("mariadb") != std::string::npos;
}

void Client::fail(std::string_view packet, const std::string& doing) const {
  if (error_code(packet) == 0) {
    throw Error(ErrorKind::kStorage, "MySQL server " + server() + " answered " + doing +
                                         " with an unexpected packet (" +
                                         std::to_string(packet.size()) + " bytes)");
  }
  ByteReader reader(packet, "an error packet");
  reader.skip(3);
  std::string state;
  if (!reader.at_end() && reader.bytes(1) == "#") state = std::string(reader.bytes(5));
  throw Error(ErrorKind::kStorage, "MySQL server " + server() + " refused " + doing + ": error " +
                                       std::to_string(error_code(packet)) +
                                       (state.empty() ? "" : " (" + state + ")") + ": " +
                                       std::string(reader.rest()));
}

void Client::authenticate(const ClientOptions& options) {
  const std::string greeting = socket_.read_packet();
  if (error_code(greeting) != 0) fail(greeting, "the connection");
  ByteReader hello(greeting, "the server's handshake");
  if (hello.u8() != 10) {
    throw Error(ErrorKind::kStorage,
                "MySQL server " + server() + " speaks an unknown protocol version");
  }
  server_version_ = std::string(hello.null_terminated());
  hello.skip(4);  // connection id
  std::string scramble(hello.bytes(8));
  hello.skip(1);
  capabilities_ = static_cast<uint32_t>(hello.uint_le(2));
  std::string plugin = "mysql_native_password";
  if (!hello.at_end()) {
    hello.skip(3);  // character set, status flags
    capabilities_ |= static_cast<uint32_t>(hello.uint_le(2)) << 16;
    const size_t data_length = hello.u8();
    hello.skip(10);
    if (capabilities_ & kSecureConnection) {
      const size_t more = std::max<size_t>(13, data_length > 8 ? data_length - 8 : 0);
      scramble += std::string(hello.bytes(std::min(more, hello.remaining())));
      while (!scramble.empty() && scramble.back() == '\0') scramble.pop_back();
    }
    if (capabilities_ & kPluginAuth) plugin = std::string(hello.null_terminated());
  }
  const uint32_t wanted = kLongPassword | kProtocol41 | kTransactions | kSecureConnection |
                          kPluginAuth | kPluginAuthLenencData |
                          (options.database.empty() ? 0 : kConnectWithDb);
  if ((capabilities_ & (kProtocol41 | kSecureConnection)) != (kProtocol41 | kSecureConnection)) {
    throw Error(ErrorKind::kStorage, "MySQL server " + server() + " is too old (protocol 4.1)");
  }
  const uint32_t used = wanted & capabilities_;
  std::string response;
  put_uint_le(response, used, 4);
  put_uint_le(response, 1 << 24, 4);  // largest packet
  response += static_cast<char>(45);  // utf8mb4_general_ci
  response.append(23, '\0');
  response += options.user + '\0';
  const std::string auth = auth_response(plugin, options.password, scramble, server());
  if (used & kPluginAuthLenencData) {
    put_lenenc(response, auth.size());
  } else {
    response += static_cast<char>(auth.size());
  }
  response += auth;
  if (used & kConnectWithDb) response += options.database + '\0';
  if (used & kPluginAuth) response += plugin + '\0';
  socket_.write_packet(response);

  for (;;) {
    const std::string packet = socket_.read_packet();
    if (is_ok(packet)) return;
    const uint8_t kind = packet.empty() ? 0 : static_cast<uint8_t>(packet[0]);
    if (kind == 0xfe) {  // switch to another plugin, with a new scramble
      ByteReader change(packet, "an authentication switch");
      change.skip(1);
      plugin = std::string(change.null_terminated());
      scramble = std::string(change.rest());
      while (!scramble.empty() && scramble.back() == '\0') scramble.pop_back();
      socket_.write_packet(auth_response(plugin, options.password, scramble, server()));
    } else if (kind == 0x01 && plugin == "caching_sha2_password" && packet.size() >= 2) {
      if (packet[1] == 0x03) continue;  // fast authentication succeeded: an OK follows
      if (packet[1] == 0x04) {          // full authentication: ask for the server's RSA key
        socket_.write_packet(std::string(1, '\x02'));
        const std::string key = socket_.read_packet();
        socket_.write_packet(rsa_encrypted_password(options.password, scramble,
                                                    std::string_view(key).substr(1), server()));
        continue;
      }
      fail(packet, "authentication");
    } else {
      fail(packet, "the login of user '" + options.user + "'");
    }
  }
}

std::string Client::command(char code, std::string_view argument) {
  socket_.reset_sequence();
  std::string payload(1, code);
  payload.append(argument);
  socket_.write_packet(payload);
  return socket_.read_packet();
}

TextResult Client::query(const std::string& sql) {
  const std::string first = command(kComQuery, sql);
  const std::string doing = "the statement `" + sql + "`";
  TextResult result;
  if (is_ok(first)) return result;
  if (error_code(first) != 0 || first.empty()) fail(first, doing);
  ByteReader count(first, "a result header");
  const uint64_t columns = count.lenenc();
  for (uint64_t i = 0; i < columns; ++i) {
    const std::string definition = socket_.read_packet();
    ByteReader column(definition, "a column definition");
    for (int skip = 0; skip < 4; ++skip) column.lenenc_string();  // catalog, schema, tables
    result.columns.emplace_back(column.lenenc_string());
  }
  if (!is_eof(socket_.read_packet())) fail({}, doing);
  for (;;) {
    const std::string packet = socket_.read_packet();
    if (is_eof(packet)) return result;
    if (error_code(packet) != 0) fail(packet, doing);
    ByteReader row(packet, "a result row");
    TextRow values;
    for (uint64_t i = 0; i < columns; ++i) {
      if (static_cast<uint8_t>(packet[row.offset()]) == 0xfb) {
        row.skip(1);
        values.emplace_back();
      } else {
        values.emplace_back(std::string(row.lenenc_string()));
      }
    }
    result.rows.push_back(std::move(values));
  }
}

void Client::start_binlog_dump(const std::string& file, uint64_t position, uint32_t replica_id) {
  std::string argument(1, kComBinlogDump);
  put_uint_le(argument, position, 4);
  put_uint_le(argument, kBinlogDumpNonBlock, 2);
  put_uint_le(argument, replica_id, 4);
  argument += file;
  socket_.reset_sequence();
  socket_.write_packet(argument);
}

std::optional<std::string> Client::next_binlog_event() {
  std::string packet = socket_.read_packet();
  if (is_eof(packet)) return std::nullopt;
  if (!is_ok(packet)) fail(packet, "reading the binary log");
  packet.erase(0, 1);
  return packet;
}

}  // namespace strata::ingest::mysql
