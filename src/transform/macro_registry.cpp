#include "transform/macro_registry.hpp"

namespace strata::transform {

MacroRegistry::MacroRegistry() {
  const jinja::Template parsed =
      jinja::Template::parse(builtin_macro_source(), "<strata built-in>");
  for (auto& [name, value] : parsed.macros()) builtin_[name] = std::move(value);
  for (const std::string& package : builtin_package_names()) {
    const char* text = package == "dbt_expectations" ? builtin_expectations_source()
                                                     : builtin_package_source(package);
    const jinja::Template source =
        jinja::Template::parse(text, "<strata built-in " + package + ">");
    for (auto& [name, value] : source.macros()) packages_[package].set(name, std::move(value));
  }
}

const jinja::Value* MacroRegistry::find_in_package(std::string_view package,
                                                   std::string_view name) const {
  auto found = packages_.find(package);
  return found == packages_.end() ? nullptr : found->second.find(name);
}

void MacroRegistry::add_project_file(std::string_view source, const std::string& file) {
  const jinja::Template parsed = jinja::Template::parse(source, file);
  for (auto& [name, value] : parsed.macros()) project_[name] = std::move(value);
}

void MacroRegistry::add_package_file(const std::string& package, std::string_view source,
                                     const std::string& file) {
  const jinja::Template parsed = jinja::Template::parse(source, file);
  for (auto& [name, value] : parsed.macros()) {
    packages_[package].set(name, value);
    local_[name] = std::move(value);
  }
}

const jinja::Value* MacroRegistry::find(std::string_view name) const {
  if (auto found = project_.find(name); found != project_.end()) return &found->second;
  if (auto found = builtin_.find(name); found != builtin_.end()) return &found->second;
  if (auto found = local_.find(name); found != local_.end()) return &found->second;
  return nullptr;
}

const std::vector<std::string>& builtin_package_names() {
  static const std::vector<std::string> names = {"dbt", "dbt_utils", "dbt_expectations"};
  return names;
}

const jinja::Value* MacroRegistry::dispatch(const std::string& name) const {
  for (const std::string& candidate : {"duckdb__" + name, "default__" + name, name}) {
    if (const jinja::Value* found = find(candidate)) return found;
  }
  return nullptr;
}

void MacroRegistry::install(jinja::Context& context) const {
  for (const auto& [name, dict] : packages_) context.set(name, jinja::Value(dict));
  for (const auto& [name, value] : local_) context.set(name, value);
  for (const auto& [name, value] : packages_.at("dbt").entries) context.set(name, value);
  for (const auto& [name, value] : builtin_) context.set(name, value);
  for (const auto& [name, value] : project_) context.set(name, value);
}

}  // namespace strata::transform
