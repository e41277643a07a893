#include "transform/dbt_adapter.hpp"

#include <cstdlib>
#include <iostream>

#include "core/log.hpp"
#include "engine/database.hpp"
#include "transform/dbt_project.hpp"
#include "transform/macro_registry.hpp"
#include "transform/microbatch.hpp"
#include "transform/template_json.hpp"

namespace strata::transform {
namespace {

using jinja::CallArguments;
using jinja::Dict;
using jinja::List;
using jinja::Value;

[[noreturn]] void fail(const CallArguments& arguments, const std::string& message) {
  throw Error(ErrorKind::kInput, message, arguments.where);
}

bool effective_full_refresh(const ModelCompilation& compilation) {
  const auto& config = compilation.model.config;
  if (config.full_refresh) return *config.full_refresh;
  return compilation.dbt->options.full_refresh;
}

bool relation_exists(const ModelCompilation& compilation, const lake::TableName& table) {
  const auto& exists = compilation.dbt->options.relation_exists;
  return exists && exists(table);
}

// A value read back from the database as text: numbers become numbers, as agate would type them.
Value typed(const std::optional<std::string>& text) {
  if (!text) return Value::none();
  char* end = nullptr;
  const long long integer = std::strtoll(text->c_str(), &end, 10);
  if (!text->empty() && *end == '\0') return static_cast<int64_t>(integer);
  const double real = std::strtod(text->c_str(), &end);
  if (!text->empty() && *end == '\0') return real;
  return *text;
}

Value query_table(const std::vector<std::string>& names,
                  const std::vector<std::vector<std::optional<std::string>>>& rows) {
  List row_values;
  std::vector<List> column_values(names.size());
  for (const auto& row : rows) {
    List values;
    for (size_t i = 0; i < row.size() && i < names.size(); ++i) {
      values.push_back(typed(row[i]));
      column_values[i].push_back(values.back());
    }
    row_values.push_back(Value::tuple(std::move(values)));
  }
  List columns;
  for (size_t i = 0; i < names.size(); ++i) {
    Dict column;
    column.set("name", names[i]);
    Value values = std::move(column_values[i]);
    column.set("values",
               Value::function("values", [values](const CallArguments&) { return values; }));
    columns.push_back(std::move(column));
  }
  Dict table;
  table.set("columns", std::move(columns));
  table.set("rows", std::move(row_values));
  List column_names;
  for (const std::string& name : names) column_names.emplace_back(name);
  table.set("column_names", std::move(column_names));
  return table;
}

Value run_query(ModelCompilation& compilation, const std::string& sql) {
  compilation.model.introspective = true;
  if (compilation.discovery || !compilation.dbt->options.run_query) return Value::none();
  auto [names, rows] = compilation.dbt->options.run_query(sql);
  return query_table(names, rows);
}

lake::TableName relation_argument(const Value& value, const CallArguments& arguments) {
  if (!value.is_dict())
    fail(arguments, "expected a relation, e.g. ref('x'), not " + value.type_name());
  const Value* schema = value.as_dict().find("schema");
  const Value* name = value.as_dict().find("identifier");
  if (!schema || !name) fail(arguments, "expected a relation, e.g. ref('x')");
  return {schema->str(), name->str()};
}

Value adapter_value(ModelCompilation* state) {
  Dict adapter;
  adapter.set("type",
              Value::function("type", [](const CallArguments&) { return Value("duckdb"); }));
  adapter.set("quote", Value::function("quote", [](const CallArguments& arguments) {
                auto bound = jinja::bind_arguments(arguments, {"identifier"}, "adapter.quote");
                return Value(engine::quote_identifier(bound[0].value_or(Value("")).str()));
              }));
  adapter.set("dispatch", Value::function("dispatch", [state](const CallArguments& arguments) {
                auto bound = jinja::bind_arguments(arguments, {"macro_name", "macro_namespace"},
                                                   "adapter.dispatch");
                const std::string name = bound[0].value_or(Value("")).str();
                if (const Value* found = state->dbt->macros.dispatch(name)) return *found;
                fail(arguments, "adapter.dispatch('" + name + "'): no macro duckdb__" + name +
                                    ", default__" + name + " or " + name);
              }));
  adapter.set("get_columns_in_relation",
              Value::function("get_columns_in_relation", [state](const CallArguments& arguments) {
                auto bound = jinja::bind_arguments(arguments, {"relation"},
                                                   "adapter.get_columns_in_relation");
                state->model.introspective = true;
                List columns;
                const auto& columns_of = state->dbt->options.columns_of;
                if (state->discovery || !columns_of) return Value(columns);
                for (const auto& [name, type] :
                     columns_of(relation_argument(bound[0].value_or(Value()), arguments))) {
                  Dict column;
                  column.set("name", name);
                  column.set("column", name);
                  column.set("data_type", type);
                  column.set("dtype", type);
                  column.set("quoted", engine::quote_identifier(name));
                  columns.push_back(Value::object(std::move(column), name));
                }
                return Value(columns);
              }));
  adapter.set("get_relation",
              Value::function("get_relation", [state](const CallArguments& arguments) {
                auto bound = jinja::bind_arguments(arguments, {"database", "schema", "identifier"},
                                                   "adapter.get_relation");
                const lake::TableName table{bound[1].value_or(Value("")).str(),
                                            bound[2].value_or(Value("")).str()};
                state->model.introspective = true;
                if (!relation_exists(*state, table)) return Value::none();
                return relation_value(table);
              }));
  return adapter;
}

Value exceptions_value() {
  Dict exceptions;
  exceptions.set(
      "raise_compiler_error",
      Value::function("raise_compiler_error", [](const CallArguments& arguments) -> Value {
        auto bound = jinja::bind_arguments(arguments, {"message"}, "raise_compiler_error");
        fail(arguments, "compilation error: " + bound[0].value_or(Value("")).str());
      }));
  exceptions.set(
      "warn", Value::function("warn", [](const CallArguments& arguments) {
        auto bound = jinja::bind_arguments(arguments, {"message"}, "exceptions.warn");
        log::warn(bound[0].value_or(Value("")).str(), {{"where", arguments.where.str()}});
        return Value("");
      }));
  return exceptions;
}

}  // namespace

Value node_value(const Model& model) {
  Dict node;
  node.set("name", model.name);
  node.set("resource_type", model.resource_type);
  node.set("schema", model.schema);
  node.set("alias", model.name);
  node.set("path", model.relative_path.string());
  node.set("original_file_path", model.relative_path.string());
  List fqn;
  for (const std::string& part : model.fqn) fqn.emplace_back(part);
  node.set("fqn", std::move(fqn));
  node.set("config", Value(model.config.all));
  List tags;
  for (const std::string& tag : model.tags) tags.emplace_back(tag);
  node.set("tags", std::move(tags));
  node.set("version", Value::none());
  return node;
}

void add_dbt_context(jinja::Context& context, ModelCompilation& compilation) {
  ModelCompilation* state = &compilation;
  compilation.dbt->macros.install(context);
  context.set("execute", !compilation.discovery);
  context.set("flags", Value(Dict{}));
  context.set("project_name", compilation.dbt->project.name);
  context.set("graph", compilation.dbt->graph);
  Value model_value = node_value(compilation.model);
  if (compilation.batch) {  // dbt's model.batch while a microbatch batch renders
    Dict batch;
    batch.set("id", batch_time_text(compilation.batch->start));
    batch.set("event_time_start", batch_time_text(compilation.batch->start));
    batch.set("event_time_end", batch_time_text(compilation.batch->end));
    model_value.mutable_dict().set("batch", std::move(batch));
  }
  context.set("model", model_value);
  context.set_function("is_incremental", [state](const CallArguments& arguments) {
    jinja::bind_arguments(arguments, {}, "is_incremental");
    if (state->batch) return Value(state->batch->incremental);
    const Model& model = state->model;
    return Value(model.materialized == "incremental" && !state->discovery &&
                 !effective_full_refresh(*state) && relation_exists(*state, model.relation()));
  });
  context.set("should_full_refresh",
              Value::function("should_full_refresh", [state](const CallArguments&) {
                return Value(effective_full_refresh(*state));
              }));
  context.set("adapter", adapter_value(state));
  context.set_function("run_query", [state](const CallArguments& arguments) {
    auto bound = jinja::bind_arguments(arguments, {"sql"}, "run_query");
    return run_query(*state, bound[0].value_or(Value("")).str());
  });
  // {% call statement('name', fetch_result=True) %}SQL{% endcall %} and load_result('name').
  auto results = std::make_shared<Dict>();
  context.set_function("statement", [state, results](const CallArguments& arguments) {
    auto bound = jinja::bind_arguments(
        arguments, {"name", "fetch_result", "auto_begin", "language", "caller"}, "statement");
    if (!bound[4] || !bound[4]->is_callable()) {
      fail(arguments, "statement() is used as a call block: {% call statement('name') %}...");
    }
    const std::string sql = call_with_context(*bound[4], *arguments.context, {}).str();
    const Value table = run_query(*state, sql);
    if (bound[0] && !state->discovery) {
      Dict result;
      result.set("table", table);
      result.set("data", table.is_dict() ? *table.as_dict().find("rows") : Value(List{}));
      Dict response;
      response.set("code", "SELECT");
      response.set("rows_affected",
                   table.is_dict()
                       ? static_cast<int64_t>(table.as_dict().find("rows")->as_list().size())
                       : int64_t{0});
      result.set("response", std::move(response));
      results->set(bound[0]->str(), std::move(result));
    }
    return Value("");
  });
  context.set_function("load_result", [results](const CallArguments& arguments) {
    auto bound = jinja::bind_arguments(arguments, {"name"}, "load_result");
    const Value* found = results->find(bound[0].value_or(Value("")).str());
    return found ? *found : Value::none();
  });
  context.set_function("tojson", [](const CallArguments& arguments) {
    auto bound = jinja::bind_arguments(arguments, {"value", "sort_keys"}, "tojson");
    return Value(jinja::to_json(bound[0].value_or(Value::none())).dump());
  });
  context.set_function("fromjson", [](const CallArguments& arguments) {
    auto bound = jinja::bind_arguments(arguments, {"string", "default"}, "fromjson");
    try {
      return jinja::parse_json(bound[0].value_or(Value("")).str());
    } catch (const Error&) {
      if (bound[1]) return *bound[1];
      throw;
    }
  });
  context.set("exceptions", exceptions_value());
  context.set_function("log", [](const CallArguments& arguments) {
    auto bound = jinja::bind_arguments(arguments, {"msg", "info"}, "log");
    const std::string message = bound[0].value_or(Value("")).str();
    if (bound[1] && bound[1]->truthy()) {
      log::info(message);
    } else {
      log::debug(message);
    }
    return Value("");
  });
  context.set_function("print", [](const CallArguments& arguments) {
    std::cout << (arguments.positional.empty() ? std::string() : arguments.positional[0].str())
              << "\n";
    return Value("");
  });
}

}  // namespace strata::transform
