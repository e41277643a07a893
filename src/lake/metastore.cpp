#include "lake/metastore.hpp"

namespace strata::lake {

std::string run_status_name(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kSuccess:
      return "success";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kSkipped:
      return "skipped";
    case RunStatus::kInterrupted:
      return "interrupted";
  }
  return "running";
}

}  // namespace strata::lake
