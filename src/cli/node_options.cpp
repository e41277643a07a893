#include "cli/node_options.hpp"

#include "core/log.hpp"
#include "lake/metastore.hpp"
#include "transform/staged_table.hpp"

namespace strata::cli {

void add_node_options(CLI::App& command, NodeOptions& options, bool builds) {
  command.add_option("-s,--select", options.select,
                     "Nodes: NAME, +NAME, NAME+, n+NAME, @NAME, tag:X, path:X, resource_type:X, "
                     "source:X, config.KEY:X; a,b intersects");
  command.add_option("--exclude", options.exclude, "Nodes to leave out (same syntax)");
  command.add_option("--vars", options.vars, "dbt vars as a YAML mapping, e.g. '{day: 3}'");
  command.add_option("-t,--target", options.target, "The profiles.yml target (dbt projects)");
  if (builds) {
    command.add_flag("--full-refresh", options.full_refresh, "Rebuild incremental models whole");
    command.add_flag("-x,--fail-fast", options.fail_fast, "Stop at the first failure");
    command.add_option("--threads", options.threads,
                       "Nodes built at once, in DAG order (default: the number of cores)");
  }
}

transform::ModelProject load_project_nodes(ProjectContext& context, const NodeOptions& options) {
  transform::CompileOptions compile;
  compile.target = options.target;
  compile.vars_yaml = options.vars;
  compile.full_refresh = options.full_refresh;
  ProjectContext* project = &context;
  compile.relation_exists = [project](const lake::TableName& table) {
    return project->store().find_table(table).has_value();
  };
  compile.columns_of = [project](const lake::TableName& table) {
    std::vector<std::pair<std::string, std::string>> columns;
    for (const auto& row :
         project->connection().query("DESCRIBE " + transform::quoted_relation(table)).fetch_all()) {
      columns.emplace_back(std::get<std::string>(row[0]), std::get<std::string>(row[1]));
    }
    return columns;
  };
  compile.run_query = [project](const std::string& sql) {
    engine::Result result = project->connection().query(sql);
    std::vector<std::vector<std::optional<std::string>>> rows;
    const std::vector<std::string> names = result.column_names();
    for (const auto& row : result.fetch_all()) {
      std::vector<std::optional<std::string>> texts;
      for (const auto& value : row) {
        std::visit(
            [&](const auto& v) {
              using T = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<T, std::monostate>) {
                texts.emplace_back(std::nullopt);
              } else if constexpr (std::is_same_v<T, std::string>) {
                texts.emplace_back(v);
              } else if constexpr (std::is_same_v<T, bool>) {
                texts.emplace_back(v ? "true" : "false");
              } else {
                texts.emplace_back(std::to_string(v));
              }
            },
            value);
      }
      rows.push_back(std::move(texts));
    }
    return std::make_pair(names, rows);
  };
  transform::ModelProject nodes = transform::load_models(context.config(), compile);
  for (const std::string& warning : nodes.warnings) log::warn(warning);
  return nodes;
}

}  // namespace strata::cli
