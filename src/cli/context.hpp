// What a command that works on a project opens: its configuration, the metadata store, the lake
// and an engine session in which every lake table is attached at its current snapshot. Opened
// lazily so that commands that need only part of it (and `--help`) stay fast.
#pragma once

#include <memory>
#include <string>

#include "core/config.hpp"
#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"

namespace strata::cli {

struct GlobalOptions {
  std::string project_dir;
  std::string log_format = "text";
  std::string log_level = "info";
  bool quiet = false;
};

class ProjectContext {
 public:
  explicit ProjectContext(const GlobalOptions& options);

  const ProjectConfig& config() const { return config_; }
  lake::MetadataStore& store();
  lake::Lake& lake();
  // An engine connection with the lake attached.
  engine::Connection& connection();
  // The engine session's database (more connections see the same attached lake).
  engine::Database& database() {
    connection();
    return *database_;
  }

 private:
  ProjectConfig config_;
  std::unique_ptr<lake::MetadataStore> store_;
  std::unique_ptr<lake::Lake> lake_;
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::Connection> connection_;
};

// Records a command as a run in the metadata store; marks it failed unless succeed() is called.
class RunRecorder {
 public:
  RunRecorder(lake::MetadataStore& store, const std::string& command);
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;
  int64_t id() const { return run_id_; }
  void finish(lake::RunStatus status, const std::string& error = {});

 private:
  lake::MetadataStore& store_;
  int64_t run_id_;
  bool finished_ = false;
};

}  // namespace strata::cli
