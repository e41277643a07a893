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

struct ModelCompilation {
  const ProjectConfig& config;
  // Every model's relation as currently known (default schemas during discovery).
  const std::map<std::string, lake::TableName, std::less<>>& relations;
  Model& model;  // receives refs, sources and (during discovery) config()
  bool discovery = false;
};

// The context for rendering `compilation.model`. It refers to `compilation`, which must outlive it.
jinja::Context dbt_context(ModelCompilation& compilation);

}  // namespace strata::transform
