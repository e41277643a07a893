#include "lake/file_io.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/paths.hpp"

namespace strata::lake {

namespace fs = std::filesystem;

void write_file(const std::string& location, std::string_view bytes) {
  const fs::path path(location);
  paths::ensure_directory(path.parent_path());
  // A name of its own, so that concurrent writers of one path never share a temporary file.
  std::string suffix = ".";
  suffix.append(ids::uuid4()).append(".tmp");
  fs::path temporary = path;
  temporary += suffix;
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(temporary, ec);
      throw Error(ErrorKind::kStorage, "cannot write file", Location(location));
    }
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    const std::string reason = ec.message();
    fs::remove(temporary, ec);
    throw Error(ErrorKind::kStorage, "cannot write file: " + reason, Location(location));
  }
}

std::string read_file(const std::string& location) {
  std::ifstream in(location, std::ios::binary);
  if (!in) throw Error(ErrorKind::kStorage, "cannot read file", Location(location));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::kStorage, "cannot read file", Location(location));
  return buffer.str();
}

}  // namespace strata::lake
