// Inputs the libFuzzer targets in fuzz/ found that broke a decoder of the PostgreSQL protocol or of
// the HTTP API's requests, each replayed through the call that broke, with the outcome a client
// should get: an error (SqlError with PostgreSQL's SQLSTATE, or Error(kInput), a 400), never a
// crash or a foreign exception.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "serve/http/query_request.hpp"
#include "serve/http/router.hpp"
#include "serve/pgwire/message_buffer.hpp"
#include "serve/pgwire/numeric_binary.hpp"
#include "serve/pgwire/parameter_codec.hpp"
#include "serve/pgwire/pg_types.hpp"
#include "serve/pgwire/sql_error.hpp"

namespace strata::serve::pgwire {
namespace {

std::string sqlstate_of(const std::string& data, int16_t format, uint32_t type_oid,
                        uint32_t inferred = oid::kUnspecified) {
  try {
    decode_parameter(data, format, type_oid, inferred, 1);
  } catch (const SqlError& e) {
    return e.sqlstate();
  }
  return "no error";
}

// pgwire_parameters found it: a text parameter that is not UTF-8 reached
// duckdb_create_varchar_length, which throws a DuckDB C++ exception through the C API; the session
// then closed the connection without telling the client why.
TEST(PgwireFuzzRegressions, ParametersThatAreNotUtf8AreRefusedWith22021) {
  const std::string not_utf8 = std::string("\x86") + "text";
  EXPECT_EQ(sqlstate_of(not_utf8, 1, oid::kText), sqlstate::kCharacterNotInRepertoire);
  EXPECT_EQ(sqlstate_of(not_utf8, 0, oid::kUnspecified), sqlstate::kCharacterNotInRepertoire);
  EXPECT_EQ(sqlstate_of("{a,\xff}", 0, array_type_of(oid::kText)),
            sqlstate::kCharacterNotInRepertoire);
  EXPECT_EQ(sqlstate_of("\xed\xa0\x80", 1, oid::kVarchar), sqlstate::kCharacterNotInRepertoire);
  EXPECT_EQ(sqlstate_of("\xc0\xaf", 1, oid::kVarchar), sqlstate::kCharacterNotInRepertoire);
  EXPECT_EQ(sqlstate_of("\xf4\x90\x80\x80", 1, oid::kVarchar), sqlstate::kCharacterNotInRepertoire);
  EXPECT_EQ(sqlstate_of("caf\xc3\xa9 \xf0\x9f\x98\x80", 1, oid::kVarchar), "no error");
  // bytea is bytes, not text.
  EXPECT_EQ(sqlstate_of("\x86\xff", 1, oid::kBytea), "no error");
}

std::string numeric(int16_t weight, uint16_t sign, int16_t scale, std::vector<int16_t> digits) {
  std::string out;
  put_uint16(out, static_cast<uint16_t>(digits.size()));
  put_uint16(out, static_cast<uint16_t>(weight));
  put_uint16(out, sign);
  put_uint16(out, static_cast<uint16_t>(scale));
  for (int16_t digit : digits) put_uint16(out, static_cast<uint16_t>(digit));
  return out;
}

// pgwire_parameters found it (its check that binary numerics survive text and back): zero digits
// with weight 11264 and the negative sign became "-0000...0" (45,000 characters), which reads
// back as 0. The text is now canonical: no leading zeros, no sign on zero.
TEST(PgwireFuzzRegressions, BinaryNumericTextIsCanonical) {
  EXPECT_EQ(numeric_binary_to_text(numeric(11264, 0x4000, 0, {})), "0");
  EXPECT_EQ(numeric_binary_to_text(numeric(1, 0x0000, 0, {0, 5})), "5");
  EXPECT_EQ(numeric_binary_to_text(numeric(-1, 0x4000, 0, {5})), "0");  // digits past the scale
  EXPECT_EQ(numeric_binary_to_text(numeric(-1, 0x4000, 2, {0})), "0.00");
  EXPECT_EQ(numeric_binary_to_text(numeric(2, 0x4000, 1, {1})), "-100000000.0");
  EXPECT_EQ(numeric_binary_to_text(numeric(0, 0x4000, 4, {1, 2345})), "-1.2345");
}

// pgwire_parameters found it (UBSan): binary dates and timestamps near the largest values
// overflowed when moved from PostgreSQL's epoch (2000) to DuckDB's (1970).
TEST(PgwireFuzzRegressions, BinaryDatesAndTimestampsOutOfRangeAre22P03) {
  std::string date;
  put_uint32(date, 2147472691u);
  EXPECT_EQ(sqlstate_of(date, 1, oid::kDate), sqlstate::kInvalidBinaryRepresentation);
  std::string timestamp;
  put_uint64(timestamp, 9223372036854775000ull);
  EXPECT_EQ(sqlstate_of(timestamp, 1, oid::kTimestamp), sqlstate::kInvalidBinaryRepresentation);
  EXPECT_EQ(sqlstate_of(timestamp, 1, oid::kTimestamptz), sqlstate::kInvalidBinaryRepresentation);
  std::string infinity;
  put_uint32(infinity, 0x7fffffffu);  // 'infinity' stays infinity
  EXPECT_EQ(sqlstate_of(infinity, 1, oid::kDate), "no error");
}

}  // namespace
}  // namespace strata::serve::pgwire

namespace strata::serve::http {
namespace {

// http_request found it: a GET named query whose query string decodes to bytes that are not
// UTF-8 made nlohmann::json throw a type_error while writing the message (a 500, not a 400).
TEST(HttpFuzzRegressions, QueryStringValuesThatAreNotUtf8AreA400) {
  NamedQueryConfig query;
  query.name = "q";
  query.sql = "SELECT $name, $n";
  query.params = {{"name", QueryParamType::kString, std::nullopt, ""},
                  {"n", QueryParamType::kInteger, "1", ""}};
  const NamedQueries named({query});
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"name", "\xd9x"}, {"n", "\xd9"}, {"\xff", "1"}}) {
    Request request;
    request.method = "GET";
    request.query.emplace("name", "ok");
    request.query.emplace(key, value);
    try {
      named_query_request(named, query, request);
      ADD_FAILURE() << "accepted " << key;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(e.message().find("not valid UTF-8"), std::string::npos) << e.message();
    }
  }
  // A number out of range in a JSON body (1e324) was an out_of_range exception, not a 400.
  Request post;
  post.method = "POST";
  post.body = R"({"params": {"n": 1e324}})";
  EXPECT_THROW(named_query_request(named, query, post), Error);
  // Error responses quote what the client sent; bytes that are not UTF-8 are replaced.
  const Response response = error_response(404, "no named query '\xff'");
  EXPECT_NE(response.body.find("\xef\xbf\xbd"), std::string::npos);
}

}  // namespace
}  // namespace strata::serve::http
