#include "ingest/postgres_cdc_changes.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::ingest {

using pgoutput::Message;

ChangeCollector::ChangeCollector(std::string schema, std::string table,
                                 std::vector<std::string> primary_key, uint64_t position)
    : schema_(std::move(schema)),
      table_(std::move(table)),
      primary_key_(std::move(primary_key)),
      from_(position),
      position_(position) {}

bool ChangeCollector::set_relation(const pgoutput::Relation& relation) {
  const bool holding = !(rows_.empty() && pending_.empty());
  if (!relation_ || !holding) {
    relation_ = relation;
  } else {
    auto& columns = relation_->columns;
    for (const auto& column : relation.columns) {
      auto found = std::find_if(columns.begin(), columns.end(),
                                [&](const auto& c) { return c.name == column.name; });
      if (found == columns.end()) {
        columns.push_back(column);
      } else if (found->type_oid != column.type_oid) {
        return false;
      }
    }
    relation_->oid = relation.oid;
    for (auto* held : {&rows_, &pending_}) {
      for (ChangeRow& row : *held) row.values.resize(columns.size());
    }
  }
  std::vector<std::string> names;
  current_.clear();
  for (const auto& column : relation.columns) {
    names.push_back(column.name);
    for (size_t i = 0; i < relation_->columns.size(); ++i) {
      if (relation_->columns[i].name == column.name) current_.push_back(i);
    }
  }
  key_indexes_.clear();
  for (const std::string& key : primary_key_) {
    auto found = std::find(names.begin(), names.end(), key);
    if (found == names.end()) {
      throw Error(ErrorKind::kConfig, "primary key column '" + key + "' is not a column of " +
                                          schema_ + "." + table_ + did_you_mean(key, names) +
                                          "; its columns: " + join(names, ", "));
    }
    key_indexes_.push_back(current_[static_cast<size_t>(found - names.begin())]);
  }
  return true;
}

bool ChangeCollector::add(std::string_view bytes) {
  if (stopped_) return false;
  const Message message = pgoutput::decode(bytes);
  switch (message.type) {
    case Message::Type::kBegin:
      in_transaction_ = true;
      commit_lsn_ = message.lsn;
      skipping_ = message.lsn < from_ || (seen_ && seen_->saw(message.xid, message.lsn));
      pending_.clear();
      break;
    case Message::Type::kCommit:
      if (!skipping_) {
        for (ChangeRow& row : pending_) rows_.push_back(std::move(row));
        ++transactions_;
      }
      pending_.clear();
      in_transaction_ = false;
      position_ = std::max(position_, message.end_lsn);
      break;
    case Message::Type::kRelation: {
      const pgoutput::Relation& relation = message.relation;
      if (relation.schema != schema_ || relation.name != table_) break;
      if (!set_relation(relation)) {
        if (rows_.empty()) {
          throw Error(ErrorKind::kInput,
                      "a column of " + schema_ + "." + table_ +
                          " changed its type within the transaction committed at " +
                          pgoutput::format_lsn(commit_lsn_) +
                          ", after changes with the old type; mode: cdc cannot apply it");
        }
        stopped_ = true;  // this transaction is read again, with the new types, next batch
        pending_.clear();
        return false;
      }
      break;
    }
    case Message::Type::kTruncate:
      if (relation_ && !skipping_ &&
          std::find(message.truncated.begin(), message.truncated.end(), relation_->oid) !=
              message.truncated.end()) {
        pending_.push_back({"truncate", commit_lsn_, static_cast<int64_t>(pending_.size()),
                            std::vector<std::optional<std::string>>(relation_->columns.size())});
      }
      break;
    case Message::Type::kInsert:
    case Message::Type::kUpdate:
    case Message::Type::kDelete:
      if (!skipping_ && relation_ && message.relation_oid == relation_->oid) record(message);
      break;
    case Message::Type::kOther:
      break;
  }
  return true;
}

std::vector<std::optional<std::string>> ChangeCollector::values_of(
    const pgoutput::Tuple& tuple, const pgoutput::Tuple* old) const {
  const auto& columns = relation_->columns;
  if (tuple.size() != current_.size()) {
    throw Error(ErrorKind::kInput, "a change of " + schema_ + "." + table_ + " has " +
                                       std::to_string(tuple.size()) + " values for its " +
                                       std::to_string(current_.size()) + " columns");
  }
  std::vector<std::optional<std::string>> values(columns.size());
  for (size_t i = 0; i < tuple.size(); ++i) {
    const pgoutput::Value* value = &tuple[i];
    if (value->kind == pgoutput::Value::Kind::kUnchangedToast && old && i < old->size() &&
        (*old)[i].kind != pgoutput::Value::Kind::kUnchangedToast) {
      value = &(*old)[i];
    }
    if (value->kind == pgoutput::Value::Kind::kUnchangedToast) {
      throw Error(ErrorKind::kInput,
                  "an update of " + schema_ + "." + table_ + " (committed at " +
                      pgoutput::format_lsn(commit_lsn_) +
                      ") did not send the unchanged large value of column '" +
                      columns[current_[i]].name +
                      "'; set REPLICA IDENTITY FULL on the table so that updates carry it");
    }
    if (value->kind == pgoutput::Value::Kind::kText) values[current_[i]] = value->text;
  }
  return values;
}

void ChangeCollector::record(const Message& message) {
  auto add_row = [&](const char* op, std::vector<std::optional<std::string>> values) {
    pending_.push_back({op, commit_lsn_, static_cast<int64_t>(pending_.size()), std::move(values)});
  };
  if (message.type == Message::Type::kInsert) {
    add_row("insert", values_of(message.new_tuple, nullptr));
    return;
  }
  if (message.type == Message::Type::kDelete) {
    // The old key only (or the old row with REPLICA IDENTITY FULL); the other columns are NULL.
    pgoutput::Tuple old = message.old_tuple;
    for (auto& value : old) {
      if (value.kind == pgoutput::Value::Kind::kUnchangedToast) value = {};
    }
    add_row("delete", values_of(old, nullptr));
    return;
  }
  const pgoutput::Tuple* old = message.old_kind ? &message.old_tuple : nullptr;
  auto values = values_of(message.new_tuple, message.old_kind == 'O' ? old : nullptr);
  if (old && old->size() == current_.size()) {
    pgoutput::Tuple old_key_tuple = *old;
    for (auto& value : old_key_tuple) {
      if (value.kind == pgoutput::Value::Kind::kUnchangedToast) value = {};
    }
    const auto old_values = values_of(old_key_tuple, nullptr);
    bool key_changed = false;
    std::vector<std::optional<std::string>> old_key(values.size());
    for (size_t index : key_indexes_) {
      old_key[index] = old_values[index];
      key_changed = key_changed || old_key[index] != values[index];
    }
    if (key_changed) add_row("delete", std::move(old_key));
  }
  add_row("update", std::move(values));
}

uint64_t ChangeCollector::position(std::optional<uint64_t> read_up_to) const {
  // A transaction cut off in the middle is read again: the position stays before it.
  if (stopped_ || in_transaction_ || !read_up_to) return position_;
  return std::max(position_, *read_up_to);
}

}  // namespace strata::ingest
