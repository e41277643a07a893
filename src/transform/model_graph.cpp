#include "transform/model_graph.hpp"

#include <algorithm>
#include <queue>

#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::transform {

ModelGraph::ModelGraph(const Dependencies& dependencies) {
  std::vector<std::string> names;
  for (const auto& entry : dependencies) {
    names.push_back(entry.first);
    parents_[entry.first];
    children_[entry.first];
  }
  for (const auto& [name, reads] : dependencies) {
    for (const std::string& parent : reads) {
      if (!parents_.contains(parent)) {
        throw Error(ErrorKind::kInput,
                    "model '" + name + "' reads unknown model '" + parent + "'" +
                        did_you_mean(parent, names),
                    Location::of(name));
      }
      auto& list = parents_[name];
      if (std::find(list.begin(), list.end(), parent) != list.end()) continue;
      list.push_back(parent);
      children_[parent].push_back(name);
    }
  }
  for (auto* edges : {&parents_, &children_}) {
    for (auto& entry : *edges) std::sort(entry.second.begin(), entry.second.end());
  }

  // Kahn's algorithm with a min-heap: among the models whose inputs are all built, the
  // alphabetically first goes next.
  std::map<std::string, size_t> waiting_on;
  std::priority_queue<std::string, std::vector<std::string>, std::greater<>> ready;
  for (const auto& [name, reads] : parents_) {
    waiting_on[name] = reads.size();
    if (reads.empty()) ready.push(name);
  }
  while (!ready.empty()) {
    std::string name = ready.top();
    ready.pop();
    for (const std::string& child : children_[name]) {
      if (--waiting_on[child] == 0) ready.push(child);
    }
    order_.push_back(std::move(name));
  }
  if (order_.size() != parents_.size()) {
    std::set<std::string> unfinished;
    for (const auto& [name, count] : waiting_on) {
      if (count > 0) unfinished.insert(name);
    }
    fail_cycle(unfinished);
  }
}

void ModelGraph::fail_cycle(const std::set<std::string>& unfinished) const {
  // Every unfinished model still waits on an unfinished parent, so walking parents from any of
  // them must come back to a model already seen: that loop is a cycle.
  std::vector<std::string> walk{*unfinished.begin()};
  while (true) {
    const auto& reads = parents_.at(walk.back());
    const std::string& parent = *std::find_if(
        reads.begin(), reads.end(), [&](const auto& p) { return unfinished.contains(p); });
    auto seen = std::find(walk.begin(), walk.end(), parent);
    if (seen != walk.end()) {
      std::vector<std::string> cycle(seen, walk.end());
      // The walk went against the data flow; print it along the flow, from its first name.
      std::reverse(cycle.begin(), cycle.end());
      std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
      const std::string first = cycle.front();
      cycle.push_back(first);
      throw Error(ErrorKind::kInput,
                  "models depend on each other in a cycle: " + join(cycle, " -> "),
                  Location::of(first));
    }
    walk.push_back(parent);
  }
}

ModelGraph ModelGraph::of(const ModelProject& project) {
  Dependencies dependencies;
  std::map<std::string, std::vector<std::string>> tests_of;  // node -> tests attached to it
  std::map<std::string, std::vector<std::string>> unit_tests_of;
  std::map<std::string, std::string> producers;  // relation ("schema.name") -> node building it
  for (const Model& model : project.models) {
    if (model.resource_type != "test") producers[model.relation().str()] = model.name;
  }
  for (const Model& model : project.models) {
    dependencies[model.name] = model.refs;
    // A source that is a relation this project builds (a seed, say) is read after it is built.
    for (const lake::TableName& source : model.sources) {
      auto producer = producers.find(source.str());
      if (producer != producers.end() && producer->second != model.name) {
        dependencies[model.name].push_back(producer->second);
      }
    }
    if (model.resource_type == "test" && !model.attached_node.empty()) {
      tests_of[model.attached_node].push_back(model.name);
    }
    // A model waits for its unit tests (they run on given rows, not on the model's inputs).
    if (model.resource_type == "unit_test")
      unit_tests_of[model.attached_node].push_back(model.name);
  }
  // As in `dbt build`, a node waits for the tests of the nodes it reads, so that a failing test
  // stops what is downstream of the data it found wrong.
  for (const Model& model : project.models) {
    if (model.resource_type == "test" || model.resource_type == "unit_test") continue;
    for (const std::string& test : unit_tests_of[model.name]) {
      dependencies[model.name].push_back(test);
    }
    for (const std::string& parent : model.refs) {
      for (const std::string& test : tests_of[parent]) dependencies[model.name].push_back(test);
    }
  }
  try {
    return ModelGraph(dependencies);
  } catch (const Error& error) {
    const Model* model = project.find(error.where().object);
    if (!model) throw;
    throw Error(error.kind(), error.message(), Location(model->relative_path.string()));
  }
}

const std::vector<std::string>& ModelGraph::parents(const std::string& name) const {
  return parents_.at(name);
}

const std::vector<std::string>& ModelGraph::children(const std::string& name) const {
  return children_.at(name);
}

std::set<std::string> ModelGraph::reachable(
    const std::string& name, const std::map<std::string, std::vector<std::string>>& edges) const {
  std::set<std::string> found;
  std::vector<std::string> pending{name};
  while (!pending.empty()) {
    const std::string current = pending.back();
    pending.pop_back();
    for (const std::string& next : edges.at(current)) {
      if (found.insert(next).second) pending.push_back(next);
    }
  }
  found.erase(name);
  return found;
}

std::set<std::string> ModelGraph::upstream(const std::string& name) const {
  return reachable(name, parents_);
}

std::set<std::string> ModelGraph::downstream(const std::string& name) const {
  return reachable(name, children_);
}

std::vector<std::string> ModelGraph::select(const std::vector<std::string>& selectors) const {
  if (selectors.empty()) return order_;
  std::set<std::string> chosen;
  for (const std::string& selector : selectors) {
    std::string_view name = selector;
    const bool with_upstream = name.starts_with('+');
    if (with_upstream) name.remove_prefix(1);
    const bool with_downstream = name.ends_with('+');
    if (with_downstream) name.remove_suffix(1);
    const std::string model(name);
    if (!parents_.contains(model)) {
      throw Error(ErrorKind::kUsage,
                  "no model named '" + model + "' to select" + did_you_mean(model, order_));
    }
    chosen.insert(model);
    if (with_upstream) chosen.merge(upstream(model));
    if (with_downstream) chosen.merge(downstream(model));
  }
  std::vector<std::string> selected;
  for (const std::string& name : order_) {
    if (chosen.contains(name)) selected.push_back(name);
  }
  return selected;
}

}  // namespace strata::transform
