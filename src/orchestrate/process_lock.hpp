// Locks that say "a process is alive and doing this": an exclusive flock on a file under the
// project's .strata/ folder, which the kernel releases when the process dies, however it dies. The
// server lock makes a second `strata serve` of a project refuse to start; an owner lease marks the
// process that runs pipeline runs, so that a later server can tell the runs of a killed process
// (whose lease anyone can take) from runs another live process is still running.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace strata::orchestrate {

namespace fs = std::filesystem;

class FileLock {
 public:
  // Takes the lock without waiting (creating the file); nothing when another holder has it.
  static std::optional<FileLock> try_acquire(const fs::path& file);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  // Replaces the file's content (who holds it, for the message of the next one who tries).
  void write_note(const std::string& note);
  const fs::path& file() const { return file_; }

 private:
  FileLock(fs::path file, int fd) : file_(std::move(file)), fd_(fd) {}
  fs::path file_;
  int fd_ = -1;
};

// The lock of `strata serve` on a project (.strata/serve.lock, holding the server's pid). Throws
// kConflict naming the pid of the server that holds it and the lock file.
FileLock lock_server(const fs::path& project_root);

// Who holds the server lock of a project ("pid 1234"); nothing when no server runs.
std::optional<std::string> running_server(const fs::path& project_root);

// This process's lease: .strata/owners/<pid>-<start ms>-<serial>.lock, held until the process ends.
class OwnerLease {
 public:
  explicit OwnerLease(const fs::path& project_root);
  ~OwnerLease();  // removes the file
  OwnerLease(const OwnerLease&) = delete;
  OwnerLease& operator=(const OwnerLease&) = delete;
  const std::string& id() const { return id_; }
  // Whether the process holding lease `id` is alive: its file exists and is locked. A dead
  // owner's file is removed.
  static bool alive(const fs::path& project_root, const std::string& id);
  // Removes the files of dead owners (left by killed processes).
  static void remove_dead(const fs::path& project_root);

 private:
  std::string id_;
  std::optional<FileLock> lock_;
};

}  // namespace strata::orchestrate
