// Where and how strata reaches an S3-compatible object store, for the lake's storage and for the
// `s3://` paths of files sources: one resolution of the `s3:` settings (each completed from the
// standard AWS environment variables) used both by DuckDB's httpfs extension (a temporary secret
// scoped to the bucket) and by the lake's own S3 client (lake/s3_client.hpp). Settings are
// registered per bucket, so that the lake's file functions (lake/file_io.hpp) find them from an
// `s3://bucket/key` location alone; a bucket nobody registered uses the environment's settings.
#pragma once

#include <string>
#include <string_view>

#include "core/config.hpp"
#include "engine/database.hpp"

namespace strata::lake::s3 {

struct Settings {
  std::string endpoint;  // host[:port], without scheme; empty: AWS (s3.<region>.amazonaws.com)
  bool use_ssl = true;
  std::string region = "us-east-1";
  bool path_style = false;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

bool is_s3_location(std::string_view location);
// "bucket" of "s3://bucket/key"; kConfig naming the location when it has none.
std::string bucket_of(const std::string& location);

// The configured values (${VAR} expanded), else the AWS_* environment variables, else defaults.
Settings resolve(const S3Config& config);

// Makes `settings` the ones used for `bucket` by the lake's S3 client (replacing earlier ones).
void register_bucket(const std::string& bucket, const Settings& settings);
// The settings registered for `bucket`, else those of the environment.
Settings settings_for(const std::string& bucket);

// Loads httpfs into `connection`'s database and creates (or replaces) the temporary secret
// `name` scoped to `s3://bucket`. kEngine when httpfs cannot be loaded, kConfig (at `where`) for
// settings DuckDB refuses.
void install_secret(engine::Connection& connection, const Settings& settings,
                    const std::string& bucket, const std::string& name, const Location& where);

}  // namespace strata::lake::s3
