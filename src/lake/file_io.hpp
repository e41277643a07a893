// How the lake reaches its files (Iceberg table metadata, manifest lists, manifests; data files
// for removal and listing): on the local file system, or on S3-compatible storage for
// `s3://bucket/key` locations (lake/s3_client.hpp, with the bucket's settings from
// lake/s3_settings.hpp). A write appears whole or not at all (locally: temporary file, then
// rename; on S3: one PUT), so a reader never sees half a file, even when several processes write
// the same path. Failures are kStorage errors naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::lake {

bool is_object_store(std::string_view location);  // s3://...

void write_file(const std::string& location, std::string_view bytes);
std::string read_file(const std::string& location);
// True when the file existed and was removed; never throws (cleanup is best effort).
bool remove_file(const std::string& location) noexcept;

struct StoredFile {
  std::string location;
  uint64_t size = 0;
  int64_t modified_ms = 0;  // milliseconds since the epoch
};
// Every file below the directory (or S3 prefix) `location`, recursively; none when it is absent.
std::vector<StoredFile> list_files(const std::string& location);

// Creates the local directory `location` (S3 needs none).
void ensure_directory(const std::string& location);

}  // namespace strata::lake
