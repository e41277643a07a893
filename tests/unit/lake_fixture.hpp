// A test fixture with a real lake in a temporary directory: its SQLite catalog, the lake over
// it, and a DuckDB connection, for the unit tests that write and read tables.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "test_support.hpp"

namespace strata::test {

class LakeFixture : public ::testing::Test {
 protected:
  TempDir dir;
  std::unique_ptr<lake::MetadataStore> store = lake::open_sqlite_metastore(dir / "catalog.db");
  lake::Lake lake{dir / "lake", *store};
  engine::Database db;
  engine::Connection connection = db.connect();
};

}  // namespace strata::test
