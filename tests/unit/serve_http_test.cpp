// The HTTP API's parts that need no socket: the route table, the result cache, what a query reads
// (parsed by a real DuckDB), named-query parameter checking, result encoding, the `serve:` and
// `queries:` configuration, and the query watchdog.
#include <gtest/gtest.h>

#include <thread>

#include "core/config.hpp"
#include "engine/database.hpp"
#include "serve/http/http_server.hpp"
#include "serve/http/named_queries.hpp"
#include "serve/http/query_analysis.hpp"
#include "serve/http/result_cache.hpp"
#include "serve/http/result_encoder.hpp"
#include "serve/http/router.hpp"
#include "serve/query_watchdog.hpp"

namespace strata::serve::http {
namespace {

TEST(HttpRouter, MatchesPathsCapturesSegmentsAndTellsWrongMethods) {
  Router router;
  router.add("GET", "/api/v1/queries/{name}", [](const Request& r) {
    return json_response(200, {{"name", r.path_params.at("name")}});
  });
  router.add("POST", "/api/v1/query", [](const Request&) { return json_response(200, {}); });
  Router::Match match = router.match("GET", "/api/v1/queries/top_movies");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.path_params.at("name"), "top_movies");
  EXPECT_EQ(router.match("GET", "/api/v1/queries/top_movies/").route, match.route);
  Router::Match wrong_method = router.match("GET", "/api/v1/query");
  EXPECT_EQ(wrong_method.route, nullptr);
  EXPECT_TRUE(wrong_method.path_known);
  Router::Match unknown = router.match("GET", "/api/v1/nothing");
  EXPECT_EQ(unknown.route, nullptr);
  EXPECT_FALSE(unknown.path_known);
  EXPECT_EQ(router.match("GET", "/api/v1/queries").route, nullptr);
}

TEST(HttpRouter, ErrorsAreJsonWithStatusAndCode) {
  Response response = error_response(413, "too big");
  EXPECT_EQ(response.status, 413);
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["error"]["code"], "payload_too_large");
  EXPECT_EQ(body["error"]["message"], "too big");
  EXPECT_EQ(body["error"]["status"], 413);
}

TEST(HttpAuth, TokensCompareExactly) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

TEST(ResultCache, HitsOnlyAtTheSameSnapshots) {
  ResultCache cache(1 << 20);
  cache.put("q", {"application/json", "body", {{"shop.a", 1}, {"shop.b", 7}}});
  ASSERT_NE(cache.find("q", {{"shop.a", 1}, {"shop.b", 7}}), nullptr);
  EXPECT_EQ(cache.find("q", {{"shop.a", 1}, {"shop.b", 7}})->body, "body");
  EXPECT_EQ(cache.find("other", {{"shop.a", 1}}), nullptr);
  // shop.b was committed to: the entry is gone for good.
  EXPECT_EQ(cache.find("q", {{"shop.a", 1}, {"shop.b", 8}}), nullptr);
  EXPECT_EQ(cache.find("q", {{"shop.a", 1}, {"shop.b", 7}}), nullptr);
  const CacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.invalidated, 1u);
  EXPECT_EQ(stats.entries, 0u);
  EXPECT_EQ(stats.bytes, 0u);
}

