// Measurements, not checks (disabled by default; run with --gtest_also_run_disabled_tests
// --gtest_filter='*CommitLatency*'): the latency of committing a small append as the table's
// history grows, and of a copy-on-write MERGE touching 1% of a table's rows.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "engine/database.hpp"
#include "lake/table_store.hpp"
#include "test_support.hpp"

namespace strata::lake {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

TEST(CommitLatency, DISABLED_SmallAppendAndMerge) {
  test::TempDir dir;
  auto store = open_sqlite_metastore(dir / "catalog.db");
  Lake lake{dir / "lake", *store};
  engine::Database db;
  engine::Connection c = db.connect();
  const TableName t{"bench", "small"};
  int snapshots = 0;
  for (int target : {10, 100, 500}) {
    for (; snapshots < target - 20; ++snapshots) lake.append(c, t, "SELECT 1 AS k, 'x' AS v");
    double commit_ms = 0;
    double append_ms = 0;
    for (int i = 0; i < 20; ++i, ++snapshots) {
      const auto start = std::chrono::steady_clock::now();
      WriteResult written = lake.write_files(c, t, "SELECT 1 AS k, 'x' AS v");
      const auto committing = std::chrono::steady_clock::now();
      Commit commit;
      commit.tables.push_back({.table = t, .added_files = written.files});
      lake.commit(commit);
      commit_ms += ms_since(committing);
      append_ms += ms_since(start);
    }
    std::printf("small append at %d snapshots: commit %.2f ms, write + commit %.2f ms\n", target,
                commit_ms / 20, append_ms / 20);
  }
  for (int64_t rows : {1000000, 10000000}) {
    const TableName big{"bench", "rows_" + std::to_string(rows)};
    lake.append(c, big,
                "SELECT i AS k, i * 2 AS v, md5(i::VARCHAR) AS s FROM range(" +
                    std::to_string(rows) + ") r(i)");
    const auto start = std::chrono::steady_clock::now();
    RewriteResult r = lake.merge(c, big,
                                 "SELECT i * 100 AS k, -1 AS v, 'new' AS s FROM range(" +
                                     std::to_string(rows / 100) + ") r(i)",
                                 {"k"});
    std::printf("merge of 1%% of %lld rows: %.0f ms (%llu updated, %zu files rewritten)\n",
                static_cast<long long>(rows), ms_since(start),
                static_cast<unsigned long long>(r.rows_updated), r.files_removed);
  }
}

}  // namespace
}  // namespace strata::lake
