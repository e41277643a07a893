// `strata pipeline`: list the project's pipelines, run one now, backfill a range of its intervals,
// rerun or cancel a run, and show its run history and the log lines of a run.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/pipeline_cancel.hpp"
#include "cli/pipeline_status.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "core/time_text.hpp"
#include "orchestrate/alerts.hpp"
#include "orchestrate/backfill.hpp"
#include "orchestrate/executor.hpp"
#include "orchestrate/pipeline.hpp"
#include "orchestrate/process_lock.hpp"
#include "orchestrate/recovery.hpp"
#include "orchestrate/run_meta.hpp"

namespace strata::cli {

namespace {

using lake::RunStatus;
using orchestrate::DataInterval;
using orchestrate::Pipeline;

// Steps of one pipeline at a time, across all its runs, is the pipeline's own `concurrency`;
// this bounds the whole process.
constexpr size_t kGlobalStepLimit = 8;
// How long a command waits at its end for its alerts to go out.
constexpr int64_t kAlertFlushMs = 30'000;

std::string utc_time(int64_t ms) {
  if (ms <= 0) return "";
  std::string text = civil_from_seconds(ms / 1000).str();
  return text;
}

std::string interval_text(const DataInterval& interval) {
  return interval.start_iso() + " .. " + interval.end_iso();
}

int64_t parse_time_option(const std::string& text, const Pipeline& pipeline,
                          const std::string& option) {
  const std::optional<int64_t> at = parse_instant(text, pipeline.zone());
  if (!at) {
    throw Error(ErrorKind::kUsage, option + " '" + text +
                                       "' is not a date or date-time (e.g. 2021-12-01 or "
                                       "2021-12-01T06:00, in the pipeline's time zone " +
                                       pipeline.zone().name() + ", or with Z or +01:00)");
  }
  return *at;
}

std::string status_word(RunStatus status) {
  switch (status) {
    case RunStatus::kSuccess:
      return "OK     ";
    case RunStatus::kFailed:
      return "FAILED ";
    case RunStatus::kSkipped:
      return "SKIPPED";
    default:
      return "RUNNING";
  }
}

// Prints step events as they happen; the executor calls it from several threads.
class EventPrinter {
 public:
  EventPrinter() = default;
  EventPrinter(const EventPrinter&) = delete;
  EventPrinter& operator=(const EventPrinter&) = delete;
  void operator()(const orchestrate::StepEvent& event) {
    std::lock_guard lock(mutex_);
    const std::string prefix = "  ";
    switch (event.type) {
      case orchestrate::StepEvent::Type::kStarted:
        return;
      case orchestrate::StepEvent::Type::kRetrying:
        std::cout << prefix << "RETRY   " << event.step << "  attempt " << event.attempt
                  << " failed: " << event.error << "; retrying in "
                  << format_duration_ms(event.retry_in_ms) << "\n";
        break;
      case orchestrate::StepEvent::Type::kSkipped:
        std::cout << prefix << "SKIPPED " << event.step << "  " << event.error << "\n";
        break;
      case orchestrate::StepEvent::Type::kFinished:
        if (event.status == RunStatus::kFailed) return;  // RETRY or the summary says it
        std::cout << prefix << status_word(event.status) << " " << event.step << "  "
                  << format_seconds(event.seconds) << "\n";
        break;
    }
    std::cout.flush();
  }

 private:
  std::mutex mutex_;
};

void print_failures(const orchestrate::RunOutcome& run, const std::string& indent) {
  for (const auto& step : run.steps) {
    if (step.status != RunStatus::kFailed) continue;
    std::cout << indent << "FAILED  " << step.name << "  after " << step.attempts
              << (step.attempts == 1 ? " attempt" : " attempts") << ": " << step.error << "\n";
  }
}

struct Orchestration {
  ProjectContext context;
  std::vector<Pipeline> pipelines;
  orchestrate::SystemClock clock;
  orchestrate::ConcurrencyLimits limits{kGlobalStepLimit};
  std::optional<orchestrate::OwnerLease> lease;  // marks this process's runs as alive
  std::optional<orchestrate::Alerter> alerter;