TEST(ResultCache, InvalidatesExactlyTheEntriesOfATable) {
  ResultCache cache(1 << 20);
  cache.put("a", {"text/csv", "1", {{"shop.a", 1}}});
  cache.put("ab", {"text/csv", "2", {{"shop.a", 1}, {"shop.b", 1}}});
  cache.put("b", {"text/csv", "3", {{"shop.b", 1}}});
  cache.invalidate({"shop.a"});
  EXPECT_EQ(cache.find("a", {{"shop.a", 1}}), nullptr);
  EXPECT_EQ(cache.find("ab", {{"shop.a", 1}, {"shop.b", 1}}), nullptr);
  ASSERT_NE(cache.find("b", {{"shop.b", 1}}), nullptr);
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST(ResultCache, EvictsLeastRecentlyUsedAndSkipsHugeResults) {
  ResultCache cache(800);  // entries of at most 100 bytes
  cache.put("huge", {"", std::string(200, 'x'), {}});
  EXPECT_EQ(cache.stats().entries, 0u);
  for (int i = 0; i < 10; ++i) {
    std::string key = "k";
    key += std::to_string(i);
    cache.put(key, {"", std::string(90, 'x'), {}});
  }
  const CacheStats stats = cache.stats();
  EXPECT_LE(stats.bytes, 800u);
  EXPECT_EQ(cache.find("k0", {}), nullptr);  // the oldest went first
  EXPECT_NE(cache.find("k9", {}), nullptr);
}

class QueryAnalysisTest : public ::testing::Test {
 protected:
  engine::Database database;
  engine::Connection connection = database.connect();
  LakeState state;

  void SetUp() override {
    connection.execute(
        "CREATE SCHEMA shop; CREATE TABLE shop.orders (id INTEGER, customer INTEGER);"
        "CREATE TABLE shop.customers (id INTEGER, country VARCHAR);"
        "CREATE SCHEMA staging; CREATE VIEW staging.big_orders AS "
        "SELECT * FROM shop.orders WHERE id > 10;"
        "CREATE SCHEMA marts; CREATE VIEW marts.by_country AS SELECT c.country, count(*) "
        "FROM staging.big_orders o JOIN shop.customers c ON c.id = o.customer GROUP BY 1;");
    add("shop", "orders", lake::TableKind::kTable, 11, "");
    add("shop", "customers", lake::TableKind::kTable, 22, "");
    add("staging", "big_orders", lake::TableKind::kView, 33,
        "SELECT * FROM shop.orders WHERE id > 10");
    add("marts", "by_country", lake::TableKind::kView, 44,
        "SELECT c.country, count(*) FROM staging.big_orders o JOIN shop.customers c "
        "ON c.id = o.customer GROUP BY 1");
  }
  void add(const std::string& space, const std::string& name, lake::TableKind kind,
           int64_t snapshot, const std::string& sql) {
    state.tables[table_key(space, name)] = {{space, name}, kind, snapshot, sql};
  }
  QueryAnalysis analyze(const std::string& sql) {
    QueryAnalyzer analyzer(connection);
    return analyzer.analyze(connection, sql, state);
  }
};

TEST_F(QueryAnalysisTest, FindsTheLakeTablesAQueryReadsThroughViews) {
  QueryAnalysis analysis = analyze("SELECT * FROM marts.by_country WHERE country = $1");
  ASSERT_TRUE(analysis.cacheable) << analysis.reason;
  const std::map<std::string, int64_t> expected = {{"marts.by_country", 44},
                                                   {"staging.big_orders", 33},
                                                   {"shop.orders", 11},
                                                   {"shop.customers", 22}};
  EXPECT_EQ(analysis.reads, expected);
  analysis = analyze(
      "WITH recent AS (SELECT * FROM SHOP.ORDERS) SELECT count(*) FROM recent "
      "WHERE id IN (SELECT id FROM shop.orders)");
  ASSERT_TRUE(analysis.cacheable) << analysis.reason;
  EXPECT_EQ(analysis.reads, (std::map<std::string, int64_t>{{"shop.orders", 11}}));
}

TEST_F(QueryAnalysisTest, NormalizesSpellingButNotMeaning) {
  const std::string a = analyze("SELECT id FROM shop.orders WHERE id > $1").normalized;
  EXPECT_EQ(a, analyze("select  id\n  from shop.orders   where id>$1").normalized);
  EXPECT_NE(a, analyze("SELECT id FROM shop.orders WHERE id >= $1").normalized);
  EXPECT_NE(a, analyze("SELECT id FROM shop.orders WHERE id > 1").normalized);
}

TEST_F(QueryAnalysisTest, RefusesWhatCanChangeWithoutACommit) {
  for (const char* sql :
       {"SELECT now()", "SELECT random() FROM shop.orders", "SELECT * FROM range(10)",
        "SELECT * FROM read_csv('/etc/hostname')", "SELECT * FROM duckdb_tables()",
        "SELECT * FROM orders", "SELECT * FROM main.something",
        "INSERT INTO shop.orders VALUES (1, 1)", "SELECT 1; SELECT 2", "SELECT nextval('s')",
        "SELECT * FROM other_db.shop.orders"}) {
    QueryAnalysis analysis = analyze(sql);
    EXPECT_FALSE(analysis.cacheable) << sql;
    EXPECT_FALSE(analysis.reason.empty()) << sql;
  }
  EXPECT_TRUE(analyze("SELECT 1 + 1, lower('A'), count(*) FROM shop.orders").cacheable);
}

TEST_F(QueryAnalysisTest, TheReadPolicyAllowsLakeTablesOnly) {
  for (const char* sql :
       {"SELECT * FROM marts.by_country", "WITH x AS (SELECT 1) SELECT * FROM x, range(3)",
        "SELECT * FROM information_schema.tables", "SELECT now()"}) {
    QueryAnalysis analysis = analyze(sql);
    EXPECT_FALSE(analysis.forbidden) << sql << ": " << analysis.forbidden.value_or("");
    EXPECT_FALSE(analysis.rejection) << sql;
  }
  for (const char* sql : {"SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM '/etc/passwd'",
                          "SELECT * FROM query('SELECT 1')", "SELECT * FROM other.shop.orders",
                          "SELECT * FROM main.something", "SELECT * FROM shop.nothing"}) {
    QueryAnalysis analysis = analyze(sql);
    ASSERT_TRUE(analysis.forbidden) << sql;
    EXPECT_NE(analysis.forbidden->find("lake tables only"), std::string::npos);
  }
  EXPECT_EQ(analyze("DROP TABLE shop.orders").rejection,
            "only SELECT queries can be run through the HTTP API (it is read-only)");
  EXPECT_NE(analyze("SELEC 1").rejection.value_or("").find("syntax error"), std::string::npos);
  EXPECT_TRUE(analyze("SELECT 1; SELECT 2").rejection);
}

TEST(NamedQueryParameters, ConvertByTypeAndNameTheBadOne) {
  QueryParamConfig year{"year", QueryParamType::kInteger, std::nullopt, ""};
  EXPECT_EQ(std::get<int64_t>(convert_parameter(year, 1999)), 1999);
  EXPECT_EQ(std::get<int64_t>(convert_parameter(year, "2001")), 2001);
  for (const nlohmann::json& bad : {nlohmann::json("20x"), nlohmann::json(1.5),
                                    nlohmann::json("1; DROP TABLE t"), nlohmann::json(true)}) {
    try {
      convert_parameter(year, bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(e.message().find("parameter 'year' must be an integer"), std::string::npos);
    }
  }
  QueryParamConfig day{"day", QueryParamType::kDate, std::nullopt, ""};
  EXPECT_EQ(std::get<std::string>(convert_parameter(day, "2024-02-29")), "2024-02-29");
  EXPECT_THROW(convert_parameter(day, "29.02.2024"), Error);
  QueryParamConfig at{"at", QueryParamType::kTimestamp, std::nullopt, ""};
  EXPECT_NO_THROW(convert_parameter(at, "2024-02-29T10:00:00.123+01:00"));
  EXPECT_THROW(convert_parameter(at, "now"), Error);
  QueryParamConfig flag{"flag", QueryParamType::kBoolean, std::nullopt, ""};
  EXPECT_EQ(std::get<bool>(convert_parameter(flag, "false")), false);
  EXPECT_THROW(convert_parameter(flag, "yes"), Error);
  QueryParamConfig share{"share", QueryParamType::kNumber, std::nullopt, ""};
  EXPECT_DOUBLE_EQ(std::get<double>(convert_parameter(share, "0.25")), 0.25);
  EXPECT_THROW(convert_parameter(share, "nan"), Error);
}

TEST(NamedQueryParameters, RequestsNeedEveryRequiredParameterAndNoUnknownOne) {
  NamedQueryConfig query;
  query.name = "top";
  query.sql = "SELECT $year, $n";
  query.params = {{"year", QueryParamType::kInteger, std::nullopt, ""},
                  {"n", QueryParamType::kInteger, "10", ""}};
  NamedQueries named({query});
  QueryRequest request = named.request(query, {{"year", "2020"}}, ResultFormat::kCsv);
  EXPECT_EQ(std::get<int64_t>(request.named.at("year")), 2020);
  EXPECT_EQ(std::get<int64_t>(request.named.at("n")), 10);
  EXPECT_EQ(request.format, ResultFormat::kCsv);
  EXPECT_THROW(named.request(query, nlohmann::json::object(), ResultFormat::kJson), Error);
  try {
    named.request(query, {{"year", 1}, {"yeer", 2}}, ResultFormat::kJson);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("unknown parameter 'yeer'"), std::string::npos);
  }
  engine::Database database;
  engine::Connection connection = database.connect();
  EXPECT_NO_THROW(named.check(connection));
  NamedQueryConfig undeclared = query;
  undeclared.sql = "SELECT $year, $n, $other";
  EXPECT_THROW(NamedQueries({undeclared}).check(connection), Error);
}

TEST(ResultEncoder, WritesJsonNdjsonAndCsv) {
  engine::Database database;
  engine::Connection connection = database.connect();
  auto encode = [&](ResultFormat format) {
    engine::Result result = connection.query(
        "SELECT * FROM (VALUES (1, 'a,b', true, NULL::VARCHAR, [1, 2]), "
        "(2, '', false, 'x\"y', NULL)) t(id, s, flag, maybe, list)",
        {});
    ResultEncoder encoder(format, result_columns(result), result);
    std::string out;
    encoder.begin(out);
    while (auto chunk = result.next_chunk()) encoder.append(*chunk, out);
    encoder.end(out);
    EXPECT_EQ(encoder.rows(), 2u);
    return out;
  };
  nlohmann::json json = nlohmann::json::parse(encode(ResultFormat::kJson));
  EXPECT_EQ(json["columns"][4]["type"], "INTEGER[]");
  EXPECT_EQ(json["rows"][0], nlohmann::json::parse(R"([1, "a,b", true, null, [1, 2]])"));
  EXPECT_EQ(json["row_count"], 2);
  EXPECT_EQ(encode(ResultFormat::kNdjson),
            "{\"id\":1,\"s\":\"a,b\",\"flag\":true,\"maybe\":null,\"list\":[1,2]}\n"
            "{\"id\":2,\"s\":\"\",\"flag\":false,\"maybe\":\"x\\\"y\",\"list\":null}\n");
  EXPECT_EQ(encode(ResultFormat::kCsv),
            "id,s,flag,maybe,list\r\n1,\"a,b\",true,,\"{1,2}\"\r\n2,\"\",false,\"x\"\"y\",\r\n");
}

TEST(ServeConfig, ParsesServeAndQueriesAndNamesBadValues) {
  const std::string yaml =
      "name: p\n"
      "serve:\n"
      "  http_port: 8080\n"
      "  token: ${TOKEN}\n"
      "  query_timeout: 5s\n"
      "  cache_mb: 16\n"
      "queries:\n"
      "  top:\n"
      "    sql: SELECT $year\n"
      "    params: {year: integer, n: {type: integer, default: 5}}\n"
      "  plain: SELECT 1\n";
  ProjectConfig config = parse_project(yaml, "/tmp/p", "strata.yml");
  EXPECT_EQ(config.serve.http_port, 8080);
  EXPECT_EQ(config.serve.token, "${TOKEN}");
  EXPECT_EQ(config.serve.query_timeout_ms, 5000);
  EXPECT_EQ(config.serve.cache_bytes, 16 << 20);
  ASSERT_EQ(config.queries.size(), 2u);
  EXPECT_EQ(config.queries[0].params[1].default_value, "5");
  EXPECT_EQ(config.queries[1].sql, "SELECT 1");
  try {
    parse_project("name: p\nqueries:\n  q:\n    sql: SELECT 1\n    params: {a: integr}\n", "/tmp/p",
                  "strata.yml");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("unknown parameter type 'integr'"), std::string::npos);
    EXPECT_EQ(e.where().line, 5);
  }
  EXPECT_THROW(parse_project("name: p\nserve:\n  http_prot: 1\n", "/tmp/p", "strata.yml"), Error);
  EXPECT_THROW(parse_project("name: p\nserve:\n  query_timeout: soon\n", "/tmp/p", "strata.yml"),
               Error);
}

TEST(QueryWatchdog, InterruptsOnlyQueriesPastTheirDeadline) {
  engine::Database database;
  engine::Connection slow = database.connect();
  QueryWatchdog watchdog;
  {
    auto watch = watchdog.watch(slow, std::chrono::milliseconds(200));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(slow.query("SELECT count(*) FROM range(1000000) a, range(1000000) b "
                            "WHERE a.range + b.range = -1"),
                 Error);
    EXPECT_TRUE(watch->expired());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  }
  engine::Connection fast = database.connect();
  auto watch = watchdog.watch(fast, std::chrono::seconds(30));
  EXPECT_NO_THROW(fast.query("SELECT 42"));
  EXPECT_FALSE(watch->expired());
}

}  // namespace
}  // namespace strata::serve::http
