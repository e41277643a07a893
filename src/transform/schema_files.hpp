// dbt properties files (schema.yml, _models.yml, ...): the models, seeds and sources they
// describe, with descriptions, columns, configs and tests. Tests may be listed under `tests:` or
// `data_tests:`, as a name (`unique`) or a mapping whose arguments are given directly or under
// `arguments:` (dbt 1.10), with test configs (severity, where, ...) beside them or under `config:`.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "transform/template_value.hpp"

namespace strata::transform {

struct TestSpec {
  std::string name;         // "unique", "accepted_values", "dbt_utils.expression_is_true", ...
  std::string custom_name;  // `name:` given in the file
  jinja::Dict arguments;
  jinja::Dict config;
  Location where;
};

struct ColumnProperties {
  std::string name;
  std::string description;
  std::string data_type;
  std::vector<TestSpec> tests;
};

struct NodeProperties {
  std::string name;
  std::string description;
  jinja::Dict config;
  std::vector<ColumnProperties> columns;
  std::vector<TestSpec> tests;  // model-level tests
  Location where;
};

struct SourceTable {
  std::string source_name;
  std::string name;
  std::string schema;      // where the table is: `schema:` of the source, default its name
  std::string identifier;  // default its name
  std::string description;
  std::vector<ColumnProperties> columns;
  std::vector<TestSpec> tests;
  Location where;
};

// A dbt 1.8 unit test: the model's SQL run on given rows for its inputs, compared with the
// expected rows (format: dict).
struct UnitTestSpec {
  std::string name;
  std::string model;
  std::vector<std::pair<std::string, jinja::Value>> given;  // input ("ref('x')") -> rows
  jinja::Value expect;                                      // rows
  jinja::Dict vars;                                         // overrides.vars
  Location where;
};

struct Properties {
  std::map<std::string, NodeProperties> models, seeds;
  std::vector<SourceTable> sources;
  std::vector<UnitTestSpec> unit_tests;
};

// Reads every *.yml / *.yaml file under `dirs` (relative to `root`). Invalid YAML and malformed
// entries are Error(kConfig) naming file:line:col; unknown keys are warnings.
Properties load_properties(const std::filesystem::path& root, const std::vector<std::string>& dirs,
                           std::vector<std::string>& warnings);

}  // namespace strata::transform
