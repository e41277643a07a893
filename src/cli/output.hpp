// Printing query results for people and for programs: an aligned table (capped at a number of
// rows), CSV (RFC 4180) or JSON (an array of objects, nested types as JSON). Results are streamed
// chunk by chunk, so CSV and JSON output of any size runs in constant memory.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "engine/database.hpp"

namespace strata::cli {

enum class OutputFormat { kTable, kCsv, kJson };
OutputFormat parse_output_format(const std::string& text);

struct PrintOptions {
  OutputFormat format = OutputFormat::kTable;
  uint64_t max_rows = 100;  // table format only
};

// Runs `sql` and prints its result. Returns the number of rows.
uint64_t print_query(engine::Connection& connection, const std::string& sql,
                     const PrintOptions& options, std::ostream& out);

// Renders rows of text cells as an aligned table with a header.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace strata::cli
