// Loading a dbt project as dbt does on `dbt parse` + `dbt compile`: its macros, properties files,
// seeds, models and tests (singular files and generic tests from the properties), each node's
// configuration merged from dbt_project.yml, properties and config(), its relation named by the
// (overridable) generate_schema_name and generate_alias_name macros, and its SQL compiled with
// ephemeral models inlined as CTEs.
#pragma once

#include "core/config.hpp"
#include "transform/project.hpp"

namespace strata::transform {

// Loads and compiles the dbt project at config.root (which has a dbt_project.yml).
ModelProject load_dbt_models(const ProjectConfig& config, const CompileOptions& options);

// Compiles `model` of `project` again (for introspective models, right before they run, when the
// relations they ask about are built; for each batch of a microbatch model, with its window).
void recompile_dbt_model(const ProjectConfig& config, const ModelProject& project, Model& model,
                         const BatchWindow* batch = nullptr);

}  // namespace strata::transform
