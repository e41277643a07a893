// A MySQL/MariaDB client that speaks the client/server protocol itself, for what DuckDB's mysql
// extension cannot do: reading the binary log as a replica does. It connects over TCP, answers
// the v10 handshake (mysql_native_password; caching_sha2_password when its fast path or an RSA
// exchange serves), runs text-protocol statements (SET, SHOW, SELECT of small results) and asks
// for the binary log from a file and position (COM_BINLOG_DUMP, non-blocking: the server says
// when it reached the end), optionally from a MariaDB GTID state. Errors name the server and carry
// the server's error code and message; the password never appears in them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ingest/mysql_wire.hpp"

namespace strata::ingest::mysql {

struct ClientOptions {
  std::string host;
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;  // empty: none
  int timeout_seconds = 30;
};

using TextRow = std::vector<std::optional<std::string>>;

struct TextResult {
  std::vector<std::string> columns;
  std::vector<TextRow> rows;
};

class Client {
 public:
  explicit Client(const ClientOptions& options);

  const std::string& server_version() const { return server_version_; }
  bool is_mariadb() const;
  const std::string& server() const { return socket_.server(); }

  // Runs one statement; the rows of its result (small results only: they are held).
  TextResult query(const std::string& sql);
  void execute(const std::string& sql) { query(sql); }

  // Starts the binary log stream at `file`:`position` (MariaDB: an empty file and position 4 with
  // @slave_connect_state set read from a GTID state). `replica_id` must differ from every server's.
  void start_binlog_dump(const std::string& file, uint64_t position, uint32_t replica_id);
  // The next event (header, body, checksum), or nullopt when the server reached the end of its log.
  std::optional<std::string> next_binlog_event();

 private:
  Socket socket_;
  std::string server_version_;
  uint32_t capabilities_ = 0;

  void authenticate(const ClientOptions& options);
  std::string command(char code, std::string_view argument);
  [[noreturn]] void fail(std::string_view packet, const std::string& doing) const;
};

// The error packet's code (0 when `packet` is no error packet), for callers that react to one.
uint16_t error_code(std::string_view packet);

}  // namespace strata::ingest::mysql
