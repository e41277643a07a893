#include "serve/pgwire/session_registry.hpp"

#include <sys/socket.h>
#include <unistd.h>

namespace strata::serve::pgwire {

void SessionSlot::publish_socket(int fd) {
  std::lock_guard lock(mutex);
  socket_fd = fd;
  if (stopping && fd >= 0) ::shutdown(fd, SHUT_RD);
}

bool SessionSlot::is_stopping() {
  std::lock_guard lock(mutex);
  return stopping;
}

SessionRegistry::SessionRegistry() : random_(std::random_device{}()) {
  // Process ids look like a real server's and differ between runs.
  next_process_id_ = static_cast<int32_t>(10000 + random_() % 50000);
}

std::shared_ptr<SessionSlot> SessionRegistry::add() {
  auto slot = std::make_shared<SessionSlot>();
  std::lock_guard lock(mutex_);
  slot->process_id = next_process_id_++;
  slot->secret_key = static_cast<int32_t>(random_());
  slot->stopping = stopping_;
  slots_[slot->process_id] = slot;
  return slot;
}

void SessionRegistry::remove(const SessionSlot& slot) {
  std::lock_guard lock(mutex_);
  slots_.erase(slot.process_id);
}

bool SessionRegistry::cancel(int32_t process_id, int32_t secret_key) {
  std::shared_ptr<SessionSlot> slot;
  {
    std::lock_guard lock(mutex_);
    auto found = slots_.find(process_id);
    if (found == slots_.end() || found->second->secret_key != secret_key) return false;
    slot = found->second;
  }
  std::lock_guard lock(slot->mutex);
  if (slot->connection) slot->connection->interrupt();
  return true;
}

void SessionRegistry::shutdown_all(bool hard) {
  std::map<int32_t, std::shared_ptr<SessionSlot>> slots;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    slots = slots_;
  }
  for (auto& [id, slot] : slots) {
    std::lock_guard lock(slot->mutex);
    slot->stopping = true;
    if (slot->connection) slot->connection->interrupt();
    if (slot->socket_fd >= 0) ::shutdown(slot->socket_fd, hard ? SHUT_RDWR : SHUT_RD);
  }
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return slots_.size();
}

}  // namespace strata::serve::pgwire
