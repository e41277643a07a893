#include "transform/dbt_context.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/text.hpp"
#include "transform/dbt_adapter.hpp"
#include "transform/dbt_project.hpp"
#include "transform/microbatch.hpp"

namespace strata::transform {
namespace {

using jinja::CallArguments;
using jinja::Dict;
using jinja::Value;

[[noreturn]] void fail(const CallArguments& arguments, const std::string& message) {
  throw Error(ErrorKind::kInput, message, arguments.where);
}

// A string argument that must be present.
std::string required_string(const CallArguments& arguments, const std::optional<Value>& value,
                            const std::string& function, const std::string& parameter) {
  if (!value || value->is_undefined() || value->is_none()) {
    fail(arguments, function + "() needs " + parameter);
  }
  if (!value->is_string()) {
    fail(arguments, function + "()'s " + parameter + " must be a string, not " +
                        value->type_name() + " " + value->repr());
  }
  return value->as_string();
}

template <typename T>
void add_once(std::vector<T>& items, const T& item) {
  if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
}

Value call_ref(ModelCompilation& compilation, const CallArguments& arguments) {
  if (arguments.positional.size() > 2 || arguments.positional.empty()) {
    fail(arguments, "ref() takes a model name, e.g. ref('stg_orders')");
  }
  for (const auto& argument : arguments.keyword) {
    const std::string& keyword = argument.first;
    if (keyword == "v" || keyword == "version") {
      fail(arguments, "ref() to a model version is not supported yet");
    }
    fail(arguments, "ref() got an unexpected argument '" + keyword + "'");
  }
  const std::string name =
      required_string(arguments, arguments.positional.back(), "ref", "a model name");
  if (arguments.positional.size() == 2) {
    const std::string package =
        required_string(arguments, arguments.positional.front(), "ref", "a package name");
    if (package != compilation.config.name) {
      fail(arguments, "ref('" + package + "', '" + name +
                          "'): models of other packages are not supported yet");
    }
  }
  auto found = compilation.relations.find(name);
  if (found == compilation.relations.end()) {
    std::vector<std::string> names;
    for (const auto& entry : compilation.relations) names.push_back(entry.first);
    fail(arguments,
         "ref('" + name + "'): there is no model named '" + name + "'" + did_you_mean(name, names));
  }
  add_once(compilation.model.refs, name);
  if (compilation.batch && compilation.dbt && !found->second.space.empty()) {
    auto event_time = compilation.dbt->event_times.find(name);
    if (event_time != compilation.dbt->event_times.end()) {
      return batch_relation_value(found->second, event_time->second, *compilation.batch);
    }
  }
  return relation_value(found->second);
}

Value call_source(ModelCompilation& compilation, const CallArguments& arguments) {
  auto bound = jinja::bind_arguments(arguments, {"source_name", "table_name"}, "source");
  const std::string source_name = required_string(arguments, bound[0], "source", "a source name");
  const std::string table_name = required_string(arguments, bound[1], "source", "a table name");
  const std::string call = "source('" + source_name + "', '" + table_name + "')";
  if (compilation.dbt) {
    std::vector<std::string> known;
    for (const SourceTable& table : compilation.dbt->sources) {
      if (table.source_name == source_name && table.name == table_name) {
        const lake::TableName relation{table.schema, table.identifier};
        add_once(compilation.model.sources, relation);
        return relation_value(relation);
      }
      known.push_back(table.source_name + "." + table.name);
    }
    if (!compilation.config.find_source(source_name)) {
      fail(arguments, call + ": no source table '" + source_name + "." + table_name +
                          "' is declared under `sources:` in the properties files" +
                          did_you_mean(source_name + "." + table_name, known));
    }
  }
  const SourceConfig* source = compilation.config.find_source(source_name);
  if (!source) {
    std::vector<std::string> names;
    for (const auto& declared : compilation.config.sources) names.push_back(declared.name);
    fail(arguments, call + ": there is no source named '" + source_name +
                        "' under `sources:` in strata.yml" + did_you_mean(source_name, names));
  }
  std::vector<std::string> tables;
  for (const auto& table : source->tables) tables.push_back(table.name);
  if (std::find(tables.begin(), tables.end(), table_name) == tables.end()) {
    fail(arguments, call + ": source '" + source_name + "' has no table '" + table_name + "'" +
                        did_you_mean(table_name, tables));
  }
  const lake::TableName table{source_name, table_name};
  add_once(compilation.model.sources, table);
  return relation_value(table);
}

void apply_materialized(Model& model, const Value& value, const CallArguments& arguments) {
  static const std::vector<std::string> supported = {"table", "view"};
  static const std::vector<std::string> later = {"incremental", "ephemeral", "materialized_view",
                                                 "snapshot", "seed"};
  const std::string kind = value.str();
  if (std::find(supported.begin(), supported.end(), kind) != supported.end()) {
    model.materialized = kind;
  } else if (std::find(later.begin(), later.end(), kind) != later.end()) {
    fail(arguments, "materialized='" + kind + "' is not supported yet (use 'table' or 'view')");
  } else {
    fail(arguments, "unknown materialization '" + kind + "'" + did_you_mean(kind, supported) +
                        ": use 'table' or 'view'");
  }
}

// dbt projects: config() merges into the node's configuration; unknown keys warn.
Value call_dbt_config(ModelCompilation& compilation, const CallArguments& arguments) {
  if (!arguments.positional.empty()) {
    if (arguments.positional.size() == 1 && arguments.positional[0].is_dict() &&
        arguments.keyword.empty()) {
      CallArguments named = arguments;
      named.positional.clear();
      for (const auto& entry : arguments.positional[0].as_dict().entries)
        named.keyword.push_back(entry);
      return call_dbt_config(compilation, named);
    }
    fail(arguments, "config() takes settings by name, e.g. config(materialized='table')");
  }
  if (!compilation.discovery) return std::string();
  for (const auto& [key, value] : arguments.keyword) {
    std::string warning;
    if (!apply_config(compilation.model.config, key, value, arguments.where, warning) &&
        compilation.warnings) {
      compilation.warnings->push_back(arguments.where.str() + ": " + warning);
    }
  }
  if (!compilation.model.config.materialized.empty()) {
    compilation.model.materialized = compilation.model.config.materialized;
  }
  compilation.model.tags = compilation.model.config.tags;
  return std::string();
}

Value call_config(ModelCompilation& compilation, const CallArguments& arguments) {
  if (compilation.dbt) return call_dbt_config(compilation, arguments);
  static const std::vector<std::string> supported = {"materialized", "schema", "tags"};
  // dbt settings a user may reasonably write that strata does not honour yet.
  static const std::vector<std::string> later = split(
      "alias database unique_key incremental_strategy pre_hook post_hook enabled full_refresh "
      "on_schema_change persist_docs meta docs grants contract partition_by cluster_by "
      "sql_header group access quoting",
      ' ');
  if (!arguments.positional.empty()) {
    fail(arguments, "config() takes settings by name, e.g. config(materialized='table')");
  }
  for (const auto& [key, value] : arguments.keyword) {
    if (std::find(supported.begin(), supported.end(), key) == supported.end()) {
      if (std::find(later.begin(), later.end(), key) != later.end()) {
        fail(arguments, "config(" + key + "=...) is not supported yet");
      }
      fail(arguments, "config() has no setting '" + key + "'" + did_you_mean(key, supported) +
                          "; supported: " + join(supported, ", "));
    }
    // Settings are validated in both passes but applied only in discovery, so `ref` in the
    // second pass sees the same schemas everywhere.
    Model& model = compilation.model;
    if (key == "materialized") {
      Model scratch;
      apply_materialized(compilation.discovery ? model : scratch, value, arguments);
    } else if (key == "schema") {
      if (!value.is_string() || value.as_string().empty()) {
        fail(arguments, "config(schema=...) must be a non-empty string");
      }
      if (compilation.discovery) model.schema = value.as_string();
    } else if (key == "tags") {
      std::vector<std::string> tags;
      for (const Value& tag : value.is_list() ? value.as_list() : jinja::List{value}) {
        if (!tag.is_string()) fail(arguments, "config(tags=...) must be a string or strings");
        tags.push_back(tag.as_string());
      }
      if (compilation.discovery) model.tags = std::move(tags);
    }
  }
  return std::string();
}

Value call_var(const ProjectConfig& config, const DbtEnvironment* dbt,
               const CallArguments& arguments) {
  auto bound = jinja::bind_arguments(arguments, {"name", "default"}, "var");
  const std::string name = required_string(arguments, bound[0], "var", "a variable name");
  if (dbt) {
    if (const Value* value = dbt->vars.find(name)) return *value;
  }
  auto found = config.vars.find(name);
  if (found != config.vars.end()) return found->second;
  if (bound[1]) return *bound[1];
  std::vector<std::string> names;
  for (const auto& entry : config.vars) names.push_back(entry.first);
  if (dbt) {
    for (const auto& entry : dbt->vars.entries) names.push_back(entry.first);
  }
  fail(arguments, "var('" + name + "') is not set: add it under `vars:` in " +
                      (dbt ? "dbt_project.yml, pass --vars" : "strata.yml") +
                      " or give a default, var('" + name + "', ...)" + did_you_mean(name, names));
}

Value env_var_value(const CallArguments& arguments) {
  auto bound = jinja::bind_arguments(arguments, {"name", "default"}, "env_var");
  const std::string name = required_string(arguments, bound[0], "env_var", "a variable name");
  if (const char* value = std::getenv(name.c_str())) return std::string(value);
  if (bound[1]) return *bound[1];
  fail(arguments, "env_var('" + name +
                      "'): the environment variable is not set and no default "
                      "was given");
}

Value target_value();

Value target_value(const DbtProject* project) {
  if (project) {
    Dict target;
    target.set("name", project->target_name);
    target.set("type", project->target_type);
    target.set("schema", project->target_schema);
    target.set("database", "");
    target.set("threads", project->threads);
    target.set("profile_name", project->profile);
    return Value(std::move(target));
  }
  return target_value();
}

Value target_value() {
  Dict target;
  target.set("name", "dev");
  target.set("type", "duckdb");
  target.set("schema", "main");
  target.set("database", "");
  return Value(std::move(target));
}

}  // namespace

jinja::Context dbt_context(ModelCompilation& compilation) {
  jinja::Context context;
  ModelCompilation* state = &compilation;
  context.set_function("ref", [state](const CallArguments& a) { return call_ref(*state, a); });
  context.set_function("source",
                       [state](const CallArguments& a) { return call_source(*state, a); });
  context.set_function("config",
                       [state](const CallArguments& a) { return call_config(*state, a); });
  context.set_function(
      "var", [state](const CallArguments& a) { return call_var(state->config, state->dbt, a); });
  context.set_function("env_var", [](const CallArguments& a) { return env_var_value(a); });
  context.set_function("is_incremental", [](const CallArguments& a) {
    jinja::bind_arguments(a, {}, "is_incremental");
    return Value(false);
  });
  context.set("this", relation_value(compilation.model.relation()));
  context.set("target", target_value(compilation.dbt ? &compilation.dbt->project : nullptr));
  if (compilation.dbt) add_dbt_context(context, compilation);
  return context;
}

Value call_env_var(const CallArguments& arguments) {
  return env_var_value(arguments);
}

Value batch_relation_value(const lake::TableName& table, const std::string& event_time,
                           const BatchWindow& batch) {
  const std::string column = engine::quote_identifier(event_time);
  Value relation = relation_value(table);
  Value filtered = Value::object(
      relation.as_dict(), "(select * from " + quoted_relation(table) + " where " + column +
                              " >= TIMESTAMP '" + batch_time_text(batch.start) + "' and " + column +
                              " < TIMESTAMP '" + batch_time_text(batch.end) + "')");
  return filtered;
}

Value relation_value(const lake::TableName& table) {
  Dict attributes;
  attributes.set("database", "");
  attributes.set("schema", table.space);
  attributes.set("name", table.name);
  attributes.set("identifier", table.name);
  attributes.set("is_table", true);
  attributes.set("is_view", false);
  const std::string display = table.space.empty() ? table.name : quoted_relation(table);
  return Value::object(std::move(attributes), display);
}

Value call_with_context(const Value& function, const jinja::Context& context,
                        std::vector<Value> positional,
                        std::vector<std::pair<std::string, Value>> keyword) {
  CallArguments arguments;
  arguments.positional = std::move(positional);
  arguments.keyword = std::move(keyword);
  arguments.context = &context;
  return function.as_callable().function(arguments);
}

}  // namespace strata::transform
