#include "transform/template_lexer.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace strata::transform::jinja {
namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

class Lexer {
 public:
  Lexer(std::string_view source, const std::string& file) : source_(source), file_(file) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  std::vector<Token> run() {
    while (pos_ < source_.size()) {
      const size_t open = find_tag_open(pos_);
      if (open == std::string_view::npos) {
        add_text(pos_, source_.size(), false);
        pos_ = source_.size();
        break;
      }
      const char type = source_[open + 1];
      size_t inner = open + 2;
      const bool strip_before = inner < source_.size() && source_[inner] == '-';
      // `{%+` asks to keep leading whitespace, which is already the default here.
      if (strip_before || (type == '%' && inner < source_.size() && source_[inner] == '+')) {
        ++inner;
      }
      add_text(pos_, open, strip_before);
      if (type == '#') {
        skip_comment(open, inner);
      } else if (type == '%' && is_raw_block(inner)) {
        lex_raw(open, inner);
      } else {
        lex_tag(open, inner, type == '{');
      }
    }
    tokens_.push_back(make(TokenKind::kEnd, "", source_.size()));
    return std::move(tokens_);
  }

 private:
  std::string_view source_;
  const std::string& file_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  bool strip_next_text_ = false;  // set by a closing `-}}`, `-%}` or `-#}`

  Location location(size_t offset) const {
    auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line = static_cast<size_t>(after - line_starts_.begin());
    return Location{file_,
                    static_cast<int64_t>(line),
                    static_cast<int64_t>(offset - line_starts_[line - 1] + 1),
                    {}};
  }

  Token make(TokenKind kind, std::string text, size_t offset) const {
    Location where = location(offset);
    return Token{kind, std::move(text), where.line, where.column};
  }

  [[noreturn]] void fail(size_t offset, const std::string& message) const {
    throw Error(ErrorKind::kInput, message, location(offset));
  }

  size_t find_tag_open(size_t from) const {
    for (size_t i = source_.find('{', from); i != std::string_view::npos;
         i = source_.find('{', i + 1)) {
      if (i + 1 < source_.size()) {
        const char next = source_[i + 1];
        if (next == '{' || next == '%' || next == '#') return i;
      }
    }
    return std::string_view::npos;
  }

  // Adds source_[begin, end) as text, applying pending and requested whitespace stripping.
  void add_text(size_t begin, size_t end, bool strip_trailing) {
    if (strip_next_text_) {
      while (begin < end && is_space(source_[begin])) ++begin;
      strip_next_text_ = false;
    }
    if (strip_trailing) {
      while (end > begin && is_space(source_[end - 1])) --end;
    }
    if (begin < end) {
      tokens_.push_back(
          make(TokenKind::kText, std::string(source_.substr(begin, end - begin)), begin));
    }
  }

  void skip_comment(size_t open, size_t inner) {
    const size_t close = source_.find("#}", inner);
    if (close == std::string_view::npos) fail(open, "unterminated comment: expected `#}`");
    strip_next_text_ = close > inner && source_[close - 1] == '-';
    pos_ = close + 2;
  }

  size_t skip_spaces(size_t at) const {
    while (at < source_.size() && is_space(source_[at])) ++at;
    return at;
  }

  bool is_raw_block(size_t inner) const {
    const size_t at = skip_spaces(inner);
    if (source_.substr(at, 3) != "raw") return false;
    const size_t after = at + 3;
    return after < source_.size() && !is_name_char(source_[after]);
  }

  // Finds the `%}` closing a tag whose content holds no strings; returns its offset, and whether
  // it was written `-%}`, or npos.
  size_t find_block_close(size_t from, bool& strip_after) const {
    const size_t close = source_.find("%}", from);
    if (close == std::string_view::npos) return close;
    strip_after = close > from && source_[close - 1] == '-';
    return close;
  }

  void lex_raw(size_t open, size_t inner) {
    bool strip_after = false;
    const size_t close = find_block_close(skip_spaces(inner) + 3, strip_after);
    if (close == std::string_view::npos) fail(open, "unterminated `{%`: expected `%}`");
    strip_next_text_ = strip_after;
    const size_t content = close + 2;
    // The raw content ends at the first `{% endraw %}` (with optional whitespace control).
    for (size_t tag = source_.find("{%", content); tag != std::string_view::npos;
         tag = source_.find("{%", tag + 2)) {
      size_t at = tag + 2;
      const bool strip_before = at < source_.size() && source_[at] == '-';
      if (strip_before) ++at;
      at = skip_spaces(at);
      if (source_.substr(at, 6) != "endraw") continue;
      at = skip_spaces(at + 6);
      bool strip_end = false;
      if (at < source_.size() && source_[at] == '-') {
        strip_end = true;
        ++at;
      }
      if (source_.substr(at, 2) != "%}") continue;
      add_text(content, tag, strip_before);
      strip_next_text_ = strip_end;
      pos_ = at + 2;
      return;
    }
    fail(open, "`{% raw %}` is never closed: expected `{% endraw %}`");
  }

