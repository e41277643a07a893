// The parts of the database sources (PostgreSQL, MySQL) that need no server: its configuration, the
// connection string and what messages show of it, the sorting of failures, and the retry loop.
// Loads against a real server are tested end to end (tests/e2e/test_postgres_source.py,
// tests/e2e/test_mariadb_source.py).
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config.hpp"
#include "core/error.hpp"
#include "ingest/database_connection.hpp"

namespace strata {
namespace {

ProjectConfig parse(const std::string& yaml) {
  return parse_project(yaml, "/p", "/p/strata.yml");
}

Error parse_error(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error for:\n" << yaml;
  return Error(ErrorKind::kInternal, "no error");
}

std::string source_with(const std::string& tables,
                        const std::string& connection = "{host: db, database: shop}") {
  return "name: x\nsources:\n  shop:\n    kind: postgres\n    connection: " + connection +
         "\n    tables:\n" + tables;
}

TEST(PostgresConfig, ParsesConnectionAndTables) {
  ProjectConfig config = parse(R"(name: x
sources:
  shop:
    kind: postgres
    connection:
      host: db.internal
      port: 6432
      database: shop
      user: loader
      password: ${SHOP_PASSWORD}
    tables:
      customers: crm.customers
      products: products
      orders:
        table: public.orders
        mode: incremental
        cursor: updated_at
        lookback: 1 hour
        primary_key: [id]
      big_spenders:
        query: SELECT id, total FROM orders WHERE total > 100
)");
  const SourceConfig& source = config.sources.at(0);
  EXPECT_EQ(source.kind, "postgres");
  ASSERT_TRUE(source.connection);
  EXPECT_EQ(source.connection->host, "db.internal");
  EXPECT_EQ(source.connection->port, 6432);
  EXPECT_EQ(source.connection->password, "${SHOP_PASSWORD}");  // expanded only when connecting
  ASSERT_EQ(source.tables.size(), 4u);
  const DatabaseTableConfig& customers = *source.tables[0].database;
  EXPECT_EQ(customers.schema, "crm");
  EXPECT_EQ(customers.table, "customers");
  EXPECT_EQ(customers.mode, LoadMode::kFull);
  EXPECT_EQ(source.tables[1].database->schema, "public");
  const DatabaseTableConfig& orders = *source.tables[2].database;
  EXPECT_EQ(orders.mode, LoadMode::kIncremental);
  EXPECT_EQ(orders.cursor, "updated_at");
  EXPECT_EQ(orders.lookback, "1 hour");
  EXPECT_EQ(orders.primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(source.tables[3].database->query, "SELECT id, total FROM orders WHERE total > 100");
  EXPECT_EQ(source.tables[3].name, "big_spenders");
}

TEST(PostgresConfig, CursorImpliesIncrementalAndDsnIsAConnection) {
  ProjectConfig config = parse(source_with("      t: {table: s.t, cursor: id, lookback: 500}\n",
                                           "postgresql://u@h:5433/db"));
  const SourceConfig& source = config.sources.at(0);
  EXPECT_EQ(source.connection->dsn, "postgresql://u@h:5433/db");
  EXPECT_EQ(source.tables[0].database->mode, LoadMode::kIncremental);
  EXPECT_EQ(source.tables[0].database->lookback, "500");
}

TEST(PostgresConfig, RejectsMistakesWithTheirPlace) {
  Error typo = parse_error(source_with("      t: {table: s.t, cursr: id}\n"));
  EXPECT_NE(typo.message().find("did you mean 'cursor'"), std::string::npos) << typo.message();
  EXPECT_EQ(typo.where().line, 7);

  Error both = parse_error(source_with("      t: {table: s.t, query: SELECT 1}\n"));
  EXPECT_NE(both.message().find("either 'table: schema.name' or 'query"), std::string::npos);

  Error no_cursor = parse_error(source_with("      t: {table: s.t, mode: incremental}\n"));
  EXPECT_NE(no_cursor.message().find("needs 'cursor"), std::string::npos);

  Error mode = parse_error(source_with("      t: {table: s.t, mode: incremantal, cursor: c}\n"));
  EXPECT_NE(mode.message().find("did you mean 'incremental'"), std::string::npos);

  Error full = parse_error(source_with("      t: {table: s.t, mode: full, lookback: 1 hour}\n"));
  EXPECT_NE(full.message().find("only to mode: incremental"), std::string::npos);

  Error unit = parse_error(source_with("      t: {table: s.t, cursor: c, lookback: 2 horus}\n"));
  EXPECT_NE(unit.message().find("did you mean 'hour"), std::string::npos) << unit.message();

  Error window = parse_error(source_with("      t: {table: s.t, cursor: c, lookback: soon}\n"));
  EXPECT_NE(window.message().find("neither a number nor an interval"), std::string::npos);

  Error key = parse_error(source_with("      t: s.t\n", "{host: h, database: d, passwd: x}"));
  EXPECT_NE(key.message().find("did you mean 'password'"), std::string::npos);

  Error dsn = parse_error(source_with("      t: s.t\n", "{dsn: 'host=h', host: h}"));
  EXPECT_NE(dsn.message().find("either 'dsn' or 'host'"), std::string::npos);

  Error no_connection =
      parse_error("name: x\nsources:\n  s:\n    kind: postgres\n    tables: {t: s.t}\n");
  EXPECT_NE(no_connection.message().find("has no connection"), std::string::npos);

  Error files_key =
      parse_error("name: x\nsources:\n  s:\n    connection: {host: h}\n    tables: {t: a.csv}\n");
  EXPECT_NE(files_key.message().find("unknown key 'connection'"), std::string::npos);

  Error kind = parse_error(
      "name: x\nsources:\n  s:\n    kind: postgress\n    connection: x\n    tables: {t: t}\n");
  EXPECT_NE(kind.message().find("did you mean 'postgres'"), std::string::npos);
}

TEST(PostgresConfig, ExpandsEnvironmentVariables) {
  ::setenv("STRATA_TEST_SECRET", "p@ss", 1);
  ::unsetenv("STRATA_TEST_UNSET");
  EXPECT_EQ(expand_environment("a${STRATA_TEST_SECRET}b$$c$", {}), "ap@ssb$c$");
  try {
    expand_environment("${STRATA_TEST_UNSET}", Location("/p/strata.yml", 3, 5));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
    EXPECT_NE(e.message().find("'STRATA_TEST_UNSET' is not set"), std::string::npos);
    EXPECT_EQ(e.where().line, 3);
  }
}

TEST(PostgresConnection, QuotesValuesAndNeverShowsThePassword) {
  ::setenv("STRATA_TEST_PG_PASSWORD", "it's a \\secret", 1);
  DatabaseConnectionConfig config;
  config.host = "127.0.0.1";
  config.port = 5544;
  config.database = "my db";
  config.user = "loader";
  config.password = "${STRATA_TEST_PG_PASSWORD}";
  ingest::database::Endpoint endpoint = ingest::database::postgres_endpoint(config);
  EXPECT_EQ(endpoint.server, "127.0.0.1:5544");
  EXPECT_NE(endpoint.connection_string.find("dbname='my db'"), std::string::npos);
  EXPECT_NE(endpoint.connection_string.find(R"(password='it\'s a \\secret')"), std::string::npos);

  const std::string message = "Unable to connect to Postgres at \"" + endpoint.connection_string +
                              "\": failed; password it's a \\secret";
  const std::string shown = ingest::database::redact(message, endpoint);
  EXPECT_EQ(shown.find("secret"), std::string::npos) << shown;
  EXPECT_NE(shown.find("host='127.0.0.1' port=5544"), std::string::npos) << shown;
  EXPECT_NE(shown.find("password=********"), std::string::npos) << shown;
}

TEST(PostgresConnection, ReadsServerAndPasswordFromADsn) {
  DatabaseConnectionConfig uri;
  uri.dsn = "postgresql://loader:hunter2@db.example:6543/shop?sslmode=disable";
  ingest::database::Endpoint endpoint = ingest::database::postgres_endpoint(uri);
  EXPECT_EQ(endpoint.server, "db.example:6543");
  EXPECT_EQ(endpoint.password, "hunter2");
  EXPECT_EQ(ingest::database::redact("at " + uri.dsn, endpoint).find("hunter2"), std::string::npos);

  DatabaseConnectionConfig keywords;
  keywords.dsn = "host=10.1.2.3 dbname=shop password='a b'";
  endpoint = ingest::database::postgres_endpoint(keywords);
  EXPECT_EQ(endpoint.server, "10.1.2.3:5432");
  EXPECT_EQ(endpoint.password, "a b");
}

TEST(PostgresConnection, SortsConnectionFailuresFromRequestErrors) {
  using ingest::database::is_connection_error;
  EXPECT_TRUE(is_connection_error(
      "IO Error: Unable to connect to Postgres at \"...\": connection to server at "
      "\"127.0.0.1\", port 1 failed: Connection refused"));
  EXPECT_TRUE(is_connection_error("server closed the connection unexpectedly"));
  EXPECT_TRUE(is_connection_error("FATAL: terminating connection due to administrator command"));
  EXPECT_FALSE(is_connection_error("relation \"public.nope\" does not exist"));
  EXPECT_FALSE(is_connection_error("column \"updated\" does not exist"));
}

TEST(PostgresConnection, RetriesOnlyRetryableErrorsAndGivesUpAfterTheLastAttempt) {
  ingest::database::RetryPolicy policy;
  policy.first_delay = std::chrono::milliseconds(1);
  auto connection_lost = [](const Error& e) { return e.kind() == ErrorKind::kStorage; };
  std::vector<int64_t> delays;
  auto on_retry = [&](const Error&, int, std::chrono::milliseconds delay) {
    delays.push_back(delay.count());
  };

  int calls = 0;
  ingest::database::with_retries(
      policy,
      [&](int n) {
        calls = n;
        if (n < 3) throw Error(ErrorKind::kStorage, "connection refused");
      },
      connection_lost, on_retry);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(delays, (std::vector<int64_t>{1, 2}));

  // An error always thrown: how many attempts are made before it escapes.
  auto attempts_for = [&](ErrorKind kind) {
    int attempts = 0;
    EXPECT_THROW(ingest::database::with_retries(
                     policy,
                     [&](int n) {
                       attempts = n;
                       throw Error(kind, "failed");
                     },
                     connection_lost, on_retry),
                 Error);
    return attempts;
  };
  EXPECT_EQ(attempts_for(ErrorKind::kStorage), 3);
  EXPECT_EQ(attempts_for(ErrorKind::kInput), 1);
}

TEST(MysqlConfig, MariadbIsAnAliasAndTablesDefaultToTheConnectedDatabase) {
  ProjectConfig config = parse(R"(name: x
sources:
  shop:
    kind: mariadb
    connection: {host: db, database: shop, user: loader, password: pw}
    tables:
      orders: {table: orders, cursor: updated_at, lookback: 10 minutes, primary_key: [id]}
      archived: archive.orders
)");
  const SourceConfig& source = config.sources.at(0);
  EXPECT_EQ(source.kind, "mysql");
  EXPECT_EQ(source.connection->port, 3306);
  const DatabaseTableConfig& orders = *source.tables.at(0).database;
  EXPECT_EQ(orders.schema, "");
  EXPECT_EQ(orders.table, "orders");
  EXPECT_EQ(orders.mode, LoadMode::kIncremental);
  EXPECT_EQ(source.tables.at(1).database->schema, "archive");
  EXPECT_EQ(parse(source_with("      t: public.t\n")).sources.at(0).connection->port, 5432);
}

TEST(MysqlConnection, QuotesValuesForTheExtensionAndNeverShowsThePassword) {
  ::setenv("STRATA_TEST_MY_PASSWORD", R"(a "quoted" \secret)", 1);
  DatabaseConnectionConfig config;
  config.host = "127.0.0.1";
  config.port = 3307;
  config.database = "shop";
  config.user = "loader";
  config.password = "${STRATA_TEST_MY_PASSWORD}";
  ingest::database::Endpoint endpoint = ingest::database::mysql_endpoint(config);
  EXPECT_EQ(endpoint.server, "127.0.0.1:3307");
  EXPECT_EQ(endpoint.connection_string,
            R"(host="127.0.0.1" port=3307 database="shop" user="loader" )"
            R"(password="a \"quoted\" \\secret")");
  const std::string shown =
      ingest::database::redact("Failed to connect: " + endpoint.connection_string, endpoint);
  EXPECT_EQ(shown.find("secret"), std::string::npos) << shown;
  EXPECT_NE(shown.find("password=********"), std::string::npos) << shown;

  DatabaseConnectionConfig uri;
  uri.dsn = "mariadb://loader:hunter2@db.example/shop";
  endpoint = ingest::database::mysql_endpoint(uri);
  EXPECT_EQ(endpoint.server, "db.example:3306");
  EXPECT_EQ(endpoint.password, "hunter2");
  EXPECT_EQ(endpoint.connection_string, "mysql://loader:hunter2@db.example/shop");
  // The parts, for MySQL CDC's own client.
  EXPECT_EQ(endpoint.host, "db.example");
  EXPECT_EQ(endpoint.port, 3306);
  EXPECT_EQ(endpoint.user, "loader");
  EXPECT_EQ(endpoint.database, "shop");
  endpoint = ingest::database::mysql_endpoint(config);
  EXPECT_EQ(endpoint.host, "127.0.0.1");
  EXPECT_EQ(endpoint.port, 3307);
  EXPECT_EQ(endpoint.user, "loader");
  EXPECT_EQ(endpoint.password, R"(a "quoted" \secret)");
}

TEST(MysqlConfig, CdcTablesAndDeletes) {
  ProjectConfig config = parse(R"(name: x
sources:
  shop:
    kind: mysql
    connection: {host: db, database: shop}
    tables:
      orders: {table: orders, mode: cdc, primary_key: [id], current_state: true, deletes: soft}
)");
  const DatabaseTableConfig& orders = *config.sources.at(0).tables.at(0).database;
  EXPECT_EQ(orders.mode, LoadMode::kCdc);
  EXPECT_TRUE(orders.soft_deletes);
  EXPECT_EQ(orders.table, "orders");
  auto mysql_with = [](const std::string& table) {
    return "name: x\nsources:\n  shop:\n    kind: mysql\n    connection: {host: db, database: "
           "shop}\n    tables:\n      t: " +
           table + "\n";
  };
  Error deletes =
      parse_error(mysql_with("{table: t, mode: cdc, primary_key: [id], deletes: sofft}"));
  EXPECT_NE(deletes.message().find("did you mean 'soft'"), std::string::npos) << deletes.message();
  Error full = parse_error(mysql_with("{table: t, deletes: soft}"));
  EXPECT_NE(full.message().find("apply only to mode: cdc"), std::string::npos) << full.message();
  Error slot = parse_error(mysql_with("{table: t, mode: cdc, primary_key: [id], slot: s}"));
  EXPECT_NE(slot.message().find("PostgreSQL's"), std::string::npos) << slot.message();
  Error query = parse_error(mysql_with("{query: SELECT 1, mode: cdc, primary_key: [id]}"));
  EXPECT_NE(query.message().find("needs 'table: name' (not a query)"), std::string::npos)
      << query.message();
}

TEST(MysqlConnection, QuotesIdentifiersAndLiteralsTheMysqlWay) {
  const auto& mysql = ingest::database::dialect_of("mysql");
  EXPECT_EQ(mysql.quote_identifier("we`ird"), "`we``ird`");
  EXPECT_EQ(mysql.quote_literal(R"(it's a \ path)"), R"('it''s a \\ path')");
  EXPECT_EQ(mysql.pass_through("db", "SELECT 'x'"),
            "mysql_query('db', 'SELECT ''x''', stream_results=TRUE)");
  const auto& postgres = ingest::database::dialect_of("postgres");
  EXPECT_EQ(postgres.quote_identifier(R"(a"b)"), R"("a""b")");
  EXPECT_EQ(postgres.quote_literal(R"(it's \)"), R"('it''s \')");
  EXPECT_TRUE(ingest::database::is_connection_error(
      "IO Error: Failed to run query: Lost connection to server during query"));
  EXPECT_TRUE(ingest::database::is_connection_error("MySQL server has gone away"));
  EXPECT_FALSE(ingest::database::is_connection_error("Table 'shop.nope' doesn't exist"));
}

}  // namespace
}  // namespace strata
