#include "cli/examples/streaming_project.hpp"

#include "cli/examples/embedded_files.hpp"
#include "core/paths.hpp"
#include "core/progress.hpp"
#include "core/text.hpp"

namespace strata::cli::examples {

ExampleResult create_streaming_example(const std::filesystem::path& dir, double scale,
                                       uint64_t seed, bool quiet) {
  ExampleResult result;
  for (const EmbeddedFile& file : streaming_project_files()) {
    paths::write_file_atomically(dir / file.path, std::string(file.content));
    ++result.project_files;
  }
  ProgressLine progress("generating example data");
  (void)quiet;
  example::StreamingDataOptions options;
  options.out_dir = dir / "data";
  options.scale = scale;
  options.seed = seed;
  result.data_files = example::generate_streaming_data(options, [&](uint64_t done, uint64_t total) {
    progress.update(format_bytes(done) + " of ~" + format_bytes(total));
  });
  progress.finish();
  return result;
}

}  // namespace strata::cli::examples
