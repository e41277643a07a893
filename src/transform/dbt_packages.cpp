#include "transform/dbt_packages.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/yaml_util.hpp"
#include "transform/macro_registry.hpp"

namespace strata::transform {
namespace {

namespace fs = std::filesystem;

// "dbt-labs/dbt_utils" -> "dbt_utils".
std::string hub_package_name(const std::string& package) {
  const size_t slash = package.rfind('/');
  return slash == std::string::npos ? package : package.substr(slash + 1);
}

LocalPackage load_local(const fs::path& root, const yaml::Reader& entry) {
  const std::string path = entry.required_string("local");
  LocalPackage package;
  package.root = fs::weakly_canonical(root / path);
  const fs::path project_file = package.root / "dbt_project.yml";
  if (!fs::is_regular_file(project_file)) {
    entry.fail("local package '" + path + "' has no dbt_project.yml (looked for " +
               project_file.string() + ")");
  }
  const yaml::Reader project(yaml::load_file(project_file.string()), project_file.string());
  package.name = project.required_string("name");
  package.macro_paths = {"macros"};
  if (project.has("macro-paths")) {
    package.macro_paths.clear();
    for (const YAML::Node& item : project.node()["macro-paths"]) {
      package.macro_paths.push_back(item.as<std::string>());
    }
  }
  return package;
}

void read_file(const fs::path& root, const std::string& name, std::vector<LocalPackage>& out) {
  const fs::path file = root / name;
  if (!fs::is_regular_file(file)) return;
  const yaml::Reader document(yaml::load_file(file.string()), name);
  if (document.node().IsNull()) return;
  document.expect_map(name);
  if (!document.has("packages")) return;
  const YAML::Node list = document.node()["packages"];
  if (list.IsNull()) return;
  if (!list.IsSequence()) document.fail_at(list, "`packages:` must be a list");
  const std::vector<std::string>& builtin = builtin_package_names();
  for (const YAML::Node& node : list) {
    const yaml::Reader entry(node, name);
    entry.expect_map("a package");
    if (entry.has("local")) {
      out.push_back(load_local(root, entry));
    } else if (entry.has("package")) {
      const std::string package = entry.required_string("package");
      const std::string short_name = hub_package_name(package);
      if (std::find(builtin.begin(), builtin.end(), short_name) == builtin.end()) {
        entry.fail("package '" + package +
                   "' cannot be installed: strata does not download packages; it has "
                   "dbt_utils and dbt_expectations built in and loads `local:` packages");
      }
    } else {
      std::string kind = "git";
      for (const std::string key : {"git", "tarball", "private"}) {
        if (entry.has(key)) kind = key + " '" + entry.required_string(key) + "'";
      }
      entry.fail("package " + kind +
                 " cannot be installed: strata does not download packages; it has dbt_utils "
                 "and dbt_expectations built in and loads `local:` packages");
    }
  }
}

}  // namespace

std::vector<LocalPackage> read_packages(const fs::path& root) {
  std::vector<LocalPackage> packages;
  read_file(root, "packages.yml", packages);
  read_file(root, "dependencies.yml", packages);
  return packages;
}

}  // namespace strata::transform
