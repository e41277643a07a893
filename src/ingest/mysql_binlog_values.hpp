// The values of a row image in a MySQL/MariaDB binary log, decoded into the text DuckDB casts to
// the bronze column's type: integers (signed or unsigned, as the table declares), DECIMAL from
// its binary form, FLOAT/DOUBLE, strings (CHAR, VARCHAR, TEXT), binary values as hexadecimal
// (BINARY, VARBINARY, BLOB, GEOMETRY, and anything bronze keeps as BLOB), DATE, DATETIME,
// TIMESTAMP (in UTC) and TIME with their fractional seconds (the MySQL 5.6 formats and the older
// ones), YEAR, BIT as a number, ENUM and SET by their names, and MySQL's binary JSON as JSON text
// (MariaDB stores JSON as text). The binary log has no column names or signedness: they come from
// the table's definition (ColumnInfo).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/mysql_binlog.hpp"
#include "ingest/mysql_client.hpp"

namespace strata::ingest::mysql {

struct ColumnInfo {
  std::string name;
  bool is_unsigned = false;
  bool binary = false;                // the value is written as hexadecimal
  std::vector<std::string> elements;  // ENUM and SET: the names, in order
};

// Decodes the next row image of `rows`: the columns `present` says are in it, each column's value
// in text (nullopt for NULL; a column not in the image is nullopt too). `where` names the binlog
// position and table for messages.
TextRow decode_row_image(ByteReader& rows, const TableMap& map, const std::vector<bool>& present,
                         const std::vector<ColumnInfo>& columns, const std::string& where);

// MySQL's binary JSON (the JSON column type) as JSON text.
std::string binary_json_to_text(std::string_view bytes, const std::string& where);

// The little-endian IEEE double at the reader, as text with all 17 significant digits.
std::string decode_double(ByteReader& reader);

// The DECIMAL(precision, scale) value in its binary form at the reader, as text ("-12.50").
std::string decode_decimal(ByteReader& reader, int precision, int scale);

}  // namespace strata::ingest::mysql
