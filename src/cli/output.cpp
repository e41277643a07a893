#include "cli/output.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::cli {

namespace {

std::string strip_statement(const std::string& sql) {
  std::string_view text = trim(sql);
  while (!text.empty() &&
         (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back())))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::string json_quote(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string csv_cell(std::string_view value) {
  if (value.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Utf-8 aware width, so that accented names do not break the alignment.
size_t display_width(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

// Runs the statement as text cells; falls back to running it as is (for statements such as
// CREATE or INSERT that cannot be wrapped in a SELECT).
engine::Result run_as_text(engine::Connection& connection, const std::string& sql) {
  try {
    return connection.query("SELECT COLUMNS(*)::VARCHAR FROM (" + sql + "\n)");
  } catch (const Error&) {
    return connection.query(sql);
  }
}

std::optional<std::string> cell_text(const engine::Chunk& chunk, size_t column, uint64_t row) {
  if (chunk.is_null(column, row)) return std::nullopt;
  return engine::value_to_text(chunk.get(column, row));
}

}  // namespace

OutputFormat parse_output_format(const std::string& text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "csv") return OutputFormat::kCsv;
  if (text == "json") return OutputFormat::kJson;
  throw Error(ErrorKind::kUsage, "unknown format '" + text + "' (use table, csv or json)");
}

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = display_width(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < widths.size(); ++c) {
      const std::string& cell = c < cells.size() ? cells[c] : std::string();
      out += (c ? " | " : "") + cell + std::string(widths[c] - display_width(cell), ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  std::string rule;
  for (size_t c = 0; c < widths.size(); ++c) rule += (c ? "-+-" : "") + std::string(widths[c], '-');
  out += rule + "\n";
  for (const auto& row : rows) out += line(row);
  return out;
}

uint64_t print_query(engine::Connection& connection, const std::string& sql,
                     const PrintOptions& options, std::ostream& out) {
  const std::string statement = strip_statement(sql);
  if (statement.empty()) throw Error(ErrorKind::kUsage, "the query is empty");
  uint64_t rows = 0;

  if (options.format == OutputFormat::kJson) {
    // Rows as JSON objects made by DuckDB (typed numbers, nested values); statements that cannot
    // be wrapped print their text cells as strings.
    bool as_objects = true;
    engine::Result result = [&] {
      try {
        return connection.query("SELECT to_json(strata_row_)::VARCHAR FROM (" + statement +
                                "\n) AS strata_row_");
      } catch (const Error&) {
        as_objects = false;
        return run_as_text(connection, statement);
      }
    }();
    out << "[";
    while (auto chunk = result.next_chunk()) {
      for (uint64_t r = 0; r < chunk->size(); ++r, ++rows) {
        out << (rows ? ",\n" : "\n");
        if (as_objects) {
          out << chunk->get_string(0, r);
        } else {
          out << "{";
          for (size_t c = 0; c < result.column_count(); ++c) {
            auto text = cell_text(*chunk, c, r);
            out << (c ? ", " : "") << json_quote(result.column_names()[c]) << ": "
                << (text ? json_quote(*text) : "null");
          }
          out << "}";
        }
      }
    }
    out << (rows ? "\n]\n" : "]\n");
    return rows;
  }

  engine::Result result = run_as_text(connection, statement);
  const auto& names = result.column_names();
  if (options.format == OutputFormat::kCsv) {
    for (size_t c = 0; c < names.size(); ++c) out << (c ? "," : "") << csv_cell(names[c]);
    out << "\n";
    while (auto chunk = result.next_chunk()) {
      for (uint64_t r = 0; r < chunk->size(); ++r, ++rows) {
        for (size_t c = 0; c < names.size(); ++c) {
          auto text = cell_text(*chunk, c, r);
          out << (c ? "," : "") << (text ? csv_cell(*text) : "");
        }
        out << "\n";
      }
    }
    return rows;
  }

  std::vector<std::vector<std::string>> table;
  bool truncated = false;
  while (auto chunk = result.next_chunk()) {
    for (uint64_t r = 0; r < chunk->size(); ++r) {
      if (table.size() >= options.max_rows) {
        truncated = true;
        ++rows;
        continue;
      }
      std::vector<std::string> cells;
      for (size_t c = 0; c < names.size(); ++c)
        cells.push_back(cell_text(*chunk, c, r).value_or("NULL"));
      table.push_back(std::move(cells));
      ++rows;
    }
  }
  out << render_table(names, table);
  out << "(" << format_rows(rows);
  if (truncated) out << ", first " << format_count(options.max_rows) << " shown; see --max-rows";
  out << ")\n";
  return rows;
}

}  // namespace strata::cli
