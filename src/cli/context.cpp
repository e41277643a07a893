#include "cli/context.hpp"

#include "core/paths.hpp"
#include "engine/session.hpp"

namespace strata::cli {

ProjectContext::ProjectContext(const GlobalOptions& options)
    : config_(load_project(paths::project_root(options.project_dir))) {}

lake::MetadataStore& ProjectContext::store() {
  if (!store_) store_ = lake::open_sqlite_metastore(config_.catalog_file);
  return *store_;
}

lake::Lake& ProjectContext::lake() {
  if (!lake_) lake_ = std::make_unique<lake::Lake>(config_.lake_dir, store(), config_.lake_s3);
  return *lake_;
}

engine::Connection& ProjectContext::connection() {
  if (!connection_) {
    database_ = std::make_unique<engine::Database>(engine::open_engine(config_.engine));
    connection_ = std::make_unique<engine::Connection>(database_->connect());
    lake().attach_all(*connection_);
  }
  return *connection_;
}

RunRecorder::RunRecorder(lake::MetadataStore& store, const std::string& command)
    : store_(store), run_id_(store.begin_run(command)) {}

RunRecorder::~RunRecorder() {
  if (!finished_) {
    try {
      store_.finish_run(run_id_, lake::RunStatus::kFailed, "the command did not finish");
    } catch (...) {
      // Best effort in a destructor: the run stays "running" in the history.
    }
  }
}

void RunRecorder::finish(lake::RunStatus status, const std::string& error) {
  store_.finish_run(run_id_, status, error);
  finished_ = true;
}

}  // namespace strata::cli
