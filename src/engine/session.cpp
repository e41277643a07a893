#include "engine/session.hpp"

namespace strata::engine {

Database open_engine(const EngineConfig& config) {
  DatabaseOptions options;
  if (config.threads > 0) options.settings["threads"] = std::to_string(config.threads);
  if (!config.memory_limit.empty()) options.settings["memory_limit"] = config.memory_limit;
  return Database(options);
}

}  // namespace strata::engine
