#include "ingest/table_selection.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::ingest {

std::vector<TableSelection> select_tables(const ProjectConfig& config,
                                          const std::vector<std::string>& selectors) {
  std::vector<TableSelection> selected;
  if (selectors.empty()) {
    for (const auto& source : config.sources) {
      for (const auto& table : source.tables) selected.push_back({&source, &table});
    }
    return selected;
  }
  std::vector<std::string> source_names;
  for (const auto& s : config.sources) source_names.push_back(s.name);
  for (const std::string& selector : selectors) {
    const size_t dot = selector.find('.');
    const std::string source_name = selector.substr(0, dot);
    const SourceConfig* source = config.find_source(source_name);
    if (!source) {
      throw Error(ErrorKind::kUsage, "no source named '" + source_name + "'" +
                                         did_you_mean(source_name, source_names));
    }
    if (dot == std::string::npos) {
      for (const auto& table : source->tables) selected.push_back({source, &table});
      continue;
    }
    const std::string table_name = selector.substr(dot + 1);
    std::vector<std::string> table_names;
    const TableConfig* found = nullptr;
    for (const auto& table : source->tables) {
      table_names.push_back(table.name);
      if (table.name == table_name) found = &table;
    }
    if (!found) {
      throw Error(ErrorKind::kUsage, "source '" + source_name + "' has no table '" + table_name +
                                         "'" + did_you_mean(table_name, table_names));
    }
    selected.push_back({source, found});
  }
  return selected;
}

}  // namespace strata::ingest
