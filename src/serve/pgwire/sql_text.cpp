#include "serve/pgwire/sql_text.hpp"

#include <cctype>

namespace strata::serve::pgwire {

namespace {

bool word_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool word_char(char c) {
  return word_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

// The end of a quoted run starting at `start` (the opening quote), doubling `quote` to escape it
// and, for E'' strings, backslash escapes too.
size_t quoted_end(std::string_view sql, size_t start, char quote, bool backslash_escapes) {
  size_t i = start + 1;
  while (i < sql.size()) {
    if (backslash_escapes && sql[i] == '\\') {
      i += 2;
      continue;
    }
    if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return sql.size();
}

// A dollar-quote opening tag ("$$" or "$name$") at `start`, or empty.
std::string_view dollar_tag(std::string_view sql, size_t start) {
  size_t i = start + 1;
  if (i < sql.size() && sql[i] != '$' && !word_start(sql[i])) return {};
  while (i < sql.size() && sql[i] != '$') {
    if (!word_char(sql[i]) || sql[i] == '$') return {};
    ++i;
  }
  if (i >= sql.size()) return {};
  return sql.substr(start, i - start + 1);
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_blank(std::string_view sql) {
  return tokenize_sql(sql).empty();
}

}  // namespace

std::vector<SqlToken> tokenize_sql(std::string_view sql) {
  std::vector<SqlToken> tokens;
  size_t i = 0;
  auto add = [&](SqlToken::Kind kind, size_t start, size_t end) {
    tokens.push_back({kind, start, end - start});
    i = end;
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      int depth = 0;
      while (i < sql.size()) {
        if (sql.compare(i, 2, "/*") == 0) {
          ++depth;
          i += 2;
        } else if (sql.compare(i, 2, "*/") == 0) {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else if (c == '\'') {
      add(SqlToken::Kind::kString, i, quoted_end(sql, i, '\'', false));
    } else if ((c == 'E' || c == 'e') && i + 1 < sql.size() && sql[i + 1] == '\'') {
      add(SqlToken::Kind::kString, i, quoted_end(sql, i + 1, '\'', true));
    } else if (c == '"') {
      add(SqlToken::Kind::kQuotedIdentifier, i, quoted_end(sql, i, '"', false));
    } else if (c == '$') {
      if (i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
        size_t end = i + 1;
        while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end]))) ++end;
        add(SqlToken::Kind::kParameter, i, end);
      } else if (std::string_view tag = dollar_tag(sql, i); !tag.empty()) {
        const size_t close = sql.find(tag, i + tag.size());
        add(SqlToken::Kind::kString, i,
            close == std::string_view::npos ? sql.size() : close + tag.size());
      } else {
        add(SqlToken::Kind::kSymbol, i, i + 1);
      }
    } else if (word_start(c)) {
      size_t end = i + 1;
      while (end < sql.size() && word_char(sql[end])) ++end;
      add(SqlToken::Kind::kWord, i, end);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < sql.size() &&
                std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      size_t end = i + 1;
      while (end < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[end])) ||
                                  sql[end] == '.' || sql[end] == '_')) {
        ++end;
      }
      add(SqlToken::Kind::kNumber, i, end);
    } else if (c == '?') {
      add(SqlToken::Kind::kParameter, i, i + 1);
    } else {
      add(SqlToken::Kind::kSymbol, i, i + 1);
    }
  }
  return tokens;
}

std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> statements;
  size_t start = 0;
  for (const SqlToken& token : tokenize_sql(sql)) {
    if (token.kind == SqlToken::Kind::kSymbol && sql[token.offset] == ';') {
      std::string_view statement = sql.substr(start, token.offset - start);
      if (!is_blank(statement)) statements.emplace_back(statement);
      start = token.offset + 1;
    }
  }
  std::string_view rest = sql.substr(start);
  if (!is_blank(rest)) statements.emplace_back(rest);
  return statements;
}

std::string cast_parameters(std::string_view sql, const std::map<size_t, std::string>& types) {
  std::string out;
  size_t copied = 0;
  size_t positional = 0;
  for (const SqlToken& token : tokenize_sql(sql)) {
    if (token.kind != SqlToken::Kind::kParameter) continue;
    const std::string_view text = token.text(sql);
    const size_t number = text == "?" ? ++positional : std::stoul(std::string(text.substr(1)));
    const auto type = types.find(number);
    if (type == types.end()) continue;
    out.append(sql.substr(copied, token.offset - copied));
    out.append("CAST(").append(text).append(" AS ").append(type->second).append(")");
    copied = token.offset + token.length;
  }
  out.append(sql.substr(copied));
  return out;
}

std::vector<std::string> leading_keywords(std::string_view sql, size_t count) {
  std::vector<std::string> words;
  for (const SqlToken& token : tokenize_sql(sql)) {
    if (words.size() >= count) break;
    if (token.kind == SqlToken::Kind::kWord) {
      words.push_back(upper(token.text(sql)));
    } else if (token.kind == SqlToken::Kind::kSymbol && sql[token.offset] == '(' && words.empty()) {
      continue;  // "(SELECT ...)"
    } else {
      break;
    }
  }
  return words;
}

TransactionEffect transaction_effect(const std::vector<std::string>& keywords) {
  if (keywords.empty()) return TransactionEffect::kNone;
  const std::string& first = keywords[0];
  if (first == "BEGIN" ||
      (first == "START" && keywords.size() > 1 && keywords[1] == "TRANSACTION")) {
    return TransactionEffect::kBegin;
  }
  if (first == "COMMIT" || first == "END" || first == "ROLLBACK" || first == "ABORT") {
    return TransactionEffect::kEnd;
  }
  return TransactionEffect::kNone;
}

std::string command_tag(const std::vector<std::string>& keywords, bool returned_rows,
                        uint64_t rows) {
  const std::string first = keywords.empty() ? "" : keywords[0];
  const std::string count = std::to_string(rows);
  if (first == "INSERT") return "INSERT 0 " + count;
  if (first == "UPDATE" || first == "DELETE" || first == "MERGE" || first == "COPY") {
    return first + " " + count;
  }
  if (first == "BEGIN" || first == "START") return "BEGIN";
  if (first == "COMMIT" || first == "END") return "COMMIT";
  if (first == "ROLLBACK" || first == "ABORT") return "ROLLBACK";
  if (first == "SHOW" && returned_rows) return "SHOW";
  if (first == "EXPLAIN" && returned_rows) return "EXPLAIN";
  if (returned_rows || first.empty()) return "SELECT " + count;
  if (first == "CREATE" || first == "DROP" || first == "ALTER") {
    // The object kind, skipping modifiers: CREATE OR REPLACE TEMP VIEW -> CREATE VIEW.
    for (size_t i = 1; i < keywords.size(); ++i) {
      const std::string& word = keywords[i];
      if (word == "OR" || word == "REPLACE" || word == "TEMP" || word == "TEMPORARY" ||
          word == "UNIQUE" || word == "IF" || word == "NOT" || word == "EXISTS" ||
          word == "PERSISTENT" || word == "MATERIALIZED") {
        continue;
      }
      if (word == "MACRO" || word == "FUNCTION") return first + " FUNCTION";
      return first + " " + word;
    }
    return first;
  }
  return first;
}

}  // namespace strata::serve::pgwire
