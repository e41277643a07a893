#include "orchestrate/scheduler.hpp"

namespace strata::orchestrate {

using lake::RunStatus;

Scheduler::Scheduler(const std::vector<Pipeline>& pipelines, Clock& clock,
                     lake::MetadataStore& store)
    : pipelines_(pipelines), clock_(clock), store_(store) {}

std::vector<int64_t> Scheduler::due_ticks(const Pipeline& pipeline, int64_t now, size_t limit) {
  std::vector<int64_t> ticks;
  if (!pipeline.scheduled() || limit == 0) return ticks;
  const CronSchedule& schedule = *pipeline.schedule();
  const std::optional<int64_t> latest = schedule.last_at_or_before(now);
  if (!latest) return ticks;
  lake::PipelineRunFilter filter;
  filter.pipeline = pipeline.name();
  filter.trigger = "schedule";
  filter.limit = 1;
  const std::vector<lake::PipelineRunRecord> last = store_.pipeline_runs(filter);
  const PipelineConfig& config = pipeline.config();
  std::optional<int64_t> after;  // ticks strictly after this one are due
  if (!last.empty()) {
    after = last.front().interval_end;
  } else if (config.catchup && config.start) {
    after = pipeline.first_interval()->start;  // the first interval ends at the next tick
  }
  if (after && config.catchup) {
    for (int64_t tick = schedule.next_after(*after); tick <= now && ticks.size() < limit;
         tick = schedule.next_after(tick)) {
      ticks.push_back(tick);
    }
    return ticks;
  }
  if (after && *latest <= *after) return ticks;
  // Without catchup: only the latest interval, and never one that starts before start_date.
  if (config.start && pipeline.interval_ending_at(*latest).start < *config.start) return ticks;
  ticks.push_back(*latest);
  return ticks;
}

std::vector<DueRun> Scheduler::claim_due_runs() {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.now_seconds();
  std::vector<DueRun> due;
  for (const Pipeline& pipeline : pipelines_) {
    const size_t active = active_[pipeline.name()];
    const size_t allowed = static_cast<size_t>(pipeline.config().max_active_runs);
    if (active >= allowed) continue;
    for (int64_t tick : due_ticks(pipeline, now, allowed - active)) {
      const DataInterval interval = pipeline.interval_ending_at(tick);
      const std::optional<int64_t> run_id =
          store_.begin_pipeline_run(pipeline.name(), interval.start, interval.end, "schedule");
      if (!run_id) continue;  // another scheduler claimed it first
      ++active_[pipeline.name()];
      due.push_back({&pipeline, interval, *run_id});
    }
  }
  return due;
}

void Scheduler::run_finished(const DueRun& run) {
  std::lock_guard lock(mutex_);
  size_t& active = active_[run.pipeline->name()];
  if (active > 0) --active;
}

void Scheduler::adopt(const DueRun& run) {
  std::lock_guard lock(mutex_);
  ++active_[run.pipeline->name()];
}

size_t Scheduler::active_runs(const std::string& pipeline) const {
  std::lock_guard lock(mutex_);
  auto found = active_.find(pipeline);
  return found == active_.end() ? 0 : found->second;
}

std::optional<int64_t> Scheduler::next_tick_ms() {
  const int64_t now = clock_.now_seconds();
  std::optional<int64_t> next;
  for (const Pipeline& pipeline : pipelines_) {
    if (const std::optional<int64_t> tick = pipeline.next_tick(now)) {
      if (!next || *tick < *next) next = *tick;
    }
  }
  if (next) return *next * 1000;
  return std::nullopt;
}

}  // namespace strata::orchestrate
