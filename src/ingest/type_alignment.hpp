// Inferred types differ from file to file: a later CSV whose `amount` values all happen to be
// whole numbers is read as BIGINT although the bronze column is DOUBLE. Such a load would be a
// narrowing the lake refuses, so the new rows are cast to the bronze table's type where that cast
// loses nothing (integers to DOUBLE, scalars to VARCHAR); other differences are left to the
// lake's schema evolution, which widens or refuses them with a clear message.
#pragma once

#include <string>

#include "engine/database.hpp"
#include "lake/table_store.hpp"

namespace strata::ingest {

// `select_sql`, its columns cast to the types of `table`'s columns where needed and lossless;
// unchanged when the table does not exist yet.
std::string align_to_table(engine::Connection& connection, lake::Lake& lake,
                           const lake::TableName& table, const std::string& select_sql);

}  // namespace strata::ingest
