// Opens the embedded engine the way a project asks for it: an in-memory DuckDB whose settings come
// from the project's `engine:` section (threads, memory limit), with extensions only from the
// pinned local directory and the session time zone set to UTC.
#pragma once

#include "core/config.hpp"
#include "engine/database.hpp"

namespace strata::engine {

Database open_engine(const EngineConfig& config);

}  // namespace strata::engine
