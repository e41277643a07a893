// `strata example streaming DIR`: writes the example project (strata.yml, models, README) and
// generates its raw data under DIR/data at the requested scale.
#pragma once

#include <filesystem>
#include <vector>

#include "cli/examples/streaming_data.hpp"

namespace strata::cli::examples {

struct ExampleResult {
  size_t project_files = 0;
  std::vector<example::GeneratedFile> data_files;
};

ExampleResult create_streaming_example(const std::filesystem::path& dir, double scale,
                                       uint64_t seed, bool quiet);

}  // namespace strata::cli::examples
