// Pieces of the Jinja renderer that stand on their own: the rendered text with the template line
// of each of its lines, the `loop` object of a for loop, and short descriptions of expressions
// for error messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "transform/template_ast.hpp"

namespace strata::transform::jinja {

// Rendered text plus, for each of its lines, the template line that produced the line's start.
class RenderedText {
 public:
  // `advances` is true for template text, whose newlines are template newlines too; false for an
  // expression's value, which comes entirely from the expression's line.
  void append(std::string_view text, int64_t source_line, bool advances) {
    for (char c : text) {
      if (at_line_start_) {
        lines_.push_back(source_line);
        at_line_start_ = false;
      }
      text_ += c;
      if (c == '\n') {
        at_line_start_ = true;
        if (advances) ++source_line;
      }
    }
  }
  std::string& text() { return text_; }
  std::vector<int64_t>& lines() { return lines_; }

 private:
  std::string text_;
  std::vector<int64_t> lines_;
  bool at_line_start_ = true;
};

// The `loop` variable of iteration `index` (0-based) over `items`.
Value loop_object(const List& items, int64_t index);

// A short source-like description of an expression, for error messages ("adapter.get").
std::string describe(const ast::Expr& expr);

}  // namespace strata::transform::jinja