  explicit Orchestration(const GlobalOptions& globals)
      : context(globals), pipelines(orchestrate::load_pipelines(context.config())) {}
  ~Orchestration() {
    if (alerter && !alerter->flush(kAlertFlushMs)) {
      std::cerr << "strata: gave up waiting for alerts to be delivered\n";
    }
  }
  const Pipeline& pipeline(const std::string& name) {
    return orchestrate::find_pipeline(pipelines, name);
  }
  orchestrate::Executor executor(orchestrate::ExecutorOptions options) {
    if (!lease) lease.emplace(context.config().root);
    options.owner = lease->id();
    if (!alerter) alerter.emplace(context.config(), context.store());
    options.on_event =
        [this, forward = std::move(options.on_event)](const orchestrate::StepEvent& event) {
          if (forward) forward(event);
          if (event.type == orchestrate::StepEvent::Type::kRetrying) {
            alerter->step_retrying(event, pipeline(event.pipeline));
          }
        };
    return orchestrate::Executor(context.config(), context.lake(), clock, limits,
                                 std::move(options));
  }
};

// Runs one run of `pipeline` in this process, printing its steps as they end; 0 when it succeeded.
// `note`: a first log line of the run (e.g. what it reruns).
int execute_run(Orchestration& o, const Pipeline& pipeline, const DataInterval& interval,
                const std::string& trigger, const orchestrate::RunRequest& request,
                const std::string& note) {
  orchestrate::ExecutorOptions options;
  auto printer = std::make_shared<EventPrinter>();
  options.on_event = [printer](const orchestrate::StepEvent& event) { (*printer)(event); };
  orchestrate::Executor executor = o.executor(std::move(options));
  const std::optional<int64_t> run_id = executor.begin(pipeline, interval, trigger);
  if (!run_id) throw Error(ErrorKind::kInternal, "a " + trigger + " run was not recorded");
  if (!note.empty()) o.context.store().append_log(*run_id, 0, "info", note);
  orchestrate::CancelToken cancel;
  const orchestrate::RunOutcome run =
      executor.execute(pipeline, interval, *run_id, cancel, request);
  o.alerter->run_finished(run, trigger);
  print_failures(run, "  ");
  std::cout << "Run " << run.run_id << " " << (run.ok() ? "succeeded" : "failed") << " in "
            << format_seconds(run.seconds);
  if (!run.ok()) std::cout << ": " << run.error;
  std::cout << "\n";
  check_interrupt();
  return run.ok() ? 0 : 1;
}

int list_pipelines(const GlobalOptions& globals) {
  Orchestration o(globals);
  if (o.pipelines.empty()) {
    std::cout << "No pipelines: declare them under `pipelines:` in strata.yml\n";
    return 0;
  }
  const int64_t now = o.clock.now_seconds();
  std::vector<std::vector<std::string>> rows;
  for (const Pipeline& pipeline : o.pipelines) {
    const auto& config = pipeline.config();
    std::string next;
    if (const auto tick = pipeline.next_tick(now)) next = iso_utc(*tick);
    lake::PipelineRunFilter filter;
    filter.pipeline = pipeline.name();
    filter.limit = 1;
    std::string last;
    for (const auto& run : o.context.store().pipeline_runs(filter)) {
      last = "run " + std::to_string(run.run.id) + " " + run.run.status + " (" +
             iso_utc(run.interval_end) + ")";
    }
    rows.push_back({pipeline.name(), config.schedule.empty() ? "(manual)" : config.schedule,
                    config.timezone, std::to_string(config.steps.size()),
                    config.catchup ? "yes" : "no", next, last});
  }
  std::cout << render_table(
      {"pipeline", "schedule", "timezone", "steps", "catchup", "next tick (UTC)", "last run"},
      rows);
  return 0;
}

int run_pipeline(const GlobalOptions& globals, const std::string& name, const std::string& at,
                 const std::vector<std::string>& params) {
  orchestrate::RunRequest request;
  for (const std::string& param : params) {
    const size_t eq = param.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(ErrorKind::kUsage, "--param '" + param + "' must be NAME=VALUE");
    }
    request.params[param.substr(0, eq)] = param.substr(eq + 1);
  }
  orchestrate::check_run_params(request.params);
  Orchestration o(globals);
  const Pipeline& pipeline = o.pipeline(name);
  const int64_t when = at.empty() ? o.clock.now_seconds() : parse_time_option(at, pipeline, "--at");
  const DataInterval interval = pipeline.latest_interval(when);
  std::cout << "Pipeline " << pipeline.name() << ": data interval " << interval_text(interval)
            << "\n";
  return execute_run(o, pipeline, interval, "manual", request, "");
}

int rerun_pipeline(const GlobalOptions& globals, int64_t run_id, bool from_failed) {
  Orchestration o(globals);
  lake::MetadataStore& store = o.context.store();
  const lake::PipelineRunRecord record = require_pipeline_run(store, run_id);
  const Pipeline& pipeline = o.pipeline(record.pipeline);
  const orchestrate::RunRequest request =
      orchestrate::rerun_request(store, pipeline, record, from_failed);
  const DataInterval interval{record.interval_start, record.interval_end};
  std::cout << "Pipeline " << pipeline.name() << ": rerun of run " << run_id
            << (from_failed ? " from its failed steps" : "") << ", data interval "
            << interval_text(interval) << "\n";
  return execute_run(o, pipeline, interval, "rerun", request,
                     "rerun of run " + std::to_string(run_id) +
                         (from_failed ? " from its failed steps" : " (every step)"));
}

struct BackfillArguments {
  std::string name, start, end;
  size_t parallel = 1;
  bool force = false;
};

int backfill_pipeline(const GlobalOptions& globals, const BackfillArguments& args) {
  Orchestration o(globals);
  const Pipeline& pipeline = o.pipeline(args.name);
  orchestrate::BackfillOptions options;
  options.start = parse_time_option(args.start, pipeline, "--start");
  options.end = parse_time_option(args.end, pipeline, "--end");
  if (options.end <= options.start) {
    throw Error(ErrorKind::kUsage, "--end must be after --start");
  }
  options.parallel = args.parallel;
  options.force = args.force;
  orchestrate::ExecutorOptions executor_options;
  executor_options.on_event = [](const orchestrate::StepEvent& event) {
    if (event.type == orchestrate::StepEvent::Type::kRetrying) {
      std::cout << "  run " << event.run_id << "  RETRY " << event.step << ": " << event.error
                << "\n";
    }
  };
  orchestrate::Executor executor = o.executor(std::move(executor_options));
  options.on_run = [&o](const orchestrate::RunOutcome& run) {
    if (run.run_id) o.alerter->run_finished(run, "backfill");
    std::cout << "run " << run.run_id << "  " << interval_text(run.interval) << "  "
              << (run.ok() ? "success" : "failed ") << "  " << format_seconds(run.seconds) << "\n";
    print_failures(run, "    ");
    std::cout.flush();
  };
  orchestrate::CancelToken cancel;
  const orchestrate::BackfillResult result =
      orchestrate::backfill(executor, pipeline, options, cancel);
  for (const DataInterval& interval : result.skipped) {
    std::cout << "skipped  " << interval_text(interval)
              << "  (already succeeded; --force runs it again)\n";
  }
  const size_t failed = result.failed();
  std::cout << "Backfill of " << pipeline.name() << ": " << result.runs.size() << " run(s), "
            << result.runs.size() - failed << " ok, " << failed << " failed, "
            << result.skipped.size() << " interval(s) skipped as already done\n";
  check_interrupt();
  return failed ? 1 : 0;
}

int list_runs(const GlobalOptions& globals, const std::string& name, size_t limit) {
  ProjectContext context(globals);
  const std::vector<Pipeline> pipelines = orchestrate::load_pipelines(context.config());
  const Pipeline& pipeline = orchestrate::find_pipeline(pipelines, name);
  lake::PipelineRunFilter filter;
  filter.pipeline = pipeline.name();
  filter.limit = limit;
  std::vector<std::vector<std::string>> rows;
  for (const auto& record : context.store().pipeline_runs(filter)) {
    const auto& run = record.run;
    const std::string time =
        run.finished_at_ms ? format_seconds((run.finished_at_ms - run.started_at_ms) / 1000.0) : "";
    rows.push_back({std::to_string(run.id), iso_utc(record.interval_start),
                    iso_utc(record.interval_end), record.trigger, run.status,
                    utc_time(run.started_at_ms), time,
                    step_summary(context.store(), &pipeline, run.id)});
    if (!run.error.empty()) rows.back().back() += "; " + run.error.substr(0, 200);
  }
  if (rows.empty()) {
    std::cout << "Pipeline " << pipeline.name() << " has not run yet\n";
    return 0;
  }
  std::cout << render_table({"run", "interval start", "interval end", "trigger", "status",
                             "started (UTC)", "time", "steps"},
                            rows);
  return 0;
}

void print_lines(const std::vector<lake::LogLine>& lines) {
  for (const lake::LogLine& line : lines) {
    std::string when = utc_time(line.at_ms);
    if (when.size() > 11) when = when.substr(11);  // the time of day
    std::cout << when << "  " << std::left << std::setw(7) << line.stream << line.text << "\n";
  }
}

int show_logs(const GlobalOptions& globals, int64_t run_id, const std::string& step_name) {
  ProjectContext context(globals);
  lake::MetadataStore& store = context.store();
  const lake::PipelineRunRecord record = require_pipeline_run(store, run_id);
  std::cout << "Run " << run_id << " of pipeline " << record.pipeline << " (" << record.trigger
            << "), data interval " << interval_text({record.interval_start, record.interval_end})
            << ": " << record.run.status << "\n";
  std::vector<lake::LogLine> run_lines;
  for (lake::LogLine& line : store.run_logs(run_id)) {
    if (line.step_id == 0) run_lines.push_back(std::move(line));
  }
  if (step_name.empty()) print_lines(run_lines);
  std::map<std::string, int> attempts;
  bool found = false;
  for (const lake::StepRecord& step : store.run_steps(run_id)) {
    if (step.kind == "model") continue;
    const int attempt = ++attempts[step.name];
    if (!step_name.empty() && step.name != step_name) continue;
    found = true;
    std::cout << "-- step " << step.name << " (" << step.kind << "), attempt " << attempt << ": "
              << step.status;
    if (step.finished_at_ms) {
      std::cout << ", " << format_seconds((step.finished_at_ms - step.started_at_ms) / 1000.0);
    }
    std::cout << "\n";
    print_lines(store.step_logs(step.id));
  }
  if (!step_name.empty() && !found) {
    std::vector<std::string> names;
    for (const auto& [name, count] : attempts) names.push_back(name);
    throw Error(ErrorKind::kUsage, "run " + std::to_string(run_id) + " has no step '" + step_name +
                                       "'" + did_you_mean(step_name, names));
  }
  return 0;
}

}  // namespace

