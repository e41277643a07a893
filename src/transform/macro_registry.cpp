#include "transform/macro_registry.hpp"

#include <cctype>
#include <set>

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
  for (auto& [name, text] : macro_blocks(source)) project_sources_[name] = std::move(text);
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

namespace {

bool identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The keyword and (for macro/test) the name of the tag opening at `at` ("{%"), and where the
// tag ends (after "%}"); npos when it does not end.
struct Tag {
  std::string keyword, name;
  size_t end = std::string_view::npos;
};

Tag read_tag(std::string_view source, size_t at) {
  Tag tag;
  size_t i = at + 2;
  if (i < source.size() && (source[i] == '-' || source[i] == '+')) ++i;
  while (i < source.size() && std::isspace(static_cast<unsigned char>(source[i]))) ++i;
  const size_t word = i;
  while (i < source.size() && identifier_char(source[i])) ++i;
  tag.keyword = std::string(source.substr(word, i - word));
  while (i < source.size() && std::isspace(static_cast<unsigned char>(source[i]))) ++i;
  const size_t name = i;
  while (i < source.size() && identifier_char(source[i])) ++i;
  tag.name = std::string(source.substr(name, i - name));
  const size_t close = source.find("%}", at + 2);
  if (close != std::string_view::npos) tag.end = close + 2;
  return tag;
}

}  // namespace

std::map<std::string, std::string> macro_blocks(std::string_view source) {
  std::map<std::string, std::string> out;
  size_t at = source.find("{%");
  while (at != std::string_view::npos) {
    const Tag open = read_tag(source, at);
    if (open.end == std::string_view::npos) break;
    size_t next = open.end;
    if ((open.keyword == "macro" || open.keyword == "test") && !open.name.empty()) {
      for (size_t inner = source.find("{%", open.end); inner != std::string_view::npos;
           inner = source.find("{%", inner + 2)) {
        const Tag close = read_tag(source, inner);
        if (close.end == std::string_view::npos) break;
        if (close.keyword == "end" + open.keyword) {
          const std::string name = (open.keyword == "test" ? "test_" : "") + open.name;
          out[name] = std::string(source.substr(at, close.end - at));
          next = close.end;
          break;
        }
      }
    }
    at = source.find("{%", next);
  }
  return out;
}

std::vector<std::string> called_macros(std::string_view text,
                                       const std::map<std::string, std::string>& macros) {
  std::set<std::string> found;
  for (size_t i = 0; i < text.size();) {
    if (!identifier_char(text[i]) || (i > 0 && identifier_char(text[i - 1]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && identifier_char(text[end])) ++end;
    size_t after = end;
    while (after < text.size() && text[after] == ' ') ++after;
    if (after < text.size() && text[after] == '(') {
      std::string name(text.substr(i, end - i));
      if (name == "dispatch" && after + 1 < text.size() &&
          (text[after + 1] == '\'' || text[after + 1] == '"')) {
        // adapter.dispatch('name'): the implementation it resolves to.
        const size_t close = text.find(text[after + 1], after + 2);
        const std::string target(text.substr(after + 2, close - after - 2));
        for (const std::string& candidate : {"duckdb__" + target, "default__" + target, target}) {
          if (macros.contains(candidate)) {
            found.insert(candidate);
            break;
          }
        }
      }
      if (macros.contains(name)) found.insert(std::move(name));
    }
    i = end;
  }
  return {found.begin(), found.end()};
}

}  // namespace strata::transform
