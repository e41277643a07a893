#include "serve/http/pipeline_api.hpp"

#include <algorithm>
#include <charconv>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/time_text.hpp"

namespace strata::serve::http {

namespace {

using nlohmann::json;

std::string iso_ms(int64_t ms) {
  return ms > 0 ? iso_utc(ms / 1000) : std::string();
}

json run_json(const lake::PipelineRunRecord& record) {
  json run = {{"id", record.run.id},
              {"pipeline", record.pipeline},
              {"status", record.run.status},
              {"trigger", record.trigger},
              {"interval_start", iso_utc(record.interval_start)},
              {"interval_end", iso_utc(record.interval_end)},
              {"started_at", iso_ms(record.run.started_at_ms)}};
  run["finished_at"] =
      record.run.finished_at_ms > 0 ? json(iso_ms(record.run.finished_at_ms)) : json(nullptr);
  run["error"] = record.run.error.empty() ? json(nullptr) : json(record.run.error);
  return run;
}

json step_json(const lake::StepRecord& step) {
  json out = {{"id", step.id},     {"name", step.name},
              {"kind", step.kind}, {"status", step.status},
              {"rows", step.rows}, {"started_at", iso_ms(step.started_at_ms)}};
  out["finished_at"] = step.finished_at_ms > 0 ? json(iso_ms(step.finished_at_ms)) : json(nullptr);
  out["error"] = step.error.empty() ? json(nullptr) : json(step.error);
  return out;
}

int64_t parse_id(const std::string& text, const std::string& what) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
    throw Error(ErrorKind::kInput, what + " must be a positive integer (got \"" + text + "\")");
  }
  return value;
}

const orchestrate::Pipeline* find(PipelineApi& api, const std::string& name) {
  for (const auto& pipeline : api.service.pipelines()) {
    if (pipeline.name() == name) return &pipeline;
  }
  return nullptr;
}

Response unknown_pipeline(PipelineApi& api, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& pipeline : api.service.pipelines()) names.push_back(pipeline.name());
  return error_response(404, "no pipeline '" + name + "'" + did_you_mean(name, names));
}

std::optional<lake::PipelineRunRecord> find_run(PipelineApi& api, const Request& request) {
  return api.store.pipeline_run(parse_id(request.path_params.at("id"), "the run id"));
}

Response unknown_run(const Request& request) {
  return error_response(404, "no pipeline run " + request.path_params.at("id"));
}

Response list_pipelines(PipelineApi& api) {
  json pipelines = json::array();
  for (const orchestrate::PipelineSummary& summary : api.service.summaries()) {
    json item = {{"name", summary.name},
                 {"description", summary.description},
                 {"schedule", summary.schedule.empty() ? json(nullptr) : json(summary.schedule)},
                 {"timezone", summary.timezone},
                 {"active_runs", summary.active_runs}};
    item["next_tick"] = summary.next_tick ? json(iso_utc(*summary.next_tick)) : json(nullptr);
    item["last_run"] = summary.last_run ? run_json(*summary.last_run) : json(nullptr);
    pipelines.push_back(std::move(item));
  }
  return json_response(200, {{"pipelines", pipelines}});
}

Response list_runs(PipelineApi& api, const Request& request) {
  const std::string& name = request.path_params.at("name");
  if (!find(api, name)) return unknown_pipeline(api, name);
  lake::PipelineRunFilter filter;
  filter.pipeline = name;
  filter.limit = 20;
  if (auto limit = request.query_param("limit")) {
    filter.limit = static_cast<size_t>(std::min<int64_t>(parse_id(*limit, "limit"), 1000));
  }
  json runs = json::array();
  for (const auto& record : api.store.pipeline_runs(filter)) runs.push_back(run_json(record));
  return json_response(200, {{"pipeline", name}, {"runs", runs}});
}

orchestrate::TriggerRequest trigger_request(const orchestrate::Pipeline& pipeline,
                                            const Request& request) {
  orchestrate::TriggerRequest trigger;
  if (trim(request.body).empty()) return trigger;
  const json body = parse_json_body(request);
  expect_body_fields(body, {"params", "at"});
  for (const auto& [key, value] : body.items()) {
    if (key == "params") {
      if (!value.is_object()) {
        throw Error(ErrorKind::kInput, "\"params\" must be an object of name: value");
      }
      for (const auto& [param, param_value] : value.items()) {
        trigger.params[param] =
            param_value.is_string() ? param_value.get<std::string>() : param_value.dump();
      }
    } else if (key == "at") {
      const auto at = value.is_string() ? parse_instant(value.get<std::string>(), pipeline.zone())
                                        : std::nullopt;
      if (!at) {
        throw Error(ErrorKind::kInput,
                    "\"at\" must be an ISO-8601 date or date-time (got " + value.dump() + ")");
      }
      trigger.at = *at;
    }
  }
  return trigger;
}

