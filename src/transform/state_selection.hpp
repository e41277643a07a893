// dbt's `state:` selection method. With `--state DIR`, every node is compared with its entry in
// DIR/manifest.json, the manifest of an earlier parse or run (strata's or dbt's), as dbt compares
// them: `state:new` (no entry), `state:old`, `state:modified.body` (the raw SQL; a seed's file
// checksum), `state:modified.configs` (the configuration as written, without schema, alias,
// database, tags and group; tests: only severity, where, limit, fail_calc, warn_if, error_if,
// store_failures, store_failures_as), `state:modified.relation` (schema, alias and database as
// configured), `state:modified.persisted_descriptions` (descriptions, where persist_docs asks for
// them), `state:modified.contract` (an enforced contract's columns and types), and
// `state:modified.macros` (a project macro the node calls, directly or through other macros, is
// new or its text changed; calls are found in the text as dbt finds them), and `state:modified`
// (new, or any of these, or a moved node) and `state:unmodified`.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "transform/project.hpp"

namespace strata::transform {

class PreviousManifest {
 public:
  // Reads `dir`/manifest.json. Error(kUsage) when it is missing, kInput when it is not a manifest.
  static std::shared_ptr<const PreviousManifest> load(const std::filesystem::path& dir);
  // The node's entry (nodes, then unit_tests), or nullptr.
  const nlohmann::json* find(const std::string& unique_id) const;
  // Whether a macro the node `entry` (of the current manifest) calls, directly or through other
  // macros, is new or changed since this manifest.
  bool macros_changed(const ModelProject& project, const nlohmann::json& entry) const;

 private:
  nlohmann::json nodes_ = nlohmann::json::object();
  nlohmann::json macros_ = nlohmann::json::object();
  // The current project's macros and which of them changed, worked out at the first question.
  mutable nlohmann::json current_macros_;
  mutable std::set<std::string> changed_macros_;
};

// Whether `node` passes the state check `check` ("modified", "modified.body", "new", ...).
// Error(kUsage) without a previous manifest in `project` or for an unknown check.
bool state_matches(const ModelProject& project, const Model& node, const std::string& check);

}  // namespace strata::transform
