// Reading YAML with places: every accessor that rejects a value throws strata::Error(kConfig)
// naming file:line:col of the offending node, and unknown keys are reported with the closest valid
// key, so a typo never silently changes what a configuration means.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace strata::yaml {

// Parses a file; a syntax error names its line and column.
YAML::Node load_file(const std::string& path);

Location location(const YAML::Node& node, const std::string& file);

class Reader {
 public:
  Reader(YAML::Node node, std::string file) : node_(std::move(node)), file_(std::move(file)) {}

  const YAML::Node& node() const { return node_; }
  const std::string& file() const { return file_; }
  Location where() const { return location(node_, file_); }
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void fail_at(const YAML::Node& node, const std::string& message) const;

  // Rejects keys outside `allowed` (checked only when the node is a map).
  void expect_keys(const std::vector<std::string>& allowed, const std::string& what) const;
  void expect_map(const std::string& what) const;

  bool has(const std::string& key) const;
  Reader child(const std::string& key) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  std::string required_string(const std::string& key) const;
  bool boolean(const std::string& key, bool fallback) const;
  int64_t integer(const std::string& key, int64_t fallback) const;
  // A map of scalars, in file order.
  std::vector<std::pair<std::string, std::string>> string_map(const std::string& key) const;
  std::vector<std::string> string_list(const std::string& key) const;
  // The children of a map node in file order, each with its key.
  std::vector<std::pair<std::string, Reader>> entries() const;

 private:
  YAML::Node node_;
  std::string file_;
};

}  // namespace strata::yaml
