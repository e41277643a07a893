#include "core/paths.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.hpp"

namespace strata::paths {

fs::path project_root(const std::string& option) {
  fs::path root = option.empty() ? fs::current_path() : fs::path(option);
  std::error_code ec;
  fs::path absolute = fs::weakly_canonical(fs::absolute(root), ec);
  return ec ? fs::absolute(root) : absolute;
}

fs::path resolve(const fs::path& base, const std::string& path) {
  fs::path p(path);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

void ensure_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error(ErrorKind::kStorage, "cannot create directory: " + ec.message(),
                Location{dir.string()});
  }
}

void write_file_atomically(const fs::path& path, const std::string& content) {
  ensure_directory(path.parent_path());
  fs::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw Error(ErrorKind::kStorage, "cannot write file", Location{temporary.string()});
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec)
    throw Error(ErrorKind::kStorage, "cannot rename into place: " + ec.message(),
                Location{path.string()});
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kInput, "cannot read file", Location{path.string()});
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace strata::paths
