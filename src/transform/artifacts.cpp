#include "transform/artifacts.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "core/digest.hpp"
#include "core/ids.hpp"
#include "core/paths.hpp"
#include "core/text.hpp"
#include "core/time_text.hpp"
#include "transform/contract.hpp"
#include "transform/macro_registry.hpp"
#include "transform/model_graph.hpp"
#include "transform/template_json.hpp"

namespace strata::transform {
namespace {

using nlohmann::json;

// The version of dbt whose behaviour strata follows, as readers expect it in metadata.
constexpr const char* kDbtVersion = "1.10.0";

std::string now_text() {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return iso_utc(seconds.count());
}

json metadata(const ModelProject& project, const std::string& schema) {
  return {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/" + schema},
          {"dbt_version", kDbtVersion},
          {"generated_at", now_text()},
          {"invocation_id", ids::uuid4()},
          {"env", json::object()},
          {"project_name", project.name},
          {"adapter_type", "duckdb"}};
}

std::string source_id(const ModelProject& project, const SourceTable& source) {
  return "source." + project.name + "." + source.source_name + "." + source.name;
}

}  // namespace

std::string unique_id(const ModelProject& project, const Model& node) {
  if (node.resource_type == "unit_test") {
    return "unit_test." + project.name + "." + node.attached_node + "." + node.name;
  }
  return node.resource_type + "." + project.name + "." + node.name;
}

namespace {

// dbt's checksum of a node's file: sha256 of its contents; a seed over 1 MiB is known by its
// path instead, as dbt does, so large seeds are not read twice.
json file_checksum(const Model& node) {
  constexpr uintmax_t kLargestHashedSeed = 1 << 20;
  std::string contents = node.raw_sql;
  if (node.resource_type == "seed" || node.resource_type == "snapshot") {
    std::error_code error;
    const uintmax_t size = std::filesystem::file_size(node.file, error);
    if (!error && node.resource_type == "seed" && size > kLargestHashedSeed) {
      return {{"name", "path"}, {"checksum", node.relative_path.generic_string()}};
    }
    if (!error) contents = paths::read_file(node.file);
  }
  return {{"name", "sha256"}, {"checksum", hex_encode(sha256(contents))}};
}

// dbt's contract checksum: the declared columns sorted by name, each "|name" + data type +
// constraints (strata has none: "[]"), and the materialization for those that enforce
// constraints.
json contract(const Model& node) {
  const bool enforced = contract_enforced(node);
  json out = {{"enforced", enforced}, {"alias_types", true}, {"checksum", nullptr}};
  if (!enforced) return out;
  std::vector<const ColumnProperties*> columns;
  for (const ColumnProperties& column : node.columns) columns.push_back(&column);
  std::sort(columns.begin(), columns.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  std::string state;
  for (const ColumnProperties* column : columns) {
    state += "|" + column->name + (column->data_type.empty() ? "None" : column->data_type) + "[]";
  }
  if (node.materialized == "table" || node.materialized == "incremental") {
    state += node.materialized + "[]";
  }
  out["checksum"] = hex_encode(sha256(state));
  return out;
}

std::string macro_id(const ModelProject& project, const std::string& name) {
  return "macro." + project.name + "." + name;
}

// The project macros a node calls, by unique id (a generic test: its test macro too).
json macro_ids(const ModelProject& project, const Model& node) {
  std::vector<std::string> names = called_macros(node.raw_sql, project.macro_sources);
  if (!node.test_name.empty() && project.macro_sources.contains("test_" + node.test_name)) {
    names.push_back("test_" + node.test_name);
  }
  json out = json::array();
  for (const std::string& name : names) out.push_back(macro_id(project, name));
  return out;
}

}  // namespace

json manifest_macros(const ModelProject& project) {
  json out = json::object();
  for (const auto& [name, text] : project.macro_sources) {
    json depends = json::array();
    for (const std::string& called : called_macros(text, project.macro_sources)) {
      if (called != name) depends.push_back(macro_id(project, called));
    }
    out[macro_id(project, name)] = {{"unique_id", macro_id(project, name)},
                                    {"resource_type", "macro"},
                                    {"name", name},
                                    {"package_name", project.name},
                                    {"macro_sql", text},
                                    {"depends_on", {{"macros", depends}}}};
  }
  return out;
}

json manifest_node(const ModelProject& project, const Model& node) {
  const std::string id = unique_id(project, node);
  json depends = json::array(), refs = json::array(), source_refs = json::array();
  for (const std::string& ref : node.refs) {
    if (const Model* parent = project.find(ref)) {
      depends.push_back(unique_id(project, *parent));
      refs.push_back({{"name", ref}, {"package", nullptr}, {"version", nullptr}});
    }
  }
  for (const lake::TableName& table : node.sources) {
    for (const SourceTable& source : project.sources) {
      if (source.schema == table.space && source.identifier == table.name) {
        depends.push_back(source_id(project, source));
        source_refs.push_back({source.source_name, source.name});
      }
    }
  }
  json columns = json::object();
  for (const ColumnProperties& column : node.columns) {
    columns[column.name] = {
        {"name", column.name},
        {"description", column.description},
        {"data_type", column.data_type.empty() ? json(nullptr) : json(column.data_type)},
        {"meta", json::object()},
        {"tags", json::array()}};
  }
  json config_json = jinja::to_json(jinja::Value(node.config.all));
  config_json["materialized"] = node.materialized;
  config_json["enabled"] = node.config.enabled;
  config_json["tags"] = node.tags;
  json entry = {{"unique_id", id},
                {"resource_type", node.resource_type},
                {"name", node.name},
                {"package_name", project.name},
                {"path", node.relative_path.generic_string()},
                {"original_file_path", node.relative_path.generic_string()},
                {"fqn", node.fqn},
                {"database", ""},
                {"schema", node.schema},
                {"alias", node.materialized == "test" ? node.name : node.relation().name},
                {"relation_name", node.materialized == "test" || node.materialized == "ephemeral"
                                      ? json(nullptr)
                                      : json(quoted_relation(node.relation()))},
                {"checksum", file_checksum(node)},
                {"config", config_json},
                {"unrendered_config", jinja::to_json(jinja::Value(node.config.unrendered))},
                {"tags", node.tags},
                {"description", node.description},
                {"columns", columns},
                {"depends_on", {{"macros", macro_ids(project, node)}, {"nodes", depends}}},
                {"refs", refs},
                {"sources", source_refs},
                {"raw_code", node.raw_sql},
                {"compiled", true},
                {"compiled_code", node.compiled_sql},
                {"language", "sql"}};
  if (node.resource_type == "model") entry["contract"] = contract(node);
  if (!node.test_name.empty()) {
    entry["test_metadata"] = {{"name", node.test_name}, {"kwargs", json::object()}};
    entry["column_name"] = node.column_name.empty() ? json(nullptr) : json(node.column_name);
    entry["attached_node"] = node.attached_node.empty()
                                 ? json(nullptr)
                                 : json(unique_id(project, *project.find(node.attached_node)));
  }
  if (node.resource_type == "unit_test") entry["model"] = node.attached_node;
  return entry;
}

void write_manifest(const ProjectConfig& config, const ModelProject& project) {
  json nodes = json::object(), sources = json::object(), unit_tests = json::object();
  json parent_map = json::object(), child_map = json::object();
  for (const SourceTable& source : project.sources) {
    const std::string id = source_id(project, source);
    sources[id] = {{"unique_id", id},
                   {"resource_type", "source"},
                   {"package_name", project.name},
                   {"source_name", source.source_name},
                   {"name", source.name},
                   {"identifier", source.identifier},
                   {"schema", source.schema},
                   {"database", ""},
                   {"description", source.description},
                   {"fqn", {project.name, source.source_name, source.name}},
                   {"relation_name", "\"" + source.schema + "\".\"" + source.identifier + "\""},
                   {"columns", json::object()}};
    parent_map[id] = json::array();
    child_map[id] = json::array();
  }
  for (const Model& node : project.models) {
    json entry = manifest_node(project, node);
    const std::string id = entry["unique_id"];
    if (node.resource_type == "unit_test") {  // dbt keeps them apart from the DAG's nodes
      unit_tests[id] = std::move(entry);
      continue;
    }
    const json& depends = entry["depends_on"]["nodes"];
    parent_map[id] = depends;
    if (!child_map.contains(id)) child_map[id] = json::array();
    for (const json& parent : depends) child_map[parent.get<std::string>()].push_back(id);
    nodes[id] = std::move(entry);
  }
  json manifest = {{"metadata", metadata(project, "manifest/v12.json")},
                   {"nodes", nodes},
                   {"sources", sources},
                   {"macros", manifest_macros(project)},
                   {"docs", json::object()},
                   {"exposures", json::object()},
                   {"metrics", json::object()},
                   {"groups", json::object()},
                   {"selectors", json::object()},
                   {"disabled", json::object()},
                   {"parent_map", parent_map},
                   {"child_map", child_map},
                   {"group_map", json::object()},
                   {"saved_queries", json::object()},
                   {"semantic_models", json::object()},
                   {"unit_tests", unit_tests}};
  paths::write_file_atomically(config.root / "target" / "manifest.json", manifest.dump(1));
}

void write_catalog(
    const ProjectConfig& config, const ModelProject& project,
    const std::function<std::vector<std::pair<std::string, std::string>>(const lake::TableName&)>&
        columns_of) {
  auto entry = [&](const std::string& id, const lake::TableName& table, bool view) -> json {
    const auto columns = columns_of(table);
    if (columns.empty()) return nullptr;
    json column_json = json::object();
    for (size_t i = 0; i < columns.size(); ++i) {
      column_json[columns[i].first] = {{"type", columns[i].second},
                                       {"index", i + 1},
                                       {"name", columns[i].first},
                                       {"comment", nullptr}};
    }
    return {{"unique_id", id},
            {"metadata",
             {{"type", view ? "VIEW" : "BASE TABLE"},
              {"schema", table.space},
              {"name", table.name},
              {"database", ""},
              {"comment", nullptr},
              {"owner", nullptr}}},
            {"columns", column_json},
            {"stats", json::object()}};
  };
  json nodes = json::object(), sources = json::object();
  for (const Model& node : project.models) {
    if (node.materialized == "test" || node.materialized == "ephemeral") continue;
    const std::string id = unique_id(project, node);
    json one = entry(id, node.relation(), node.materialized == "view");
    if (!one.is_null()) nodes[id] = std::move(one);
  }
  for (const SourceTable& source : project.sources) {
    const std::string id = source_id(project, source);
    json one = entry(id, {source.schema, source.identifier}, false);
    if (!one.is_null()) sources[id] = std::move(one);
  }
  json catalog = {{"metadata", metadata(project, "catalog/v1.json")},
                  {"nodes", nodes},
                  {"sources", sources},
                  {"errors", nullptr}};
  paths::write_file_atomically(config.root / "target" / "catalog.json", catalog.dump(1));
}

void write_lineage(const ProjectConfig& config, const ModelProject& project, json lineage) {
  lineage["metadata"] = metadata(project, "strata-lineage/v1.json");
  paths::write_file_atomically(config.root / "target" / "lineage.json", lineage.dump(1));
}

void write_run_results(const ProjectConfig& config, const ModelProject& project,
                       const RunSummary& summary, std::chrono::system_clock::time_point started,
                       const json& args) {
  json results = json::array();
  for (const ModelResult& result : summary.models) {
    const Model* node = project.find(result.name);
    std::string status;
    if (!result.outcome.empty()) {
      status = result.outcome;
    } else if (result.status == lake::RunStatus::kSuccess) {
      status = "success";
    } else if (result.status == lake::RunStatus::kFailed) {
      status = result.batches.succeeded.empty() || result.batches.failed.empty()
                   ? "error"
                   : "partial success";
    } else {
      status = "skipped";
    }
    json one = {{"unique_id", node ? unique_id(project, *node) : result.name},
                {"status", status},
                {"thread_id", "Thread-1"},
                {"execution_time", result.seconds},
                {"timing", json::array()},
                {"adapter_response", {{"rows_affected", result.rows}}},
                {"message", result.error.empty() ? json(nullptr) : json(result.error)},
                {"failures", !result.outcome.empty() ? json(result.rows) : json(nullptr)},
                {"compiled", true},
                {"compiled_code", node ? node->compiled_sql : ""},
                {"relation_name", !result.outcome.empty() ? json(nullptr) : json(result.relation)}};
    if (!result.batches.succeeded.empty() || !result.batches.failed.empty()) {
      auto windows = [](const std::vector<BatchWindow>& batches) {
        json out = json::array();
        for (const BatchWindow& batch : batches) {
          out.push_back({iso_utc(batch.start), iso_utc(batch.end)});
        }
        return out;
      };
      one["batch_results"] = {{"successful", windows(result.batches.succeeded)},
                              {"failed", windows(result.batches.failed)}};
    }
    results.push_back(std::move(one));
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::system_clock::now() - started).count();
  json run_results = {{"metadata", metadata(project, "run-results/v6.json")},
                      {"results", results},
                      {"elapsed_time", elapsed},
                      {"args", args}};
  paths::write_file_atomically(config.root / "target" / "run_results.json", run_results.dump(1));
  write_manifest(config, project);
}

}  // namespace strata::transform
