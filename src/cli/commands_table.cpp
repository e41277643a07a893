// `strata table`: inspect the lake's tables (list, show, snapshots, history). The commands that
// change a table are in commands_table_change.cpp.
#include <iostream>
#include <set>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/time_text.hpp"
#include "lake/iceberg_metadata.hpp"

namespace strata::cli {

namespace {

std::string time_of(int64_t ms) {
  return ms > 0 ? iso_utc(ms / 1000) : "";
}

std::string summary_value(const lake::iceberg::Snapshot& snapshot, const std::string& key) {
  auto found = snapshot.summary.find(key);
  return found == snapshot.summary.end() ? "" : found->second;
}

uint64_t summary_number(const lake::iceberg::Snapshot& snapshot, const std::string& key) {
  try {
    return std::stoull(summary_value(snapshot, key));
  } catch (const std::exception&) {
    return 0;
  }
}

std::string count_of(const lake::iceberg::Snapshot& snapshot, const std::string& key) {
  const std::string value = summary_value(snapshot, key);
  return value.empty() ? "" : format_count(summary_number(snapshot, key));
}

// The table's current metadata; kInput naming it when it has none.
lake::iceberg::TableMetadata metadata_of(ProjectContext& context, const lake::TableName& name) {
  std::optional<lake::TableInfo> info = context.store().find_table(name);
  if (!info) throw Error(ErrorKind::kInput, "no such table", Location::of(name.str()));
  if (info->kind == lake::TableKind::kView) {
    throw Error(ErrorKind::kInput, "a view, not a table: it has no snapshots",
                Location::of(name.str()));
  }
  std::optional<lake::iceberg::TableMetadata> metadata = context.lake().table_metadata(name);
  if (!metadata) {
    throw Error(ErrorKind::kInput, "the table has no Iceberg metadata yet",
                Location::of(name.str()));
  }
  return *metadata;
}

void list_tables(ProjectContext& context) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& table : context.store().list_tables()) {
    if (table.kind == lake::TableKind::kView) {
      rows.push_back({table.name.str(), "view", "", "", "", ""});
      continue;
    }
    std::optional<lake::iceberg::Snapshot> current;
    try {
      if (auto metadata = context.lake().table_metadata(table.name)) {
        if (auto id = metadata->current_snapshot_id()) current = metadata->snapshot(*id);
      }
    } catch (const Error& e) {
      rows.push_back({table.name.str(), "table", "unreadable: " + e.message(), "", "", ""});
      continue;
    }
    if (!current) {
      rows.push_back({table.name.str(), "table", "none", "0", "0", ""});
      continue;
    }
    rows.push_back({table.name.str(), "table", std::to_string(current->snapshot_id),
                    count_of(*current, "total-records"), count_of(*current, "total-data-files"),
                    format_bytes(summary_number(*current, "total-files-size"))});
  }
  std::cout << render_table({"table", "kind", "snapshot", "rows", "files", "size"}, rows);
}

void show_table(ProjectContext& context, const lake::TableName& name) {
  const lake::iceberg::TableMetadata metadata = metadata_of(context, name);
  const auto info = context.store().find_table(name);
  std::cout << "table       " << name.str() << "\n"
            << "format      Apache Iceberg v2, uuid " << metadata.table_uuid() << "\n"
            << "location    " << metadata.location() << "\n"
            << "metadata    " << info->metadata_location << "\n";
  const std::optional<int64_t> current = metadata.current_snapshot_id();
  if (current) {
    const auto snapshot = *metadata.snapshot(*current);
    std::cout << "snapshot    " << *current << " (" << summary_value(snapshot, "operation") << ", "
              << time_of(snapshot.timestamp_ms) << "), " << metadata.snapshots().size()
              << " snapshot(s) kept\n"
              << "rows        " << count_of(snapshot, "total-records") << "\n"
              << "files       " << count_of(snapshot, "total-data-files") << " data file(s), "
              << format_bytes(summary_number(snapshot, "total-files-size")) << "\n";
  } else {
    std::cout << "snapshot    none (no data committed yet)\n";
  }
  const nlohmann::json& doc = metadata.document();
  const int spec_id = doc.value("default-spec-id", 0);
  for (const auto& spec : doc.value("partition-specs", nlohmann::json::array())) {
    if (spec.value("spec-id", -1) != spec_id) continue;
    std::vector<std::string> fields;
    for (const auto& f : spec.value("fields", nlohmann::json::array())) {
      fields.push_back(f.value("transform", "") + "(" + std::to_string(f.value("source-id", 0)) +
                       ") as " + f.value("name", ""));
    }
    std::cout << "partition   spec " << spec_id << ": "
              << (fields.empty() ? std::string("unpartitioned") : join(fields, ", ")) << "\n";
  }
  const lake::iceberg::Schema schema = metadata.current_schema();
  std::cout << "\nschema " << schema.schema_id << ":\n";
  std::vector<std::vector<std::string>> columns;
  for (const auto& field : schema.fields) {
    columns.push_back({std::to_string(field.id), field.name, lake::iceberg::type_name(field.type),
                       field.required ? "required" : "optional"});
  }
  std::cout << render_table({"id", "column", "type", "nullability"}, columns);
  std::cout << "\nproperties:\n";
  const nlohmann::json properties = doc.value("properties", nlohmann::json::object());
  for (const auto& [key, value] : properties.items()) {
    std::cout << "  " << key << " = "
              << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  }
}

