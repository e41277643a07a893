// The `strata` command line: global options, the subcommands, and the one place where errors
// become messages and exit codes (0 success, 1 some work failed, 2 usage, 3 configuration,
// 4 bad input, 5 engine, 6 storage, 7 commit conflict, 70 internal, 130 interrupted).
#pragma once

namespace strata::cli {

int run(int argc, char** argv);

}  // namespace strata::cli
