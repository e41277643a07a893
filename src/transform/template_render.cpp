#include "transform/template_render.hpp"

#include "core/text.hpp"
#include "transform/template_builtins.hpp"
#include "transform/template_globals.hpp"
#include "transform/template_operators.hpp"
#include "transform/template_render_support.hpp"

namespace strata::transform::jinja {
namespace {

using namespace ast;

// How deep macros may call each other before the template is taken to recurse forever.
constexpr int kMaxMacroDepth = 200;
thread_local int macro_depth = 0;

class Renderer {
 public:
  static Value macro_value(std::shared_ptr<const MacroDefinition> definition,
                           std::shared_ptr<Dict> macros) {
    const std::string name = definition->name;
    return Value::function(name, [definition, macros](const CallArguments& arguments) {
      return call_macro(definition, {}, macros, arguments);
    });
  }
  Renderer(const Context& context, const std::string& file) : context_(context), file_(file) {
    scopes_.emplace_back();  // the template's top-level scope
  }
  // For a macro's or caller's body: the scopes it sees and the macros of its template.
  Renderer(const Context& context, const std::string& file, std::vector<Dict> scopes,
           std::shared_ptr<Dict> macros)
      : context_(context), file_(file), scopes_(std::move(scopes)), macros_(std::move(macros)) {
    scopes_.emplace_back();
  }

  // Calls a macro (or a call block's caller) defined by `definition`: binds the arguments,
  // renders the body, and returns what it `return()`ed or else the text it rendered.
  static Value call_macro(const std::shared_ptr<const MacroDefinition>& definition,
                          const std::vector<Dict>& scopes, const std::shared_ptr<Dict>& macros,
                          const CallArguments& arguments) {
    if (!arguments.context) {
      throw Error(ErrorKind::kInternal, "macro '" + definition->name + "' called without context",
                  arguments.where);
    }
    if (macro_depth >= kMaxMacroDepth) {
      throw Error(ErrorKind::kInput,
                  "macro '" + definition->name + "' nested more than " +
                      std::to_string(kMaxMacroDepth) + " calls deep (endless recursion?)",
                  arguments.where);
    }
    struct DepthGuard {
      DepthGuard() { ++macro_depth; }
      ~DepthGuard() { --macro_depth; }
    } depth;
    Renderer renderer(*arguments.context, definition->file, scopes, macros);
    try {
      renderer.bind_parameters(*definition, arguments);
      RenderedText out;
      renderer.render(definition->body, out);
      return std::move(out.text());
    } catch (MacroReturn& returned) {
      return std::move(returned.value);
    } catch (const Error& error) {
      if (definition->name == "caller") throw;
      std::string message =
          error.message() + "\n  in macro '" + definition->name + "' (" +
          Location{definition->file, definition->where.line, definition->where.column, {}}.str() +
          ")";
      if (!arguments.where.empty()) message += " called at " + arguments.where.str();
      throw Error(error.kind(), message, error.where().empty() ? arguments.where : error.where());
    }
  }

  void render(const Body& body, RenderedText& out) {
    for (const Node& node : body) {
      std::visit([&](const auto& statement) { render_node(statement, node.where, out); },
                 node.node);
    }
  }

 private:
  const Context& context_;
  const std::string& file_;
  std::vector<Dict> scopes_;  // innermost last; `set` writes to the innermost
  // The macros the template defined so far, shared with its macros so they can call each other.
  std::shared_ptr<Dict> macros_ = std::make_shared<Dict>();

  void bind_parameters(const MacroDefinition& definition, const CallArguments& arguments) {
    Dict& scope = scopes_.back();
    const size_t count = definition.parameters.size();
    std::vector<bool> bound(count, false);
    List varargs;
    for (size_t i = 0; i < arguments.positional.size(); ++i) {
      if (i < count) {
        scope.set(definition.parameters[i], arguments.positional[i]);
        bound[i] = true;
      } else {
        varargs.push_back(arguments.positional[i]);
      }
    }
    Dict kwargs;
    for (const auto& [name, value] : arguments.keyword) {
      auto found = std::find(definition.parameters.begin(), definition.parameters.end(), name);
      if (found == definition.parameters.end()) {
        if (name == "caller") {
          scope.set(name, value);
        } else {
          kwargs.set(name, value);
        }
        continue;
      }
      const auto index = static_cast<size_t>(found - definition.parameters.begin());
      if (bound[index]) {
        throw Error(ErrorKind::kInput, "macro '" + definition.name + "' got argument '" + name +
                                           "' twice (by position and by name)");
      }
      scope.set(name, value);
      bound[index] = true;
    }
    for (size_t i = 0; i < count; ++i) {
      if (bound[i]) continue;
      if (definition.defaults[i]) {
        scopes_.back().set(definition.parameters[i], evaluate(*definition.defaults[i]));
      } else {
        scopes_.back().set(definition.parameters[i],
                           Value::undefined("macro '" + definition.name + "' was called without '" +
                                            definition.parameters[i] + "'"));
      }
    }
    scopes_.back().set("varargs", std::move(varargs));
    scopes_.back().set("kwargs", std::move(kwargs));
  }

