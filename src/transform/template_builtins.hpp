// Jinja's built-in filters (`{{ name | lower }}`) and tests (`{% if x is defined %}`), looked up by
// name, and the value helpers they share with the renderer (iteration, length, characters, case).
// The parser checks names when it reads a template, so an unknown filter is a syntax error with a
// did-you-mean hint even in a branch that never renders. Filters and tests throw Error(kInput)
// without a location on misuse; the renderer adds the place of the call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "transform/template_value.hpp"

namespace strata::transform::jinja {

using FilterFunction = Value (*)(const Value& input, const CallArguments& arguments);
using TestFunction = bool (*)(const Value& input, const CallArguments& arguments);

// nullptr when there is no filter or test of that name.
FilterFunction find_filter(std::string_view name);
TestFunction find_test(std::string_view name);

std::vector<std::string> filter_names();
std::vector<std::string> test_names();

// The characters (UTF-8 sequences) of `text`.
std::vector<std::string> utf8_characters(const std::string& text);

// Case mapping for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters; other characters
// are kept as they are.
std::string lower_case(std::string_view text);
std::string upper_case(std::string_view text);

// Iterates a value the way a `for` loop does: list items, dict keys, string characters; nothing
// for undefined. Throws kInput for values that cannot be iterated (none, numbers, functions).
List iterate(const Value& value);

// The number of items of a string, list or dict (0 for undefined); throws kInput otherwise.
int64_t length_of(const Value& value);

// Shared by the filters and tests: a template error, and an optional integer argument.
[[noreturn]] void builtin_error(const std::string& message);
int64_t int_argument(const std::optional<Value>& value, int64_t fallback, const char* what);

}  // namespace strata::transform::jinja
