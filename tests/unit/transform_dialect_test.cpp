// SQL in another dialect -> DuckDB SQL: the text DuckDB gets back, and the values it computes,
// checked against the values the source dialect documents for the same call.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "transform/sql_dialect.hpp"
#include "transform/sql_dialect_formats.hpp"

namespace strata::transform {
namespace {

class DialectTest : public ::testing::Test {
 protected:
  std::string translate(const std::string& sql, SqlDialect dialect) {
    return translate_to_duckdb(connection_, sql, dialect, "model m");
  }

  // The single value of `select_one_expression` in `dialect`, as DuckDB's VARCHAR text.
  std::string value(const std::string& select_one_expression, SqlDialect dialect) {
    const std::string sql = translate(select_one_expression, dialect);
    const engine::Value out =
        connection_.query("SELECT CAST(v AS VARCHAR) FROM (" + sql + ") AS t(v)").scalar();
    if (std::holds_alternative<std::monostate>(out)) return "NULL";
    return std::get<std::string>(out);
  }

  engine::Database database_;
  engine::Connection connection_ = database_.connect();
};

TEST_F(DialectTest, DialectNamesAndAliases) {
  EXPECT_EQ(parse_dialect("Presto"), SqlDialect::kTrino);
  EXPECT_EQ(parse_dialect("trino"), SqlDialect::kTrino);
  EXPECT_EQ(parse_dialect("postgresql"), SqlDialect::kPostgres);
  EXPECT_EQ(parse_dialect("spark"), SqlDialect::kSpark);
  EXPECT_EQ(parse_dialect("duckdb"), SqlDialect::kDuckDb);
  EXPECT_FALSE(parse_dialect("oracle").has_value());
}

TEST_F(DialectTest, TrinoTextIsRewrittenOnTheTree) {
  EXPECT_EQ(translate("select approx_percentile(x, 0.5) as p from t", SqlDialect::kTrino),
            "SELECT approx_quantile(x, 0.5) AS p FROM t");
  EXPECT_EQ(translate("select levenshtein_distance(a, b) from t", SqlDialect::kTrino),
            "SELECT levenshtein(a, b) FROM t");
  // Nested calls and calls inside CTEs and WHERE are reached too.
  EXPECT_EQ(translate("with c as (select cardinality(xs) n from t where regexp_like(s, 'a')) "
                      "select n from c",
                      SqlDialect::kTrino),
            "WITH c AS (SELECT len(xs) AS n FROM t WHERE regexp_matches(s, 'a'))SELECT n FROM c");
}

TEST_F(DialectTest, TrinoValues) {
  const auto trino = SqlDialect::kTrino;
  EXPECT_EQ(value("select element_at(array[10, 20, 30], 2)", trino), "20");
  EXPECT_EQ(value("select element_at(array[10, 20, 30], -1)", trino), "30");
  EXPECT_EQ(value("select element_at(array[10, 20, 30], 7)", trino), "NULL");
  EXPECT_EQ(value("select element_at(map(['a', 'b'], [1, 2]), 'b')", trino), "2");
  // Whole units elapsed: Jan 15 -> Feb 10 is 0 months in Trino (DuckDB's date_diff says 1).
  EXPECT_EQ(value("select date_diff('month', date '2024-01-15', date '2024-02-10')", trino), "0");
  EXPECT_EQ(value("select date_diff('hour', timestamp '2024-01-01 10:59:00', "
                  "timestamp '2024-01-01 12:58:00')",
                  trino),
            "1");
  EXPECT_EQ(value("select date_diff('day', date '2024-01-01', date '2024-03-01')", trino), "60");
  EXPECT_EQ(value("select date_add('month', 1, timestamp '2024-01-31 10:00:00')", trino),
            "2024-02-29 10:00:00");
  EXPECT_EQ(value("select date_add('hour', -3, timestamp '2024-01-01 01:00:00')", trino),
            "2023-12-31 22:00:00");
  EXPECT_EQ(value("select from_iso8601_timestamp('2024-05-06T07:08:09+02:00') = "
                  "timestamptz '2024-05-06 05:08:09+00'",
                  trino),
            "true");
  EXPECT_EQ(value("select split_part('a,b,c', ',', 2)", trino), "b");
  EXPECT_EQ(value("select split_part('a,b,c', ',', 4)", trino), "NULL");
  EXPECT_EQ(value("select levenshtein_distance('kitten', 'sitting')", trino), "3");
  EXPECT_EQ(value("select cardinality(array[1, 2, 3, 4])", trino), "4");
  EXPECT_EQ(value("select regexp_like('abc123', '[0-9]+')", trino), "true");
  EXPECT_EQ(value("select approx_percentile(x, 0.5) from range(1, 102) r(x)", trino), "51");
  EXPECT_EQ(value("select transform(filter(array[1, 2, 3], x -> x > 1), x -> x * 10)", trino),
            "[20, 30]");
  // ROW and ARRAY constructors and :: casts are parsed by DuckDB as they are.
  EXPECT_EQ(
      value("select cardinality(array['7'::int, 8]) = 2 and row(1, 'a') = row(1, 'a')", trino),
      "true");
}

TEST_F(DialectTest, SparkValues) {
  const auto spark = SqlDialect::kSpark;
  EXPECT_EQ(value("select nvl(null, 'x')", spark), "x");
  EXPECT_EQ(
      value("select date_format(timestamp '2024-03-05 07:08:09', 'yyyy/MM/dd HH:mm:ss')", spark),
      "2024/03/05 07:08:09");
  EXPECT_EQ(value("select date_format(date '2024-03-05', 'dd MMM yy')", spark), "05 Mar 24");
  EXPECT_EQ(value("select datediff(date '2024-03-01', date '2024-02-01')", spark), "29");
  EXPECT_EQ(value("select datediff(timestamp '2024-01-02 00:01:00', "
                  "timestamp '2024-01-01 23:59:00')",
                  spark),
            "1");
  EXPECT_EQ(value("select size(array[1, 2, 3])", spark), "3");
  EXPECT_EQ(value("select size(cast(null as int[]))", spark), "-1");
  EXPECT_EQ(value("select collect_list(x) from (values (1), (null), (3)) v(x)", spark), "[1, 3]");
  EXPECT_EQ(value("select to_date('05/03/2024', 'dd/MM/yyyy')", spark), "2024-03-05");
  EXPECT_EQ(value("select to_date('5/3/2024', 'd/M/yyyy')", spark), "2024-03-05");
}

TEST_F(DialectTest, PostgresValues) {
  const auto postgres = SqlDialect::kPostgres;
  // PostgreSQL's ~ matches anywhere in the string; DuckDB's own ~ needs the whole string.
  EXPECT_EQ(value("select 'abc123' ~ '[0-9]'", postgres), "true");
  EXPECT_EQ(value("select 'abc123' !~ '[0-9]'", postgres), "false");
  EXPECT_EQ(value("select 'ABC' ~* 'b'", postgres), "true");
  EXPECT_EQ(value("select 'ABC' !~* 'b'", postgres), "false");
  EXPECT_EQ(value("select to_date('2024-03-05', 'YYYY-MM-DD')", postgres), "2024-03-05");
  EXPECT_EQ(value("select to_date('05.03.2024 13:14:15', 'DD.MM.YYYY HH24:MI:SS')", postgres),
            "2024-03-05");
}

TEST_F(DialectTest, UnknownCallsPassThroughAndDuckDbIsUntouched) {
  EXPECT_EQ(translate("select upper(s), split_part(s, ',', 1) from t", SqlDialect::kPostgres),
            "SELECT upper(s), split_part(s, ',', 1) FROM t");
  const std::string duckdb = "select   element_at(m, 'k') from t";
  EXPECT_EQ(translate(duckdb, SqlDialect::kDuckDb), duckdb);
}

TEST_F(DialectTest, ErrorsNameTheModelAndTheDialect) {
  try {
    translate("selec 1", SqlDialect::kTrino);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(error.message().find("model m (dialect trino)"), std::string::npos)
        << error.message();
    EXPECT_NE(error.message().find("syntax error"), std::string::npos) << error.message();
  }
  try {
    translate("select date_format(ts, fmt) from t", SqlDialect::kSpark);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(error.message().find("model m (dialect spark)"), std::string::npos);
    EXPECT_NE(error.message().find("string literal"), std::string::npos) << error.message();
  }
}

TEST(DialectFormats, JavaAndPostgresPatterns) {
  EXPECT_EQ(java_pattern_to_strftime("yyyy-MM-dd'T'HH:mm:ss.SSS"), "%Y-%m-%dT%H:%M:%S.%g");
  EXPECT_EQ(java_pattern_to_strftime("EEEE, MMMM d, yy h a '100%'"), "%A, %B %-d, %y %-I %p 100%%");
  EXPECT_EQ(postgres_pattern_to_strftime("YYYY-MM-DD HH24:MI:SS"), "%Y-%m-%d %H:%M:%S");
  EXPECT_EQ(postgres_pattern_to_strftime("DD Mon YYYY HH12 AM \"at\""), "%d %b %Y %I %p at");
  EXPECT_EQ(postgres_pattern_to_strftime("yyyy/mm/dd"), "%Y/%m/%d");
  EXPECT_THROW(java_pattern_to_strftime("yyyy QQ"), Error);
  EXPECT_THROW(postgres_pattern_to_strftime("YYYY-WW"), Error);
}

}  // namespace
}  // namespace strata::transform
