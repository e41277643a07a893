// SCRAM-SHA-256 against the test vector of RFC 7677 section 3, the stored verifier format, and the
// mask expressions of the query guard evaluated by DuckDB.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "serve/auth/query_guard.hpp"
#include "serve/auth/scram.hpp"

namespace strata::serve::auth {
namespace {

TEST(Scram, FollowsTheRfc7677Example) {
  const std::string salt = *base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  ScramExchange exchange(derive_scram_verifier("pencil", salt, 4096), "user",
                         "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  EXPECT_EQ(exchange.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"),
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
            "i=4096");
  const std::optional<std::string> final_message = exchange.server_final(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_TRUE(final_message.has_value());
  EXPECT_EQ(*final_message, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

TEST(Scram, RefusesWrongProofsAndUnknownUsers) {
  const std::string salt = *base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  const std::string nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string client_final =
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  ScramExchange wrong(derive_scram_verifier("pen", salt, 4096), "user", nonce);
  wrong.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  EXPECT_FALSE(wrong.server_final(client_final).has_value());
  ScramExchange unknown(std::nullopt, "user", nonce);
  unknown.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  EXPECT_FALSE(unknown.server_final(client_final).has_value());
  ScramExchange bad_nonce(derive_scram_verifier("pencil", salt, 4096), "user", nonce);
  bad_nonce.server_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  EXPECT_THROW(
      bad_nonce.server_final("c=biws,r=other,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
      Error);
  ScramExchange binding(std::nullopt, "user");
  EXPECT_THROW(binding.server_first("p=tls-server-end-point,,n=,r=abc"), Error);
}

TEST(Scram, VerifiersRoundTripAndCheckPasswords) {
  const ScramVerifier made = make_scram_verifier("s3cret");
  const std::string text = format_scram_verifier(made);
  EXPECT_TRUE(text.starts_with("SCRAM-SHA-256$4096:"));
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  const std::optional<ScramVerifier> parsed = parse_scram_verifier(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(check_password(*parsed, "s3cret"));
  EXPECT_FALSE(check_password(*parsed, "s3cret "));
  EXPECT_FALSE(parse_scram_verifier("hunter2").has_value());
  EXPECT_FALSE(parse_scram_verifier("SCRAM-SHA-256$4096:abc$def").has_value());
  EXPECT_NE(format_scram_verifier(make_scram_verifier("s3cret")), text);  // a fresh salt
}

TEST(Masks, ExpressionsMaskAsDocumented) {
  engine::Database database;
  engine::Connection connection = database.connect();
  auto masked = [&](MaskKind kind, const std::string& literal) {
    return connection
        .query("SELECT " + mask_expression(kind, "v") + " FROM (SELECT " + literal + " AS v)")
        .scalar();
  };
  EXPECT_EQ(std::get<std::string>(masked(MaskKind::kEmail, "'kim@example.com'")),
            "k*****@example.com");
  EXPECT_EQ(std::get<std::string>(masked(MaskKind::kEmail, "'a@b@example.org'")),
            "a*****@example.org");
  EXPECT_EQ(std::get<std::string>(masked(MaskKind::kEmail, "'no-at-sign'")), "*****");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(masked(MaskKind::kEmail, "NULL::VARCHAR")));
  EXPECT_EQ(std::get<std::string>(masked(MaskKind::kRedact, "'x'")), "*****");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(masked(MaskKind::kNull, "42")));
  EXPECT_EQ(std::get<std::string>(masked(MaskKind::kHash, "'x'")).size(), 64u);
}

}  // namespace
}  // namespace strata::serve::auth
