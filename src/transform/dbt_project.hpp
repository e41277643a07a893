// A dbt project's own files: dbt_project.yml (name, the paths of models, seeds, tests, macros and
// snapshots, vars, folder-level configs, hooks, require-dbt-version) and profiles.yml (the target:
// a DuckDB target maps onto strata's lake, whose schemas it names; other adapters are reported as
// not supported). Folder-level configs are checked once against the folders that exist, so a
// misspelt folder or config key is a warning naming the closest valid name.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "transform/node_config.hpp"
#include "transform/template_value.hpp"

namespace strata::transform {

struct DbtProject {
  std::filesystem::path root;
  std::string file;  // "dbt_project.yml", for messages
  std::string name;
  std::string profile;
  std::vector<std::string> model_paths{"models"}, seed_paths{"seeds"}, test_paths{"tests"},
      macro_paths{"macros"}, snapshot_paths{"snapshots"};
  std::string target_path = "target";
  jinja::Dict vars;  // global vars and this project's scoped vars, merged
  // Folder-level config trees, e.g. `models: {shop: {staging: {+materialized: view}}}`.
  YAML::Node models, seeds, tests, snapshots;
  std::vector<std::string> on_run_start, on_run_end;
  // The target (profiles.yml, or DuckDB defaults when there is none).
  std::string target_name = "dev";
  std::string target_schema = "main";
  std::string target_type = "duckdb";
  int64_t threads = 0;  // 0: not set
};

// Loads `root/dbt_project.yml`, or nullopt when there is none. `target` picks a profile target
// (empty: the profile's default). Invalid YAML and values of the wrong kind are Error(kConfig)
// naming file:line:col; questionable settings are added to `warnings`.
std::optional<DbtProject> load_dbt_project(const std::filesystem::path& root,
                                           const std::string& target,
                                           std::vector<std::string>& warnings);

// A YAML node as a template value: scalars typed as YAML 1.1 reads them (unless quoted).
jinja::Value yaml_value(const YAML::Node& node);

// Applies the configs of `tree` that concern a node in `folders` (its folders under the resource
// path, e.g. {"staging"} for models/staging/x.sql): the tree's top-level configs, then those under
// the project's name, then those of each folder on the way down.
void apply_folder_configs(const DbtProject& project, const YAML::Node& tree,
                          const std::vector<std::string>& folders, NodeConfig& config);

}  // namespace strata::transform