  Location at(Position where) const { return Location{file_, where.line, where.column, {}}; }

  // Runs `action`, giving errors that lack a place the place `where`.
  template <typename Action>
  auto located(Position where, Action&& action) -> decltype(action()) {
    try {
      return action();
    } catch (const Error& error) {
      if (!error.where().empty()) throw;
      throw Error(error.kind(), error.message(), at(where));
    }
  }

  [[noreturn]] void fail(Position where, const std::string& message) const {
    throw Error(ErrorKind::kInput, message, at(where));
  }

  // A scope for the duration of one loop iteration.
  class ScopeGuard {
   public:
    explicit ScopeGuard(std::vector<Dict>& scopes) : scopes_(scopes) { scopes_.emplace_back(); }
    ~ScopeGuard() { scopes_.pop_back(); }
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;

   private:
    std::vector<Dict>& scopes_;
  };

  Value lookup(const std::string& name) const {
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
      if (const Value* value = scope->find(name)) return *value;
    }
    if (const Value* value = macros_->find(name)) return *value;
    if (const Value* value = context_.find(name)) return *value;
    if (const Value* value = find_global(name)) return *value;
    return Value::undefined("'" + name + "' is undefined");
  }

  void assign(const std::vector<std::string>& targets, const Value& value, Position where) {
    Dict& scope = scopes_.back();
    if (targets.size() == 1) {
      scope.set(targets.front(), value);
      return;
    }
    if (!value.is_list() || value.as_list().size() != targets.size()) {
      fail(where, "cannot unpack " + value.type_name() + " " + value.repr() + " into " +
                      std::to_string(targets.size()) + " variables");
    }
    for (size_t i = 0; i < targets.size(); ++i) scope.set(targets[i], value.as_list()[i]);
  }

  // --- statements -----------------------------------------------------------------------------

  void render_node(const Text& node, Position where, RenderedText& out) {
    out.append(node.text, where.line, true);
  }

  void render_node(const ast::Output& node, Position, RenderedText& out) {
    out.append(evaluate(*node.expression).str(), node.expression->where.line, false);
  }

  void render_node(const If& node, Position, RenderedText& out) {
    for (const auto& [condition, body] : node.branches) {
      if (evaluate(*condition).truthy()) return render(body, out);
    }
    render(node.otherwise, out);
  }

  void render_node(const For& node, Position where, RenderedText& out) {
    const Value iterable = evaluate(*node.iterable);
    List items = located(node.iterable->where, [&] { return iterate(iterable); });
    if (node.condition) {
      List kept;
      for (const Value& item : items) {
        ScopeGuard scope(scopes_);
        assign(node.targets, item, where);
        if (evaluate(*node.condition).truthy()) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) return render(node.otherwise, out);
    const auto length = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < length; ++i) {
      ScopeGuard scope(scopes_);
      assign(node.targets, items[static_cast<size_t>(i)], where);
      scopes_.back().set("loop", loop_object(items, i));
      render(node.body, out);
    }
  }

  void render_node(const Set& node, Position where, RenderedText&) {
    assign(node.targets, evaluate(*node.value), where);
  }

  void render_node(const SetAttribute& node, Position where, RenderedText&) {
    const Value object = lookup(node.object);
    if (!object.is_dict() || !object.as_dict().is_namespace) {
      fail(where, "cannot set an attribute of '" + node.object +
                      "': only a namespace() has attributes that can be set");
    }
    object.mutable_dict().set(node.attribute, evaluate(*node.value));
  }

