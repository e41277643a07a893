// Column lineage of single SELECTs parsed by DuckDB (json_serialize_sql), with the columns of
// outside relations given, and the static macro scan `state:modified.macros` relies on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "engine/database.hpp"
#include "transform/column_lineage.hpp"
#include "transform/macro_registry.hpp"

namespace strata::transform {
namespace {

class Lineage : public ::testing::Test {
 protected:
  engine::Database database_;
  engine::Connection connection_ = database_.connect();

  // "name: kind <- relation.column, ..." for every output column.
  std::vector<std::string> trace(const std::string& sql) {
    const engine::Value tree =
        connection_.query("SELECT json_serialize_sql(?::VARCHAR)", {engine::Value(sql)}).scalar();
    const nlohmann::json parsed = nlohmann::json::parse(std::get<std::string>(tree));
    const std::map<std::string, std::vector<std::string>> tables = {{"s.a", {"id", "x", "y"}},
                                                                    {"s.b", {"id", "z"}}};
    RelationColumns columns_of = [&](const std::string& relation) {
      auto found = tables.find(relation);
      return found == tables.end() ? std::vector<std::string>{} : found->second;
    };
    std::vector<std::string> out;
    for (const ColumnLineage& column :
         select_lineage(parsed["statements"][0]["node"], columns_of)) {
      std::string line = column.name + ": " + (column.direct ? "direct" : "transformation");
      if (column.unresolved) line += "?";
      for (size_t i = 0; i < column.origins.size(); ++i) {
        line += (i ? ", " : " <- ") + column.origins[i].relation + "." + column.origins[i].column;
      }
      out.push_back(line);
    }
    return out;
  }
};

TEST_F(Lineage, StarJoinUsingAndAliases) {
  EXPECT_EQ(trace("select * from s.a join s.b using (id)"),
            (std::vector<std::string>{"id: direct <- s.a.id", "x: direct <- s.a.x",
                                      "y: direct <- s.a.y", "z: direct <- s.b.z"}));
  EXPECT_EQ(
      trace("select t.x as renamed, x + z as total, total * 2 as doubled "
            "from s.a as t, s.b"),
      (std::vector<std::string>{"renamed: direct <- s.a.x", "total: transformation <- s.a.x, s.b.z",
                                "doubled: transformation <- s.a.x, s.b.z"}));
}

TEST_F(Lineage, CtesSubqueriesUnionsAndWindows) {
  EXPECT_EQ(trace("with c as (select id, x * 2 as x2 from s.a) "
                  "select q.id, q.x2 from (select * from c) as q"),
            (std::vector<std::string>{"id: direct <- s.a.id", "x2: transformation <- s.a.x"}));
  EXPECT_EQ(trace("select id from s.a union all select id from s.b"),
            (std::vector<std::string>{"id: direct <- s.a.id, s.b.id"}));
  EXPECT_EQ(trace("select rank() over (partition by y order by x) as r, "
                  "(select max(z) from s.b) as m, count(*) as n from s.a"),
            (std::vector<std::string>{"r: transformation <- s.a.x, s.a.y",
                                      "m: transformation <- s.b.z", "n: transformation"}));
  EXPECT_EQ(trace("select list_transform([x], v -> v + 1) as l from s.a"),
            (std::vector<std::string>{"l: transformation <- s.a.x"}));
}

TEST_F(Lineage, WhatIsNotTracedIsMarked) {
  EXPECT_EQ(trace("select * from range(3)"), (std::vector<std::string>{"*: transformation?"}));
  EXPECT_EQ(trace("select c from s.unknown"),
            (std::vector<std::string>{"c: direct <- s.unknown.c"}));
  EXPECT_EQ(trace("select * from s.unknown"),
            (std::vector<std::string>{"s.unknown.*: transformation?"}));
}

TEST(MacroScan, BlocksAndCalls) {
  const auto blocks = macro_blocks(
      "{% macro a(x) %}{{ b(x) }}{% endmacro %}\n{%- test positive(model) -%}select 1"
      "{%- endtest %}{% macro b(y) %}{{ adapter.dispatch('c')(y) }}{% endmacro %}"
      "{% macro default__c(z) %}{{ z }}{% endmacro %}");
  ASSERT_EQ(blocks.size(), 4u);
  EXPECT_EQ(blocks.at("a"), "{% macro a(x) %}{{ b(x) }}{% endmacro %}");
  EXPECT_TRUE(blocks.contains("test_positive"));
  // The block's own header counts as a call of itself; the manifest leaves that out.
  EXPECT_EQ(called_macros(blocks.at("b"), blocks), (std::vector<std::string>{"b", "default__c"}));
  EXPECT_EQ(called_macros("select {{ a('x') }}, max(y), xa(1)", blocks),
            (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace strata::transform
