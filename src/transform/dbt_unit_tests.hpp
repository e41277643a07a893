// dbt unit tests (dbt 1.8 `unit_tests:` in properties files): the tested model is compiled with
// each given input (`ref('x')`) replaced by a CTE of the given rows, and its result compared, as
// a multiset over the expected columns, with the expected rows. The node's SQL selects the rows
// that differ (`diff` says 'missing' or 'unexpected'), so it runs like a data test; the model
// waits for its unit tests in `build`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "transform/dbt_context.hpp"
#include "transform/project.hpp"
#include "transform/template.hpp"

namespace strata::transform {

std::vector<Model> compile_unit_tests(
    const std::vector<UnitTestSpec>& specs, const std::vector<Model>& nodes,
    const std::map<std::string, jinja::Template>& templates,
    const std::map<std::string, lake::TableName, std::less<>>& relations,
    const ProjectConfig& config, const DbtEnvironment& environment);

}  // namespace strata::transform
