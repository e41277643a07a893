#include "orchestrate/run_meta.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>

#include "core/error.hpp"
#include "core/log.hpp"

namespace strata::orchestrate {

namespace {
constexpr const char* kScope = "pipeline_run";
constexpr const char* kCancelScope = "pipeline_cancel";
const std::vector<std::string> kReservedParams = {"data_interval_start", "data_interval_end",
                                                  "run_id", "pipeline"};
}  // namespace

RunMeta load_run_meta(lake::MetadataStore& store, int64_t run_id) {
  RunMeta meta;
  const std::optional<std::string> text = store.state(kScope, std::to_string(run_id));
  if (!text || text->empty()) return meta;
  try {
    const nlohmann::json json = nlohmann::json::parse(*text);
    meta.owner = json.value("owner", "");
    meta.rerun_of = json.value("rerun_of", int64_t{0});
    if (json.contains("params")) {
      meta.params = json.at("params").get<std::map<std::string, std::string>>();
    }
  } catch (const nlohmann::json::exception& e) {
    // Written only by this code: a damaged value loses the extras, never the run.
    log::warn("unreadable pipeline run state", {{"run_id", run_id}, {"error", e.what()}});
  }
  return meta;
}

void save_run_meta(lake::MetadataStore& store, int64_t run_id, const RunMeta& meta) {
  nlohmann::json json = nlohmann::json::object();
  if (!meta.owner.empty()) json["owner"] = meta.owner;
  if (!meta.params.empty()) json["params"] = meta.params;
  if (meta.rerun_of) json["rerun_of"] = meta.rerun_of;
  lake::Commit commit;
  commit.state.push_back({kScope, std::to_string(run_id), json.dump()});
  store.commit(commit);
}

void request_cancel(lake::MetadataStore& store, int64_t run_id, const std::string& note) {
  lake::Commit commit;
  commit.state.push_back({kCancelScope, std::to_string(run_id), note});
  store.commit(commit);
}

bool cancel_requested(lake::MetadataStore& store, int64_t run_id) {
  return store.state(kCancelScope, std::to_string(run_id)).has_value();
}

void check_run_params(const std::map<std::string, std::string>& params) {
  static const std::regex kName("^[A-Za-z_][A-Za-z0-9_]*$");
  for (const auto& [name, value] : params) {
    if (!std::regex_match(name, kName)) {
      throw Error(ErrorKind::kUsage, "parameter name '" + name +
                                         "' must start with a letter or underscore and contain "
                                         "only letters, digits and underscores");
    }
    if (std::find(kReservedParams.begin(), kReservedParams.end(), name) != kReservedParams.end()) {
      throw Error(ErrorKind::kUsage, "parameter '" + name + "' is set by strata itself");
    }
  }
}

}  // namespace strata::orchestrate
