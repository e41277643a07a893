// The S3 settings of a files source. Listing and loading objects is tested end to end against a
// real S3 API server (tests/e2e/test_s3_source.py).
#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "ingest/s3_objects.hpp"

namespace strata {
namespace {

TEST(S3Config, ParsesTheSettingsOfAFilesSource) {
  ProjectConfig config = parse_project(R"(name: x
sources:
  vendor:
    s3:
      endpoint: http://127.0.0.1:9000
      region: eu-west-1
      path_style: true
      use_ssl: false
      access_key_id: AKIA
      secret_access_key: ${SECRET}
    tables:
      events: s3://bucket/events/*.ndjson
)",
                                       "/p", "/p/strata.yml");
  const SourceConfig& source = config.sources.at(0);
  EXPECT_EQ(source.s3.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(source.s3.region, "eu-west-1");
  EXPECT_TRUE(source.s3.path_style);
  EXPECT_EQ(source.s3.use_ssl, std::optional<bool>(false));
  EXPECT_EQ(source.s3.secret_access_key, "${SECRET}");  // expanded only when a load connects
  EXPECT_EQ(source.tables.at(0).format, FileFormat::kNdjson);
  EXPECT_TRUE(ingest::s3::is_s3_path(source.tables.at(0).path));
  EXPECT_FALSE(ingest::s3::is_s3_path("data/s3/x.csv"));
}

TEST(S3Config, RejectsAKeyWithoutItsSecretAndUnknownSettings) {
  auto error_of = [](const std::string& s3) {
    try {
      parse_project("name: x\nsources:\n  v:\n    s3: " + s3 + "\n    tables: {t: s3://b/x.csv}\n",
                    "/p", "/p/strata.yml");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("{access_key_id: a}").find("give both access_key_id and secret_access_key"),
            std::string::npos);
  const std::string typo = error_of("{path_stlye: true}");
  EXPECT_NE(typo.find("path_style"), std::string::npos) << typo;
  EXPECT_NE(typo.find("strata.yml:4"), std::string::npos) << typo;
}

}  // namespace
}  // namespace strata
