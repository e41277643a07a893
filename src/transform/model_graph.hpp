// The dependency graph of a project's models: an edge from each model to every model it ref()s.
// It gives the execution order (every model after the models it reads; ties broken
// alphabetically, so runs are reproducible), rejects cycles by printing one (`a -> b -> a`, in the
// direction data flows), and resolves selections: model names, optionally with dbt's `+name`
// (and everything upstream) and `name+` (and everything downstream).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "transform/project.hpp"

namespace strata::transform {

// For each model, the models it reads.
using Dependencies = std::map<std::string, std::vector<std::string>>;

class ModelGraph {
 public:
  // `dependencies[name]` lists the models `name` reads from; each must be a key too. Throws
  // Error(kInput) on a cycle (with the first model of the cycle as its object) and on unknown
  // dependencies.
  explicit ModelGraph(const Dependencies& dependencies);
  // The graph of a project's refs; a cycle error names the file of a model on the cycle.
  static ModelGraph of(const ModelProject& project);

  // Every model, each after the models it reads; alphabetical among models ready at once.
  const std::vector<std::string>& order() const { return order_; }
  bool contains(std::string_view name) const { return parents_.contains(std::string(name)); }
  // Direct neighbours, sorted.
  const std::vector<std::string>& parents(const std::string& name) const;
  const std::vector<std::string>& children(const std::string& name) const;
  // Everything upstream (read directly or indirectly) or downstream of `name`, excluding it.
  std::set<std::string> upstream(const std::string& name) const;
  std::set<std::string> downstream(const std::string& name) const;

  // The models picked by `selectors` ("name", "+name", "name+", "+name+"), in execution order.
  // An empty list selects everything. Throws Error(kUsage) for unknown names, with a hint.
  std::vector<std::string> select(const std::vector<std::string>& selectors) const;

 private:
  std::map<std::string, std::vector<std::string>> parents_;
  std::map<std::string, std::vector<std::string>> children_;
  std::vector<std::string> order_;

  std::set<std::string> reachable(
      const std::string& name, const std::map<std::string, std::vector<std::string>>& edges) const;
  [[noreturn]] void fail_cycle(const std::set<std::string>& unfinished) const;
};

}  // namespace strata::transform
