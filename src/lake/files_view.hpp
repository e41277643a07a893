// The DuckDB SQL that reads a set of an Iceberg table's data files as the table: Parquet columns
// resolved by Iceberg field id, so renamed, dropped, reordered and widened columns read right from
// files written before the change. Lake views (`namespace.table`) are made of it.
#pragma once

#include <string>
#include <vector>

#include "lake/iceberg_schema.hpp"
#include "lake/metastore.hpp"

namespace strata::lake {

// `"space"."name"`
std::string table_relation(const TableName& name);

// A query over `files` of a table with `schema`; over none, the schema's columns and no rows.
std::string files_sql(const std::vector<DataFile>& files, const iceberg::Schema& schema);

}  // namespace strata::lake
