// The Jinja context a model is rendered with: dbt's functions and variables (ref, source, config,
// var, env_var, is_incremental, this, target). The functions validate their arguments against the
// project (known models, declared sources, valid config keys, set vars) and report problems with a
// did-you-mean hint at the place of the call. They also record into the model being compiled what
// it reads (refs, sources) and, in the discovery pass, how it is configured.
#pragma once

#include <map>
#include <string>

#include "core/config.hpp"
#include "lake/metastore.hpp"
#include "transform/project.hpp"
#include "transform/template.hpp"

namespace strata::transform {

class MacroRegistry;
struct DbtProject;
struct CompileOptions;

// What a dbt project adds to every node's context.
struct DbtEnvironment {
  const DbtProject& project;
  const MacroRegistry& macros;
  const std::vector<SourceTable>& sources;
  const CompileOptions& options;
  jinja::Dict vars;  // the project's, overridden by --vars
  // dbt's `graph` (nodes and sources by unique id), set once the nodes are named.
  jinja::Value graph = jinja::Value(jinja::Dict{});
  // The `event_time` column of the models that have one: a microbatch batch reads only its
  // window of them.
  std::map<std::string, std::string, std::less<>> event_times{};
};

struct ModelCompilation {
  const ProjectConfig& config;
  // Every model's relation as currently known (default schemas during discovery).
  const std::map<std::string, lake::TableName, std::less<>>& relations;
  Model& model;  // receives refs, sources and (during discovery) config()
  bool discovery = false;
  const DbtEnvironment* dbt = nullptr;           // set for dbt projects
  std::vector<std::string>* warnings = nullptr;  // receives config warnings (discovery)
  const BatchWindow* batch = nullptr;            // set while rendering a microbatch batch
};

// The relation object templates see ({{ this }}, ref(...)): renders as "schema"."name" (an
// ephemeral model, with an empty schema, as its CTE name) with dbt's attributes.
jinja::Value relation_value(const lake::TableName& table);

// A relation as a microbatch batch reads it: only the rows of its `event_time` in the window.
jinja::Value batch_relation_value(const lake::TableName& table, const std::string& event_time,
                                  const BatchWindow& batch);

// The node as generate_schema_name and friends see it (name, resource_type, config, ...).
jinja::Value node_value(const Model& model);

// dbt's env_var(name, default): the environment variable, else the default, else an error.
jinja::Value call_env_var(const jinja::CallArguments& arguments);

// Calls `function` (a macro) with the context it needs; returns its value.
jinja::Value call_with_context(const jinja::Value& function, const jinja::Context& context,
                               std::vector<jinja::Value> positional,
                               std::vector<std::pair<std::string, jinja::Value>> keyword = {});

// The context for rendering `compilation.model`. It refers to `compilation`, which must outlive it.
jinja::Context dbt_context(ModelCompilation& compilation);

}  // namespace strata::transform
