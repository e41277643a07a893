// dbt's generic data tests, declared in properties files (`tests:`/`data_tests:` on models, seeds,
// sources and their columns), turned into test nodes: each is the test macro (test_<name>, a
// built-in or a project `{% test %}` block) called with the tested relation, the column and the
// test's arguments, which are rendered first when they are Jinja (`to: ref('customers')`). A
// `where:` config filters the tested relation; the SQL selects the failing rows.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "transform/dbt_context.hpp"
#include "transform/project.hpp"

namespace strata::transform {

std::vector<Model> generic_tests(
    const DbtEnvironment& environment, const Properties& properties,
    const std::vector<Model>& nodes,
    const std::map<std::string, lake::TableName, std::less<>>& relations,
    const ProjectConfig& config, std::vector<std::string>& warnings);

// The query that counts a test's failing rows and judges them against warn_if and error_if:
// one row (failures, should_warn, should_error).
std::string test_result_sql(const Model& test);

}  // namespace strata::transform
