#include "transform/lake_introspection.hpp"

#include <string>
#include <type_traits>
#include <variant>

#include "transform/staged_table.hpp"

namespace strata::transform {

namespace {

std::optional<std::string> value_text(const engine::Value& value) {
  return std::visit(
      [](const auto& v) -> std::optional<std::string> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, bool>) {
          return std::string(v ? "true" : "false");
        } else {
          return std::to_string(v);
        }
      },
      value);
}

}  // namespace

void add_lake_introspection(CompileOptions& options, lake::MetadataStore& store,
                            std::function<engine::Connection&()> connection) {
  options.relation_exists = [&store](const lake::TableName& table) {
    return store.find_table(table).has_value();
  };
  options.columns_of = [connection](const lake::TableName& table) {
    std::vector<std::pair<std::string, std::string>> columns;
    for (const auto& row : connection().query("DESCRIBE " + quoted_relation(table)).fetch_all()) {
      columns.emplace_back(std::get<std::string>(row[0]), std::get<std::string>(row[1]));
    }
    return columns;
  };
  options.run_query = [connection](const std::string& sql) {
    engine::Result result = connection().query(sql);
    std::vector<std::vector<std::optional<std::string>>> rows;
    const std::vector<std::string> names = result.column_names();
    for (const auto& row : result.fetch_all()) {
      std::vector<std::optional<std::string>> texts;
      for (const auto& value : row) texts.push_back(value_text(value));
      rows.push_back(std::move(texts));
    }
    return std::make_pair(names, rows);
  };
}

}  // namespace strata::transform
