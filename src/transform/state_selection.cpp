#include "transform/state_selection.hpp"

#include <functional>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "core/text.hpp"
#include "transform/artifacts.hpp"

namespace strata::transform {
namespace {

using nlohmann::json;

const json& field(const json& entry, const std::string& key) {
  static const json none;
  auto found = entry.find(key);
  return found == entry.end() ? none : *found;
}

// A key of the configurations as written: both absent, or both present and equal.
bool same_key(const json& mine, const json& theirs, const std::string& key) {
  const bool in_mine = mine.contains(key), in_theirs = theirs.contains(key);
  if (in_mine != in_theirs) return false;
  return !in_mine || mine[key] == theirs[key];
}

bool same_body(const json& now, const json& old) {
  if (field(now, "resource_type") == "seed") {
    return field(now, "checksum") == field(old, "checksum");
  }
  return field(now, "raw_code") == field(old, "raw_code");
}

bool same_config(const json& now, const json& old) {
  const json& mine = field(now, "unrendered_config");
  const json& theirs = field(old, "unrendered_config");
  const json empty = json::object();
  const json& a = mine.is_object() ? mine : empty;
  const json& b = theirs.is_object() ? theirs : empty;
  if (field(now, "resource_type") == "test") {  // dbt compares a test's modifiers only
    for (const char* key : {"severity", "where", "limit", "fail_calc", "warn_if", "error_if",
                            "store_failures", "store_failures_as"}) {
      if (!same_key(a, b, key)) return false;
    }
    return true;
  }
  // Part of the relation (state:modified.relation) or not affecting what is built.
  static const std::set<std::string> excluded = {"alias", "schema", "database", "tags", "group"};
  for (const json* side : {&a, &b}) {
    for (const auto& [key, value] : side->items()) {
      if (!excluded.contains(key) && !same_key(a, b, key)) return false;
    }
  }
  return true;
}

bool same_relation(const json& now, const json& old) {
  const json& mine = field(now, "unrendered_config");
  const json& theirs = field(old, "unrendered_config");
  for (const char* key : {"database", "schema", "alias"}) {
    if (field(mine, key) != field(theirs, key)) return false;
  }
  return true;
}

bool persists(const json& entry, const char* what) {
  const json& setting = field(field(field(entry, "config"), "persist_docs"), what);
  return setting.is_boolean() ? setting.get<bool>() : !setting.is_null();
}

bool same_persisted_descriptions(const json& now, const json& old) {
  if (persists(now, "relation") && field(now, "description") != field(old, "description")) {
    return false;
  }
  if (persists(now, "columns")) {
    auto descriptions = [](const json& entry) {
      std::map<std::string, json> out;
      const json& columns = field(entry, "columns");
      if (columns.is_object()) {
        for (const auto& [name, column] : columns.items()) {
          out[name] = field(column, "description");
        }
      }
      return out;
    };
    if (descriptions(now) != descriptions(old)) return false;
  }
  return true;
}

bool same_contract(const json& now, const json& old) {
  if (field(now, "resource_type") != "model") return true;  // only models have contracts
  auto enforced = [](const json& entry) {
    const json& value = field(field(entry, "contract"), "enforced");
    return value.is_boolean() && value.get<bool>();
  };
  if (!enforced(now) && !enforced(old)) return true;
  return enforced(now) &&
         field(field(now, "contract"), "checksum") == field(field(old, "contract"), "checksum");
}

bool same_contents(const json& now, const json& old) {
  const bool same_fqn = field(now, "fqn") == field(old, "fqn");
  if (field(now, "resource_type") == "test") return same_config(now, old) && same_fqn;
  return same_body(now, old) && same_config(now, old) && same_persisted_descriptions(now, old) &&
         same_fqn && same_relation(now, old) && same_contract(now, old);
}

struct Compared {
  const json& now;
  const json* old;
  const ModelProject& project;
  bool macros_changed() const { return project.previous_state->macros_changed(project, now); }
};

using Check = std::function<bool(const Compared&)>;

const std::map<std::string, Check>& checks() {
  auto differs = [](bool (*same)(const json&, const json&)) -> Check {
    return [same](const Compared& c) { return !c.old || !same(c.now, *c.old); };
  };
  auto modified = [](const Compared& c) {
    return !c.old || !same_contents(c.now, *c.old) || c.macros_changed();
  };
  static const std::map<std::string, Check> all = {
      {"new", [](const Compared& c) { return c.old == nullptr; }},
      {"old", [](const Compared& c) { return c.old != nullptr; }},
      {"modified", modified},
      {"unmodified", [modified](const Compared& c) { return !modified(c); }},
      {"modified.macros", [](const Compared& c) { return c.macros_changed(); }},
      {"modified.body", differs(same_body)},
      {"modified.configs", differs(same_config)},
      {"modified.relation", differs(same_relation)},
      {"modified.persisted_descriptions", differs(same_persisted_descriptions)},
      {"modified.contract",
       [](const Compared& c) { return !c.old || !same_contract(c.now, *c.old); }},
  };
  return all;
}

}  // namespace

std::shared_ptr<const PreviousManifest> PreviousManifest::load(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "manifest.json";
  if (!std::filesystem::exists(file)) {
    throw Error(ErrorKind::kUsage, "--state " + dir.string() +
                                       ": no manifest.json there (run `strata parse` on the "
                                       "version to compare with and keep its target/ folder)");
  }
  json manifest;
  try {
    manifest = json::parse(paths::read_file(file));
  } catch (const json::exception& error) {
    throw Error(ErrorKind::kInput, std::string("not a JSON manifest: ") + error.what(),
                Location(file.string()));
  }
  auto previous = std::make_shared<PreviousManifest>();
  for (const char* section : {"nodes", "unit_tests"}) {
    const json& nodes = field(manifest, section);
    if (!nodes.is_object()) continue;
    for (const auto& [id, entry] : nodes.items()) previous->nodes_[id] = entry;
  }
  if (field(manifest, "macros").is_object()) previous->macros_ = manifest["macros"];
  return previous;
}

bool PreviousManifest::macros_changed(const ModelProject& project, const json& entry) const {
  if (current_macros_.is_null()) {
    current_macros_ = manifest_macros(project);
    for (const auto& [id, macro] : current_macros_.items()) {
      const json& old = field(macros_, id);
      if (old.is_null() || field(old, "macro_sql") != field(macro, "macro_sql")) {
        changed_macros_.insert(id);
      }
    }
  }
  if (changed_macros_.empty()) return false;
  std::set<std::string> seen;
  std::vector<json> pending = {field(field(entry, "depends_on"), "macros")};
  while (!pending.empty()) {
    const json ids = std::move(pending.back());
    pending.pop_back();
    if (!ids.is_array()) continue;
    for (const json& id : ids) {
      if (!id.is_string() || !seen.insert(id.get<std::string>()).second) continue;
      if (changed_macros_.contains(id.get<std::string>())) return true;
      pending.push_back(
          field(field(field(current_macros_, id.get<std::string>()), "depends_on"), "macros"));
    }
  }
  return false;
}

const json* PreviousManifest::find(const std::string& unique_id) const {
  auto found = nodes_.find(unique_id);
  return found == nodes_.end() ? nullptr : &*found;
}

bool state_matches(const ModelProject& project, const Model& node, const std::string& check) {
  if (!project.previous_state) {
    throw Error(ErrorKind::kUsage, "state:" + check +
                                       " compares with a previous manifest: give --state DIR "
                                       "(a folder with the manifest.json to compare with)");
  }
  auto found = checks().find(check);
  if (found == checks().end()) {
    std::vector<std::string> names;
    for (const auto& [name, _] : checks()) names.push_back(name);
    throw Error(ErrorKind::kUsage,
                "unknown state check 'state:" + check + "'" + did_you_mean(check, names));
  }
  const json now = manifest_node(project, node);
  return found->second({now, project.previous_state->find(unique_id(project, node)), project});
}

}  // namespace strata::transform
