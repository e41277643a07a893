// A project for orchestration tests: a temporary directory with strata.yml (the given pipelines
// and a small CSV source), its metadata store and lake, a manual clock and concurrency limits.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "orchestrate/clock.hpp"
#include "orchestrate/executor.hpp"
#include "orchestrate/limits.hpp"
#include "orchestrate/pipeline.hpp"
#include "test_support.hpp"

namespace strata::orchestrate::test {

inline int64_t utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return seconds_from_civil({y, mo, d, h, mi, 0});
}

class OrchestrationTest : public ::testing::Test {
 protected:
  strata::test::TempDir dir;
  ProjectConfig project;
  std::vector<Pipeline> pipelines;
  std::unique_ptr<lake::MetadataStore> store;
  std::unique_ptr<lake::Lake> lake;
  ManualClock clock{utc(2021, 12, 5, 12) * 1000};
  ConcurrencyLimits limits{8};
  CancelToken cancel;

  // `pipelines_yaml` is the body of `pipelines:`, indented by two spaces.
  void load(const std::string& pipelines_yaml, const std::string& extra = "") {
    strata::test::write_text(dir / "data" / "movies.csv", "title,minutes\nDune,155\nHeat,170\n");
    const std::string yaml =
        "name: shop\nsources:\n  internal:\n    tables:\n      movies: "
        "data/movies.csv\n" +
        extra + "pipelines:\n" + pipelines_yaml;
    strata::test::write_text(dir / "strata.yml", yaml);
    project = load_project(dir.path());
    pipelines = load_pipelines(project);
    store = lake::open_sqlite_metastore(project.catalog_file);
    lake = std::make_unique<lake::Lake>(project.lake_dir, *store);
  }

  Executor executor(ExecutorOptions options = {}) {
    return Executor(project, *lake, clock, limits, std::move(options));
  }

  const Pipeline& pipeline(const std::string& name = "p") { return find_pipeline(pipelines, name); }

  // The log lines of every attempt of `step` in `run_id`, as "stream: text".
  std::vector<std::string> step_lines(int64_t run_id, const std::string& step) {
    std::vector<std::string> out;
    for (const auto& record : store->run_steps(run_id)) {
      if (record.name != step) continue;
      for (const auto& line : store->step_logs(record.id)) {
        out.push_back(line.stream + ": " + line.text);
      }
    }
    return out;
  }
};

inline bool contains_line(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& line : lines) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace strata::orchestrate::test
