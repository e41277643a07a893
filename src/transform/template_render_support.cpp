#include "transform/template_render_support.hpp"

namespace strata::transform::jinja {

using namespace ast;

Value loop_object(const List& items, int64_t index) {
  const auto length = static_cast<int64_t>(items.size());
  Dict loop;
  loop.set("index", index + 1);
  loop.set("index0", index);
  loop.set("revindex", length - index);
  loop.set("revindex0", length - index - 1);
  loop.set("first", index == 0);
  loop.set("last", index == length - 1);
  loop.set("length", length);
  loop.set("previtem", index > 0 ? items[static_cast<size_t>(index - 1)]
                                 : Value::undefined("there is no previous item"));
  loop.set("nextitem", index + 1 < length ? items[static_cast<size_t>(index + 1)]
                                          : Value::undefined("there is no next item"));
  loop.set("cycle", Value::function("cycle", [index](const CallArguments& arguments) {
             if (arguments.positional.empty()) {
               throw Error(ErrorKind::kInput, "loop.cycle() needs at least one value",
                           arguments.where);
             }
             return arguments.positional[static_cast<size_t>(index) % arguments.positional.size()];
           }));
  return loop;
}

std::string describe(const Expr& expr) {
  if (const auto* name = std::get_if<Name>(&expr.node)) return name->name;
  if (const auto* attribute = std::get_if<Attribute>(&expr.node)) {
    return describe(*attribute->object) + "." + attribute->name;
  }
  if (const auto* call = std::get_if<Call>(&expr.node)) return describe(*call->callee) + "(...)";
  return "the expression";
}

}  // namespace strata::transform::jinja
