// `COPY ... TO STDOUT` statements: which are taken, the query they run and their options.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "serve/pgwire/copy_out.hpp"

namespace strata::serve::pgwire {
namespace {

TEST(CopyToStdout, ReadsQueriesTablesAndOptions) {
  auto plan = parse_copy_to_stdout("copy (SELECT a, (1 + 2) FROM t WHERE s = ')') to stdout");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->query, "SELECT a, (1 + 2) FROM t WHERE s = ')'");
  EXPECT_FALSE(plan->csv);
  EXPECT_EQ(plan->delimiter, '\t');
  EXPECT_EQ(plan->null_text, "\\N");

  plan = parse_copy_to_stdout(
      "COPY shop.customers (id, name) TO STDOUT WITH (FORMAT csv, "
      "HEADER true, DELIMITER ';', NULL 'none')");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->query, "SELECT id, name FROM shop.customers");
  EXPECT_TRUE(plan->csv);
  EXPECT_TRUE(plan->header);
  EXPECT_EQ(plan->delimiter, ';');
  EXPECT_EQ(plan->null_text, "none");

  plan = parse_copy_to_stdout("COPY \"My Table\" TO STDOUT CSV HEADER");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->query, "SELECT * FROM \"My Table\"");
  EXPECT_TRUE(plan->csv && plan->header);
  EXPECT_EQ(plan->delimiter, ',');
  EXPECT_EQ(plan->null_text, "");
}

TEST(CopyToStdout, LeavesOtherStatementsAlone) {
  EXPECT_FALSE(parse_copy_to_stdout("SELECT 1"));
  EXPECT_FALSE(parse_copy_to_stdout("COPY t FROM STDIN"));
  EXPECT_FALSE(parse_copy_to_stdout("COPY t TO '/tmp/x.csv'"));
  EXPECT_THROW(parse_copy_to_stdout("COPY t TO STDOUT (FORMAT binary)"), Error);
  EXPECT_THROW(parse_copy_to_stdout("COPY t TO STDOUT (FREEZE)"), Error);
}

}  // namespace
}  // namespace strata::serve::pgwire