  void render_node(const Macro& node, Position, RenderedText&) {
    Value macro = macro_value(node.definition, macros_);
    macros_->set(node.definition->name, macro);
    scopes_.back().set(node.definition->name, std::move(macro));
  }

  void render_node(const CallBlock& node, Position where, RenderedText& out) {
    const auto& call = std::get<Call>(node.call->node);
    std::shared_ptr<const MacroDefinition> definition = node.caller;
    std::shared_ptr<Dict> macros = macros_;
    Value caller = Value::function(
        "caller", [definition, scopes = scopes_, macros](const CallArguments& arguments) {
          return call_macro(definition, scopes, macros, arguments);
        });
    const Value result = call_value(call, node.call->where, {{"caller", std::move(caller)}});
    out.append(result.str(), where.line, false);
  }

  void render_node(const Do& node, Position, RenderedText&) { evaluate(*node.expression); }

  void render_node(const Docs&, Position, RenderedText&) {}

  void render_node(const SetBlock& node, Position, RenderedText&) {
    RenderedText captured;
    render(node.body, captured);
    scopes_.back().set(node.target, std::move(captured.text()));
  }

  // --- expressions ----------------------------------------------------------------------------

  Value evaluate(const Expr& expr) {
    return std::visit([&](const auto& node) { return evaluate_node(node, expr.where); }, expr.node);
  }

  CallArguments evaluate_arguments(const Arguments& arguments, Position where) {
    CallArguments out;
    out.where = at(where);
    out.context = &context_;
    for (const auto& argument : arguments.positional) out.positional.push_back(evaluate(*argument));
    for (const auto& [name, argument] : arguments.keyword) {
      out.keyword.emplace_back(name, evaluate(*argument));
    }
    return out;
  }

  Value evaluate_node(const Literal& node, Position) { return node.value; }

  Value evaluate_node(const Name& node, Position) { return lookup(node.name); }

  Value evaluate_node(const ListLiteral& node, Position) {
    List items;
    for (const auto& item : node.items) items.push_back(evaluate(*item));
    return node.tuple ? Value::tuple(std::move(items)) : Value(std::move(items));
  }

  Value evaluate_node(const DictLiteral& node, Position) {
    Dict dict;
    for (const auto& [key_expr, value_expr] : node.items) {
      const Value key = evaluate(*key_expr);
      if (!key.is_string())
        fail(key_expr->where, "dict keys must be strings, not " + key.type_name());
      dict.set(key.as_string(), evaluate(*value_expr));
    }
    return dict;
  }

  // The object of `.attr`, `[index]` or a slice, which must exist.
  Value evaluate_object(const Expr& expr) {
    Value object = evaluate(expr);
    if (object.is_undefined()) fail(expr.where, object.undefined_hint());
    return object;
  }

  Value evaluate_node(const Attribute& node, Position) {
    return get_attribute(evaluate_object(*node.object), node.name);
  }

  Value evaluate_node(const Subscript& node, Position where) {
    const Value object = evaluate_object(*node.object);
    const Value index = evaluate(*node.index);
    return located(where, [&] { return get_item(object, index); });
  }

  Value evaluate_node(const Slice& node, Position where) {
    const Value object = evaluate_object(*node.object);
    auto bound = [&](const ExprPtr& expr) -> std::optional<Value> {
      if (!expr) return std::nullopt;
      return evaluate(*expr);
    };
    auto start = bound(node.start), stop = bound(node.stop), step = bound(node.step);
    return located(where, [&] { return get_slice(object, start, stop, step); });
  }

  Value evaluate_node(const Call& node, Position where) { return call_value(node, where, {}); }

  Value call_value(const Call& node, Position, std::vector<std::pair<std::string, Value>> extra) {
    const Position where = node.callee->where;
    const Value callee = evaluate(*node.callee);
    if (callee.is_undefined()) {
      if (std::holds_alternative<Name>(node.callee->node)) {
        const std::string& name = std::get<Name>(node.callee->node).name;
        fail(where, "unknown function '" + name + "'" + did_you_mean(name, function_names()));
      }
      fail(where, "cannot call " + describe(*node.callee) + ": " + callee.undefined_hint());
    }
    if (!callee.is_callable()) {
      fail(where, "cannot call " + describe(*node.callee) + ": it is " + callee.type_name() + " " +
                      callee.repr() + ", not a function");
    }
    CallArguments arguments = evaluate_arguments(node.arguments, where);
    for (auto& entry : extra) arguments.keyword.push_back(std::move(entry));
    return located(where, [&] { return callee.as_callable().function(arguments); });
  }