  void lex_tag(size_t open, size_t inner, bool is_variable) {
    tokens_.push_back(make(is_variable ? TokenKind::kVariableBegin : TokenKind::kBlockBegin,
                           is_variable ? "{{" : "{%", open));
    const std::string_view closer = is_variable ? "}}" : "%}";
    const std::string_view other_closer = is_variable ? "%}" : "}}";
    int brackets = 0;  // open (, [ and { inside the tag: `}}` closes the tag only at depth 0
    size_t at = inner;
    while (true) {
      at = skip_spaces(at);
      if (at >= source_.size()) {
        fail(open, std::string("unterminated `") + (is_variable ? "{{" : "{%") + "`: expected `" +
                       std::string(closer) + "`");
      }
      const std::string_view rest = source_.substr(at);
      if (brackets == 0) {
        const bool dash = rest.size() > 1 && (rest[0] == '-' || (!is_variable && rest[0] == '+'));
        if (rest.substr(0, 2) == closer || (dash && rest.substr(1, 2) == closer)) {
          strip_next_text_ = rest[0] == '-';
          const size_t close = dash ? at + 1 : at;
          tokens_.push_back(make(is_variable ? TokenKind::kVariableEnd : TokenKind::kBlockEnd,
                                 std::string(closer), close));
          pos_ = close + 2;
          return;
        }
        if (rest.substr(0, 2) == other_closer) {
          fail(at, "expected `" + std::string(closer) + "` to close the `" +
                       (is_variable ? "{{" : "{%") + "` at " + location(open).str() + ", found `" +
                       std::string(other_closer) + "`");
        }
      }
      at = lex_expression_token(at, brackets);
    }
  }

  // Reads one expression token at `at`; returns the offset after it.
  size_t lex_expression_token(size_t at, int& brackets) {
    const char c = source_[at];
    if (is_name_start(c)) {
      size_t end = at;
      while (end < source_.size() && is_name_char(source_[end])) ++end;
      tokens_.push_back(make(TokenKind::kName, std::string(source_.substr(at, end - at)), at));
      return end;
    }
    if (is_digit(c)) return lex_number(at);
    if (c == '\'' || c == '"') return lex_string(at);
    static const std::string_view two_char[] = {"//", "**", "==", "!=", "<=", ">="};
    for (std::string_view op : two_char) {
      if (source_.substr(at, 2) == op) {
        tokens_.push_back(make(TokenKind::kOperator, std::string(op), at));
        return at + 2;
      }
    }
    if (std::string_view("+-*/%~<>=()[]{},.:|").find(c) == std::string_view::npos) {
      fail(at, std::string("unexpected character '") + c + "' in an expression");
    }
    if (c == '(' || c == '[' || c == '{') ++brackets;
    if (c == ')' || c == ']' || c == '}') {
      if (brackets == 0) fail(at, std::string("unexpected '") + c + "'");
      --brackets;
    }
    tokens_.push_back(make(TokenKind::kOperator, std::string(1, c), at));
    return at + 1;
  }

  size_t lex_number(size_t at) {
    size_t end = at;
    auto digits = [&] {
      while (end < source_.size() && (is_digit(source_[end]) || source_[end] == '_')) ++end;
    };
    digits();
    bool is_float = false;
    if (end + 1 < source_.size() && source_[end] == '.' && is_digit(source_[end + 1])) {
      is_float = true;
      ++end;
      digits();
    }
    if (end < source_.size() && (source_[end] == 'e' || source_[end] == 'E')) {
      size_t exponent = end + 1;
      if (exponent < source_.size() && (source_[exponent] == '+' || source_[exponent] == '-')) {
        ++exponent;
      }
      if (exponent < source_.size() && is_digit(source_[exponent])) {
        is_float = true;
        end = exponent;
        digits();
      }
    }
    std::string text;
    for (char d : source_.substr(at, end - at)) {
      if (d != '_') text += d;
    }
    tokens_.push_back(make(is_float ? TokenKind::kFloat : TokenKind::kInteger, text, at));
    return end;
  }

  size_t lex_string(size_t at) {
    const char quote = source_[at];
    std::string value;
    for (size_t i = at + 1; i < source_.size(); ++i) {
      const char c = source_[i];
      if (c == quote) {
        tokens_.push_back(make(TokenKind::kString, std::move(value), at));
        return i + 1;
      }
      if (c != '\\' || i + 1 == source_.size()) {
        value += c;
        continue;
      }
      const char escaped = source_[++i];
      switch (escaped) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '0':
          value += '\0';
          break;
        case '\\':
        case '\'':
        case '"':
          value += escaped;
          break;
        case '\n':
          break;  // a backslash at the end of a line continues the string
        default:  // Python keeps unknown escapes as written
          value += '\\';
          value += escaped;
      }
    }
    fail(at, "unterminated string literal");
  }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const std::string& file) {
  // As Jinja does by default: line ends become "\n", and one final line end is dropped.
  std::string text;
  text.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] != '\r') {
      text += source[i];
    } else if (i + 1 == source.size() || source[i + 1] != '\n') {
      text += '\n';
    }
  }
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return Lexer(text, file).run();
}

}  // namespace strata::transform::jinja
