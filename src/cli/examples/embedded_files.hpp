// The files of the example projects, compiled into the binary (see cmake/EmbedFiles.cmake).
#pragma once

#include <string_view>
#include <vector>

namespace strata::cli::examples {

struct EmbeddedFile {
  std::string_view path;  // relative to the project root
  std::string_view content;
};

const std::vector<EmbeddedFile>& streaming_project_files();

}  // namespace strata::cli::examples
