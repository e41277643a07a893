#include "transform/template.hpp"

#include "transform/template_ast.hpp"
#include "transform/template_lexer.hpp"
#include "transform/template_parser.hpp"
#include "transform/template_render.hpp"

namespace strata::transform::jinja {

void Context::set(std::string name, Value value) {
  values_[std::move(name)] = std::move(value);
}

void Context::set_function(std::string name, Function function) {
  Value value = Value::function(name, std::move(function));
  values_[std::move(name)] = std::move(value);
}

const Value* Context::find(std::string_view name) const {
  auto found = values_.find(name);
  return found == values_.end() ? nullptr : &found->second;
}

std::vector<std::string> Context::names() const {
  std::vector<std::string> out;
  for (const auto& entry : values_) out.push_back(entry.first);
  return out;
}

struct Template::Parsed {
  std::string file;
  ast::Body body;
};

Template Template::parse(std::string_view source, std::string file) {
  auto parsed = std::make_shared<Parsed>();
  parsed->file = std::move(file);
  parsed->body = jinja::parse(tokenize(source, parsed->file), parsed->file);
  Template result;
  result.parsed_ = std::move(parsed);
  return result;
}

std::string Template::render(const Context& context, std::vector<int64_t>* source_lines) const {
  return render_body(parsed_->body, context, parsed_->file, source_lines);
}

std::vector<std::pair<std::string, Value>> Template::macros() const {
  return top_level_macros(parsed_->body);
}

const std::string& Template::file() const {
  return parsed_->file;
}

std::string render(std::string_view source, const Context& context, std::string file) {
  return Template::parse(source, std::move(file)).render(context);
}

}  // namespace strata::transform::jinja
