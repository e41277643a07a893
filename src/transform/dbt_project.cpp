#include "transform/dbt_project.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/paths.hpp"
#include "core/text.hpp"
#include "core/yaml_util.hpp"
#include "transform/dbt_context.hpp"
#include "transform/template.hpp"

namespace strata::transform {
namespace {

namespace fs = std::filesystem;
using jinja::Value;

bool is_config_key(std::string key) {
  if (key.starts_with("+")) return true;
  std::replace(key.begin(), key.end(), '-', '_');
  const auto& keys = config_keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::vector<std::string> paths_setting(const yaml::Reader& top, const std::string& key,
                                       std::vector<std::string> fallback) {
  if (!top.has(key)) return fallback;
  std::vector<std::string> out = top.string_list(key);
  return out;
}

// Folder names (recursively) under the resource paths, for checking config paths.
std::vector<std::string> folder_names(const fs::path& root, const std::vector<std::string>& dirs) {
  std::vector<std::string> names;
  for (const std::string& dir : dirs) {
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(root / dir, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_directory()) names.push_back(it->path().filename().string());
      if (it->is_regular_file()) names.push_back(it->path().stem().string());  // a node's name
    }
  }
  return names;
}

// dbt renders the Jinja in its YAML settings ("{{ env_var('SCHEMA') }}", "{{ var('x') }}",
// "{{ target.name == 'prod' }}") with a small context; rendered "True"/"False" and integers
// become booleans and numbers, as dbt's native rendering does.
Value render_setting(const Value& value, const DbtProject& project, const std::string& file) {
  if (!value.is_string()) return value;
  const std::string& text = value.as_string();
  if (text.find("{{") == std::string::npos && text.find("{%") == std::string::npos) return value;
  jinja::Context context;
  context.set_function(
      "env_var", [](const jinja::CallArguments& arguments) { return call_env_var(arguments); });
  const jinja::Dict vars = project.vars;
  context.set_function("var", [vars](const jinja::CallArguments& arguments) {
    auto bound = jinja::bind_arguments(arguments, {"name", "default"}, "var");
    const Value* found = vars.find(bound[0].value_or(Value("")).str());
    if (found) return *found;
    if (bound[1]) return *bound[1];
    throw Error(ErrorKind::kInput, "var('" + bound[0].value_or(Value("")).str() + "') is not set",
                arguments.where);
  });
  jinja::Dict target;
  target.set("name", project.target_name);
  target.set("schema", project.target_schema);
  target.set("type", project.target_type);
  context.set("target", Value(std::move(target)));
  const std::string rendered = std::string(trim(jinja::render(text, context, file)));
  if (rendered == "True" || rendered == "true") return true;
  if (rendered == "False" || rendered == "false") return false;
  char* end = nullptr;
  const long long number = std::strtoll(rendered.c_str(), &end, 10);
  if (!rendered.empty() && *end == '\0') return static_cast<int64_t>(number);
  return rendered;
}

// Warns about keys of a folder-config tree that are neither configs nor existing folders.
void check_tree(const YAML::Node& tree, const std::string& path, const DbtProject& dbt,
                const std::vector<std::string>& folders, std::vector<std::string>& warnings) {
  const std::string& file = dbt.file;
  const std::string& project = dbt.name;
  if (!tree.IsMap()) return;
  for (const auto& entry : tree) {
    const std::string key = entry.first.as<std::string>();
    const Location where = yaml::location(entry.first, file);
    if (key.starts_with("+")) {
      NodeConfig scratch;
      std::string warning;
      if (!apply_config(scratch, key, render_setting(yaml_value(entry.second), dbt, file), where,
                        warning)) {
        warnings.push_back(where.str() + ": " + path + ": " + warning);
      }
      continue;
    }
    if (is_config_key(key)) continue;
    if (key == project || std::find(folders.begin(), folders.end(), key) != folders.end()) {
      check_tree(entry.second, path + "." + key, dbt, folders, warnings);
      continue;
    }
    std::vector<std::string> candidates = folders;
    candidates.insert(candidates.end(), config_keys().begin(), config_keys().end());
    warnings.push_back(where.str() + ": " + path + "." + key +
                       " is neither a config key nor a folder, so it applies to nothing" +
                       did_you_mean(key, candidates));
  }
}

void apply_level(const YAML::Node& level, NodeConfig& config, const DbtProject& project) {
  const std::string& file = project.file;
  if (!level.IsMap()) return;
  for (const auto& entry : level) {
    const std::string key = entry.first.as<std::string>();
    if (!is_config_key(key)) continue;
    if (!key.starts_with("+") && entry.second.IsMap() && key != "column_types" && key != "meta" &&
        key != "docs" && key != "persist_docs" && key != "grants") {
      continue;  // a folder that happens to have a config's name
    }
    std::string warning;
    const Value written = yaml_value(entry.second);
    apply_config(config, key, render_setting(written, project, file),
                 yaml::location(entry.second, file), warning, &written);
  }
}

void load_profile(DbtProject& project, const std::string& wanted_target) {
  std::vector<fs::path> candidates = {project.root / "profiles.yml"};
  if (const char* dir = std::getenv("DBT_PROFILES_DIR"); dir && *dir) {
    candidates.push_back(fs::path(dir) / "profiles.yml");
  }
  for (const fs::path& file : candidates) {
    if (!fs::exists(file)) continue;
    const std::string name = file.lexically_relative(project.root).string();
    yaml::Reader top(yaml::load_file(file.string()), name.starts_with("..") ? file.string() : name);
    const yaml::Reader profile =
        top.child(project.profile.empty() ? project.name : project.profile);
    if (!profile.node().IsMap()) continue;
    project.target_name =
        wanted_target.empty() ? profile.string("target", "dev") : std::string(wanted_target);
    const yaml::Reader output = profile.child("outputs").child(project.target_name);
    if (!output.node().IsMap()) {
      profile.fail("profile '" + profile.string("name", project.profile) + "' has no target '" +
                   project.target_name + "' under outputs");
    }
    auto setting = [&](const std::string& key, const std::string& fallback) {
      if (!output.has(key)) return fallback;
      return render_setting(yaml_value(output.child(key).node()), project, output.file()).str();
    };
    project.target_type = setting("type", "duckdb");
    if (project.target_type != "duckdb") {
      output.fail("the target '" + project.target_name + "' is of type '" + project.target_type +
                  "': strata runs dbt projects on its own lake, as a DuckDB target; other "
                  "adapters are not supported yet");
    }
    project.target_schema = setting("schema", "main");
    project.threads = output.integer("threads", 0);
    return;
  }
  if (!wanted_target.empty()) project.target_name = wanted_target;
}

}  // namespace

Value yaml_value(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return Value::none();
  if (node.IsSequence()) {
    jinja::List items;
    for (const auto& item : node) items.push_back(yaml_value(item));
    return items;
  }
  if (node.IsMap()) {
    jinja::Dict dict;
    for (const auto& entry : node)
      dict.set(entry.first.as<std::string>(), yaml_value(entry.second));
    return dict;
  }
  const std::string text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  const std::string lower = to_lower(text);
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  if (lower == "null" || text == "~") return Value::none();
  char* end = nullptr;
  errno = 0;
  const long long integer = std::strtoll(text.c_str(), &end, 10);
  if (!text.empty() && end && *end == '\0' && errno == 0) return static_cast<int64_t>(integer);
  const double real = std::strtod(text.c_str(), &end);
  if (!text.empty() && end && *end == '\0' &&
      text.find_first_of("0123456789") != std::string::npos) {
    return real;
  }
  return text;
}

std::optional<DbtProject> load_dbt_project(const fs::path& root, const std::string& target,
                                           std::vector<std::string>& warnings) {
  const fs::path file = root / "dbt_project.yml";
  if (!fs::exists(file)) return std::nullopt;
  DbtProject project;
  project.root = root;
  project.file = "dbt_project.yml";
  const yaml::Reader top(yaml::load_file(file.string()), project.file);
  top.expect_map("dbt_project.yml");
  project.name = top.required_string("name");
  project.profile = top.string("profile", project.name);
  project.model_paths = paths_setting(top, "model-paths", {"models"});
  if (top.has("source-paths")) project.model_paths = top.string_list("source-paths");
  project.seed_paths = paths_setting(top, "seed-paths", {"seeds"});
  if (top.has("data-paths")) project.seed_paths = top.string_list("data-paths");
  project.test_paths = paths_setting(top, "test-paths", {"tests"});
  project.macro_paths = paths_setting(top, "macro-paths", {"macros"});
  project.snapshot_paths = paths_setting(top, "snapshot-paths", {"snapshots"});
  project.target_path = top.string("target-path", "target");
  if (top.has("require-dbt-version")) {
    // strata implements dbt 1.x behaviour: any 1.x requirement is accepted.
    const Value required = yaml_value(top.child("require-dbt-version").node());
    const std::string text = required.is_list() && !required.as_list().empty()
                                 ? required.as_list().front().str()
                                 : required.str();
    if (text.find('2') != std::string::npos && text.find(">=2") != std::string::npos) {
      warnings.push_back(project.file + ": require-dbt-version " + text +
                         " asks for dbt 2; strata follows dbt 1.x");
    }
  }
  const Value vars = yaml_value(top.child("vars").node());
  if (vars.is_dict()) {
    for (const auto& [key, value] : vars.as_dict().entries) {
      if (key == project.name && value.is_dict()) {
        for (const auto& [inner, inner_value] : value.as_dict().entries) {
          project.vars.set(inner, inner_value);
        }
      } else {
        project.vars.set(key, value);
      }
    }
  }
  for (const char* hook : {"on-run-start", "on-run-end"}) {
    auto& hooks = std::string(hook) == "on-run-start" ? project.on_run_start : project.on_run_end;
    const Value value = yaml_value(top.child(hook).node());
    if (value.is_list()) {
      for (const Value& item : value.as_list()) hooks.push_back(item.str());
    } else if (value.is_string()) {
      hooks.push_back(value.as_string());
    }
  }
  project.models = top.child("models").node();
  project.seeds = top.child("seeds").node();
  project.tests = top.child("data_tests").node().IsDefined() ? top.child("data_tests").node()
                                                             : top.child("tests").node();
  project.snapshots = top.child("snapshots").node();
  load_profile(project, target);
  check_tree(project.models, "models", project, folder_names(root, project.model_paths), warnings);
  check_tree(project.seeds, "seeds", project, folder_names(root, project.seed_paths), warnings);
  return project;
}

void apply_folder_configs(const DbtProject& project, const YAML::Node& tree,
                          const std::vector<std::string>& folders, NodeConfig& config) {
  if (!tree.IsDefined() || !tree.IsMap()) return;
  apply_level(tree, config, project);
  // yaml-cpp's Node assignment writes into the tree, so walk down with fresh handles.
  std::vector<YAML::Node> levels;
  const YAML::Node& root = tree;
  const YAML::Node top = root[project.name];
  if (!top.IsDefined() || !top.IsMap()) return;
  levels.push_back(top);
  apply_level(levels.back(), config, project);
  for (const std::string& folder : folders) {
    const YAML::Node& parent = levels.back();
    const YAML::Node child = parent[folder];
    if (!child.IsDefined() || !child.IsMap()) return;
    levels.push_back(child);
    apply_level(levels.back(), config, project);
  }
}

}  // namespace strata::transform