void add_pipeline_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand(
      "pipeline",
      "Pipelines of steps with schedules: list, status, run, backfill, rerun, cancel, runs, logs");
  command->require_subcommand(1);

  command->add_subcommand("list", "List pipelines with their schedule and last run")
      ->callback([&action, &globals] { action = [&globals] { return list_pipelines(globals); }; });

  struct RunArguments {
    std::string name, at;
    std::vector<std::string> params;
  };
  auto run_args = std::make_shared<RunArguments>();
  auto* run = command->add_subcommand(
      "run",
      "Run a pipeline now, for the interval that ends at the last tick before now (or --at)");
  run->add_option("NAME", run_args->name, "The pipeline")->required();
  run->add_option("--at", run_args->at,
                  "Run the interval that ends at the last tick at or before this time (a date "
                  "or date-time in the pipeline's time zone, or with Z / +01:00)");
  run->add_option("-p,--param", run_args->params,
                  "NAME=VALUE, repeatable: a var of run steps, getvariable('NAME') in sql and "
                  "export steps, STRATA_PARAM_NAME for commands");
  run->callback([&action, &globals, run_args] {
    action = [&globals, run_args] {
      return run_pipeline(globals, run_args->name, run_args->at, run_args->params);
    };
  });

  auto backfill_args = std::make_shared<BackfillArguments>();
  auto* backfill = command->add_subcommand(
      "backfill", "Run a pipeline once per interval of its schedule between --start and --end");
  backfill->add_option("NAME", backfill_args->name, "The pipeline")->required();
  backfill
      ->add_option("--start", backfill_args->start,
                   "Run the intervals that start at or after this (a date or date-time in "
                   "the pipeline's time zone, or with Z / +01:00)")
      ->required();
  backfill->add_option("--end", backfill_args->end, "... and before this")->required();
  backfill->add_option("--parallel", backfill_args->parallel, "Runs at once (default 1)")
      ->check(CLI::Range(1, 64));
  backfill->add_flag("--force", backfill_args->force, "Also rerun intervals that succeeded");
  backfill->callback([&action, &globals, backfill_args] {
    action = [&globals, backfill_args] { return backfill_pipeline(globals, *backfill_args); };
  });

  struct RerunArguments {
    int64_t run_id = 0;
    bool from_failed = false;
  };
  auto rerun_args = std::make_shared<RerunArguments>();
  auto* rerun = command->add_subcommand(
      "rerun",
      "Run a finished run again in this process: its interval and parameters, every step (or "
      "only the failed ones)");
  rerun->add_option("RUN_ID", rerun_args->run_id, "The run (see `strata pipeline runs NAME`)")
      ->required();
  rerun->add_flag("--from-failed", rerun_args->from_failed,
                  "Skip the steps that succeeded in it; run the failed and skipped ones");
  rerun->callback([&action, &globals, rerun_args] {
    action = [&globals, rerun_args] {
      return rerun_pipeline(globals, rerun_args->run_id, rerun_args->from_failed);
    };
  });

  struct CancelArguments {
    int64_t run_id = 0;
    double wait = 60;
  };
  auto cancel_args = std::make_shared<CancelArguments>();
  auto* cancel = command->add_subcommand(
      "cancel", "Cancel a run in flight, in whichever process runs it, and wait for it to stop");
  cancel->add_option("RUN_ID", cancel_args->run_id, "The run (see `strata pipeline status`)")
      ->required();
  cancel
      ->add_option("--wait", cancel_args->wait,
                   "Seconds to wait for the run to stop (default 60; 0: do not wait)")
      ->check(CLI::Range(0.0, 86400.0));
  cancel->callback([&action, &globals, cancel_args] {
    action = [&globals, cancel_args] {
      return cancel_pipeline_run(globals, cancel_args->run_id, cancel_args->wait);
    };
  });

  auto status_name = std::make_shared<std::string>();
  auto* status = command->add_subcommand(
      "status", "Show pipelines with their schedule, next tick, last run and runs in flight");
  status->add_option("NAME", *status_name, "Only this pipeline");
  status->callback([&action, &globals, status_name] {
    action = [&globals, status_name] { return show_pipeline_status(globals, *status_name); };
  });

  struct RunsArguments {
    std::string name;
    size_t limit = 20;
  };
  auto runs_args = std::make_shared<RunsArguments>();
  auto* runs =
      command->add_subcommand("runs", "Show the runs of a pipeline, newest interval first");
  runs->add_option("NAME", runs_args->name, "The pipeline")->required();
  runs->add_option("-n,--limit", runs_args->limit, "How many runs (default 20)");
  runs->callback([&action, &globals, runs_args] {
    action = [&globals, runs_args] {
      return list_runs(globals, runs_args->name, runs_args->limit);
    };
  });

  struct LogsArguments {
    int64_t run_id = 0;
    std::string step;
  };
  auto logs_args = std::make_shared<LogsArguments>();
  auto* logs = command->add_subcommand("logs", "Show the log lines of a pipeline run");
  logs->add_option("RUN_ID", logs_args->run_id, "The run (see `strata pipeline runs NAME`)")
      ->required();
  logs->add_option("--step", logs_args->step, "Only this step");
  logs->callback([&action, &globals, logs_args] {
    action = [&globals, logs_args] {
      return show_logs(globals, logs_args->run_id, logs_args->step);
    };
  });
}

}  // namespace strata::cli
