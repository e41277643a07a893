// `strata user add NAME --role ROLE`: declares a user of `strata serve` in strata.yml (under
// serve.users) with a SCRAM-SHA-256 verifier of the password it reads (prompted without echo on a
// terminal, else one line of stdin), so the plain password is never stored. Adding a user that
// exists replaces its password and role. The file is edited as text (comments and layout kept)
// and loaded again before it is replaced; an edit that does not load is not written.
#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "cli/commands.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "serve/auth/scram.hpp"

namespace strata::cli {

namespace {

struct UserOptions {
  std::string name;
  std::string role = kDefaultRole;
};

std::string read_password() {
  std::string password;
  if (!::isatty(STDIN_FILENO)) {
    std::getline(std::cin, password);
    return password;
  }
  termios saved{};
  tcgetattr(STDIN_FILENO, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  auto prompt = [&](const char* text) {
    std::cerr << text << std::flush;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string line;
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
    return line;
  };
  password = prompt("Password: ");
  if (prompt("Again: ") != password) throw Error(ErrorKind::kUsage, "the passwords differ");
  return password;
}

size_t indentation(const std::string& line) {
  return line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' ');
}

bool blank_or_comment(const std::string& line) {
  const size_t first = line.find_first_not_of(" \t");
  return first == std::string::npos || line[first] == '#';
}

// Inserts or replaces `name`'s entry under serve.users in the lines of strata.yml.
void set_user_line(std::vector<std::string>& lines, const std::string& name,
                   const std::string& entry) {
  static const std::regex kServe("^serve:\\s*(#.*)?$");
  size_t serve = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (std::regex_match(lines[i], kServe)) serve = i;
  }
  if (serve == lines.size()) {
    if (std::find_if(lines.begin(), lines.end(),
                     [](const std::string& l) { return l.starts_with("serve:"); }) != lines.end()) {
      throw Error(ErrorKind::kUsage,
                  "serve: in strata.yml is written inline; write it as a block to add users");
    }
    lines.insert(lines.end(), {"serve:", "  users:", "    " + entry});
    return;
  }
  size_t end = serve + 1;
  size_t child_indent = 0;
  while (end < lines.size() && (blank_or_comment(lines[end]) || indentation(lines[end]) > 0)) {
    if (!blank_or_comment(lines[end]) && child_indent == 0) child_indent = indentation(lines[end]);
    ++end;
  }
  if (child_indent == 0) child_indent = 2;
  const std::regex users_line("^" + std::string(child_indent, ' ') + "users:\\s*(#.*)?$");
  for (size_t i = serve + 1; i < end; ++i) {
    if (!std::regex_match(lines[i], users_line)) continue;
    size_t user_indent = 0;
    size_t last = i + 1;
    for (; last < end && (blank_or_comment(lines[last]) || indentation(lines[last]) > child_indent);
         ++last) {
      if (blank_or_comment(lines[last])) continue;
      if (user_indent == 0) user_indent = indentation(lines[last]);
      if (indentation(lines[last]) == user_indent &&
          lines[last].substr(user_indent).starts_with(name + ":")) {
        if (last + 1 < end && !blank_or_comment(lines[last + 1]) &&
            indentation(lines[last + 1]) > user_indent) {
          throw Error(ErrorKind::kUsage, "user " + name +
                                             " is written over several lines in strata.yml; "
                                             "remove it there first");
        }
        lines[last] = std::string(user_indent, ' ') + entry;
        return;
      }
    }
    if (user_indent == 0) user_indent = child_indent + 2;
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                 std::string(user_indent, ' ') + entry);
    return;
  }
  lines.insert(
      lines.begin() + static_cast<std::ptrdiff_t>(serve) + 1,
      {std::string(child_indent, ' ') + "users:", std::string(child_indent + 2, ' ') + entry});
}

int add_user(const GlobalOptions& globals, const UserOptions& options) {
  static const std::regex kName("^[A-Za-z_][A-Za-z0-9_.@-]*$");
  if (!std::regex_match(options.name, kName)) {
    throw Error(ErrorKind::kUsage, "user name '" + options.name +
                                       "' must start with a letter or underscore and contain only "
                                       "letters, digits and _ . @ -");
  }
  const fs::path root = paths::project_root(globals.project_dir);
  const fs::path file = root / "strata.yml";
  const ProjectConfig before = load_project(root);
  if (!before.serve.role(options.role)) {
    throw Error(ErrorKind::kUsage, "unknown role '" + options.role +
                                       "'; declare it under serve.roles in strata.yml first");
  }
  const std::string password = read_password();
  if (password.empty()) throw Error(ErrorKind::kUsage, "the password is empty");
  const std::string verifier =
      serve::auth::format_scram_verifier(serve::auth::make_scram_verifier(password));

  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::ostringstream original;
  for (const std::string& line : lines) original << line << "\n";
  set_user_line(lines, options.name,
                options.name + ": {role: " + options.role + ", password: \"" + verifier + "\"}");
  const fs::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp);
    for (const std::string& line : lines) out << line << "\n";
    if (!out) throw Error(ErrorKind::kStorage, "cannot write " + temp.string());
  }
  fs::rename(temp, file);
  try {
    const ProjectConfig after = load_project(root);
    if (!after.serve.user(options.name)) {
      throw Error(ErrorKind::kInternal, "the edited strata.yml does not declare the user");
    }
  } catch (const Error&) {
    std::ofstream restore(file);
    restore << original.str();
    throw;
  }
  std::cout << "user " << options.name << " (role " << options.role
            << ") written to strata.yml with a SCRAM-SHA-256 verifier\n";
  return 0;
}

}  // namespace

void add_user_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand("user", "Users of `strata serve` (PostgreSQL and HTTP)");
  command->require_subcommand(1);
  auto* add = command->add_subcommand(
      "add",
      "Declare a user (or set its password and role); the password is read from the "
      "terminal or stdin and stored only as a SCRAM-SHA-256 verifier");
  auto options = std::make_shared<UserOptions>();
  add->add_option("name", options->name, "User name")->required();
  add->add_option("--role", options->role, "Role of serve.roles")->capture_default_str();
  add->callback([&action, &globals, options] {
    action = [&globals, options] { return add_user(globals, *options); };
  });
}

}  // namespace strata::cli
