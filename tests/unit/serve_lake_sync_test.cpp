// LakeSync: a server's database follows commits made by another writer (another process in real
// use: here a second Lake over the same catalog), table by table.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "serve/lake_sync.hpp"
#include "test_support.hpp"

namespace strata::serve {
namespace {

int64_t count_rows(engine::Connection& connection, const std::string& relation) {
  return std::get<int64_t>(connection.query("SELECT count(*) FROM " + relation).scalar());
}

TEST(LakeSync, ReattachesExactlyTheTablesOtherWritersCommitted) {
  test::TempDir dir;
  // The writer, as `strata ingest` would be.
  auto writer_store = lake::open_sqlite_metastore(dir / "catalog.db");
  lake::Lake writer(dir / "lake", *writer_store);
  engine::Database writer_db;
  engine::Connection w = writer_db.connect();
  writer.append(w, {"shop", "orders"}, "SELECT range AS id FROM range(3)");
  writer.append(w, {"shop", "customers"}, "SELECT range AS id FROM range(2)");

  // The server.
  auto server_store = lake::open_sqlite_metastore(dir / "catalog.db");
  lake::Lake server_lake(dir / "lake", *server_store);
  engine::Database server_db;
  LakeSync sync(server_lake, server_db);
  std::vector<std::string> changed;
  sync.on_change([&](engine::Connection&, const std::vector<AttachedTable>& tables) {
    for (const AttachedTable& table : tables) changed.push_back(table.name.str());
  });
  engine::Connection reader = server_db.connect();
  EXPECT_EQ(count_rows(reader, "shop.orders"), 3);
  const auto before = sync.current();
  const int64_t customers_snapshot = before->find("shop", "customers")->snapshot;

  // Nothing committed: refresh changes nothing.
  EXPECT_EQ(sync.refresh(), before);
  EXPECT_TRUE(changed.empty());

  const int64_t new_snapshot =
      writer.append(w, {"shop", "orders"}, "SELECT range + 10 AS id FROM range(4)");
  writer.append(w, {"marts", "new_table"}, "SELECT 1 AS x");
  EXPECT_EQ(count_rows(reader, "shop.orders"), 3);  // not yet: the server has not looked
  const auto after = sync.refresh();
  EXPECT_EQ(count_rows(reader, "shop.orders"), 7);
  EXPECT_EQ(count_rows(reader, "marts.new_table"), 1);
  EXPECT_GT(after->version, before->version);
  EXPECT_EQ(after->find("shop", "orders")->snapshot, new_snapshot);
  EXPECT_EQ(after->find("SHOP", "Customers")->snapshot, customers_snapshot);
  std::sort(changed.begin(), changed.end());
  EXPECT_EQ(changed, (std::vector<std::string>{"marts.new_table", "shop.orders"}));
}

}  // namespace
}  // namespace strata::serve
