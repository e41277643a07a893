// Jinja conformance of macros and the statements that come with them (call/caller, return,
// namespace, do, methods that change values in place), each checked against what Jinja2 renders,
// and errors inside macros reported with the call chain.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "transform/template.hpp"

namespace strata::transform::jinja {
namespace {

std::string render_text(std::string_view source) {
  return render(source, Context{}, "t.sql");
}

Error render_error(std::string_view source) {
  try {
    render_text(source);
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error for: " << source;
  return Error(ErrorKind::kInternal, "no error");
}

TEST(Macro, PositionalKeywordAndDefaultArguments) {
  EXPECT_EQ(render_text("{% macro m(a, b=2, c='x') %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}"
                        "{{ m(1) }}|{{ m(1, 3) }}|{{ m(1, c='y') }}|{{ m(b=5, a=4) }}"),
            "1-2-x|1-3-x|1-2-y|4-5-x");
}

TEST(Macro, DefaultsMayUseEarlierParameters) {
  EXPECT_EQ(render_text("{% macro m(a, b=a * 2) %}{{ b }}{% endmacro %}{{ m(4) }}"), "8");
}

TEST(Macro, VarargsAndKwargs) {
  EXPECT_EQ(render_text("{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}"
                        "{{ m(1, 2, 3, k='v') }}"),
            "1[2, 3]{'k': 'v'}");
}

TEST(Macro, MissingArgumentIsUndefined) {
  EXPECT_EQ(render_text("{% macro m(a) %}[{{ a }}]{{ a is defined }}{% endmacro %}{{ m() }}"),
            "[]False");
}

TEST(Macro, MacrosCallEachOtherAndSeeNoCallerVariables) {
  EXPECT_EQ(render_text("{% set x = 'outer' %}{% macro inner() %}({{ x }}){% endmacro %}"
                        "{% macro outer() %}<{{ inner() }}>{% endmacro %}{{ outer() }}"),
            "<()>");
}

TEST(Macro, ReturnGivesAValueNotText) {
  EXPECT_EQ(render_text("{% macro cols() %}ignored{{ return(['a', 'b']) }}{% endmacro %}"
                        "{{ cols() | join(',') }} {{ cols() | length }}"),
            "a,b 2");
}

TEST(Macro, RecursionWorksAndEndlessRecursionIsAnError) {
  EXPECT_EQ(render_text("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}"
                        "{% endmacro %}{{ f(3) }}"),
            "321");
  const Error error = render_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}");
  EXPECT_NE(error.message().find("endless recursion"), std::string::npos) << error.what();
}

TEST(Macro, CallBlockPassesCaller) {
  EXPECT_EQ(render_text("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}"
                        "{% set who = 'you' %}{% call wrap('b') %}hi {{ who }}{% endcall %}"),
            "<b>hi you</b>");
}

TEST(Macro, CallBlockWithCallerArguments) {
  EXPECT_EQ(render_text("{% macro each(items) %}{% for i in items %}{{ caller(i) }};{% endfor %}"
                        "{% endmacro %}{% call(item) each([1, 2]) %}[{{ item }}]{% endcall %}"),
            "[1];[2];");
}

TEST(Macro, WhitespaceControlAroundMacros) {
  EXPECT_EQ(render_text("{%- macro m(x) -%}\n  {{ x }}\n{%- endmacro -%}\nA{{ m(1) }}B"), "A1B");
}

TEST(Macro, TestBlocksDefineTestMacros) {
  EXPECT_EQ(render_text("{% test positive(model, column_name) %}select {{ column_name }} from "
                        "{{ model }}{% endtest %}{{ test_positive('t', 'c') }}"),
            "select c from t");
}

TEST(Statements, NamespaceSurvivesLoops) {
  EXPECT_EQ(render_text("{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}"
                        "{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}"),
            "6");
  const Error error = render_error("{% set d = {} %}{% set d.x = 1 %}");
  EXPECT_NE(error.message().find("namespace"), std::string::npos);
}

TEST(Statements, DoChangesListsAndDictsInPlace) {
  EXPECT_EQ(render_text("{% set xs = [] %}{% for i in range(3) %}{% do xs.append(i * i) %}"
                        "{% endfor %}{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}"
                        "{{ xs }} {{ d }}"),
            "[0, 1, 4] {'a': 1, 'b': 2}");
}

TEST(Statements, StringMethods) {
  EXPECT_EQ(render_text("{{ ' Ab '.strip().upper() }} {{ 'a,b'.split(',') }} "
                        "{{ 'x_y'.replace('_', '-') }} {{ 'abc'.startswith('ab') }} "
                        "{{ '-'.join(['a', 'b']) }}"),
            "AB ['a', 'b'] x-y True a-b");
}

TEST(Statements, Globals) {
  EXPECT_EQ(render_text("{{ range(3) | list }} {{ range(1, 7, 2) | list }} "
                        "{{ dict(a=1) }} {{ zip([1, 2], ['a', 'b']) | list }}"),
            "[0, 1, 2] [1, 3, 5] {'a': 1} [(1, 'a'), (2, 'b')]");
}

TEST(Statements, DocsBlocksRenderNothing) {
  EXPECT_EQ(render_text("a{% docs orders %}The orders.{% enddocs %}b"), "ab");
}

TEST(MacroErrors, NameTheCallChain) {
  const Error error = render_error(
      "{% macro inner() %}\n{{ 1 + 'x' }}\n{% endmacro %}\n"
      "{% macro outer() %}{{ inner() }}{% endmacro %}\n{{ outer() }}");
  EXPECT_EQ(error.where().line, 2) << error.what();
  EXPECT_NE(error.message().find("in macro 'inner' (t.sql:1:1) called at t.sql:4:"),
            std::string::npos)
      << error.what();
  EXPECT_NE(error.message().find("in macro 'outer' (t.sql:4:1) called at t.sql:5:"),
            std::string::npos)
      << error.what();
}

TEST(MacroErrors, UnclosedMacroAndArgumentGivenTwice) {
  const Error unclosed = render_error("{% macro m() %}x");
  EXPECT_NE(unclosed.message().find("endmacro"), std::string::npos) << unclosed.what();
  const Error twice = render_error("{% macro m(a) %}{% endmacro %}{{ m(1, a=2) }}");
  EXPECT_NE(twice.message().find("twice"), std::string::npos) << twice.what();
}

}  // namespace
}  // namespace strata::transform::jinja

namespace strata::transform::jinja {
namespace {

TEST(Statements, ToJsonFilter) {
  EXPECT_EQ(render_text("{{ {'a': [1, 2.5, none, true], 'b': 'x'} | tojson }}"),
            "{\"a\":[1,2.5,null,true],\"b\":\"x\"}");
}

}  // namespace
}  // namespace strata::transform::jinja
