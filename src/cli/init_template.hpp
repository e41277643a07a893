// The files `strata init` writes: a strata.yml with one files source, a small CSV of sample
// customers, a staging model and a mart, so that a new project ingests and runs as it is.
#pragma once

#include <string>
#include <vector>

namespace strata::cli {

struct TemplateFile {
  std::string path;
  std::string content;
};

// A valid project name made from a directory name ("my-shop" -> "my_shop").
std::string init_project_name(const std::string& directory_name);
std::vector<TemplateFile> init_template_files(const std::string& directory_name);

}  // namespace strata::cli
