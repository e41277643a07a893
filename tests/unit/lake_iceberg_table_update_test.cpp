// The Iceberg REST catalog's requirements and metadata updates applied to table metadata.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "lake/iceberg_schema_evolution.hpp"
#include "lake/iceberg_table_update.hpp"

namespace strata::lake::iceberg {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({"type": "struct", "schema-id": 0, "fields": [
  {"id": 1, "name": "id", "required": false, "type": "long"},
  {"id": 2, "name": "name", "required": false, "type": "string"}]})");

TableMetadata table() {
  return new_table_metadata("/lake/s/t", kSchema, json(), json(), json{{"owner", "me"}}, "s.t",
                            1000);
}

json snapshot(int64_t id, int64_t sequence) {
  return {{"snapshot-id", id},    {"sequence-number", sequence},
          {"timestamp-ms", 2000}, {"manifest-list", "/lake/s/t/metadata/snap.avro"},
          {"schema-id", 0},       {"summary", {{"operation", "append"}}}};
}

TEST(IcebergTableUpdate, NewTableHasTheClientsSchemaAndProperties) {
  const TableMetadata m = table();
  EXPECT_EQ(m.current_schema().fields.size(), 2u);
  EXPECT_EQ(m.last_column_id(), 2);
  EXPECT_EQ(m.document()["properties"]["owner"], "me");
  EXPECT_FALSE(m.current_snapshot_id());
}

TEST(IcebergTableUpdate, AddSnapshotAndRefMakeItCurrent) {
  TableMetadata m = table();
  apply_updates(m,
                json::array({{{"action", "add-snapshot"}, {"snapshot", snapshot(7, 1)}},
                             {{"action", "set-snapshot-ref"},
                              {"ref-name", "main"},
                              {"type", "branch"},
                              {"snapshot-id", 7}}}),
                "s.t", 3000);
  EXPECT_EQ(m.current_snapshot_id(), 7);
  EXPECT_EQ(m.last_sequence_number(), 1);
  EXPECT_EQ(m.snapshot_log().size(), 1u);
  // The requirement a second writer on the old base sends no longer holds.
  const json stale = json::array(
      {{{"type", "assert-ref-snapshot-id"}, {"ref", "main"}, {"snapshot-id", nullptr}}});
  EXPECT_THROW(
      {
        try {
          check_requirements(stale, &m, "s.t");
        } catch (const Error& e) {
          EXPECT_EQ(e.kind(), ErrorKind::kConflict);
          throw;
        }
      },
      Error);
  check_requirements(
      json::array({{{"type", "assert-ref-snapshot-id"}, {"ref", "main"}, {"snapshot-id", 7}}}), &m,
      "s.t");
  // A snapshot whose sequence number is not above the table's is a stale commit.
  TableMetadata again = m;
  EXPECT_THROW(apply_updates(
                   again, json::array({{{"action", "add-snapshot"}, {"snapshot", snapshot(8, 1)}}}),
                   "s.t", 4000),
               Error);
}

TEST(IcebergTableUpdate, RequirementsAndUnknownUpdates) {
  TableMetadata m = table();
  EXPECT_THROW(check_requirements(json::array({{{"type", "assert-create"}}}), &m, "s.t"), Error);
  check_requirements(json::array({{{"type", "assert-create"}}}), nullptr, "s.t");
  check_requirements(
      json::array({{{"type", "assert-table-uuid"}, {"uuid", m.table_uuid()}},
                   {{"type", "assert-current-schema-id"}, {"current-schema-id", 0}},
                   {{"type", "assert-last-assigned-field-id"}, {"last-assigned-field-id", 2}},
                   {{"type", "assert-default-spec-id"}, {"default-spec-id", 0}}}),
      &m, "s.t");
  try {
    apply_updates(m, json::array({{{"action", "frobnicate"}}}), "s.t", 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
  }
}

TEST(IcebergTableUpdate, SchemaUpdatesAndProperties) {
  TableMetadata m = table();
  json renamed = kSchema;
  renamed["fields"][1]["name"] = "label";
  renamed["fields"].push_back({{"id", 3}, {"name", "x"}, {"required", false}, {"type", "int"}});
  apply_updates(m,
                json::array({{{"action", "add-schema"}, {"schema", renamed}},
                             {{"action", "set-current-schema"}, {"schema-id", -1}},
                             {{"action", "set-properties"}, {"updates", {{"k", "v"}}}},
                             {{"action", "remove-properties"}, {"removals", {"owner"}}}}),
                "s.t", 5);
  EXPECT_EQ(m.current_schema().schema_id, 1);
  EXPECT_EQ(m.current_schema().fields[1].name, "label");
  EXPECT_EQ(m.last_column_id(), 3);
  EXPECT_EQ(m.document()["properties"]["k"], "v");
  EXPECT_FALSE(m.document()["properties"].contains("owner"));
}

TEST(IcebergSchemaAlter, DropRenameMoveWidenKeepFieldIds) {
  const Schema schema = schema_from_json(kSchema);
  auto fields = alter_fields(schema, {AlterKind::kRename, "name", "label"}, "s.t");
  EXPECT_EQ(fields[1].name, "label");
  EXPECT_EQ(fields[1].id, 2);
  fields = alter_fields(schema, {AlterKind::kMoveFirst, "name", ""}, "s.t");
  EXPECT_EQ(fields[0].id, 2);
  fields = alter_fields(schema, {AlterKind::kMoveAfter, "id", "name"}, "s.t");
  EXPECT_EQ(fields[1].id, 1);
  fields = alter_fields(schema, {AlterKind::kDrop, "id", ""}, "s.t");
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].id, 2);
  EXPECT_THROW(alter_fields(schema, {AlterKind::kWiden, "name", "long"}, "s.t"), Error);
  EXPECT_THROW(alter_fields(schema, {AlterKind::kRename, "id", "name"}, "s.t"), Error);
  EXPECT_THROW(alter_fields(schema, {AlterKind::kDrop, "nope", ""}, "s.t"), Error);
}

}  // namespace
}  // namespace strata::lake::iceberg
