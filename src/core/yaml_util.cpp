#include "core/yaml_util.hpp"

#include "core/text.hpp"

namespace strata::yaml {

YAML::Node load_file(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(ErrorKind::kConfig, "cannot read file", Location{path});
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorKind::kConfig, "invalid YAML: " + e.msg,
                Location{path, e.mark.line + 1, e.mark.column + 1});
  }
}

Location location(const YAML::Node& node, const std::string& file) {
  Location where{file};
  if (node.IsDefined() && node.Mark().line >= 0) {
    where.line = node.Mark().line + 1;
    where.column = node.Mark().column + 1;
  }
  return where;
}

void Reader::fail(const std::string& message) const {
  fail_at(node_, message);
}

void Reader::fail_at(const YAML::Node& node, const std::string& message) const {
  throw Error(ErrorKind::kConfig, message, location(node, file_));
}

void Reader::expect_map(const std::string& what) const {
  if (!node_.IsMap()) fail(what + " must be a mapping of keys to values");
}

void Reader::expect_keys(const std::vector<std::string>& allowed, const std::string& what) const {
  if (!node_.IsMap()) return;
  for (const auto& entry : node_) {
    const std::string key = entry.first.as<std::string>();
    bool known = false;
    for (const auto& a : allowed) known = known || a == key;
    if (!known) {
      fail_at(entry.first, "unknown key '" + key + "' in " + what + did_you_mean(key, allowed) +
                               "; valid keys: " + join(allowed, ", "));
    }
  }
}

bool Reader::has(const std::string& key) const {
  return node_.IsMap() && node_[key].IsDefined();
}

Reader Reader::child(const std::string& key) const {
  // A missing key reads as an empty (null) node, never as yaml-cpp's invalid node, which throws.
  return Reader(has(key) ? node_[key] : YAML::Node(), file_);
}

std::string Reader::string(const std::string& key, const std::string& fallback) const {
  if (!has(key) || node_[key].IsNull()) return fallback;
  const YAML::Node value = node_[key];
  if (!value.IsScalar()) fail_at(value, "'" + key + "' must be a single value");
  return value.as<std::string>();
}

std::string Reader::required_string(const std::string& key) const {
  if (!has(key)) fail("missing required key '" + key + "'");
  std::string value = string(key, "");
  if (value.empty()) fail_at(node_[key], "'" + key + "' must not be empty");
  return value;
}

bool Reader::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  try {
    return node_[key].as<bool>();
  } catch (const YAML::Exception&) {
    fail_at(node_[key], "'" + key + "' must be true or false");
  }
}

int64_t Reader::integer(const std::string& key, int64_t fallback) const {
  if (!has(key)) return fallback;
  try {
    return node_[key].as<int64_t>();
  } catch (const YAML::Exception&) {
    fail_at(node_[key], "'" + key + "' must be a whole number");
  }
}

std::vector<std::pair<std::string, std::string>> Reader::string_map(const std::string& key) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!has(key)) return out;
  const YAML::Node map = node_[key];
  if (!map.IsMap()) fail_at(map, "'" + key + "' must be a mapping");
  for (const auto& entry : map) {
    if (!entry.second.IsScalar()) fail_at(entry.second, "values of '" + key + "' must be scalars");
    out.emplace_back(entry.first.as<std::string>(), entry.second.as<std::string>());
  }
  return out;
}

std::vector<std::string> Reader::string_list(const std::string& key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const YAML::Node list = node_[key];
  if (list.IsScalar()) return {list.as<std::string>()};
  if (!list.IsSequence()) fail_at(list, "'" + key + "' must be a list");
  for (const auto& item : list) out.push_back(item.as<std::string>());
  return out;
}

std::vector<std::pair<std::string, Reader>> Reader::entries() const {
  std::vector<std::pair<std::string, Reader>> out;
  if (!node_.IsMap()) return out;
  for (const auto& entry : node_) {
    out.emplace_back(entry.first.as<std::string>(), Reader(entry.second, file_));
  }
  return out;
}

}  // namespace strata::yaml
