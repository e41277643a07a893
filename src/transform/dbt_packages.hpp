// A dbt project's packages.yml (or dependencies.yml): packages cannot be downloaded, so each entry
// is checked against what strata has. Hub packages strata has built in (dbt_utils,
// dbt_expectations, under any hub owner) are satisfied; a `local:` package (a directory with its
// own dbt_project.yml) is loaded, its macros becoming a namespace of its project name; anything
// else (git, tarballs, other hub packages) is an error naming the file, the line and the package.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace strata::transform {

struct LocalPackage {
  std::string name;                      // its dbt_project.yml `name:`
  std::filesystem::path root;            // absolute
  std::vector<std::string> macro_paths;  // relative to root
};

// Reads `root`/packages.yml and `root`/dependencies.yml (when present) and returns the local
// packages to load. Throws Error(kConfig) at file:line:col for entries strata cannot provide.
std::vector<LocalPackage> read_packages(const std::filesystem::path& root);

}  // namespace strata::transform
