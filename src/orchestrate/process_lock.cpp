#include "orchestrate/process_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "core/error.hpp"
#include "core/paths.hpp"

namespace strata::orchestrate {

namespace {

fs::path owners_dir(const fs::path& project_root) {
  return paths::state_dir(project_root) / "owners";
}

}  // namespace

std::optional<FileLock> FileLock::try_acquire(const fs::path& file) {
  paths::ensure_directory(file.parent_path());
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(ErrorKind::kStorage,
                "cannot open the lock file " + file.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) return std::nullopt;
    throw Error(ErrorKind::kStorage, "cannot lock " + file.string() + ": " + std::strerror(error));
  }
  return FileLock(file, fd);
}

FileLock::FileLock(FileLock&& other) noexcept
    : file_(std::move(other.file_)), fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    file_ = std::move(other.file_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

void FileLock::write_note(const std::string& note) {
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, note.data(), note.size(), 0) < 0) {
    throw Error(ErrorKind::kStorage,
                "cannot write the lock file " + file_.string() + ": " + std::strerror(errno));
  }
}

namespace {

fs::path server_lock_file(const fs::path& project_root) {
  return paths::state_dir(project_root) / "serve.lock";
}

std::string holder_note(const fs::path& file) {
  std::string holder;
  try {
    holder = paths::read_file(file);
  } catch (const Error&) {
    // The holder is still writing it: no pid to tell.
  }
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
  return holder;
}

}  // namespace

std::optional<std::string> running_server(const fs::path& project_root) {
  const fs::path file = server_lock_file(project_root);
  std::error_code error;
  if (!fs::exists(file, error)) return std::nullopt;
  if (FileLock::try_acquire(file)) return std::nullopt;
  return holder_note(file);
}

FileLock lock_server(const fs::path& project_root) {
  const fs::path file = server_lock_file(project_root);
  std::optional<FileLock> lock = FileLock::try_acquire(file);
  if (!lock) {
    const std::string holder = holder_note(file);
    throw Error(ErrorKind::kConflict, "another strata serve is already running for this project" +
                                          (holder.empty() ? std::string() : " (" + holder + ")") +
                                          "; it holds the lock " + file.string() +
                                          ". Stop it first: one server per project");
  }
  lock->write_note("pid " + std::to_string(::getpid()) + "\n");
  return std::move(*lock);
}

OwnerLease::OwnerLease(const fs::path& project_root) {
  const auto started = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  static std::atomic<int> serial{0};  // two leases of one process (tests) differ
  id_ = std::to_string(::getpid()) + "-" + std::to_string(started) + "-" + std::to_string(++serial);
  lock_ = FileLock::try_acquire(owners_dir(project_root) / (id_ + ".lock"));
  if (!lock_) {
    throw Error(ErrorKind::kInternal, "the owner lease " + id_ + " is held by another process");
  }
}

OwnerLease::~OwnerLease() {
  if (!lock_) return;
  std::error_code error;
  fs::remove(lock_->file(), error);  // before the lock goes: nobody takes a removed file's lock
}

void OwnerLease::remove_dead(const fs::path& project_root) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(owners_dir(project_root), error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 5 && name.ends_with(".lock"))
      alive(project_root, name.substr(0, name.size() - 5));
  }
}

bool OwnerLease::alive(const fs::path& project_root, const std::string& id) {
  if (id.empty() || id.find('/') != std::string::npos) return false;
  const fs::path file = owners_dir(project_root) / (id + ".lock");
  std::error_code error;
  if (!fs::exists(file, error)) return false;
  std::optional<FileLock> lock = FileLock::try_acquire(file);
  if (!lock) return true;
  fs::remove(file, error);
  return false;
}

}  // namespace strata::orchestrate
