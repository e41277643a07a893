// The engine a step attempt runs on: an in-memory DuckDB of its own with the lake attached, its
// connection registered with the attempt's StepControl while it lives (so a timeout or cancel
// interrupts the query), so that parallel steps never contend for one catalog and each sees what
// the steps before it committed.
#pragma once

#include "engine/database.hpp"
#include "engine/session.hpp"
#include "orchestrate/step_context.hpp"

namespace strata::orchestrate {

class StepEngine {
 public:
  explicit StepEngine(const StepContext& context)
      : database_(engine::open_engine(context.project.engine)),
        connection_(database_.connect()),
        control_(context.control) {
    control_.attach(&connection_);
    context.lake.attach_all(connection_);
  }
  ~StepEngine() { control_.attach(nullptr); }
  StepEngine(const StepEngine&) = delete;
  StepEngine& operator=(const StepEngine&) = delete;

  engine::Connection& connection() { return connection_; }

 private:
  engine::Database database_;
  engine::Connection connection_;
  StepControl& control_;
};

}  // namespace strata::orchestrate
