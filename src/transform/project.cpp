#include "transform/project.hpp"

#include <algorithm>
#include <map>

#include "core/paths.hpp"
#include "engine/database.hpp"
#include "transform/dbt_context.hpp"
#include "transform/dbt_loader.hpp"
#include "transform/template.hpp"

namespace strata::transform {
namespace {

namespace fs = std::filesystem;

// How a model file is named in messages and under target/compiled: relative to the project root
// when the models folder is inside it, else relative to the models folder's parent.
fs::path relative_model_path(const ProjectConfig& config, const fs::path& file) {
  const fs::path from_root = file.lexically_relative(config.root);
  if (!from_root.empty() && *from_root.begin() != "..") return from_root;
  return config.models_dir.filename() / file.lexically_relative(config.models_dir);
}

// The first folder under models/, or "main" for a file directly in it.
std::string default_schema(const fs::path& path_in_models) {
  const fs::path folder = path_in_models.parent_path();
  return folder.empty() ? "main" : folder.begin()->string();
}

struct ModelSource {
  Model model;
  jinja::Template parsed;
};

std::vector<ModelSource> parse_models(
    const ProjectConfig& config, const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<ModelSource> sources;
  std::map<std::string, fs::path> seen;  // model name -> relative path of its file
  for (const auto& [path_in_models, sql] : files) {
    Model model;
    model.file = config.models_dir / path_in_models;
    model.relative_path = relative_model_path(config, model.file);
    model.name = fs::path(path_in_models).stem().string();
    model.schema = default_schema(path_in_models);
    model.raw_sql = sql;
    auto [previous, inserted] = seen.emplace(model.name, model.relative_path);
    if (!inserted) {
      throw Error(ErrorKind::kInput,
                  "two models are named '" + model.name + "': " + previous->second.string() +
                      " and " + model.relative_path.string() + " (model names must be unique)",
                  Location(model.relative_path.string()));
    }
    jinja::Template parsed = jinja::Template::parse(model.raw_sql, model.relative_path.string());
    sources.push_back(ModelSource{std::move(model), std::move(parsed)});
  }
  std::sort(sources.begin(), sources.end(),
            [](const ModelSource& a, const ModelSource& b) { return a.model.name < b.model.name; });
  return sources;
}

}  // namespace

int64_t Model::source_line(int64_t compiled_line) const {
  if (compiled_line < 1 || compiled_line > static_cast<int64_t>(source_lines.size())) return 0;
  return source_lines[static_cast<size_t>(compiled_line - 1)];
}

const Model* ModelProject::find(std::string_view name) const {
  auto found =
      std::lower_bound(models.begin(), models.end(), name,
                       [](const Model& model, std::string_view key) { return model.name < key; });
  return found != models.end() && found->name == name ? &*found : nullptr;
}

std::vector<std::string> ModelProject::names() const {
  std::vector<std::string> out;
  for (const Model& model : models) out.push_back(model.name);
  return out;
}

std::string quoted_relation(const lake::TableName& table) {
  return engine::quote_identifier(table.space) + "." + engine::quote_identifier(table.name);
}

ModelProject compile_models(const ProjectConfig& config,
                            const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<ModelSource> sources = parse_models(config, files);
  std::map<std::string, lake::TableName, std::less<>> relations;
  for (const ModelSource& source : sources) relations[source.model.name] = source.model.relation();

  // Pass 1 (discovery): config() calls set each model's schema and materialization.
  for (ModelSource& source : sources) {
    ModelCompilation compilation{config, relations, source.model, true};
    source.parsed.render(dbt_context(compilation));
  }
  for (const ModelSource& source : sources) relations[source.model.name] = source.model.relation();

  // Pass 2: the final SQL, with every ref() pointing at the right schema.
  ModelProject project;
  for (ModelSource& source : sources) {
    Model& model = source.model;
    model.refs.clear();
    model.sources.clear();
    ModelCompilation compilation{config, relations, model, false};
    model.compiled_sql = source.parsed.render(dbt_context(compilation), &model.source_lines);
    project.models.push_back(std::move(model));
  }
  return project;
}

ModelProject load_models(const ProjectConfig& config, const CompileOptions& options) {
  if (fs::exists(config.root / "dbt_project.yml")) return load_dbt_models(config, options);
  return load_models(config);
}

ModelProject load_models(const ProjectConfig& config) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code error;
  if (!fs::is_directory(config.models_dir, error)) return {};
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(config.models_dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".sql") paths.push_back(it->path());
  }
  if (error) {
    throw Error(ErrorKind::kStorage, "cannot list the models folder: " + error.message(),
                Location(config.models_dir.string()));
  }
  std::sort(paths.begin(), paths.end());
  for (const fs::path& path : paths) {
    files.emplace_back(path.lexically_relative(config.models_dir).string(), paths::read_file(path));
  }
  return compile_models(config, files);
}

}  // namespace strata::transform
