// How the lake reads and writes its metadata files (Iceberg table metadata, manifest lists,
// manifests). Today on the local file system; S3-compatible storage plugs in behind the same two
// functions. A write appears whole or not at all (temporary file, then rename), so a reader never
// sees half a file, even when several processes write the same path. Failures are kStorage errors
// naming the file.
#pragma once

#include <string>
#include <string_view>

namespace strata::lake {

void write_file(const std::string& location, std::string_view bytes);
std::string read_file(const std::string& location);

}  // namespace strata::lake
