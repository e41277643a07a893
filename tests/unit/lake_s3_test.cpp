// The lake's S3 pieces that need no server: request signing (AWS's published SigV4 example for
// S3), the `lake:` settings for an S3 warehouse, and their completion from the environment.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config.hpp"
#include "core/error.hpp"
#include "lake/s3_client.hpp"
#include "lake/s3_settings.hpp"

namespace strata::lake {
namespace {

TEST(S3Signing, MatchesAwsPublishedGetObjectExample) {
  EXPECT_EQ(s3::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string canonical_request =
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const std::string hash = s3::sha256_hex(canonical_request);
  EXPECT_EQ(hash, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" + hash;
  EXPECT_EQ(s3::signature_v4("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1",
                             "s3", string_to_sign),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(S3Settings, LakeWarehouseOnS3IsParsedAndResolved) {
  const ProjectConfig config = parse_project(R"(name: shop
lake:
  path: s3://warehouse/strata/
  s3:
    endpoint: http://127.0.0.1:9000/
    region: eu-west-1
    path_style: true
    access_key_id: key
    secret_access_key: secret
)",
                                             "/p", "/p/strata.yml");
  EXPECT_EQ(config.lake_dir.string(), "s3://warehouse/strata");
  EXPECT_EQ(config.catalog_file, "/p/.strata/catalog.db");
  const s3::Settings settings = s3::resolve(config.lake_s3);
  EXPECT_EQ(settings.endpoint, "127.0.0.1:9000");
  EXPECT_FALSE(settings.use_ssl);
  EXPECT_EQ(settings.region, "eu-west-1");
  EXPECT_TRUE(settings.path_style);
  EXPECT_EQ(settings.access_key_id, "key");
  EXPECT_EQ(s3::bucket_of(config.lake_dir.string()), "warehouse");
  EXPECT_THROW(s3::bucket_of("s3:///key"), Error);
}

TEST(S3Settings, MissingValuesComeFromTheAwsEnvironment) {
  setenv("AWS_ACCESS_KEY_ID", "env-key", 1);
  setenv("AWS_REGION", "ap-south-1", 1);
  unsetenv("AWS_ENDPOINT_URL");
  unsetenv("AWS_ENDPOINT_URL_S3");
  const s3::Settings settings = s3::resolve(S3Config{});
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_REGION");
  EXPECT_EQ(settings.access_key_id, "env-key");
  EXPECT_EQ(settings.region, "ap-south-1");
  EXPECT_TRUE(settings.endpoint.empty());  // AWS itself
  EXPECT_TRUE(settings.use_ssl);
}

TEST(S3Settings, ALakePathWithoutBucketIsAConfigError) {
  try {
    parse_project("name: shop\nlake:\n  path: s3://\n", "/p", "/p/strata.yml");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(e.what()).find("names no bucket"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata::lake
