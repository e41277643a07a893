#include "transform/schema_files.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "core/yaml_util.hpp"
#include "transform/dbt_project.hpp"

namespace strata::transform {
namespace {

namespace fs = std::filesystem;
using jinja::Value;

// Keys of a test entry that configure the test rather than being its arguments.
bool is_test_config_key(const std::string& key) {
  static const std::vector<std::string> keys = split(
      "severity where limit warn_if error_if store_failures enabled tags meta fail_calc "
      "alias schema database store_failures_as",
      ' ');
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::vector<TestSpec> parse_tests(const yaml::Reader& owner, const std::string& file) {
  std::vector<TestSpec> tests;
  for (const char* key : {"tests", "data_tests"}) {
    const yaml::Reader list = owner.child(key);
    if (!list.node().IsDefined() || list.node().IsNull()) continue;
    if (!list.node().IsSequence()) list.fail(std::string("'") + key + "' must be a list of tests");
    for (const auto& item : list.node()) {
      TestSpec test;
      test.where = yaml::location(item, file);
      if (item.IsScalar()) {
        test.name = item.Scalar();
      } else if (item.IsMap() && item.size() == 1) {
        test.name = item.begin()->first.as<std::string>();
        const Value body = yaml_value(item.begin()->second);
        if (body.is_dict()) {
          for (const auto& [name, value] : body.as_dict().entries) {
            if (name == "arguments" && value.is_dict()) {
              for (const auto& [arg, arg_value] : value.as_dict().entries) {
                test.arguments.set(arg, arg_value);
              }
            } else if (name == "config" && value.is_dict()) {
              for (const auto& [ckey, cvalue] : value.as_dict().entries)
                test.config.set(ckey, cvalue);
            } else if (name == "name") {
              test.custom_name = value.str();
            } else if (name == "description") {
            } else if (is_test_config_key(name)) {
              test.config.set(name, value);
            } else {
              test.arguments.set(name, value);
            }
          }
        }
      } else {
        throw Error(ErrorKind::kConfig,
                    "a test is a name (unique) or a mapping with one test name "
                    "(accepted_values: {values: [...]})",
                    test.where);
      }
      tests.push_back(std::move(test));
    }
  }
  return tests;
}

std::vector<ColumnProperties> parse_columns(const yaml::Reader& owner, const std::string& file) {
  std::vector<ColumnProperties> columns;
  const yaml::Reader list = owner.child("columns");
  if (!list.node().IsDefined() || list.node().IsNull()) return columns;
  if (!list.node().IsSequence()) list.fail("'columns' must be a list");
  for (const auto& item : list.node()) {
    const yaml::Reader column(item, file);
    ColumnProperties out;
    out.name = column.required_string("name");
    out.description = column.string("description", "");
    out.data_type = column.string("data_type", "");
    out.tests = parse_tests(column, file);
    columns.push_back(std::move(out));
  }
  return columns;
}

NodeProperties parse_node(const yaml::Reader& entry, const std::string& file,
                          std::vector<std::string>& warnings) {
  static const std::vector<std::string> keys = split(
      "name description config columns tests data_tests docs meta tags versions latest_version "
      "constraints access group deprecation_date time_spine",
      ' ');
  for (const auto& key_value : entry.node()) {
    const std::string key = key_value.first.as<std::string>();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      warnings.push_back(yaml::location(key_value.first, file).str() + ": unknown key '" + key +
                         "'" + did_you_mean(key, keys) + ": it is ignored");
    }
  }
  NodeProperties node;
  node.name = entry.required_string("name");
  node.description = entry.string("description", "");
  node.where = entry.where();
  const Value config = yaml_value(entry.child("config").node());
  if (config.is_dict()) node.config = config.as_dict();
  for (const char* key : {"tags", "meta", "docs"}) {
    if (entry.has(key)) node.config.set(key, yaml_value(entry.child(key).node()));
  }
  node.columns = parse_columns(entry, file);
  node.tests = parse_tests(entry, file);
  return node;
}

void parse_sources(const yaml::Reader& list, const std::string& file, Properties& out) {
  for (const auto& item : list.node()) {
    const yaml::Reader source(item, file);
    const std::string source_name = source.required_string("name");
    const std::string schema = source.string("schema", source_name);
    const yaml::Reader tables = source.child("tables");
    if (!tables.node().IsSequence()) continue;
    for (const auto& table_node : tables.node()) {
      const yaml::Reader table(table_node, file);
      SourceTable entry;
      entry.source_name = source_name;
      entry.name = table.required_string("name");
      entry.schema = schema;
      entry.identifier = table.string("identifier", entry.name);
      entry.description = table.string("description", "");
      entry.columns = parse_columns(table, file);
      entry.tests = parse_tests(table, file);
      entry.where = table.where();
      out.sources.push_back(std::move(entry));
    }
  }
}

void parse_unit_tests(const yaml::Reader& list, const std::string& file, Properties& out) {
  for (const auto& item : list.node()) {
    const yaml::Reader entry(item, file);
    UnitTestSpec test;
    test.name = entry.required_string("name");
    test.model = entry.required_string("model");
    test.where = entry.where();
    for (const auto& given : entry.child("given").node()) {
      const yaml::Reader input(given, file);
      if (input.string("format", "dict") != "dict") {
        input.fail("unit test fixtures in format '" + input.string("format", "") +
                   "' are not supported yet (use the default, dict)");
      }
      test.given.emplace_back(input.required_string("input"),
                              yaml_value(input.child("rows").node()));
    }
    const yaml::Reader expect = entry.child("expect");
    if (expect.string("format", "dict") != "dict") {
      expect.fail("expected rows in format '" + expect.string("format", "") +
                  "' are not supported yet (use the default, dict)");
    }
    test.expect = yaml_value(expect.child("rows").node());
    const Value vars = yaml_value(entry.child("overrides").child("vars").node());
    if (vars.is_dict()) test.vars = vars.as_dict();
    out.unit_tests.push_back(std::move(test));
  }
}

void parse_file(const fs::path& path, const std::string& file, Properties& out,
                std::vector<std::string>& warnings) {
  const yaml::Reader top(yaml::load_file(path.string()), file);
  if (!top.node().IsMap()) return;
  for (const char* kind : {"models", "seeds", "snapshots"}) {
    const yaml::Reader list = top.child(kind);
    if (!list.node().IsDefined() || list.node().IsNull()) continue;
    if (!list.node().IsSequence()) list.fail(std::string("'") + kind + "' must be a list");
    for (const auto& item : list.node()) {
      NodeProperties node = parse_node(yaml::Reader(item, file), file, warnings);
      auto& target = std::string(kind) == "seeds" ? out.seeds : out.models;
      const std::string name = node.name;
      target[name] = std::move(node);
    }
  }
  const yaml::Reader unit_tests = top.child("unit_tests");
  if (unit_tests.node().IsSequence()) parse_unit_tests(unit_tests, file, out);
  const yaml::Reader sources = top.child("sources");
  if (sources.node().IsSequence()) parse_sources(sources, file, out);
}

}  // namespace

Properties load_properties(const fs::path& root, const std::vector<std::string>& dirs,
                           std::vector<std::string>& warnings) {
  Properties out;
  std::vector<fs::path> files;
  for (const std::string& dir : dirs) {
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(root / dir, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      const std::string extension = it->path().extension().string();
      if (it->is_regular_file() && (extension == ".yml" || extension == ".yaml")) {
        files.push_back(it->path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    parse_file(path, path.lexically_relative(root).string(), out, warnings);
  }
  return out;
}

}  // namespace strata::transform
