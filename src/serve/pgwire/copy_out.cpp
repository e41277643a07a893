#include "serve/pgwire/copy_out.hpp"

#include <cctype>

#include "core/error.hpp"
#include "core/text.hpp"
#include "serve/pgwire/pg_types.hpp"
#include "serve/pgwire/sql_text.hpp"
#include "serve/pgwire/text_encoding.hpp"
#include "serve/pgwire/value_codec.hpp"

namespace strata::serve::pgwire {

namespace {

constexpr char kCopyOutResponse = 'H';
constexpr char kCopyData = 'd';
constexpr char kCopyDone = 'c';
constexpr size_t kFlushBytes = 64 * 1024;

class Tokens {
 public:
  explicit Tokens(std::string_view sql) : sql_(sql), tokens_(tokenize_sql(sql)) {}
  bool done() const { return next_ >= tokens_.size(); }
  std::string_view peek() const { return done() ? std::string_view() : tokens_[next_].text(sql_); }
  std::string upper() const { return to_upper(peek()); }
  const SqlToken& take() { return tokens_.at(next_++); }
  bool accept(std::string_view word) {
    if (done() || upper() != word) return false;
    ++next_;
    return true;
  }
  // The text from token `first` up to (not including) the current token.
  std::string_view text_from(size_t first) const {
    const size_t begin = tokens_[first].offset;
    const size_t end = done() ? sql_.size() : tokens_[next_].offset;
    return sql_.substr(begin, end - begin);
  }
  size_t position() const { return next_; }
  std::string literal() {
    if (done() || tokens_[next_].kind != SqlToken::Kind::kString) {
      throw Error(ErrorKind::kInput, "COPY: expected a quoted string after an option");
    }
    std::string_view text = take().text(sql_);
    std::string out;
    for (size_t i = 1; i + 1 < text.size(); ++i) {
      out.push_back(text[i]);
      if (text[i] == '\'' && text[i + 1] == '\'') ++i;
    }
    return out;
  }

 private:
  static std::string to_upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  }
  std::string_view sql_;
  std::vector<SqlToken> tokens_;
  size_t next_ = 0;
};

void apply_option(Tokens& tokens, CopyOutPlan& plan, bool parenthesized) {
  const std::string option = tokens.upper();
  tokens.take();
  if (option == "FORMAT") {
    const std::string format = tokens.upper();
    tokens.take();
    if (format != "CSV" && format != "TEXT") {
      throw Error(ErrorKind::kInput, "COPY TO STDOUT supports FORMAT text or csv, not " + format);
    }
    plan.csv = format == "CSV";
  } else if (option == "CSV") {
    plan.csv = true;
  } else if (option == "HEADER") {
    plan.header = true;
    if (parenthesized && (tokens.upper() == "TRUE" || tokens.upper() == "ON")) tokens.take();
    if (parenthesized && (tokens.upper() == "FALSE" || tokens.upper() == "OFF")) {
      tokens.take();
      plan.header = false;
    }
  } else if (option == "DELIMITER") {
    const std::string delimiter = tokens.literal();
    if (delimiter.size() != 1) {
      throw Error(ErrorKind::kInput, "COPY delimiter must be a single one-byte character");
    }
    plan.delimiter = delimiter[0];
  } else if (option == "NULL") {
    plan.null_text = tokens.literal();
  } else {
    throw Error(ErrorKind::kInput, "COPY TO STDOUT does not support option " + option +
                                       "; supported: FORMAT, HEADER, DELIMITER, NULL");
  }
}

void append_text_field(std::string& out, std::string_view text, char delimiter) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c == delimiter) out.push_back('\\');
        out.push_back(c);
    }
  }
}

void append_field(std::string& out, std::string_view text, const CopyOutPlan& plan) {
  if (plan.csv) {
    append_csv_field(out, text, plan.delimiter);
  } else {
    append_text_field(out, text, plan.delimiter);
  }
}

}  // namespace

