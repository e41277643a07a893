#include "lake/iceberg_table_update.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"

namespace strata::lake::iceberg {

namespace {

using nlohmann::json;

[[noreturn]] void failed(const std::string& table, const std::string& message) {
  throw Error(ErrorKind::kConflict, "requirement failed: " + message, Location::of(table));
}

[[noreturn]] void bad_update(const std::string& table, const std::string& message) {
  throw Error(ErrorKind::kInput, message, Location::of(table));
}

std::string text_of(const json& value) {
  return value.is_null() ? std::string("none") : value.dump();
}

// The snapshot a ref names in `m` (main falls back to current-snapshot-id); null when none.
json ref_snapshot(const json& m, const std::string& ref) {
  const json refs = m.value("refs", json::object());
  if (refs.contains(ref)) return refs[ref].value("snapshot-id", json());
  if (ref == "main") {
    const json current = m.value("current-snapshot-id", json());
    if (current.is_number() && current.get<int64_t>() != -1) return current;
  }
  return json();
}

void check_equal(const json& m, const std::string& key, const json& expected,
                 const std::string& requirement, const std::string& table) {
  const json actual = m.value(key, json());
  if (actual != expected) {
    failed(table,
           requirement + ": expected " + text_of(expected) + ", the table has " + text_of(actual));
  }
}

void check_requirement(const json& r, const TableMetadata* current, const std::string& table) {
  const std::string type = r.at("type").get<std::string>();
  if (type == "assert-create") {
    if (current) failed(table, "the table already exists");
    return;
  }
  if (!current) failed(table, type + ": the table does not exist");
  const json& m = current->document();
  if (type == "assert-table-uuid") {
    check_equal(m, "table-uuid", r.at("uuid"), type, table);
  } else if (type == "assert-ref-snapshot-id") {
    const std::string ref = r.at("ref").get<std::string>();
    const json actual = ref_snapshot(m, ref);
    const json expected = r.value("snapshot-id", json());
    if (actual != expected) {
      failed(table, "branch or tag '" + ref + "' is at snapshot " + text_of(actual) +
                        ", expected " + text_of(expected) + " (another writer committed first)");
    }
  } else if (type == "assert-last-assigned-field-id") {
    check_equal(m, "last-column-id", r.at("last-assigned-field-id"), type, table);
  } else if (type == "assert-current-schema-id") {
    check_equal(m, "current-schema-id", r.at("current-schema-id"), type, table);
  } else if (type == "assert-last-assigned-partition-id") {
    check_equal(m, "last-partition-id", r.at("last-assigned-partition-id"), type, table);
  } else if (type == "assert-default-spec-id") {
    check_equal(m, "default-spec-id", r.at("default-spec-id"), type, table);
  } else if (type == "assert-default-sort-order-id") {
    check_equal(m, "default-sort-order-id", r.at("default-sort-order-id"), type, table);
  } else {
    bad_update(table, "unknown requirement type '" + type + "'");
  }
}

// The ids a commit added last, for the -1 references of the set-default updates.
struct LastAdded {
  std::optional<int> schema;
  std::optional<int> spec;
  std::optional<int> sort_order;
};

int resolve_id(int id, const std::optional<int>& last, const std::string& what,
               const std::string& table) {
  if (id != -1) return id;
  if (!last) bad_update(table, "no " + what + " was added in this commit (id -1)");
  return *last;
}

bool has_entry(const json& m, const char* list, const char* key, int id) {
  for (const json& item : m.value(list, json::array())) {
    if (item.value(key, -2) == id) return true;
  }
  return false;
}

int next_id(const json& items, const char* key, int first) {
  int next = first;
  for (const json& item : items) next = std::max(next, item.value(key, 0) + 1);
  return next;
}

int add_schema(json& m, const json& update, const std::string& table) {
  json schema = update.at("schema");
  Schema parsed;
  try {
    parsed = schema_from_json(schema);
  } catch (const Error& e) {
    bad_update(table, "add-schema: " + e.message());
  }
  json& schemas = m["schemas"];
  for (const json& existing : schemas) {
    if (schema_from_json(existing).fields == parsed.fields) return existing.value("schema-id", 0);
  }
  const int id = next_id(schemas, "schema-id", 0);
  schema["schema-id"] = id;
  schemas.push_back(schema);
  const int last = std::max(
      {m.value("last-column-id", 0), parsed.highest_field_id(), update.value("last-column-id", 0)});
  m["last-column-id"] = last;
  return id;
}

int add_spec(json& m, const json& update, const std::string& table) {
  json spec = update.at("spec");
  int last = m.value("last-partition-id", kFirstPartitionFieldId - 1);
  for (json& field : spec["fields"]) {
    if (!field.contains("field-id")) field["field-id"] = ++last;
    last = std::max(last, field["field-id"].get<int>());
  }
  try {
    partition_spec_from_json(json{{"spec-id", 0}, {"fields", spec["fields"]}}, table);
  } catch (const Error& e) {
    bad_update(table, "add-spec: " + e.message());
  }
  json& specs = m["partition-specs"];
  for (const json& existing : specs) {
    if (existing.value("fields", json::array()) == spec["fields"])
      return existing.value("spec-id", 0);
  }
  const int id = next_id(specs, "spec-id", 0);
  spec["spec-id"] = id;
  specs.push_back(spec);
  m["last-partition-id"] = last;
  return id;
}

int add_sort_order(json& m, const json& update) {
  json order = update.at("sort-order");
  json& orders = m["sort-orders"];
  for (const json& existing : orders) {
    if (existing.value("fields", json::array()) == order.value("fields", json::array()))
      return existing.value("order-id", 0);
  }
  // Order id 0 is reserved for the unsorted order.
  const int id = order.value("fields", json::array()).empty() ? 0 : next_id(orders, "order-id", 1);
  order["order-id"] = id;
  orders.push_back(order);
  return id;
}

void add_snapshot(json& m, const json& update, const std::string& table) {
  const json& snapshot = update.at("snapshot");
  const int64_t id = snapshot.at("snapshot-id").get<int64_t>();
  for (const json& existing : m.value("snapshots", json::array())) {
    if (existing.value("snapshot-id", int64_t{0}) == id)
      bad_update(table, "add-snapshot: the table already has snapshot " + std::to_string(id));
  }
  const int64_t sequence = snapshot.value("sequence-number", int64_t{0});
  const int64_t last = m.value("last-sequence-number", int64_t{0});
  if (sequence <= last) {
    failed(table, "the new snapshot's sequence number " + std::to_string(sequence) +
                      " is not above the table's last one, " + std::to_string(last) +
                      " (another writer committed first)");
  }
  m["snapshots"].push_back(snapshot);
  m["last-sequence-number"] = sequence;
}

void set_snapshot_ref(json& m, const json& update, const std::string& table, int64_t now_ms) {
  const std::string name = update.at("ref-name").get<std::string>();
  const int64_t id = update.at("snapshot-id").get<int64_t>();
  int64_t timestamp = now_ms;
  bool found = false;
  for (const json& s : m.value("snapshots", json::array())) {
    if (s.value("snapshot-id", int64_t{0}) == id) {
      found = true;
      timestamp = s.value("timestamp-ms", now_ms);
    }
  }
  if (!found) bad_update(table, "set-snapshot-ref: no snapshot " + std::to_string(id));
  json ref = update;
  ref.erase("action");
  ref.erase("ref-name");
  const bool moved = ref_snapshot(m, name) != json(id);
  m["refs"][name] = ref;
  if (name == "main" && moved) {
    m["current-snapshot-id"] = id;
    m["snapshot-log"].push_back({{"snapshot-id", id}, {"timestamp-ms", timestamp}});
  }
}

void replace_statistics(json& m, const char* list, int64_t snapshot_id, const json* entry) {
  json kept = json::array();
  for (const json& item : m.value(list, json::array())) {
    if (item.value("snapshot-id", int64_t{0}) != snapshot_id) kept.push_back(item);
  }
  if (entry) kept.push_back(*entry);
  m[list] = std::move(kept);
}

void apply_update(TableMetadata& metadata, const json& u, LastAdded& last, const std::string& table,
                  int64_t now_ms) {
  json& m = metadata.mutable_document();
  const std::string action = u.at("action").get<std::string>();
  if (action == "assign-uuid") {
    m["table-uuid"] = u.at("uuid");
  } else if (action == "upgrade-format-version") {
    const int version = u.at("format-version").get<int>();
    if (version > 2) {
      bad_update(table, "format version " + std::to_string(version) +
                            " is not supported yet (strata reads and writes version 2)");
    }
  } else if (action == "add-schema") {
    last.schema = add_schema(m, u, table);
  } else if (action == "set-current-schema") {
    const int id = resolve_id(u.at("schema-id").get<int>(), last.schema, "schema", table);
    if (!has_entry(m, "schemas", "schema-id", id))
      bad_update(table, "set-current-schema: no schema " + std::to_string(id));
    m["current-schema-id"] = id;
  } else if (action == "add-spec") {
    last.spec = add_spec(m, u, table);
  } else if (action == "set-default-spec") {
    const int id = resolve_id(u.at("spec-id").get<int>(), last.spec, "partition spec", table);
    if (!has_entry(m, "partition-specs", "spec-id", id))
      bad_update(table, "set-default-spec: no partition spec " + std::to_string(id));
    m["default-spec-id"] = id;
  } else if (action == "add-sort-order") {
    last.sort_order = add_sort_order(m, u);
  } else if (action == "set-default-sort-order") {
    const int id =
        resolve_id(u.at("sort-order-id").get<int>(), last.sort_order, "sort order", table);
    if (!has_entry(m, "sort-orders", "order-id", id))
      bad_update(table, "set-default-sort-order: no sort order " + std::to_string(id));
    m["default-sort-order-id"] = id;
  } else if (action == "add-snapshot") {
    add_snapshot(m, u, table);
  } else if (action == "set-snapshot-ref") {
    set_snapshot_ref(m, u, table, now_ms);
  } else if (action == "remove-snapshot-ref") {
    const std::string name = u.at("ref-name").get<std::string>();
    if (m.contains("refs")) m["refs"].erase(name);
    if (name == "main") m["current-snapshot-id"] = -1;
  } else if (action == "remove-snapshots") {
    const auto ids = u.at("snapshot-ids").get<std::set<int64_t>>();
    const std::optional<int64_t> current = metadata.current_snapshot_id();
    if (current && ids.contains(*current))
      bad_update(table, "remove-snapshots: the current snapshot cannot be removed");
    metadata.remove_snapshots(ids);
  } else if (action == "set-location") {
    m["location"] = u.at("location").get<std::string>();
  } else if (action == "set-properties") {
    for (const auto& [key, value] : u.at("updates").items()) {
      m["properties"][key] = value.get<std::string>();
    }
  } else if (action == "remove-properties") {
    for (const json& key : u.at("removals")) {
      if (m.contains("properties")) m["properties"].erase(key.get<std::string>());
    }
  } else if (action == "set-statistics") {
    const json& statistics = u.at("statistics");
    replace_statistics(m, "statistics", statistics.at("snapshot-id").get<int64_t>(), &statistics);
  } else if (action == "remove-statistics") {
    replace_statistics(m, "statistics", u.at("snapshot-id").get<int64_t>(), nullptr);
  } else {
    bad_update(table, "the metadata update '" + action + "' is not supported");
  }
}

}  // namespace

void check_requirements(const json& requirements, const TableMetadata* current,
                        const std::string& table) {
  if (!requirements.is_array()) bad_update(table, "\"requirements\" must be an array");
  try {
    for (const json& requirement : requirements) check_requirement(requirement, current, table);
  } catch (const json::exception& e) {
    bad_update(table, std::string("malformed requirement: ") + e.what());
  }
}

void apply_updates(TableMetadata& metadata, const json& updates, const std::string& table,
                   int64_t now_ms) {
  if (!updates.is_array()) bad_update(table, "\"updates\" must be an array");
  LastAdded last;
  try {
    for (const json& update : updates) apply_update(metadata, update, last, table, now_ms);
  } catch (const json::exception& e) {
    bad_update(table, std::string("malformed metadata update: ") + e.what());
  }
  metadata.set_last_updated_ms(now_ms);
}

TableMetadata new_table_metadata(const std::string& location, const json& schema, const json& spec,
                                 const json& sort_order, const json& properties,
                                 const std::string& table, int64_t now_ms) {
  TableMetadata metadata = TableMetadata::create(location, now_ms);
  json updates = json::array();
  updates.push_back({{"action", "add-schema"}, {"schema", schema}});
  updates.push_back({{"action", "set-current-schema"}, {"schema-id", -1}});
  if (!spec.is_null()) {
    updates.push_back({{"action", "add-spec"}, {"spec", spec}});
    updates.push_back({{"action", "set-default-spec"}, {"spec-id", -1}});
  }
  if (!sort_order.is_null()) {
    updates.push_back({{"action", "add-sort-order"}, {"sort-order", sort_order}});
    updates.push_back({{"action", "set-default-sort-order"}, {"sort-order-id", -1}});
  }
  if (properties.is_object() && !properties.empty()) {
    updates.push_back({{"action", "set-properties"}, {"updates", properties}});
  }
  apply_updates(metadata, updates, table, now_ms);
  return metadata;
}

}  // namespace strata::lake::iceberg
