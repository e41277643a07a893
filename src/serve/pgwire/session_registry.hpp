// The sessions a server has open, for what must reach them from outside their own thread: a
// CancelRequest (on another connection) interrupts the DuckDB query of the session whose process
// id and secret key it names, and a shutdown interrupts every query and closes every socket so
// that each session thread ends. A session publishes its connection and socket in its slot and
// withdraws them, under the slot's lock, before they are destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>

#include "engine/database.hpp"

namespace strata::serve::pgwire {

struct SessionSlot {
  int32_t process_id = 0;
  int32_t secret_key = 0;
  std::mutex mutex;
  engine::Connection* connection = nullptr;  // set while the session has one
  int socket_fd = -1;                        // set while the socket is open
  bool stopping = false;                     // the server is shutting down

  // Publishes the session's socket; shuts its input down at once if the server is stopping.
  void publish_socket(int fd);
  bool is_stopping();
};

class SessionRegistry {
 public:
  SessionRegistry();

  std::shared_ptr<SessionSlot> add();
  void remove(const SessionSlot& slot);
  // Interrupts the running query of the session with this key; false if none matches.
  bool cancel(int32_t process_id, int32_t secret_key);
  // Interrupts every running query and ends every session's input, so that each can still tell
  // its client why it ends; `hard` also closes their output (for clients that stopped reading).
  void shutdown_all(bool hard);
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<int32_t, std::shared_ptr<SessionSlot>> slots_;
  bool stopping_ = false;
  int32_t next_process_id_;
  std::mt19937 random_;
};

}  // namespace strata::serve::pgwire
