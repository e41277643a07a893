// `strata table` commands that change a table: append, overwrite, delete, merge (copy-on-write),
// partition, rollback, expire, compact and remove-orphans. Each prints one line saying what it
// committed.
#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/time_text.hpp"
#include "lake/rest_catalog.hpp"

namespace strata::cli {

namespace {

struct ChangeOptions {
  std::string table;
  std::string sql;
  std::string where;
  std::vector<std::string> keys;
  std::string delete_when;
  int64_t snapshot = 0;
  std::string older_than;
  size_t retain_last = 0;
  uint64_t target_mb = 128;
  std::string orphans_older_than = "1h";
  std::string partition_by;
  std::string drop_column, rename_column, move_first, move_after, widen;
};

// A time given as an ISO-8601 instant (UTC unless it has an offset) or as an age ("7d", "12h").
int64_t cutoff_ms(const std::string& text) {
  if (auto age = parse_duration_ms(text)) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() -
           *age;
  }
  if (auto seconds = parse_instant(text, TimeZone::utc())) return *seconds * 1000;
  throw Error(ErrorKind::kUsage,
              "--older-than takes an age (e.g. 7d, 12h) or an ISO-8601 time, "
              "not '" +
                  text + "'");
}

std::string snapshot_text(int64_t snapshot) {
  return snapshot ? "snapshot " + std::to_string(snapshot) : std::string("nothing committed");
}

void print_rewrite(const lake::TableName& table, const char* verb, const lake::RewriteResult& r) {
  std::cout << table.str() << ": " << verb << " ";
  if (r.rows_updated || r.rows_inserted) {
    std::cout << format_count(r.rows_updated) << " updated, " << format_count(r.rows_inserted)
              << " inserted, ";
  }
  std::cout << format_rows(r.rows_deleted) << " deleted; " << r.files_removed
            << " file(s) rewritten into " << r.files_added << " (" << snapshot_text(r.snapshot_id)
            << ")\n";
}

using Run = int (*)(ProjectContext&, const lake::TableName&, const ChangeOptions&);

int run_append(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  uint64_t rows = 0;
  const int64_t snapshot = context.lake().append(context.connection(), table, o.sql, &rows);
  std::cout << table.str() << ": appended " << format_rows(rows) << " (snapshot " << snapshot
            << ")\n";
  return 0;
}

int run_overwrite(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  uint64_t rows = 0;
  const int64_t snapshot = context.lake().overwrite(context.connection(), table, o.sql, &rows);
  std::cout << table.str() << ": overwritten with " << format_rows(rows) << " (snapshot "
            << snapshot << ")\n";
  return 0;
}

int run_delete(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  print_rewrite(table,
                "delete:", context.lake().delete_where(context.connection(), table, o.where));
  return 0;
}

int run_merge(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  lake::MergeOptions options;
  options.delete_condition = o.delete_when;
  print_rewrite(
      table, "merge:", context.lake().merge(context.connection(), table, o.sql, o.keys, options));
  return 0;
}

int run_compact(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  lake::CompactOptions options;
  options.target_file_bytes = o.target_mb << 20;
  const lake::RewriteResult r = context.lake().compact(context.connection(), table, options);
  if (!r.snapshot_id) {
    std::cout << table.str() << ": nothing to compact (fewer than two small files)\n";
  } else {
    std::cout << table.str() << ": compacted " << r.files_removed << " files into " << r.files_added
              << ", rows unchanged (replace snapshot " << r.snapshot_id << ")\n";
  }
  return 0;
}

int run_partition(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  const int spec = context.lake().set_partition_spec(table, o.partition_by);
  std::cout << table.str() << ": new data is "
            << (o.partition_by.empty() ? std::string("unpartitioned")
                                       : "partitioned by " + o.partition_by)
            << " (partition spec " << spec << "; existing files keep theirs)\n";
  return 0;
}

int run_rollback(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  const auto before = context.lake().table_metadata(table);
  context.lake().rollback(table, o.snapshot);
  std::cout << table.str() << ": snapshot " << o.snapshot << " is current";
  if (before && before->current_snapshot_id() && *before->current_snapshot_id() != o.snapshot) {
    std::cout << " (was " << *before->current_snapshot_id() << ")";
  }
  std::cout << "\n";
  return 0;
}

int run_expire(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  lake::ExpireOptions options;
  if (!o.older_than.empty()) options.older_than_ms = cutoff_ms(o.older_than);
  if (o.retain_last) options.retain_last = o.retain_last;
  const lake::ExpireResult r = context.lake().expire_snapshots(table, options);
  std::cout << table.str() << ": expired " << r.expired_snapshots.size() << " snapshot(s), deleted "
            << r.data_files_deleted << " data file(s) and " << r.metadata_files_deleted
            << " metadata file(s)\n";
  return 0;
}

// "a=b" -> (a, b); kUsage naming the option otherwise.
std::pair<std::string, std::string> pair_of(const std::string& text, const char* option) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    throw Error(ErrorKind::kUsage, std::string(option) + " takes COLUMN=VALUE, not '" + text + "'");
  }
  return {text.substr(0, equals), text.substr(equals + 1)};
}

