// What the Iceberg REST catalog (served by serve/iceberg_rest) does to the lake: load a table's
// current metadata with its location, create a table from a client's schema, commit a client's
// requirements and metadata updates, rename and drop. A commit checks the requirements against the
// table's current metadata, applies the updates, writes the next metadata file and then makes it
// current through the same compare-and-swap of the metadata location that strata's own writers
// use, so REST clients and strata commands never lose each other's commits: when another writer
// commits in between, the requirements are checked again on its metadata (kConflict when they no
// longer hold). Data and manifest files are written by the client; the lake reads them from the
// snapshot's manifests like its own.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "lake/iceberg_metadata.hpp"
#include "lake/iceberg_schema_evolution.hpp"
#include "lake/table_store.hpp"

namespace strata::lake {

struct LoadedTable {
  std::string metadata_location;  // "" for a staged table (not created yet)
  std::shared_ptr<const iceberg::TableMetadata> metadata;
};

// kInput "no such table" when `name` is no Iceberg table of the catalog.
LoadedTable load_iceberg_table(Lake& lake, const TableName& name);

struct CreateTableRequest {
  nlohmann::json schema;          // Iceberg schema JSON with field ids
  nlohmann::json partition_spec;  // null: unpartitioned
  nlohmann::json sort_order;      // null: unsorted
  nlohmann::json properties;      // object or null
  std::string location;           // "" : the lake's place for the table
  bool stage_only = false;        // a staged create: metadata, nothing committed
};

// kConflict when the table exists.
LoadedTable create_iceberg_table(Lake& lake, const TableName& name,
                                 const CreateTableRequest& request);

// Applies a CommitTableRequest; a table that does not exist yet is created when the requirements
// include assert-create. Returns the new current metadata.
LoadedTable commit_iceberg_table(Lake& lake, const TableName& name,
                                 const nlohmann::json& requirements, const nlohmann::json& updates);

// `strata table alter`: the table's schema with one column dropped, renamed, moved or widened
// (lake/iceberg_schema_evolution.hpp), committed as a new current schema like a REST client's
// schema update; kConflict when another writer changed the schema meanwhile. Data files are not
// rewritten: readers resolve columns by field id. Returns the new schema id.
int alter_iceberg_schema(Lake& lake, const TableName& name,
                         const iceberg::SchemaAlteration& alteration);

// Drops the table from the catalog; with `purge`, also deletes its files (its whole directory
// when it lies inside the lake). False when there was no such table.
bool drop_iceberg_table(Lake& lake, const TableName& name, bool purge);

}  // namespace strata::lake