  std::vector<std::string> function_names() const {
    std::vector<std::string> names;
    for (const std::string& name : context_.names()) {
      if (context_.find(name)->is_callable()) names.push_back(name);
    }
    return names;
  }

  Value evaluate_node(const Unary& node, Position where) {
    const Value operand = evaluate(*node.operand);
    if (node.op == UnaryOp::kNot) return !operand.truthy();
    if (operand.is_undefined()) fail(where, operand.undefined_hint());
    if (!operand.is_number()) {
      fail(where, std::string("cannot apply unary '") + (node.op == UnaryOp::kNegate ? "-" : "+") +
                      "' to " + operand.type_name());
    }
    if (node.op == UnaryOp::kPlus) return operand;
    if (operand.kind() == Value::Kind::kDouble) return -operand.as_double();
    return -operand.as_int();
  }

  Value evaluate_node(const Binary& node, Position where) {
    Value left = evaluate(*node.left);
    // `and` and `or` return one of their operands, as in Python.
    if (node.op == BinaryOp::kAnd) return left.truthy() ? evaluate(*node.right) : left;
    if (node.op == BinaryOp::kOr) return left.truthy() ? left : evaluate(*node.right);
    const Value right = evaluate(*node.right);
    return located(where, [&] { return apply_binary(node.op, left, right); });
  }

  static bool compare_step(CompareOp op, const Value& left, const Value& right) {
    switch (op) {
      case CompareOp::kEqual:
        return left == right;
      case CompareOp::kNotEqual:
        return !(left == right);
      case CompareOp::kLess:
        return compare(left, right) < 0;
      case CompareOp::kLessEqual:
        return compare(left, right) <= 0;
      case CompareOp::kGreater:
        return compare(left, right) > 0;
      case CompareOp::kGreaterEqual:
        return compare(left, right) >= 0;
      case CompareOp::kIn:
        return contains(right, left);
      case CompareOp::kNotIn:
        return !contains(right, left);
    }
    return false;
  }

  Value evaluate_node(const Compare& node, Position) {
    Value left = evaluate(*node.first);
    for (const CompareStep& step : node.rest) {
      Value right = evaluate(*step.operand);
      if (!located(step.where, [&] { return compare_step(step.op, left, right); })) return false;
      left = std::move(right);
    }
    return true;
  }

  Value evaluate_node(const Conditional& node, Position) {
    if (evaluate(*node.condition).truthy()) return evaluate(*node.then);
    if (node.otherwise) return evaluate(*node.otherwise);
    return Value::undefined("the inline if's condition was false and it has no else");
  }

  Value evaluate_node(const Filter& node, Position where) {
    const Value input = evaluate(*node.operand);
    const CallArguments arguments = evaluate_arguments(node.arguments, where);
    const FilterFunction filter = find_filter(node.name);
    return located(where, [&] { return filter(input, arguments); });
  }

  Value evaluate_node(const Test& node, Position where) {
    const Value input = evaluate(*node.operand);
    const CallArguments arguments = evaluate_arguments(node.arguments, where);
    const TestFunction test = find_test(node.name);
    const bool passed = located(where, [&] { return test(input, arguments); });
    return node.negated ? !passed : passed;
  }
};

}  // namespace

std::vector<std::pair<std::string, Value>> top_level_macros(const Body& body) {
  auto macros = std::make_shared<Dict>();
  std::vector<std::pair<std::string, Value>> out;
  for (const Node& node : body) {
    if (const auto* macro = std::get_if<Macro>(&node.node)) {
      Value value = Renderer::macro_value(macro->definition, macros);
      macros->set(macro->definition->name, value);
      out.emplace_back(macro->definition->name, std::move(value));
    }
  }
  return out;
}

std::string render_body(const Body& body, const Context& context, const std::string& file,
                        std::vector<int64_t>* source_lines) {
  RenderedText out;
  try {
    Renderer(context, file).render(body, out);
  } catch (MacroReturn&) {
    // return() outside of a macro ends the template, as in dbt
  }
  if (source_lines) *source_lines = std::move(out.lines());
  return std::move(out.text());
}

}  // namespace strata::transform::jinja
