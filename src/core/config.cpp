#include "core/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "core/paths.hpp"
#include "core/text.hpp"
#include "core/yaml_util.hpp"

namespace strata {

namespace {

const std::regex kName("^[A-Za-z_][A-Za-z0-9_]*$");

void check_name(const yaml::Reader& reader, const YAML::Node& node, const std::string& name,
                const std::string& what) {
  if (!std::regex_match(name, kName)) {
    reader.fail_at(node, what + " name '" + name +
                             "' must start with a letter or underscore and contain only letters, "
                             "digits and underscores");
  }
}

FileFormat format_from(const yaml::Reader& table, const std::string& path) {
  std::string format = table.string("format", "");
  if (format.empty()) {
    // Inferred from the extension, ignoring compression suffixes.
    std::string p = to_lower(path);
    for (const char* suffix : {".gz", ".zst"}) {
      if (p.size() > 4 && p.ends_with(suffix))
        p = p.substr(0, p.size() - std::string(suffix).size());
    }
    if (p.ends_with(".csv") || p.ends_with(".tsv") || p.ends_with(".txt")) return FileFormat::kCsv;
    if (p.ends_with(".ndjson") || p.ends_with(".jsonl")) return FileFormat::kNdjson;
    if (p.ends_with(".json")) return FileFormat::kJson;
    if (p.ends_with(".parquet")) return FileFormat::kParquet;
    table.fail("cannot tell the format of '" + path +
               "' from its name; set format: csv, tsv, ndjson, json or parquet");
  }
  if (format == "csv") return FileFormat::kCsv;
  if (format == "tsv") return FileFormat::kCsv;
  if (format == "ndjson" || format == "jsonl") return FileFormat::kNdjson;
  if (format == "json") return FileFormat::kJson;
  if (format == "parquet") return FileFormat::kParquet;
  table.fail_at(table.node()["format"],
                "unknown format '" + format + "'" +
                    did_you_mean(format, {"csv", "tsv", "ndjson", "json", "parquet"}) +
                    "; use csv, tsv, ndjson, json or parquet");
}

FileTableConfig parse_file_table(const std::string& name, const yaml::Reader& table) {
  if (table.node().IsScalar()) {  // shorthand: `movies: data/movies.csv`
    FileTableConfig config;
    config.name = name;
    config.path = table.node().as<std::string>();
    config.format =
        format_from(yaml::Reader(YAML::Node(YAML::NodeType::Map), table.file()), config.path);
    config.where = table.where();
    return config;
  }
  table.expect_map("table '" + name + "'");
  table.expect_keys({"path", "format", "header", "delimiter", "quote", "null", "columns",
                     "primary_key", "current_state", "latest_by"},
                    "table '" + name + "'");
  FileTableConfig config;
  config.name = name;
  config.path = table.required_string("path");
  config.format = format_from(table, config.path);
  config.header = table.boolean("header", true);
  config.delimiter = table.string("delimiter", table.string("format", "") == "tsv" ? "\t" : "");
  config.quote = table.string("quote", "");
  config.null_strings = table.string_list("null");
  config.columns = table.string_map("columns");
  config.where = table.where();
  if (config.delimiter.size() > 1) table.fail("delimiter must be one character");
  config.primary_key = table.string_list("primary_key");
  config.current_state = table.boolean("current_state", false);
  config.latest_by = table.string("latest_by", "");
  if (config.current_state && config.primary_key.empty()) {
    table.fail_at(table.node()["current_state"],
                  "current_state needs 'primary_key: [column, ...]' (the latest row per key)");
  }
  return config;
}

// `connection:` of a database source: a DSN string, or a mapping of its parts.
DatabaseConnectionConfig parse_connection(const std::string& source_name, const std::string& kind,
                                          const yaml::Reader& source) {
  if (!source.has("connection")) source.fail("source '" + source_name + "' has no connection");
  yaml::Reader connection = source.child("connection");
  DatabaseConnectionConfig config;
  config.where = connection.where();
  config.port = kind == "mysql" ? 3306 : 5432;
  if (connection.node().IsScalar()) {  // shorthand: `connection: postgresql://...` (mysql://...)
    config.dsn = connection.node().as<std::string>();
    return config;
  }
  const std::string what = "connection of source '" + source_name + "'";
  connection.expect_map(what);
  connection.expect_keys({"dsn", "host", "port", "database", "user", "password"}, what);
  config.dsn = connection.string("dsn", "");
  if (!config.dsn.empty()) {
    for (const char* part : {"host", "port", "database", "user", "password"}) {
      if (connection.has(part)) {
        connection.fail_at(connection.node()[part], "give either 'dsn' or '" + std::string(part) +
                                                        "' (and the other parts), not both");
      }
    }
    return config;
  }
  config.host = connection.string("host", config.host);
  config.port = connection.integer("port", config.port);
  config.database = connection.required_string("database");
  config.user = connection.string("user", "");
  config.password = connection.string("password", "");
  if (config.port <= 0 || config.port > 65535) {
    connection.fail_at(connection.node()["port"], "port must be between 1 and 65535");
  }
  return config;
}

// `lookback:` is a number (for numeric cursors) or an interval such as '1 hour' or '2 days 6
// hours'.
void check_lookback(const yaml::Reader& table, const std::string& lookback) {
  static const std::regex kNumber(R"(^\d+(\.\d+)?$)");
  static const std::regex kPart(R"((\d+)\s*([A-Za-z]+))");
  if (std::regex_match(lookback, kNumber)) return;
  static const std::vector<std::string> units = {
      "microsecond", "microseconds", "millisecond", "milliseconds", "second", "seconds",
      "minute",      "minutes",      "hour",        "hours",        "day",    "days",
      "week",        "weeks",        "month",       "months",       "year",   "years"};
  std::string rest(trim(lookback));
  std::smatch part;
  bool any = false;
  while (std::regex_search(rest, part, kPart) && part.position(0) == 0) {
    const std::string unit = to_lower(part[2].str());
    if (std::find(units.begin(), units.end(), unit) == units.end()) {
      table.fail_at(table.node()["lookback"], "unknown unit '" + part[2].str() + "' in lookback" +
                                                  did_you_mean(unit, units) +
                                                  "; write e.g. '1 hour', '2 days' or a number");
    }
    rest = std::string(trim(part.suffix().str()));
    any = true;
  }
  if (!any || !rest.empty()) {
    table.fail_at(table.node()["lookback"],
                  "lookback '" + lookback +
                      "' is neither a number nor an interval such as '1 hour' or '2 days'");
  }
}

// A table of a database source: `table: schema.name` or `query:`, and how it is loaded.
// `default_schema` is the schema of `table: name` without one (empty: the connected database).
TableConfig parse_database_table(const std::string& name, const yaml::Reader& table,
                                 const std::string& default_schema) {
  TableConfig config;
  config.name = name;
  config.where = table.where();
  DatabaseTableConfig database;
  std::string relation;
  if (table.node().IsScalar()) {  // shorthand: `customers: public.customers`, a full load
    relation = table.node().as<std::string>();
  } else {
    const std::string what = "table '" + name + "'";
    table.expect_map(what);
    table.expect_keys(
        {"table", "query", "mode", "cursor", "lookback", "primary_key", "current_state",
         "interval_bounded", "description", "slot", "publication", "batch_changes", "deletes"},
        what);
    relation = table.string("table", "");
    database.query = table.string("query", "");
    if (relation.empty() == database.query.empty()) {
      table.fail(what + " needs either 'table: schema.name' or 'query: SELECT ...' (one of them)");
    }
    database.cursor = table.string("cursor", "");
    const std::string mode = table.string("mode", database.cursor.empty() ? "full" : "incremental");
    if (mode == "incremental") {
      database.mode = LoadMode::kIncremental;
    } else if (mode == "cdc") {
      database.mode = LoadMode::kCdc;
    } else if (mode != "full") {
      table.fail_at(table.node()["mode"], "unknown mode '" + mode + "'" +
                                              did_you_mean(mode, {"full", "incremental", "cdc"}) +
                                              "; use full, incremental or cdc");
    }
    database.slot = table.string("slot", "");
    database.publication = table.string("publication", "");
    database.batch_changes = table.integer("batch_changes", database.batch_changes);
    if (database.mode != LoadMode::kCdc) {
      for (const char* key : {"slot", "publication", "batch_changes", "deletes"}) {
        if (table.has(key)) {
          table.fail_at(table.node()[key],
                        "'slot', 'publication', 'batch_changes' and 'deletes' apply only to "
                        "mode: cdc");
        }
      }
    }
    const std::string deletes = table.string("deletes", "hard");
    if (deletes != "hard" && deletes != "soft") {
      table.fail_at(table.node()["deletes"], "unknown deletes '" + deletes + "'" +
                                                 did_you_mean(deletes, {"hard", "soft"}) +
                                                 "; use hard (deleted keys leave the current "
                                                 "state) or soft (they stay, flagged)");
    }
    database.soft_deletes = deletes == "soft";
    database.lookback = table.string("lookback", "");
    database.primary_key = table.string_list("primary_key");
    database.current_state = table.boolean("current_state", false);
    if (database.current_state && database.primary_key.empty()) {
      table.fail_at(table.node()["current_state"],
                    "current_state needs 'primary_key: [column, ...]' (the latest row per key)");
    }
    if (database.mode == LoadMode::kCdc) {
      if (relation.empty()) {
        table.fail_at(table.node()["mode"],
                      "mode: cdc reads the changes of one table: it needs 'table: " +
                          std::string(default_schema.empty() ? "name" : "schema.name") +
                          "' (not a query)");
      }
      if (default_schema.empty() && (table.has("slot") || table.has("publication"))) {
        table.fail_at(table.node()[table.has("slot") ? "slot" : "publication"],
                      "'slot' and 'publication' are PostgreSQL's; a MySQL source reads the binary "
                      "log");
      }
      if (database.primary_key.empty()) {
        table.fail(what + " is mode: cdc and needs 'primary_key: [column, ...]'");
      }
      if (database.batch_changes < 1) {
        table.fail_at(table.node()["batch_changes"], "batch_changes must be at least 1");
      }
    }
    if (database.mode == LoadMode::kIncremental && database.cursor.empty()) {
      table.fail(what + " is incremental and needs 'cursor: <column>' (e.g. updated_at)");
    }
    if (database.mode == LoadMode::kFull && (table.has("cursor") || table.has("lookback"))) {
      table.fail_at(table.node()[table.has("cursor") ? "cursor" : "lookback"],
                    "'cursor' and 'lookback' apply only to mode: incremental");
    }
    if (!database.lookback.empty()) check_lookback(table, database.lookback);
    database.interval_bounded = table.boolean("interval_bounded", false);
    if (database.interval_bounded && database.mode != LoadMode::kIncremental) {
      table.fail_at(table.node()["interval_bounded"],
                    "interval_bounded applies only to mode: incremental (a 'cursor:' whose "
                    "values fall in the data intervals of pipeline runs)");
    }
  }
  if (!relation.empty()) {
    const size_t dot = relation.find('.');
    database.schema = dot == std::string::npos ? default_schema : relation.substr(0, dot);
    database.table = dot == std::string::npos ? relation : relation.substr(dot + 1);
    if ((dot != std::string::npos && database.schema.empty()) || database.table.empty()) {
      table.fail("table '" + relation + "' must be written schema.name (or just name for " +
                 (default_schema.empty() ? "the connected database" : default_schema) + ")");
    }
  }
  config.database = std::move(database);
  return config;
}

// `s3:` of a files source or of the lake (`what` names it): how its s3:// paths are reached.
S3Config parse_s3(const std::string& what, const yaml::Reader& source) {
  S3Config config;
  config.where = source.where();
  if (!source.has("s3")) return config;
  yaml::Reader s3 = source.child("s3");
  s3.expect_map(what);
  s3.expect_keys({"endpoint", "region", "path_style", "use_ssl", "access_key_id",
                  "secret_access_key", "session_token"},
                 what);
  config.where = s3.where();
  config.endpoint = s3.string("endpoint", "");
  config.region = s3.string("region", "");
  config.path_style = s3.boolean("path_style", false);
  if (s3.has("use_ssl")) config.use_ssl = s3.boolean("use_ssl", true);
  config.access_key_id = s3.string("access_key_id", "");
  config.secret_access_key = s3.string("secret_access_key", "");
  config.session_token = s3.string("session_token", "");
  if (config.access_key_id.empty() != config.secret_access_key.empty()) {
    s3.fail(
        "give both access_key_id and secret_access_key (or neither, to use the AWS_* "
        "environment variables)");
  }
  return config;
}

SourceConfig parse_source(const std::string& name, const yaml::Reader& source) {
  source.expect_map("source '" + name + "'");
  SourceConfig config;
  config.name = name;
  config.where = source.where();
  config.kind = source.string("kind", "files");
  if (config.kind == "mariadb") config.kind = "mysql";  // the same protocol and loader
  const std::vector<std::string> kinds = {"files", "postgres", "mysql", "mariadb"};
  if (std::find(kinds.begin(), kinds.end(), config.kind) == kinds.end()) {
    source.fail_at(source.node()["kind"], "source kind '" + config.kind +
                                              "' is not supported yet; supported: " +
                                              join(kinds, ", ") + did_you_mean(config.kind, kinds));
  }
  const bool database = config.kind != "files";
  if (database) {
    source.expect_keys({"kind", "connection", "tables", "description"}, "source '" + name + "'");
    config.connection = parse_connection(name, config.kind, source);
  } else {
    source.expect_keys({"kind", "tables", "s3", "description"}, "source '" + name + "'");
    config.s3 = parse_s3("s3 settings of source '" + name + "'", source);
  }
  if (!source.has("tables")) source.fail("source '" + name + "' has no tables");
  yaml::Reader tables = source.child("tables");
  tables.expect_map("tables of source '" + name + "'");
  for (auto& [table_name, table] : tables.entries()) {
    check_name(tables, table.node(), table_name, "table");
    config.tables.push_back(
        database ? parse_database_table(table_name, table, config.kind == "mysql" ? "" : "public")
                 : parse_file_table(table_name, table));
  }
  return config;
}

}  // namespace

std::string file_format_name(FileFormat format) {
  switch (format) {
    case FileFormat::kCsv:
      return "csv";
    case FileFormat::kNdjson:
      return "ndjson";
    case FileFormat::kJson:
      return "json";
    case FileFormat::kParquet:
      return "parquet";
  }
  return "csv";
}

std::string expand_environment(const std::string& text, const Location& where) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
    } else if (text[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (text[i + 1] == '{') {
      const size_t end = text.find('}', i + 2);
      if (end == std::string::npos) {
        throw Error(ErrorKind::kConfig, "unclosed ${ (write $$ for a literal $)", where);
      }
      const std::string variable = text.substr(i + 2, end - i - 2);
      const char* value = std::getenv(variable.c_str());
      if (variable.empty() || !value) {
        throw Error(ErrorKind::kConfig,
                    "environment variable '" + variable + "' is not set (used as ${" + variable +
                        "}; write $$ for a literal $)",
                    where);
      }
      out += value;
      i = end;
    } else {
      out += text[i];
    }
  }
  return out;
}

