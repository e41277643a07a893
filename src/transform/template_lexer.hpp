// The first stage of the Jinja engine: template text to tokens. Literal text becomes text tokens;
// `{{ ... }}` and `{% ... %}` become begin/end tokens around expression tokens (names, literals,
// operators); `{# ... #}` comments disappear. Whitespace control is applied here: a `-` after an
// opening delimiter strips the whitespace before it, a `-` before a closing delimiter strips the
// whitespace after it. `{% raw %}...{% endraw %}` is passed through as text. Every token knows its
// 1-based line and column, so later stages can point at the exact place of a problem. As in
// Jinja, "\r\n" and "\r" line ends read as "\n", and one newline at the very end is dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::transform::jinja {

enum class TokenKind {
  kText,           // literal template text (after whitespace control)
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,           // identifiers and keywords
  kString,         // text holds the decoded value
  kInteger,        // text holds the digits
  kFloat,          // text holds the literal
  kOperator,  // text holds the operator: + - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : |
  kEnd,       // end of the template
};

struct Token {
  TokenKind kind;
  std::string text;
  int64_t line = 0;
  int64_t column = 0;
};

// Splits `source` into tokens; throws Error(kInput) naming `file`:line:col for unterminated tags,
// comments and strings and for characters that cannot start a token.
std::vector<Token> tokenize(std::string_view source, const std::string& file);

}  // namespace strata::transform::jinja
