// PostgreSQL text and binary encodings of DuckDB values: the pure formatters, the numeric binary
// format, and whole result columns read from real DuckDB vectors.
#include <gtest/gtest.h>

#include <limits>

#include "engine/database.hpp"
#include "engine/duckdb_api.hpp"
#include "serve/pgwire/compatibility.hpp"
#include "serve/pgwire/message_buffer.hpp"
#include "serve/pgwire/numeric_binary.hpp"
#include "serve/pgwire/parameter_codec.hpp"
#include "serve/pgwire/pg_types.hpp"
#include "serve/pgwire/sql_error.hpp"
#include "serve/pgwire/sql_text.hpp"
#include "serve/pgwire/text_encoding.hpp"
#include "serve/pgwire/value_codec.hpp"

namespace strata::serve::pgwire {
namespace {

template <typename Append, typename... Args>
std::string text(Append append, Args... args) {
  std::string out;
  append(out, args...);
  return out;
}

TEST(PgwireText, DatesAndTimestampsInIsoStyle) {
  EXPECT_EQ(text(append_date, 0), "1970-01-01");
  EXPECT_EQ(text(append_date, 19724), "2024-01-02");
  EXPECT_EQ(text(append_date, -719528), "0001-01-01 BC");  // year 0 is 1 BC
  EXPECT_EQ(text(append_date, std::numeric_limits<int32_t>::max()), "infinity");
  EXPECT_EQ(text(append_timestamp, int64_t{1704164645000000}, false), "2024-01-02 03:04:05");
  EXPECT_EQ(text(append_timestamp, int64_t{1704164645500000}, true), "2024-01-02 03:04:05.5+00");
  EXPECT_EQ(text(append_timestamp, int64_t{-1}, false), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(text(append_time, int64_t{45296000123}), "12:34:56.000123");
  EXPECT_EQ(text(append_utc_offset, 19800), "+05:30");
  EXPECT_EQ(text(append_utc_offset, -3600), "-01");
  for (int64_t days : {-800000, -1, 0, 59, 60, 11016, 2932896}) {
    EXPECT_EQ(days_from_civil(civil_from_days(days)), days);
  }
}

TEST(PgwireText, IntervalsInPostgresStyle) {
  EXPECT_EQ(text(append_interval, 14, 3, int64_t{14706000000}), "1 year 2 mons 3 days 04:05:06");
  EXPECT_EQ(text(append_interval, 0, 0, int64_t{0}), "00:00:00");
  EXPECT_EQ(text(append_interval, 0, 1, int64_t{0}), "1 day");
  EXPECT_EQ(text(append_interval, 0, -1, int64_t{7200000000}), "-1 days +02:00:00");
  EXPECT_EQ(text(append_interval, 0, 0, int64_t{-1500000}), "-00:00:01.5");
}

TEST(PgwireText, NumbersUuidsBytesAndArrayElements) {
  EXPECT_EQ(text(append_decimal, __int128{150}, uint8_t{2}), "1.50");
  EXPECT_EQ(text(append_decimal, __int128{-5}, uint8_t{3}), "-0.005");
  EXPECT_EQ(text(append_decimal, __int128{42}, uint8_t{0}), "42");
  EXPECT_EQ(text(append_double, 0.1), "0.1");
  EXPECT_EQ(text(append_double, 1e20), "1e+20");
  EXPECT_EQ(text(append_double, std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(text(append_double, std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(text(append_float, 1.1f), "1.1");
  // DuckDB flips the top bit of a UUID's 128-bit integer.
  EXPECT_EQ(text(append_uuid, static_cast<int64_t>(0x20eebc999c0b4ef8ULL),
                 uint64_t{0xbb6d6bb9bd380a11ULL}),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(text(append_bytea_hex, std::string_view("\x01\xab", 2)), "\\x01ab");
  EXPECT_EQ(text(append_array_element, std::string_view("plain")), "plain");
  EXPECT_EQ(text(append_array_element, std::string_view("a b")), "\"a b\"");
  EXPECT_EQ(text(append_array_element, std::string_view("")), "\"\"");
  EXPECT_EQ(text(append_array_element, std::string_view("NULL")), "\"NULL\"");
  EXPECT_EQ(text(append_array_element, std::string_view("q\"\\")), "\"q\\\"\\\\\"");
  EXPECT_EQ(text(append_json_string, std::string_view("a\"\n")), "\"a\\\"\\n\"");
}

TEST(PgwireNumeric, BinaryRoundTripsExactly) {
  for (const char* value : {"0", "1", "-1", "12345.6789", "0.0001", "-0.50", "100000000",
                            "123456789012345678901234567890.123", "NaN", "1.000"}) {
    std::string binary;
    append_numeric_binary(binary, value);
    EXPECT_EQ(numeric_binary_to_text(binary), value) << value;
  }
  std::string binary;
  append_numeric_binary(binary, "12345.6789");
  // ndigits 3 (1, 2345, 6789), weight 1, positive, dscale 4.
  EXPECT_EQ(get_uint16(binary.data()), 3);
  EXPECT_EQ(get_uint16(binary.data() + 2), 1);
  EXPECT_EQ(get_uint16(binary.data() + 4), 0);
  EXPECT_EQ(get_uint16(binary.data() + 6), 4);
  EXPECT_EQ(get_uint16(binary.data() + 8), 1);
  EXPECT_EQ(get_uint16(binary.data() + 10), 2345);
  EXPECT_THROW(append_numeric_binary(binary, "12a"), Error);
  EXPECT_THROW(numeric_binary_to_text("\x00\x01"), Error);
}

// One row of `select`, each column encoded as text (or binary) the way a DataRow carries it.
std::vector<std::optional<std::string>> encode_row(const std::string& select, int16_t format) {
  static engine::Database database;
  engine::Connection connection = database.connect();
  engine::Result result = connection.query(select);
  const auto& api = engine::duckdb();
  std::vector<ResultColumn> columns;
  for (size_t i = 0; i < result.column_count(); ++i) {
    duckdb_logical_type logical = api.duckdb_column_logical_type(result.handle(), i);
    columns.push_back({result.column_names()[i], describe_type(logical), format});
    api.duckdb_destroy_logical_type(&logical);
  }
  auto chunk = result.next_chunk();
  EXPECT_TRUE(chunk);
  std::vector<std::optional<std::string>> cells;
  for (size_t c = 0; c < columns.size(); ++c) {
    duckdb_vector vector = api.duckdb_data_chunk_get_vector(chunk->handle(), c);
    if (!is_valid(vector, 0)) {
      cells.emplace_back(std::nullopt);
      continue;
    }
    std::string out;
    if (format == 1) {
      append_binary_value(columns[c].type, vector, 0, out);
    } else {
      append_text_value(columns[c].type, vector, 0, out);
    }
    cells.emplace_back(out);
  }
  return cells;
}

TEST(PgwireValues, TextMatchesPostgresOutput) {
  auto row = encode_row(
      "SELECT true, 42::SMALLINT, 1.50::DECIMAL(10,2), 'x'::VARCHAR, DATE '2024-01-02', "
      "TIMESTAMP '2024-01-02 03:04:05.25', TIMESTAMPTZ '2024-01-02 03:04:05+00', "
      "'\\xAB'::BLOB, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID, [1, 2, NULL], "
      "['a b', NULL], {'k': 1, 's': 'v'}, MAP {'a': 1}, NULL::INTEGER, "
      "INTERVAL '1 year 2 months 3 days 04:05:06', 12345678901234567890::UBIGINT, "
      "170141183460469231731687303715884105727::HUGEINT, 2.5::DOUBLE, '{\"a\": 1}'::JSON",
      0);
  const std::vector<std::optional<std::string>> expected = {
      "t",
      "42",
      "1.50",
      "x",
      "2024-01-02",
      "2024-01-02 03:04:05.25",
      "2024-01-02 03:04:05+00",
      "\\xab",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "{1,2,NULL}",
      "{\"a b\",NULL}",
      "{\"k\":1,\"s\":\"v\"}",
      "{\"a\":1}",
      std::nullopt,
      "1 year 2 mons 3 days 04:05:06",
      "12345678901234567890",
      "170141183460469231731687303715884105727",
      "2.5",
      "{\"a\": 1}"};
  EXPECT_EQ(row, expected);
}

TEST(PgwireValues, BinaryMatchesPostgresWireFormats) {
  auto row = encode_row(
      "SELECT true, 7::INTEGER, -2::BIGINT, DATE '2000-01-02', TIMESTAMP '2000-01-01 00:00:01', "
      "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID, [1, 2]::INTEGER[], 1.5::DOUBLE, "
      "12.50::DECIMAL(5,2)",
      1);
  EXPECT_EQ(*row[0], std::string(1, '\1'));
  EXPECT_EQ(*row[1], std::string("\0\0\0\7", 4));
  EXPECT_EQ(*row[2], std::string("\xff\xff\xff\xff\xff\xff\xff\xfe", 8));
  EXPECT_EQ(*row[3], std::string("\0\0\0\1", 4));   // days since 2000-01-01
  EXPECT_EQ(get_uint64(row[4]->data()), 1000000u);  // microseconds since 2000-01-01
  EXPECT_EQ(*row[5],
            std::string("\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11", 16));
  // int4[]: 1 dimension, no nulls, element oid 23, length 2, lower bound 1, then the elements.
  const std::string& array = *row[6];
  ASSERT_EQ(array.size(), 20u + 2 * 8);
  EXPECT_EQ(get_uint32(array.data()), 1u);
  EXPECT_EQ(get_uint32(array.data() + 8), 23u);
  EXPECT_EQ(get_uint32(array.data() + 12), 2u);
  EXPECT_EQ(get_uint32(array.data() + 32), 2u);
  EXPECT_EQ(get_uint64(row[7]->data()), 0x3FF8000000000000u);
  EXPECT_EQ(numeric_binary_to_text(*row[8]), "12.50");
}

TEST(PgwireValues, TypesMapToPostgresOids) {
  engine::Database database;
  engine::Connection connection = database.connect();
  engine::Result result = connection.query(
      "SELECT 1::INTEGER, 1::BIGINT, 1::SMALLINT, 1.0::DOUBLE, 1.0::FLOAT, 1.0::DECIMAL(12,3), "
      "'x', DATE '2024-01-01', TIMESTAMPTZ '2024-01-01', [1]::INTEGER[], ['a'], {'a': 1}, "
      "'{}'::JSON, uuid(), INTERVAL 1 DAY, '\\x00'::BLOB, true, TIME '01:02:03'");
  const std::vector<uint32_t> expected = {23,   20,   21,  701, 700,  1700, 1043, 1082, 1184,
                                          1007, 1015, 114, 114, 2950, 1186, 17,   16,   1083};
  const auto& api = engine::duckdb();
  for (size_t i = 0; i < expected.size(); ++i) {
    duckdb_logical_type logical = api.duckdb_column_logical_type(result.handle(), i);
    const ValueType type = describe_type(logical);
    api.duckdb_destroy_logical_type(&logical);
    EXPECT_EQ(type.pg_oid, expected[i]) << "column " << i;
    if (i == 5) {
      EXPECT_EQ(type.pg_modifier, ((12 << 16) | 3) + 4);
    }
  }
}

TEST(PgwireSql, SplitsStatementsOutsideQuotesAndComments) {
  EXPECT_EQ(split_statements("SELECT 1; SELECT 'a;b'; -- c;\n SELECT $$x;y$$;;  "),
            (std::vector<std::string>{"SELECT 1", " SELECT 'a;b'", " -- c;\n SELECT $$x;y$$"}));
  EXPECT_EQ(split_statements("/* a; /* nested; */ */ SELECT \"a;\""),
            (std::vector<std::string>{"/* a; /* nested; */ */ SELECT \"a;\""}));
  EXPECT_TRUE(split_statements("  ; -- nothing\n").empty());
  EXPECT_EQ(split_statements("SELECT E'it\\'s;'; SELECT 2").size(), 2u);
}

TEST(PgwireSql, DeclaredParameterTypesBecomeCasts) {
  EXPECT_EQ(cast_parameters("SELECT $1, $2 + '$1'", {{1, "INTEGER"}}),
            "SELECT CAST($1 AS INTEGER), $2 + '$1'");
  EXPECT_EQ(cast_parameters("SELECT ?, ?", {{2, "DATE[]"}}), "SELECT ?, CAST(? AS DATE[])");
}

TEST(PgwireParameters, ParsesArrayLiterals) {
  using Elements = std::vector<std::optional<std::string>>;
  EXPECT_EQ(parse_array_literal("{1,2,3}"), (Elements{"1", "2", "3"}));
  EXPECT_EQ(parse_array_literal(" { a , \"b c\" ,NULL,\"NULL\",\"q\\\"\"} "),
            (Elements{"a", "b c", std::nullopt, "NULL", "q\""}));
  EXPECT_EQ(parse_array_literal("{}"), Elements{});
  EXPECT_THROW(parse_array_literal("{1,2"), SqlError);
  EXPECT_THROW(parse_array_literal("[1,2]"), SqlError);
  EXPECT_THROW(parse_array_literal("{{1},{2}}"), SqlError);
  EXPECT_THROW(parse_array_literal("{1,,2}"), SqlError);
}

TEST(PgwireSql, CommandTagsAndTransactions) {
  EXPECT_EQ(command_tag(leading_keywords("insert into t values (1)"), false, 3), "INSERT 0 3");
  EXPECT_EQ(command_tag(leading_keywords("(select 1)"), true, 1), "SELECT 1");
  EXPECT_EQ(command_tag(leading_keywords("create or replace view v as select 1"), false, 0),
            "CREATE VIEW");
  EXPECT_EQ(command_tag(leading_keywords("drop table if exists t"), false, 0), "DROP TABLE");
  EXPECT_EQ(command_tag(leading_keywords("begin"), false, 0), "BEGIN");
  EXPECT_EQ(transaction_effect(leading_keywords("START TRANSACTION")), TransactionEffect::kBegin);
  EXPECT_EQ(transaction_effect(leading_keywords("rollback")), TransactionEffect::kEnd);
}

TEST(PgwireSql, CompatibilityRewritesCatalogQueries) {
  const std::map<std::string, std::string> parameters = {{"server_version", "15.0 (strata)"},
                                                         {"application_name", "psql"}};
  StatementPlan plan = plan_statement(
      "SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c WHERE c.relname "
      "OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default AND 'pg_class' = 'x'",
      parameters);
  EXPECT_EQ(plan.sql,
            "SELECT pg_strata.pg_get_userbyid(c.relowner) FROM pg_strata.pg_class c WHERE "
            "c.relname  ~  '^(t)$'  AND 'pg_class' = 'x'");
  EXPECT_EQ(plan_statement(
                "SELECT pg_catalog.array_to_string(x, ','), y::pg_catalog.regtype::pg_catalog.text",
                parameters)
                .sql,
            "SELECT array_to_string(x, ','), y::VARCHAR::text");
  EXPECT_EQ(plan_statement("select version()", parameters).sql, "select pg_strata.version()");
  // A name cast to regclass is looked up; an oid cast to regclass (to print it) becomes text.
  EXPECT_EQ(plan_statement("SELECT 1 WHERE d.classoid = 'pg_class'::regclass AND "
                           "f(format('%I.%I', s, t)::pg_catalog.regclass::oid, 1) AND "
                           "c.oid::regclass = 'x'",
                           parameters)
                .sql,
            "SELECT 1 WHERE d.classoid = pg_strata.to_regclass('pg_class') AND "
            "f(pg_strata.to_regclass(pg_strata.format('%I.%I', s, t))::oid, 1) AND "
            "c.oid::VARCHAR = 'x'");
  // Aliases and qualifiers that share a shim's name stay; current_catalog is the database.
  EXPECT_EQ(plan_statement("SELECT current_database() AS current_database, pg_class.oid, "
                           "current_catalog FROM pg_class",
                           parameters)
                .sql,
            "SELECT pg_strata.current_database() AS current_database, pg_class.oid, "
            "pg_strata.current_database() FROM pg_strata.pg_class");
  EXPECT_EQ(plan_statement("SAVEPOINT \"_pg3_1\"", parameters).local_tag, "SAVEPOINT");
  EXPECT_EQ(plan_statement("RELEASE SAVEPOINT \"_pg3_1\"", parameters).local_tag, "RELEASE");
  EXPECT_EQ(plan_statement("SELECT * FROM information_schema.tables t, information_schema.schemata",
                           parameters)
                .sql,
            "SELECT * FROM pg_strata.information_schema_tables t, information_schema.schemata");
  EXPECT_EQ(plan_statement("SHOW TRANSACTION ISOLATION LEVEL", parameters).sql,
            "SELECT 'read committed' AS \"transaction_isolation\"");
  EXPECT_EQ(plan_statement("show timezone;", {{"TimeZone", "UTC"}}).sql,
            "SELECT 'UTC' AS \"timezone\"");
  EXPECT_EQ(plan_statement("SHOW server_version_num", parameters).sql,
            "SELECT '150000' AS \"server_version_num\"");
  StatementPlan set = plan_statement("SET application_name = 'bi'", parameters);
  EXPECT_EQ(set.local_tag, "SET");
  ASSERT_TRUE(set.parameter_change);
  EXPECT_EQ(set.parameter_change->second, "bi");
  EXPECT_EQ(plan_statement("SET extra_float_digits = 3", parameters).local_tag, "SET");
  EXPECT_EQ(plan_statement("SET search_path TO \"$user\", public", parameters).sql,
            "SET search_path = 'main'");
  EXPECT_THROW(plan_statement("SET TIME ZONE 'Europe/Paris'", parameters), SqlError);
  EXPECT_FALSE(plan_statement("SET threads = 2", parameters).local_tag);
  EXPECT_EQ(client_column_name("count_star()"), "count");
  EXPECT_EQ(client_column_name("pg_strata.\"version\"()"), "version");
  EXPECT_EQ(client_column_name("'x'"), "?column?");
  EXPECT_EQ(client_column_name("name"), "name");
}

TEST(PgwireSql, DuckDbErrorsMapToSqlStates) {
  EXPECT_EQ(sqlstate_of_duckdb_error("Parser Error: syntax error at or near \"x\""), "42601");
  EXPECT_EQ(sqlstate_of_duckdb_error("Catalog Error: Table with name t does not exist!"), "42P01");
  EXPECT_EQ(sqlstate_of_duckdb_error("Binder Error: Referenced column \"x\" not found"), "42703");
  EXPECT_EQ(sqlstate_of_duckdb_error("Conversion Error: Could not convert string 'a' to INT32"),
            "22P02");
  EXPECT_EQ(sqlstate_of_duckdb_error("INTERRUPT Error: Interrupted!"), "57014");
  EXPECT_EQ(sqlstate_of_duckdb_error("Something else"), "XX000");
}

}  // namespace
}  // namespace strata::serve::pgwire