int run_alter(ProjectContext& context, const lake::TableName& table, const ChangeOptions& o) {
  using lake::iceberg::AlterKind;
  std::vector<lake::iceberg::SchemaAlteration> changes;
  if (!o.drop_column.empty()) changes.push_back({AlterKind::kDrop, o.drop_column, ""});
  if (!o.rename_column.empty()) {
    auto [from, to] = pair_of(o.rename_column, "--rename-column");
    changes.push_back({AlterKind::kRename, from, to});
  }
  if (!o.move_first.empty()) changes.push_back({AlterKind::kMoveFirst, o.move_first, ""});
  if (!o.move_after.empty()) {
    auto [column, after] = pair_of(o.move_after, "--move-after");
    changes.push_back({AlterKind::kMoveAfter, column, after});
  }
  if (!o.widen.empty()) {
    auto [column, type] = pair_of(o.widen, "--widen");
    changes.push_back({AlterKind::kWiden, column, type});
  }
  if (changes.size() != 1) {
    throw Error(ErrorKind::kUsage,
                "give exactly one of --drop-column, --rename-column, --move-first, "
                "--move-after, --widen");
  }
  const int schema = lake::alter_iceberg_schema(context.lake(), table, changes.front());
  std::cout << table.str() << ": schema " << schema
            << " is current (data files unchanged; columns are read by field id)\n";
  return 0;
}

}  // namespace

void add_table_change_commands(CLI::App& command, const GlobalOptions& globals, Action& action) {
  auto o = std::make_shared<ChangeOptions>();
  auto add = [&](const char* name, const char* help, Run run) {
    auto* sub = command.add_subcommand(name, help);
    sub->add_option("TABLE", o->table, "namespace.table")->required();
    sub->callback([&action, &globals, o, run] {
      action = [&globals, o, run] {
        ProjectContext context(globals);
        return run(context, parse_table_name(o->table), *o);
      };
    });
    return sub;
  };
  add("append", "Append the rows of a query (creates the table if needed)", run_append)
      ->add_option("--from", o->sql, "The SELECT whose rows are appended")
      ->required();
  add("overwrite", "Replace every row with those of a query", run_overwrite)
      ->add_option("--from", o->sql, "The SELECT whose rows become the table")
      ->required();
  add("delete", "Delete the rows matching a predicate (rewrites only the files holding them)",
      run_delete)
      ->add_option("--where", o->where, "SQL condition on the table's columns")
      ->required();
  auto* merge =
      add("merge", "Upsert the rows of a query on a key (copy-on-write MERGE)", run_merge);
  merge->add_option("--from", o->sql, "The SELECT of new and changed rows")->required();
  merge->add_option("--key", o->keys, "Key column(s); repeat or separate with commas")
      ->required()
      ->delimiter(',');
  merge->add_option("--delete-when", o->delete_when,
                    "SQL condition on source rows that delete their key instead (CDC)");
  add("partition",
      "Set how data written from now on is partitioned (hidden partitioning; partition "
      "evolution)",
      run_partition)
      ->add_option("--by", o->partition_by,
                   "Partition fields: identity(col) or col, year(col), month(col), day(col), "
                   "hour(col), truncate[W](col), comma-separated; '' for unpartitioned")
      ->required();
  add("rollback", "Make an earlier snapshot current again", run_rollback)
      ->add_option("--to-snapshot", o->snapshot, "The snapshot id (see `table snapshots`)")
      ->required();
  auto* expire = add("expire",
                     "Remove old snapshots and delete the files only they needed (the current "
                     "snapshot always stays)",
                     run_expire);
  expire->add_option("--older-than", o->older_than,
                     "Expire snapshots older than an age (7d, 12h) or an ISO-8601 time");
  expire->add_option("--retain-last", o->retain_last,
                     "Keep at least the newest N snapshots of the current history");
  auto* alter = add("alter",
                    "Change the schema by field id: drop, rename, move or widen one column "
                    "(old snapshots keep theirs)",
                    run_alter);
  alter->add_option("--drop-column", o->drop_column, "Drop this column");
  alter->add_option("--rename-column", o->rename_column, "OLD=NEW: rename a column");
  alter->add_option("--move-first", o->move_first, "Make this column the first");
  alter->add_option("--move-after", o->move_after, "COLUMN=OTHER: move COLUMN after OTHER");
  alter->add_option("--widen", o->widen,
                    "COLUMN=TYPE: int to long, float to double, decimal(P,S) to a larger P");
  add("compact", "Rewrite small data files into larger ones (rows unchanged)", run_compact)
      ->add_option("--target-size-mb", o->target_mb, "Target file size in MB (default 128)");

  auto* orphans = command.add_subcommand(
      "remove-orphans",
      "Delete files under the tables' directories that no snapshot or metadata version "
      "references (leftovers of interrupted writes)");
  orphans->add_option("--older-than", o->orphans_older_than,
                      "Only files older than this (default 1h), so running writes are safe");
  orphans->callback([&action, &globals, o] {
    action = [&globals, o] {
      const auto age = parse_duration_ms(o->orphans_older_than);
      if (!age) throw Error(ErrorKind::kUsage, "--older-than takes an age such as 1h or 0s");
      ProjectContext context(globals);
      const size_t removed = context.lake().remove_orphan_files(std::chrono::seconds(*age / 1000));
      std::cout << "removed " << removed << " orphan file(s)\n";
      return 0;
    };
  });
}

}  // namespace strata::cli
