#include "transform/yaml_selectors.hpp"

#include <set>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/yaml_util.hpp"
#include "transform/model_graph.hpp"
#include "transform/selector.hpp"

namespace strata::transform {
namespace {

constexpr const char* kFile = "selectors.yml";

class Evaluator {
 public:
  Evaluator(const ModelProject& project, const ModelGraph& graph)
      : project_(project), graph_(graph) {}

  std::set<std::string> evaluate(const YAML::Node& node) {
    const yaml::Reader definition(node, kFile);
    if (node.IsScalar()) return pick(node.as<std::string>());
    if (!node.IsMap()) definition.fail("a selector definition is a string or a mapping");
    std::set<std::string> out;
    if (definition.has("union") || definition.has("intersection")) {
      const bool is_union = definition.has("union");
      const YAML::Node items = node[is_union ? "union" : "intersection"];
      if (!items.IsSequence()) definition.fail_at(items, "must be a list of definitions");
      bool first = true;
      std::set<std::string> excluded;
      for (const YAML::Node& item : items) {
        if (item.IsMap() && item["exclude"] && item.size() == 1) {
          excluded.merge(union_of(item["exclude"]));
          continue;
        }
        std::set<std::string> one = evaluate(item);
        if (is_union || first) {
          out.merge(one);
        } else {
          std::erase_if(out, [&](const std::string& name) { return !one.contains(name); });
        }
        first = false;
      }
      for (const std::string& name : excluded) out.erase(name);
    } else {
      definition.expect_keys(
          {"method", "value", "parents", "parents_depth", "children", "children_depth",
           "childrens_parents", "exclude", "indirect_selection"},
          "a selector criterion");
      out = pick(criterion(definition));
    }
    if (definition.has("exclude")) {
      for (const std::string& name : union_of(node["exclude"])) out.erase(name);
    }
    return out;
  }

 private:
  const ModelProject& project_;
  const ModelGraph& graph_;

  std::set<std::string> pick(const std::string& selector) {
    const std::vector<std::string> names = select_nodes(project_, graph_, {selector}, {}, {});
    return {names.begin(), names.end()};
  }

  std::set<std::string> union_of(const YAML::Node& list) {
    std::set<std::string> out;
    if (!list.IsSequence()) return evaluate(list);
    for (const YAML::Node& item : list) out.merge(evaluate(item));
    return out;
  }

  // The criterion in the command-line syntax: "2+tag:nightly+".
  static std::string criterion(const yaml::Reader& definition) {
    const std::string method = definition.required_string("method");
    const std::string value = definition.required_string("value");
    std::string text = method == "fqn" ? value : method + ":" + value;
    if (definition.boolean("childrens_parents", false)) return "@" + text;
    std::string prefix;
    if (definition.has("parents_depth")) {
      prefix = std::to_string(definition.integer("parents_depth", 0));
      prefix += '+';
    } else if (definition.boolean("parents", false)) {
      prefix = "+";
    }
    text.insert(0, prefix);
    if (definition.has("children_depth")) {
      text += '+';
      text += std::to_string(definition.integer("children_depth", 0));
    } else if (definition.boolean("children", false)) {
      text += '+';
    }
    return text;
  }
};

}  // namespace

std::vector<std::string> resolve_yaml_selector(const ModelProject& project,
                                               const std::filesystem::path& root,
                                               const std::string& name) {
  const std::filesystem::path file = root / kFile;
  if (!std::filesystem::is_regular_file(file)) {
    throw Error(ErrorKind::kUsage, "--selector " + name + ": the project has no " + kFile);
  }
  const yaml::Reader document(yaml::load_file(file.string()), kFile);
  const YAML::Node selectors = document.node()["selectors"];
  if (!selectors || !selectors.IsSequence()) {
    document.fail("selectors.yml needs a `selectors:` list");
  }
  std::vector<std::string> names;
  for (const YAML::Node& selector : selectors) {
    const yaml::Reader entry(selector, kFile);
    const std::string selector_name = entry.required_string("name");
    names.push_back(selector_name);
    if (selector_name != name) continue;
    if (!selector["definition"]) entry.fail("selector '" + name + "' has no definition");
    const ModelGraph graph = ModelGraph::of(project);
    const std::set<std::string> picked = Evaluator(project, graph).evaluate(selector["definition"]);
    if (picked.empty()) {
      throw Error(ErrorKind::kUsage, "selector '" + name + "' selects no nodes",
                  yaml::location(selector, kFile));
    }
    return {picked.begin(), picked.end()};
  }
  throw Error(ErrorKind::kUsage,
              "no selector named '" + name + "' in selectors.yml" + did_you_mean(name, names));
}

}  // namespace strata::transform