Response accepted_run(PipelineApi& api, int64_t run_id) {
  json body = {{"run_id", run_id}};
  if (auto record = api.store.pipeline_run(run_id)) body["run"] = run_json(*record);
  Response response = json_response(202, body);
  response.headers.emplace_back("Location", "/api/v1/runs/" + std::to_string(run_id));
  return response;
}

Response trigger_run(PipelineApi& api, const Request& request) {
  const std::string& name = request.path_params.at("name");
  const orchestrate::Pipeline* pipeline = find(api, name);
  if (!pipeline) return unknown_pipeline(api, name);
  return accepted_run(api, api.service.trigger(name, trigger_request(*pipeline, request)));
}

Response show_run(PipelineApi& api, const Request& request) {
  const auto record = find_run(api, request);
  if (!record) return unknown_run(request);
  json body = run_json(*record);
  json steps = json::array();
  for (const auto& step : api.store.run_steps(record->run.id)) steps.push_back(step_json(step));
  body["steps"] = steps;
  return json_response(200, body);
}

Response run_logs(PipelineApi& api, const Request& request) {
  const auto record = find_run(api, request);
  if (!record) return unknown_run(request);
  std::map<int64_t, std::string> step_names;
  for (const auto& step : api.store.run_steps(record->run.id)) step_names[step.id] = step.name;
  json lines = json::array();
  for (const lake::LogLine& line : api.store.run_logs(record->run.id)) {
    json item = {{"at", iso_ms(line.at_ms)}, {"stream", line.stream}, {"text", line.text}};
    auto step = step_names.find(line.step_id);
    item["step"] = step == step_names.end() ? json(nullptr) : json(step->second);
    lines.push_back(std::move(item));
  }
  return json_response(200, {{"run_id", record->run.id}, {"logs", lines}});
}

Response cancel_run(PipelineApi& api, const Request& request) {
  const auto record = find_run(api, request);
  if (!record) return unknown_run(request);
  if (!api.service.cancel(record->run.id)) {
    return error_response(409, "pipeline run " + std::to_string(record->run.id) +
                                   " is not running in this server (status: " + record->run.status +
                                   ")");
  }
  return json_response(202, {{"run_id", record->run.id}, {"cancelling", true}});
}

Response rerun(PipelineApi& api, const Request& request) {
  const auto record = find_run(api, request);
  if (!record) return unknown_run(request);
  return accepted_run(api, api.service.rerun(record->run.id));
}

}  // namespace

void add_pipeline_routes(Router& router, PipelineApi& api) {
  router.add("GET", "/api/v1/pipelines", [&api](const Request&) { return list_pipelines(api); },
             {true, "The project's pipelines: schedule, next tick, runs in flight, last run"});
  router.add("GET", "/api/v1/pipelines/{name}/runs",
             [&api](const Request& request) { return list_runs(api, request); },
             {true, "A pipeline's runs, newest interval first (?limit=N)"});
  router.add("POST", "/api/v1/pipelines/{name}/runs",
             [&api](const Request& request) { return trigger_run(api, request); },
             {true, "Trigger a run: {\"params\": {...}, \"at\": \"ISO time\"}"});
  router.add("GET", "/api/v1/runs/{id}",
             [&api](const Request& request) { return show_run(api, request); },
             {true, "A pipeline run with its steps"});
  router.add("GET", "/api/v1/runs/{id}/logs",
             [&api](const Request& request) { return run_logs(api, request); },
             {true, "A pipeline run's log lines"});
  router.add("POST", "/api/v1/runs/{id}/cancel",
             [&api](const Request& request) { return cancel_run(api, request); },
             {true, "Cancel a run in flight"});
  router.add("POST", "/api/v1/runs/{id}/rerun",
             [&api](const Request& request) { return rerun(api, request); },
             {true, "Rerun a finished, unsuccessful run from its failed steps"});
}

}  // namespace strata::serve::http
