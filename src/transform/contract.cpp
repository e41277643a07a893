#include "transform/contract.hpp"

#include <map>

#include "core/text.hpp"
#include "transform/staged_table.hpp"

namespace strata::transform {

bool contract_enforced(const Model& model) {
  const jinja::Value* contract = model.config.all.find("contract");
  if (!contract || !contract->is_dict()) return false;
  const jinja::Value* enforced = contract->as_dict().find("enforced");
  return enforced && enforced->truthy();
}

std::string canonical_type(const std::string& type) {
  static const std::map<std::string, std::string> aliases = {
      {"INT", "INTEGER"},           {"INT4", "INTEGER"},
      {"SIGNED", "INTEGER"},        {"INT8", "BIGINT"},
      {"LONG", "BIGINT"},           {"INT2", "SMALLINT"},
      {"SHORT", "SMALLINT"},        {"INT1", "TINYINT"},
      {"TEXT", "VARCHAR"},          {"STRING", "VARCHAR"},
      {"CHAR", "VARCHAR"},          {"BPCHAR", "VARCHAR"},
      {"FLOAT4", "FLOAT"},          {"REAL", "FLOAT"},
      {"FLOAT8", "DOUBLE"},         {"DOUBLE PRECISION", "DOUBLE"},
      {"BOOL", "BOOLEAN"},          {"LOGICAL", "BOOLEAN"},
      {"DATETIME", "TIMESTAMP"},    {"NUMERIC", "DECIMAL(18,3)"},
      {"DECIMAL", "DECIMAL(18,3)"}, {"TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"}};
  std::string upper;
  for (char c : trim(type)) {
    if (c != ' ' || (!upper.empty() && upper.back() != ' ')) upper += c;
  }
  upper = std::string(trim(upper));
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const size_t paren = upper.find('(');
  std::string base = paren == std::string::npos ? upper : std::string(trim(upper.substr(0, paren)));
  std::string arguments = paren == std::string::npos ? "" : upper.substr(paren);
  std::string spaceless;
  for (char c : arguments) {
    if (c != ' ') spaceless += c;
  }
  if (base == "VARCHAR" || base == "CHAR" || base == "TEXT" || base == "STRING") return "VARCHAR";
  if (base == "NUMERIC" || base == "DECIMAL")
    return arguments.empty() ? "DECIMAL(18,3)" : "DECIMAL" + spaceless;
  auto alias = aliases.find(base);
  return (alias == aliases.end() ? base : alias->second) + spaceless;
}

void check_contract(engine::Connection& connection, const Model& model,
                    const std::string& select_sql) {
  std::map<std::string, std::string> declared;  // lower-case name -> type ("" when not given)
  for (const ColumnProperties& column : model.columns) {
    declared[to_lower(column.name)] = column.data_type;
  }
  std::vector<std::string> problems;
  std::map<std::string, bool> seen;
  for (const auto& [name, type] :
       describe_columns(connection, "(SELECT * FROM (" + select_sql + ") LIMIT 0)")) {
    auto found = declared.find(to_lower(name));
    seen[to_lower(name)] = true;
    if (found == declared.end()) {
      problems.push_back("column '" + name + "' (" + type + ") is not in the contract");
    } else if (found->second.empty()) {
      problems.push_back("column '" + name + "' has no data_type in the contract");
    } else if (canonical_type(found->second) != canonical_type(type)) {
      problems.push_back("column '" + name + "' is " + type + ", the contract says " +
                         found->second);
    }
  }
  for (const ColumnProperties& column : model.columns) {
    if (!seen.contains(to_lower(column.name))) {
      problems.push_back("column '" + column.name + "' of the contract is missing");
    }
  }
  if (!problems.empty()) {
    throw Error(ErrorKind::kInput, "the model's enforced contract failed: " + join(problems, "; "));
  }
}

}  // namespace strata::transform
