#include "transform/dbt_loader.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/paths.hpp"
#include "core/text.hpp"
#include "core/yaml_util.hpp"
#include "transform/dbt_context.hpp"
#include "transform/dbt_packages.hpp"
#include "transform/dbt_project.hpp"
#include "transform/dbt_tests.hpp"
#include "transform/dbt_unit_tests.hpp"
#include "transform/macro_registry.hpp"
#include "transform/snapshot.hpp"
#include "transform/template.hpp"

namespace strata::transform {

namespace fs = std::filesystem;
using jinja::Value;

struct DbtState {
  ProjectConfig config;
  CompileOptions options;
  DbtProject project;
  MacroRegistry macros;
  Properties properties;
  std::unique_ptr<DbtEnvironment> environment;
  std::map<std::string, jinja::Template> templates;  // node name -> parsed SQL
  std::map<std::string, lake::TableName, std::less<>> relations;
};

namespace {

std::vector<fs::path> files_under(const fs::path& root, const std::vector<std::string>& dirs,
                                  const std::string& extension) {
  std::vector<fs::path> files;
  for (const std::string& dir : dirs) {
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(root / dir, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_regular_file() && it->path().extension() == extension) files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The folders of `file` under whichever of `dirs` holds it.
std::vector<std::string> folders_of(const fs::path& root, const std::vector<std::string>& dirs,
                                    const fs::path& file) {
  for (const std::string& dir : dirs) {
    const fs::path inside = file.lexically_relative(root / dir);
    if (inside.empty() || *inside.begin() == "..") continue;
    std::vector<std::string> folders;
    for (const auto& part : inside.parent_path()) folders.push_back(part.string());
    return folders;
  }
  return {};
}

Model make_node(const DbtState& state, const fs::path& file, const std::string& resource_type,
                const std::vector<std::string>& dirs, const YAML::Node& tree) {
  Model node;
  node.resource_type = resource_type;
  node.file = file;
  node.relative_path = file.lexically_relative(state.config.root);
  node.name = file.stem().string();
  node.fqn.push_back(state.project.name);
  for (const std::string& folder : folders_of(state.config.root, dirs, file)) {
    node.fqn.push_back(folder);
  }
  node.fqn.push_back(node.name);
  node.config.materialized = resource_type == "model" ? "view" : resource_type;
  // Config paths reach down to the node itself (`seeds: {shop: {raw_orders: {...}}}`).
  std::vector<std::string> path = folders_of(state.config.root, dirs, file);
  path.push_back(node.name);
  apply_folder_configs(state.project, tree, path, node.config);
  return node;
}

void apply_properties(Model& node, const std::map<std::string, NodeProperties>& properties,
                      std::vector<std::string>& warnings) {
  auto found = properties.find(node.name);
  if (found == properties.end()) return;
  node.description = found->second.description;
  node.columns = found->second.columns;
  for (const auto& [key, value] : found->second.config.entries) {
    std::string warning;
    if (!apply_config(node.config, key, value, found->second.where, warning)) {
      warnings.push_back(found->second.where.str() + ": " + warning);
    }
  }
}

// Names the node's relation with the project's (or the built-in) naming macros.
lake::TableName name_relation(DbtState& state, Model& node) {
  if (node.config.materialized == "ephemeral") return {"", "__dbt__cte__" + node.name};
  if (node.resource_type == "snapshot") {  // dbt uses a snapshot's target_schema as it is
    const Value* target_schema = node.config.all.find("target_schema");
    if (target_schema && target_schema->is_string()) {
      return {target_schema->as_string(), node.config.alias.value_or(node.name)};
    }
  }
  ModelCompilation compilation{state.config, state.relations,         node,
                               true,         state.environment.get(), nullptr};
  const jinja::Context context = dbt_context(compilation);
  const Value custom_schema = node.config.schema ? Value(*node.config.schema) : Value::none();
  const Value custom_alias = node.config.alias ? Value(*node.config.alias) : Value::none();
  const std::string schema =
      std::string(trim(call_with_context(*state.macros.find("generate_schema_name"), context,
                                         {custom_schema, node_value(node)})
                           .str()));
  const std::string alias =
      std::string(trim(call_with_context(*state.macros.find("generate_alias_name"), context,
                                         {custom_alias, node_value(node)})
                           .str()));
  return {schema, alias};
}

// Inlines the ephemeral models `model` reads (transitively) as CTEs in front of its SQL.
void inline_ephemerals(std::vector<Model>& models) {
  std::map<std::string, const Model*> by_name;
  for (const Model& model : models) by_name[model.name] = &model;
  std::map<std::string, std::string> inlined;  // original compiled SQL of ephemeral models
  for (const Model& model : models) {
    if (model.materialized == "ephemeral") inlined[model.name] = model.compiled_sql;
  }
  if (inlined.empty()) return;
  for (Model& model : models) {
    if (model.materialized == "ephemeral") continue;
    std::vector<std::string> order;
    std::set<std::string> seen;
    std::function<void(const Model&)> visit = [&](const Model& node) {
      for (const std::string& ref : node.refs) {
        auto found = by_name.find(ref);
        if (found == by_name.end() || found->second->materialized != "ephemeral") continue;
        if (!seen.insert(ref).second) continue;
        visit(*found->second);
        order.push_back(ref);
      }
    };
    visit(model);
    if (order.empty()) continue;
    std::string ctes;
    for (const std::string& name : order) {
      std::string body = inlined[name];
      while (!body.empty() &&
             (std::isspace(static_cast<unsigned char>(body.back())) || body.back() == ';')) {
        body.pop_back();
      }
      ctes += "__dbt__cte__" + name + " as (\n" + body + "\n), ";
    }
    std::string& sql = model.compiled_sql;
    // The first word after whitespace and comments: a leading WITH takes the CTEs in front.
    size_t start = 0;
    while (start < sql.size()) {
      start = sql.find_first_not_of(" \t\r\n", start);
      if (start == std::string::npos) {
        start = sql.size();
      } else if (sql.compare(start, 2, "--") == 0) {
        start = sql.find('\n', start);
        continue;
      } else if (sql.compare(start, 2, "/*") == 0) {
        start = sql.find("*/", start + 2);
        if (start != std::string::npos) start += 2;
        continue;
      }
      break;
    }
    if (start == std::string::npos) start = sql.size();
    const bool has_with = to_lower(sql.substr(start, 4)) == "with" && start + 4 < sql.size() &&
                          std::isspace(static_cast<unsigned char>(sql[start + 4]));
    std::string prefix;
    if (has_with) {
      prefix = sql.substr(0, start) + "with " + ctes;
      sql = prefix + sql.substr(start + 5);
    } else {
      ctes.resize(ctes.size() - 2);
      prefix = "with " + ctes + "\n";
      sql = prefix + sql;
    }
    const auto added = static_cast<size_t>(std::count(prefix.begin(), prefix.end(), '\n'));
    model.source_lines.insert(model.source_lines.begin(), added, 0);
    // What the inlined models read, the model reads: it waits for those and fails with them.
    std::vector<std::string> reads;
    for (const std::string& name : order) {
      reads.push_back(name);
      for (const std::string& ref : by_name[name]->refs) reads.push_back(ref);
    }
    for (const std::string& name : reads) {
      if (std::find(model.refs.begin(), model.refs.end(), name) == model.refs.end()) {
        model.refs.push_back(name);
      }
    }
  }
}

std::vector<std::string> render_hooks(const std::vector<std::string>& hooks,
                                      const jinja::Context& context, const std::string& file) {
  std::vector<std::string> out;
  for (const std::string& hook : hooks) {
    out.push_back(jinja::Template::parse(hook, file + " (hook)").render(context));
  }
  return out;
}

void compile_node(DbtState& state, Model& node, const BatchWindow* batch = nullptr) {
  node.refs.clear();
  node.sources.clear();
  ModelCompilation compilation{state.config, state.relations,         node,
                               false,        state.environment.get(), nullptr};
  compilation.batch = batch;
  const jinja::Context context = dbt_context(compilation);
  node.compiled_sql = state.templates.at(node.name).render(context, &node.source_lines);
  node.pre_hooks = render_hooks(node.config.pre_hook, context, node.relative_path.string());
  node.post_hooks = render_hooks(node.config.post_hook, context, node.relative_path.string());
}

// dbt's `graph` context variable: every node and source by unique id, with the attributes macros
// commonly read (name, resource_type, schema, alias, config, tags, fqn, depends_on).
Value graph_value(const DbtProject& project, const std::vector<Model>& nodes,
                  const std::vector<SourceTable>& sources) {
  jinja::Dict graph_nodes, graph_sources;
  for (const Model& node : nodes) {
    Value entry = node_value(node);
    jinja::Dict& fields = entry.mutable_dict();
    fields.set("unique_id", node.resource_type + "." + project.name + "." + node.name);
    fields.set("package_name", project.name);
    fields.set("alias", node.relation().name);
    jinja::List depends;
    for (const std::string& ref : node.refs) depends.emplace_back(ref);
    jinja::Dict depends_on;
    depends_on.set("nodes", std::move(depends));
    fields.set("depends_on", std::move(depends_on));
    graph_nodes.set(node.resource_type + "." + project.name + "." + node.name, std::move(entry));
  }
  for (const SourceTable& source : sources) {
    jinja::Dict entry;
    const std::string id = "source." + project.name + "." + source.source_name + "." + source.name;
    entry.set("unique_id", id);
    entry.set("resource_type", "source");
    entry.set("source_name", source.source_name);
    entry.set("name", source.name);
    entry.set("schema", source.schema);
    entry.set("identifier", source.identifier);
    graph_sources.set(id, std::move(entry));
  }
  jinja::Dict graph;
  graph.set("nodes", std::move(graph_nodes));
  graph.set("sources", std::move(graph_sources));
  return graph;
}

jinja::Dict parse_vars(const std::string& yaml_text) {
  jinja::Dict vars;
  if (trim(yaml_text).empty()) return vars;
  YAML::Node node;
  try {
    node = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::kUsage, "--vars is not valid YAML: " + e.msg);
  }
  const Value value = yaml_value(node);
  if (!value.is_dict())
    throw Error(ErrorKind::kUsage, "--vars must be a YAML mapping, e.g. '{x: 1}'");
  return value.as_dict();
}

}  // namespace

ModelProject load_dbt_models(const ProjectConfig& config, const CompileOptions& options) {
  auto state = std::make_shared<DbtState>();
  state->config = config;
  state->options = options;
  ModelProject result;
  result.dbt = true;
  std::vector<std::string>& warnings = result.warnings;
  state->project = *load_dbt_project(config.root, options.target, warnings);
  const DbtProject& project = state->project;
  result.name = project.name;

  for (const fs::path& file : files_under(config.root, project.macro_paths, ".sql")) {
    state->macros.add_project_file(paths::read_file(file),
                                   file.lexically_relative(config.root).string());
  }
  for (const LocalPackage& package : read_packages(config.root)) {
    for (const fs::path& file : files_under(package.root, package.macro_paths, ".sql")) {
      state->macros.add_package_file(package.name, paths::read_file(file),
                                     file.lexically_proximate(config.root).string());
    }
  }
  std::vector<fs::path> singular_tests;
  for (const fs::path& file : files_under(config.root, project.test_paths, ".sql")) {
    const std::string text = paths::read_file(file);
    if (text.find("{% test") != std::string::npos || text.find("{%- test") != std::string::npos) {
      state->macros.add_project_file(text, file.lexically_relative(config.root).string());
    } else {
      singular_tests.push_back(file);
    }
  }
  std::vector<std::string> property_dirs = project.model_paths;
  property_dirs.insert(property_dirs.end(), project.seed_paths.begin(), project.seed_paths.end());
  property_dirs.insert(property_dirs.end(), project.snapshot_paths.begin(),
                       project.snapshot_paths.end());
  state->properties = load_properties(config.root, property_dirs, warnings);
  jinja::Dict vars = project.vars;
  for (const auto& [key, value] : config.vars) {
    if (!vars.find(key)) vars.set(key, value);
  }
  for (const auto& [key, value] : parse_vars(options.vars_yaml).entries) vars.set(key, value);
  state->project.vars = vars;  // what "{{ var(...) }}" in dbt_project.yml sees
  state->environment = std::make_unique<DbtEnvironment>(DbtEnvironment{
      state->project, state->macros, state->properties.sources, state->options, vars});

  // Nodes: seeds, models, singular tests.
  std::vector<Model> nodes;
  for (const fs::path& file : files_under(config.root, project.seed_paths, ".csv")) {
    Model seed = make_node(*state, file, "seed", project.seed_paths, project.seeds);
    apply_properties(seed, state->properties.seeds, warnings);
    seed.materialized = "seed";
    nodes.push_back(std::move(seed));
  }
  for (const fs::path& file : files_under(config.root, project.model_paths, ".sql")) {
    Model model = make_node(*state, file, "model", project.model_paths, project.models);
    apply_properties(model, state->properties.models, warnings);
    model.raw_sql = paths::read_file(file);
    nodes.push_back(std::move(model));
  }
  for (const fs::path& file : files_under(config.root, project.snapshot_paths, ".sql")) {
    const std::string text = paths::read_file(file);
    Location where(file.lexically_relative(config.root).string());
    std::pair<std::string, std::string> block;
    try {
      block = snapshot_block(text);
    } catch (const Error& error) {
      throw Error(error.kind(), error.message(), where);
    }
    if (block.first.empty()) {  // macros may live beside snapshots
      state->macros.add_project_file(text, where.file);
      continue;
    }
    Model snapshot = make_node(*state, file, "snapshot", project.snapshot_paths, project.snapshots);
    snapshot.name = block.first;
    snapshot.fqn.back() = block.first;
    apply_properties(snapshot, state->properties.models, warnings);
    snapshot.raw_sql = block.second;
    nodes.push_back(std::move(snapshot));
  }
  for (const fs::path& file : singular_tests) {
    Model test = make_node(*state, file, "test", project.test_paths, project.tests);
    test.raw_sql = paths::read_file(file);
    nodes.push_back(std::move(test));
  }
  std::map<std::string, fs::path> seen;
  for (Model& node : nodes) {
    auto [previous, inserted] = seen.emplace(node.name, node.relative_path);
    if (!inserted) {
      throw Error(ErrorKind::kInput,
                  "two resources are named '" + node.name + "': " + previous->second.string() +
                      " and " + node.relative_path.string() + " (names must be unique)",
                  Location(node.relative_path.string()));
    }
    node.materialized = node.config.materialized;
    node.tags = node.config.tags;
    if (node.resource_type != "seed") {
      state->templates.emplace(node.name,
                               jinja::Template::parse(node.raw_sql, node.relative_path.string()));
    }
    state->relations[node.name] = {"", node.name};
  }

  // Discovery: config() calls, then relation names.
  for (Model& node : nodes) {
    if (node.resource_type == "seed") continue;
    ModelCompilation compilation{config, state->relations,         node,
                                 true,   state->environment.get(), &warnings};
    state->templates.at(node.name).render(dbt_context(compilation));
  }
  std::erase_if(nodes, [](const Model& node) { return !node.config.enabled; });
  state->relations.clear();
  for (Model& node : nodes) {
    if (node.resource_type == "test") continue;
    const lake::TableName relation = name_relation(*state, node);
    node.schema = relation.space;
    if (node.materialized != "ephemeral") node.name = node.name;
    state->relations[node.name] = relation;
  }
  for (Model& node : nodes) {
    if (node.resource_type == "test") node.schema = project.target_schema + "_dbt_test__audit";
  }

  state->environment->graph = graph_value(project, nodes, state->properties.sources);
  for (const Model& node : nodes) {
    if (!node.config.event_time.empty()) {
      state->environment->event_times[node.name] = node.config.event_time;
    }
  }

  // Compile models and singular tests, then the generic tests of the properties files.
  for (Model& node : nodes) {
    if (node.resource_type != "seed") compile_node(*state, node);
  }
  std::vector<Model> generic = generic_tests(*state->environment, state->properties, nodes,
                                             state->relations, config, warnings);
  for (Model& test : generic) nodes.push_back(std::move(test));
  std::vector<Model> units =
      compile_unit_tests(state->properties.unit_tests, nodes, state->templates, state->relations,
                         config, *state->environment);
  for (Model& test : units) nodes.push_back(std::move(test));
  inline_ephemerals(nodes);
  std::sort(nodes.begin(), nodes.end(),
            [](const Model& a, const Model& b) { return a.name < b.name; });
  // on-run-start/end hooks render in a context of their own (no node).
  Model run_node;
  run_node.name = project.name;
  run_node.relative_path = project.file;
  ModelCompilation run_compilation{config, state->relations,         run_node,
                                   false,  state->environment.get(), nullptr};
  const jinja::Context run_context = dbt_context(run_compilation);
  result.on_run_start = render_hooks(project.on_run_start, run_context, project.file);
  result.on_run_end = render_hooks(project.on_run_end, run_context, project.file);
  result.models = std::move(nodes);
  result.sources = state->properties.sources;
  result.macro_sources = state->macros.project_sources();
  result.dbt_state = state;
  return result;
}

void recompile_dbt_model(const ProjectConfig&, const ModelProject& project, Model& model,
                         const BatchWindow* batch) {
  if (!project.dbt_state || !project.dbt_state->templates.contains(model.name)) return;
  compile_node(*project.dbt_state, model, batch);
  std::vector<Model> one{model};
  for (const Model& other : project.models) {
    if (other.materialized == "ephemeral") one.push_back(other);
  }
  inline_ephemerals(one);
  model = std::move(one.front());
}

}  // namespace strata::transform