void list_snapshots(ProjectContext& context, const lake::TableName& name) {
  const lake::iceberg::TableMetadata metadata = metadata_of(context, name);
  std::set<int64_t> ancestors;
  for (const auto& s : metadata.ancestry()) ancestors.insert(s.snapshot_id);
  const std::optional<int64_t> current = metadata.current_snapshot_id();
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : metadata.snapshots()) {
    rows.push_back({std::to_string(s.snapshot_id) + (s.snapshot_id == current ? " *" : ""),
                    s.parent_snapshot_id ? std::to_string(*s.parent_snapshot_id) : "",
                    std::to_string(s.sequence_number), time_of(s.timestamp_ms),
                    summary_value(s, "operation"), count_of(s, "added-records"),
                    count_of(s, "deleted-records"), count_of(s, "added-data-files"),
                    count_of(s, "deleted-data-files"), count_of(s, "total-records")});
  }
  std::cout << render_table({"snapshot", "parent", "seq", "committed (UTC)", "operation", "+rows",
                             "-rows", "+files", "-files", "total rows"},
                            rows);
  std::cout << "* current snapshot\n";
}

void show_history(ProjectContext& context, const lake::TableName& name) {
  const lake::iceberg::TableMetadata metadata = metadata_of(context, name);
  std::set<int64_t> ancestors;
  for (const auto& s : metadata.ancestry()) ancestors.insert(s.snapshot_id);
  std::vector<std::vector<std::string>> rows;
  for (const auto& [at, id] : metadata.snapshot_log()) {
    const auto snapshot = metadata.snapshot(id);
    rows.push_back({time_of(at), std::to_string(id),
                    snapshot && snapshot->parent_snapshot_id
                        ? std::to_string(*snapshot->parent_snapshot_id)
                        : "",
                    snapshot ? summary_value(*snapshot, "operation") : "",
                    snapshot ? count_of(*snapshot, "added-records") : "",
                    snapshot ? count_of(*snapshot, "deleted-records") : "",
                    ancestors.contains(id) ? "yes" : "no"});
  }
  std::cout << render_table({"made current (UTC)", "snapshot", "parent", "operation", "+rows",
                             "-rows", "current ancestor"},
                            rows);
}

}  // namespace

lake::TableName parse_table_name(const std::string& text) {
  const size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
    throw Error(ErrorKind::kUsage,
                "name a table as namespace.table (e.g. silver.orders), not '" + text + "'");
  }
  return {text.substr(0, dot), text.substr(dot + 1)};
}

void add_table_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand("table", "Inspect and maintain the lake's tables");
  command->require_subcommand(1);
  auto* list = command->add_subcommand("list", "List tables with their snapshot, rows and files");
  list->callback([&action, &globals] {
    action = [&globals] {
      ProjectContext context(globals);
      list_tables(context);
      return 0;
    };
  });
  auto table = std::make_shared<std::string>();
  auto add_inspection = [&, table](const char* name, const char* help,
                                   void (*run)(ProjectContext&, const lake::TableName&)) {
    auto* sub = command->add_subcommand(name, help);
    sub->add_option("TABLE", *table, "namespace.table")->required();
    sub->callback([&action, &globals, table, run] {
      action = [&globals, table, run] {
        ProjectContext context(globals);
        run(context, parse_table_name(*table));
        return 0;
      };
    });
  };
  add_inspection("show",
                 "Schema with field ids, partition spec, current snapshot, rows, files, size "
                 "and properties",
                 show_table);
  add_inspection("snapshots", "Every snapshot: parent, time, operation, rows and files changed",
                 list_snapshots);
  add_inspection("history", "When each snapshot became current (rollbacks included)", show_history);
  add_table_change_commands(*command, globals, action);
}

}  // namespace strata::cli
