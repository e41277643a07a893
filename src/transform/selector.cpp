#include "transform/selector.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "core/text.hpp"
#include "transform/state_selection.hpp"

namespace strata::transform {
namespace {

constexpr int kUnlimited = std::numeric_limits<int>::max();

// Whether `child` ref()s `parent`. The build graph has more edges than dbt's: a node waits for
// the tests of what it reads, and a source that is a relation the project builds (a seed) waits
// for it; selection follows refs only, as dbt's graph does.
bool reads(const ModelProject& project, const std::string& child, const std::string& parent) {
  const Model* node = project.find(child);
  return node && std::find(node->refs.begin(), node->refs.end(), parent) != node->refs.end();
}

// Nodes within `depth` generations along refs (up: what they read; down: what reads them) of
// `start`.
std::set<std::string> walk(const ModelProject& project, const ModelGraph& graph,
                           const std::string& start, int depth, bool up) {
  std::set<std::string> found;
  std::vector<std::string> frontier{start};
  for (int generation = 0; generation < depth && !frontier.empty(); ++generation) {
    std::vector<std::string> next;
    for (const std::string& name : frontier) {
      for (const std::string& other : up ? graph.parents(name) : graph.children(name)) {
        if (!(up ? reads(project, name, other) : reads(project, other, name))) continue;
        if (found.insert(other).second) next.push_back(other);
      }
    }
    frontier = std::move(next);
  }
  return found;
}

bool matches(const Model& node, const std::string& method, const std::string& value,
             const ModelProject& project) {
  if (method.empty() || method == "fqn") {
    if (node.name == value) return true;
    std::string fqn = join(node.fqn, ".");
    return fqn == value || fqn.ends_with("." + value) ||
           (!node.fqn.empty() && node.fqn.size() > 1 && value == node.fqn[1]);
  }
  if (method == "tag")
    return std::find(node.tags.begin(), node.tags.end(), value) != node.tags.end();
  if (method == "path") {
    const std::string path = node.relative_path.generic_string();
    std::string prefix = value;
    while (prefix.ends_with("/")) prefix.pop_back();
    return path == prefix || path.starts_with(prefix + "/");
  }
  if (method == "resource_type") return node.resource_type == value;
  if (method == "state") return state_matches(project, node, value);
  if (method == "source") {
    for (const lake::TableName& source : node.sources) {
      for (const SourceTable& table : project.sources) {
        if (table.schema == source.space && table.identifier == source.name &&
            (table.source_name == value || table.source_name + "." + table.name == value)) {
          return true;
        }
      }
    }
    return false;
  }
  if (method.starts_with("config.")) {
    const jinja::Value* setting = node.config.all.find(method.substr(7));
    if (!setting && method == "config.materialized") return node.materialized == value;
    if (!setting) return false;
    if (setting->is_list()) {
      for (const jinja::Value& item : setting->as_list()) {
        if (item.str() == value) return true;
      }
      return false;
    }
    return setting->str() == value || to_lower(setting->str()) == to_lower(value);
  }
  throw Error(ErrorKind::kUsage, "unknown selector method '" + method + "'" +
                                     did_you_mean(method, {"tag", "path", "resource_type", "source",
                                                           "config.materialized", "fqn", "state"}));
}

std::set<std::string> select_one(const ModelProject& project, const ModelGraph& graph,
                                 std::string criterion) {
  bool at = false;
  if (criterion.starts_with("@")) {
    at = true;
    criterion.erase(0, 1);
  }
  int up = 0, down = 0;
  size_t digits = 0;
  while (digits < criterion.size() && std::isdigit(static_cast<unsigned char>(criterion[digits]))) {
    ++digits;
  }
  if (digits < criterion.size() && criterion[digits] == '+') {
    up = digits ? std::stoi(criterion.substr(0, digits)) : kUnlimited;
    criterion.erase(0, digits + 1);
  }
  if (const size_t plus = criterion.rfind('+'); plus != std::string::npos) {
    const std::string depth = criterion.substr(plus + 1);
    if (std::all_of(depth.begin(), depth.end(), [](char c) { return std::isdigit(c); })) {
      down = depth.empty() ? kUnlimited : std::stoi(depth);
      criterion.erase(plus);
    }
  }
  std::string method, value = criterion;
  if (const size_t colon = criterion.find(':'); colon != std::string::npos) {
    method = criterion.substr(0, colon);
    value = criterion.substr(colon + 1);
  }
  std::set<std::string> picked;
  for (const Model& node : project.models) {
    if (matches(node, method, value, project)) picked.insert(node.name);
  }
  if (picked.empty() && method.empty()) {
    throw Error(ErrorKind::kUsage, "the selector '" + criterion + "' matches no node" +
                                       did_you_mean(criterion, project.names()));
  }
  std::set<std::string> out = picked;
  for (const std::string& name : picked) {
    if (up) out.merge(walk(project, graph, name, up, true));
    if (down || at) {
      for (const std::string& child : walk(project, graph, name, at ? kUnlimited : down, false)) {
        out.insert(child);
        if (at) out.merge(walk(project, graph, child, kUnlimited, true));
      }
    }
  }
  return out;
}

std::set<std::string> select_all(const ModelProject& project, const ModelGraph& graph,
                                 const std::vector<std::string>& arguments) {
  std::set<std::string> out;
  for (const std::string& argument : arguments) {
    for (const std::string& selector : split(argument, ' ')) {
      if (trim(selector).empty()) continue;
      std::set<std::string> intersection;
      bool first = true;
      for (const std::string& criterion : split(selector, ',')) {
        std::set<std::string> one = select_one(project, graph, std::string(trim(criterion)));
        if (first) {
          intersection = std::move(one);
          first = false;
        } else {
          std::set<std::string> kept;
          for (const std::string& name : intersection) {
            if (one.contains(name)) kept.insert(name);
          }
          intersection = std::move(kept);
        }
      }
      out.merge(intersection);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> select_nodes(const ModelProject& project, const ModelGraph& graph,
                                      const std::vector<std::string>& select,
                                      const std::vector<std::string>& exclude,
                                      const std::set<std::string>& resource_types) {
  std::set<std::string> chosen;
  if (select.empty()) {
    for (const Model& node : project.models) chosen.insert(node.name);
  } else {
    chosen = select_all(project, graph, select);
    // Selecting a node selects the tests attached to it, as in dbt.
    for (const Model& node : project.models) {
      if (node.resource_type != "test") continue;
      const bool attached = std::all_of(node.refs.begin(), node.refs.end(),
                                        [&](const auto& ref) { return chosen.contains(ref); });
      if (attached && !node.refs.empty()) chosen.insert(node.name);
    }
  }
  for (const std::string& name : select_all(project, graph, exclude)) chosen.erase(name);
  std::vector<std::string> out;
  for (const std::string& name : graph.order()) {
    if (!chosen.contains(name)) continue;
    const Model* node = project.find(name);
    if (!resource_types.empty() && !resource_types.contains(node->resource_type)) continue;
    if (node->materialized == "ephemeral") continue;  // inlined where it is read, never built
    out.push_back(name);
  }
  return out;
}

}  // namespace strata::transform
