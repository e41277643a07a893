#include "lake/file_io.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "lake/s3_client.hpp"
#include "lake/s3_settings.hpp"

namespace strata::lake {

namespace fs = std::filesystem;

bool is_object_store(std::string_view location) {
  return s3::is_s3_location(location);
}

void write_file(const std::string& location, std::string_view bytes) {
  if (is_object_store(location)) return s3::put_object(location, bytes);
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
  if (is_object_store(location)) return s3::get_object(location);
  std::ifstream in(location, std::ios::binary);
  if (!in) throw Error(ErrorKind::kStorage, "cannot read file", Location(location));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::kStorage, "cannot read file", Location(location));
  return buffer.str();
}

bool remove_file(const std::string& location) noexcept {
  if (!is_object_store(location)) {
    std::error_code ec;
    return fs::remove(location, ec);
  }
  try {
    return s3::delete_object(location);
  } catch (const std::exception& e) {
    log::warn("cannot delete an object", {{"file", location}, {"error", e.what()}});
    return false;
  }
}

std::vector<StoredFile> list_files(const std::string& location) {
  if (is_object_store(location)) {
    std::string prefix = location;
    if (!prefix.ends_with('/')) prefix += '/';
    std::vector<StoredFile> files;
    for (s3::ObjectInfo& object : s3::list_objects(prefix)) {
      files.push_back({std::move(object.location), object.size, object.modified_ms});
    }
    return files;
  }
  std::vector<StoredFile> files;
  std::error_code ec;
  if (!fs::exists(location, ec)) return files;
  for (auto it = fs::recursive_directory_iterator(location, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file(ec)) continue;
    const auto modified = std::chrono::file_clock::to_sys(it->last_write_time(ec));
    files.push_back(
        {it->path().string(), static_cast<uint64_t>(it->file_size(ec)),
         std::chrono::duration_cast<std::chrono::milliseconds>(modified.time_since_epoch())
             .count()});
  }
  return files;
}

void ensure_directory(const std::string& location) {
  if (!is_object_store(location)) paths::ensure_directory(location);
}

}  // namespace strata::lake