std::optional<CopyOutPlan> parse_copy_to_stdout(std::string_view sql) {
  Tokens tokens(sql);
  if (!tokens.accept("COPY")) return std::nullopt;
  CopyOutPlan plan;
  if (tokens.peek() == "(") {
    tokens.take();
    const size_t first = tokens.position();
    int depth = 1;
    while (!tokens.done()) {
      if (tokens.peek() == "(") ++depth;
      if (tokens.peek() == ")" && --depth == 0) break;
      tokens.take();
    }
    if (tokens.done() || first == tokens.position()) return std::nullopt;
    plan.query = std::string(trim(tokens.text_from(first)));
    tokens.take();  // ")"
  } else {
    const size_t first = tokens.position();
    while (!tokens.done() && tokens.peek() != "(" && tokens.upper() != "TO" &&
           tokens.upper() != "FROM") {
      tokens.take();
    }
    if (first == tokens.position()) return std::nullopt;
    const std::string table(trim(tokens.text_from(first)));
    std::string columns = "*";
    if (tokens.peek() == "(") {
      tokens.take();
      const size_t first_column = tokens.position();
      while (!tokens.done() && tokens.peek() != ")") tokens.take();
      columns = std::string(trim(tokens.text_from(first_column)));
      if (!tokens.done()) tokens.take();
    }
    plan.query = "SELECT " + columns + " FROM " + table;
  }
  if (!tokens.accept("TO") || !tokens.accept("STDOUT")) return std::nullopt;
  tokens.accept("WITH");
  if (tokens.peek() == "(") {
    tokens.take();
    while (!tokens.done() && tokens.peek() != ")") {
      apply_option(tokens, plan, true);
      if (tokens.peek() == ",") tokens.take();
    }
    if (!tokens.done()) tokens.take();
  }
  while (!tokens.done()) apply_option(tokens, plan, false);
  if (plan.csv && plan.delimiter == '\t') plan.delimiter = ',';
  if (plan.csv && plan.null_text == "\\N") plan.null_text.clear();
  return plan;
}

uint64_t run_copy_out(engine::Connection& connection, const CopyOutPlan& plan, MessageWriter& out,
                      const std::function<void()>& flush) {
  engine::Result result = connection.query(plan.query, {});
  std::vector<ValueType> types;
  for (size_t i = 0; i < result.column_count(); ++i) {
    types.push_back(describe_result_column(result.handle(), i));
    if (!types.back().supported) {
      throw Error(ErrorKind::kInput, "column \"" + result.column_names()[i] +
                                         "\" has DuckDB type " + types.back().duckdb_name +
                                         ", which COPY cannot write; cast it to VARCHAR");
    }
  }
  out.begin(kCopyOutResponse);
  out.byte(0);  // text
  out.int16(static_cast<int16_t>(types.size()));
  for (size_t i = 0; i < types.size(); ++i) out.int16(0);
  out.end();
  std::string line;
  if (plan.header) {
    for (size_t i = 0; i < types.size(); ++i) {
      if (i > 0) line.push_back(plan.delimiter);
      append_field(line, result.column_names()[i], plan);
    }
    line.push_back('\n');
    out.begin(kCopyData);
    out.bytes(line);
    out.end();
  }
  uint64_t rows = 0;
  std::string cell;
  while (std::optional<engine::Chunk> chunk = result.next_chunk()) {
    for (uint64_t row = 0; row < chunk->size(); ++row) {
      line.clear();
      for (size_t i = 0; i < types.size(); ++i) {
        if (i > 0) line.push_back(plan.delimiter);
        duckdb_vector vector = chunk->vector(i);
        if (!is_valid(vector, row)) {
          line.append(plan.null_text);
          continue;
        }
        cell.clear();
        append_text_value(types[i], vector, row, cell);
        append_field(line, cell, plan);
      }
      line.push_back('\n');
      out.begin(kCopyData);
      out.bytes(line);
      out.end();
      ++rows;
      if (out.size() >= kFlushBytes) flush();
    }
  }
  out.empty_message(kCopyDone);
  return rows;
}

}  // namespace strata::serve::pgwire
