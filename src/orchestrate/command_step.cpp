#include "orchestrate/command_step.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <optional>

extern char** environ;

namespace strata::orchestrate {

namespace {

constexpr auto kKillGrace = std::chrono::seconds(3);
constexpr int kPollMs = 50;

std::string system_error(int code) {
  return std::strerror(code);
}

// A pipe whose ends close themselves; both ends are close-on-exec, so no other child started at
// the same time inherits them (which would keep the pipe open after our child exits).
class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) {
      throw Error(ErrorKind::kInternal, "cannot create a pipe: " + system_error(errno));
    }
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }

 private:
  int fds_[2] = {-1, -1};
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// The child's process group, killed and reaped if the step ends before the child does.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (!reaped_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Whether the child has exited (its status is then kept).
  bool poll_exit() {
    if (reaped_) return true;
    const pid_t done = ::waitpid(pid_, &status_, WNOHANG);
    if (done == pid_ || (done < 0 && errno == ECHILD)) reaped_ = true;
    return reaped_;
  }
  void signal_group(int signal) { ::kill(-pid_, signal); }
  int status() const { return status_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
  int status_ = 0;
  bool reaped_ = false;
};

// Splits a stream into lines for the log.
class LineReader {
 public:
  LineReader(StepLog& log, std::string stream) : log_(log), stream_(std::move(stream)) {}
  // Reads what is available; false at end of file.
  bool read_from(int fd) {
    char buffer[8192];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) {
      finish();
      return false;
    }
    partial_.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
      emit(partial_.substr(start, nl - start));
    }
    partial_.erase(0, start);
    return true;
  }
  void finish() {
    if (!partial_.empty()) emit(std::move(partial_));
    partial_.clear();
  }
  const std::string& last_line() const { return last_; }

 private:
  StepLog& log_;
  std::string stream_;
  std::string partial_;
  std::string last_;
  void emit(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) last_ = line;
    log_.write(stream_, std::move(line));
  }
};

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> child_environment(const StepContext& context) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string text = *entry;
    const size_t eq = text.find('=');
    if (eq != std::string::npos) variables[text.substr(0, eq)] = text.substr(eq + 1);
  }
  for (const auto& [name, value] : context.step.env) variables[name] = value;
  for (const auto& [name, value] : context.params) variables["STRATA_PARAM_" + upper(name)] = value;
  variables["STRATA_DATA_INTERVAL_START"] = context.interval.start_iso();
  variables["STRATA_DATA_INTERVAL_END"] = context.interval.end_iso();
  variables["STRATA_RUN_ID"] = std::to_string(context.run_id);
  variables["STRATA_PIPELINE"] = context.pipeline.name();
  variables["STRATA_STEP"] = context.step.name;
  variables["STRATA_PROJECT_DIR"] = context.project.root.string();
  std::vector<std::string> out;
  for (const auto& [name, value] : variables) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn(const StepContext& context, Pipe& out, Pipe& err) {
  SpawnSetup setup;
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) sigaddset(&defaults, signal);
  sigset_t no_mask;
  sigemptyset(&no_mask);
  posix_spawnattr_setflags(&setup.attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
  posix_spawnattr_setsigmask(&setup.attributes, &no_mask);
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write_end(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write_end(), STDERR_FILENO);
  const std::string directory = context.project.root.string();
  if (!directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, directory.c_str());
  }
  std::vector<std::string> arguments = context.step.command;
  std::vector<std::string> environment = child_environment(context);
  std::vector<char*> argv = pointers(arguments);
  std::vector<char*> envp = pointers(environment);
  pid_t pid = 0;
  const int rc =
      posix_spawnp(&pid, argv[0], &setup.actions, &setup.attributes, argv.data(), envp.data());
  if (rc != 0) {
    throw Error(ErrorKind::kInput, "cannot start '" + arguments.front() + "': " + system_error(rc),
                context.step.where);
  }
  return pid;
}

}  // namespace

StepResult run_command_step(const StepContext& context) {
  context.control.throw_if_stopped();
  Pipe out, err;
  Child child(spawn(context, out, err));
  // Recorded at once: after a crash, recovery stops this group before the step runs again.
  context.log.write("info", std::string(kProcessGroupLine) + std::to_string(child.pid()));
  context.log.flush();
  out.close_write();
  err.close_write();
  LineReader out_lines(context.log, "stdout");
  LineReader err_lines(context.log, "stderr");
  bool out_open = true, err_open = true, exited = false;
  std::optional<std::chrono::steady_clock::time_point> terminated_at;
  std::optional<std::chrono::steady_clock::time_point> exited_at;
  while (true) {
    pollfd fds[2] = {{out_open ? out.read_end() : -1, POLLIN, 0},
                     {err_open ? err.read_end() : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, kPollMs);
    if (ready < 0 && errno != EINTR) {
      throw Error(ErrorKind::kInternal, "waiting for the command failed: " + system_error(errno));
    }
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      out_open = out_lines.read_from(out.read_end());
    }
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      err_open = err_lines.read_from(err.read_end());
    }
    const auto now = std::chrono::steady_clock::now();
    if (!exited && child.poll_exit()) {
      exited = true;
      exited_at = now;
    }
    // Done when the child is gone and its output drained; a grandchild that keeps the pipes
    // open is not waited for beyond a second.
    if (exited && ((!out_open && !err_open) || now - *exited_at > std::chrono::seconds(1))) break;
    if (!exited && context.control.stop_requested()) {
      if (!terminated_at) {
        child.signal_group(SIGTERM);
        terminated_at = now;
      } else if (now - *terminated_at > kKillGrace) {
        child.signal_group(SIGKILL);
      }
    }
  }
  out_lines.finish();
  err_lines.finish();
  context.control.throw_if_stopped();
  const int status = child.status();
  const std::string program = context.step.command.front();
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));  // thread-safe, unlike strsignal
    throw Error(ErrorKind::kInput, "'" + program + "' was killed by signal " +
                                       std::to_string(WTERMSIG(status)) +
                                       (name ? std::string(" (SIG") + name + ")" : ""));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    std::string message =
        "'" + program + "' exited with code " + std::to_string(WEXITSTATUS(status));
    if (!err_lines.last_line().empty()) message += ": " + err_lines.last_line();
    throw Error(ErrorKind::kInput, message);
  }
  return {};
}

}  // namespace strata::orchestrate