const SourceConfig* ProjectConfig::find_source(const std::string& source_name) const {
  for (const auto& source : sources) {
    if (source.name == source_name) return &source;
  }
  return nullptr;
}

ProjectConfig parse_project(const std::string& yaml_text, const fs::path& root,
                            const std::string& file) {
  YAML::Node document;
  try {
    document = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorKind::kConfig, "invalid YAML: " + e.msg,
                Location{file, e.mark.line + 1, e.mark.column + 1});
  }
  yaml::Reader top(document, file);
  if (document.IsNull()) top.fail("the file is empty; it needs at least `name: <project>`");
  top.expect_map("strata.yml");
  top.expect_keys({"name", "lake", "sources", "models", "vars", "engine", "pipelines", "alerts",
                   "description", "serve", "queries"},
                  "strata.yml");

  ProjectConfig config;
  config.root = root;
  config.config_file = file;
  config.name = top.required_string("name");
  check_name(top, document["name"], config.name, "project");

  yaml::Reader lake = top.child("lake");
  lake.expect_keys({"path", "catalog", "s3"}, "lake");
  // A local directory (relative to the project) or an S3 warehouse location s3://bucket/prefix.
  const std::string lake_path = lake.string("path", paths::default_lake_dir(root).string());
  if (starts_with(lake_path, "s3://")) {
    std::string location = lake_path;
    while (location.ends_with('/')) location.pop_back();
    if (location.size() <= 5) lake.fail("the lake path '" + lake_path + "' names no bucket");
    config.lake_dir = location;
  } else {
    config.lake_dir = paths::resolve(root, lake_path);
  }
  config.lake_s3 = parse_s3("s3 settings of the lake", lake);
  config.catalog_file =
      paths::resolve(root, lake.string("catalog", paths::default_catalog_file(root).string()));

  yaml::Reader models = top.child("models");
  models.expect_keys({"path"}, "models");
  config.models_dir = paths::resolve(root, models.string("path", "models"));

  for (const auto& [key, value] : top.string_map("vars")) config.vars[key] = value;

  yaml::Reader engine = top.child("engine");
  engine.expect_keys({"threads", "memory_limit"}, "engine");
  config.engine.threads = engine.integer("threads", 0);
  config.engine.memory_limit = engine.string("memory_limit", "");
  if (config.engine.threads < 0) engine.fail("threads must be 0 (all cores) or more");

  yaml::Reader sources = top.child("sources");
  if (sources.node().IsDefined() && !sources.node().IsNull()) {
    sources.expect_map("sources");
    for (auto& [name, source] : sources.entries()) {
      check_name(sources, source.node(), name, "source");
      config.sources.push_back(parse_source(name, source));
    }
  }
  config.pipelines = parse_pipelines(top.child("pipelines"));
  config.alerts = parse_alerts(top.child("alerts"));
  config.serve = parse_serve(top.child("serve"));
  config.queries = parse_named_queries(top.child("queries"));
  return config;
}

ProjectConfig load_project(const fs::path& root) {
  const fs::path file = root / "strata.yml";
  if (fs::exists(file)) {
    std::string text = paths::read_file(file);
    return parse_project(text, root, file.string());
  }
  if (fs::exists(root / "dbt_project.yml")) {
    ProjectConfig config;
    config.root = root;
    config.name = root.filename().string();
    config.lake_dir = paths::default_lake_dir(root);
    config.catalog_file = paths::default_catalog_file(root);
    config.models_dir = root / "models";
    return config;
  }
  throw Error(ErrorKind::kConfig,
              "no strata.yml here: " + root.string() +
                  " is not a strata project (create one with `strata init DIR`, or pass "
                  "--project DIR)");
}

}  // namespace strata
