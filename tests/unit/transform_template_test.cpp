// Jinja conformance of strata's template engine: each construct renders as Jinja2 renders it, and
// each kind of mistake is reported at the right file:line:col.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "transform/template.hpp"

namespace strata::transform::jinja {
namespace {

std::string render_text(std::string_view source, const Context& context = {}) {
  return render(source, context, "t.sql");
}

// The error rendering `source` throws; fails the test when there is none.
Error render_error(std::string_view source, const Context& context = {}) {
  try {
    render_text(source, context);
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error for: " << source;
  return Error(ErrorKind::kInternal, "no error");
}

// Expects rendering `source` to fail at line:column (column 0: anywhere on the line) with a
// message containing `fragment`.
void expect_error_at(std::string_view source, int64_t line, int64_t column,
                     const std::string& fragment, const Context& context = {}) {
  const Error error = render_error(source, context);
  EXPECT_EQ(error.kind(), ErrorKind::kInput) << source;
  EXPECT_EQ(error.where().file, "t.sql") << source;
  EXPECT_EQ(error.where().line, line) << source << "\n" << error.what();
  if (column > 0) {
    EXPECT_EQ(error.where().column, column) << source << "\n" << error.what();
  }
  EXPECT_NE(error.message().find(fragment), std::string::npos)
      << source << "\nmessage: " << error.message() << "\nexpected to contain: " << fragment;
}

Context sample_context() {
  Context context;
  context.set("name", "World");
  context.set("n", 3);
  context.set("items", List{"a", "b", "c"});
  Dict user;
  user.set("first", "Ada");
  user.set("langs", List{"en", "fr"});
  context.set("user", Dict(user));
  context.set("empty", List{});
  context.set_function("greet", [](const CallArguments& arguments) {
    auto bound = bind_arguments(arguments, {"who", "punctuation"}, "greet");
    return Value("hello " + bound[0]->str() + (bound[1] ? bound[1]->str() : std::string("!")));
  });
  return context;
}

TEST(TemplateText, PlainTextAndComments) {
  EXPECT_EQ(render_text("select 1"), "select 1");
  EXPECT_EQ(render_text("a {# a comment {{ x }} #}b"), "a b");
  EXPECT_EQ(render_text("{ not a tag } {x}"), "{ not a tag } {x}");
  EXPECT_EQ(render_text(""), "");
}

TEST(TemplateText, LineEndsAsInJinja) {
  // "\r\n" reads as "\n", and one final newline is dropped (Jinja's keep_trailing_newline=False).
  EXPECT_EQ(render_text("a\r\nb\r\n"), "a\nb");
  EXPECT_EQ(render_text("a\n\n"), "a\n");
  expect_error_at("x\r\n{{ 1 + }}", 2, 8, "expected an expression");
}

TEST(TemplateExpressions, Literals) {
  EXPECT_EQ(render_text("{{ 42 }}|{{ -7 }}|{{ 1_000 }}"), "42|-7|1000");
  EXPECT_EQ(render_text("{{ 1.5 }}|{{ 2.0 }}|{{ 1e3 }}|{{ 0.1 + 0.2 }}"),
            "1.5|2.0|1000.0|0.30000000000000004");
  EXPECT_EQ(render_text("{{ 'it''s' }}|{{ \"q\\\"d\" }}|{{ 'a\\nb' }}"), "its|q\"d|a\nb");
  EXPECT_EQ(render_text("{{ true }}|{{ False }}|{{ none }}|{{ None }}"), "True|False|None|None");
  EXPECT_EQ(render_text("{{ [1, 'a', none, [true]] }}"), "[1, 'a', None, [True]]");
  EXPECT_EQ(render_text("{{ {'k': 1, \"j\": 'v'} }}"), "{'k': 1, 'j': 'v'}");
  EXPECT_EQ(render_text("{{ (1, 2) }}|{{ () }}|{{ (3) }}"), "(1, 2)|()|3");
  EXPECT_EQ(render_text("{{ 1e16 }}|{{ 0.00001 }}"), "1e+16|1e-05");
}

TEST(TemplateExpressions, Arithmetic) {
  EXPECT_EQ(render_text("{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 2 ** 10 }}"), "7|9|1024");
  EXPECT_EQ(render_text("{{ 7 / 2 }}|{{ 6 / 3 }}|{{ 7 // 2 }}|{{ -7 // 2 }}"), "3.5|2.0|3|-4");
  EXPECT_EQ(render_text("{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7.5 % 2 }}"), "1|2|1.5");
  EXPECT_EQ(render_text("{{ 'ab' + 'cd' }}|{{ 'ab' * 2 }}|{{ [1] + [2] }}"), "abcd|abab|[1, 2]");
  // As in Jinja, `~` binds tighter than + and -, looser than * and /.
  EXPECT_EQ(render_text("{{ 'n=' ~ 1 ~ none }}|{{ 'a' ~ 2 * 3 }}"), "n=1None|a6");
  EXPECT_EQ(render_text("{{ -n }}|{{ +n }}|{{ n - -1 }}", sample_context()), "-3|3|4");
}

TEST(TemplateExpressions, ComparisonsAndLogic) {
  EXPECT_EQ(render_text("{{ 1 < 2 }}|{{ 1 < 2 < 2 }}|{{ 2 >= 2.0 }}|{{ 1 == 1.0 }}"),
            "True|False|True|True");
  EXPECT_EQ(render_text("{{ 'a' != 'b' }}|{{ 'abc' < 'abd' }}|{{ [1, 2] == [1, 2] }}"),
            "True|True|True");
  EXPECT_EQ(render_text("{{ 'b' in items }}|{{ 'z' not in items }}|{{ 'ell' in 'hello' }}",
                        sample_context()),
            "True|True|True");
  EXPECT_EQ(render_text("{{ 'first' in user }}|{{ 'nope' in user }}", sample_context()),
            "True|False");
  EXPECT_EQ(render_text("{{ 0 or 'x' }}|{{ 1 and 'y' }}|{{ not 0 }}|{{ not 1 == 1 }}"),
            "x|y|True|False");
  EXPECT_EQ(render_text("{{ 'yes' if n > 2 else 'no' }}|{{ 'a' if false }}|", sample_context()),
            "yes||");
}

TEST(TemplateExpressions, NamesAttributesItemsAndSlices) {
  const Context context = sample_context();
  EXPECT_EQ(render_text("Hello {{ name }}!", context), "Hello World!");
  EXPECT_EQ(render_text("{{ user.first }}|{{ user['first'] }}|{{ user.langs[1] }}", context),
            "Ada|Ada|fr");
  EXPECT_EQ(render_text("{{ items[0] }}{{ items[-1] }}|{{ items[9] }}|{{ user.missing }}", context),
            "ac||");
  EXPECT_EQ(render_text("{{ items[1:] }}|{{ items[::-1] }}|{{ 'hello'[1:3] }}", context),
            "['b', 'c']|['c', 'b', 'a']|el");
  EXPECT_EQ(render_text("{{ user.get('first') }}|{{ user.get('x', 'dflt') }}", context),
            "Ada|dflt");
  EXPECT_EQ(
      render_text("{% for k, v in user.items() %}{{ k }}={{ v|length }};{% endfor %}", context),
      "first=3;langs=2;");
}

TEST(TemplateExpressions, UndefinedRendersEmpty) {
  EXPECT_EQ(render_text("[{{ missing }}]"), "[]");
  EXPECT_EQ(render_text("{{ missing is defined }}|{{ missing is undefined }}|{{ name is defined }}",
                        sample_context()),
            "False|True|True");
  EXPECT_EQ(render_text("{{ none is none }}|{{ 1 is not none }}|{{ missing is none }}"),
            "True|True|False");
  EXPECT_EQ(render_text("{% if missing %}y{% else %}n{% endif %}"), "n");
  EXPECT_EQ(render_text("{% for x in missing %}{{ x }}{% endfor %}"), "");
}

TEST(TemplateExpressions, FunctionCallsWithKeywordArguments) {
  const Context context = sample_context();
  EXPECT_EQ(render_text("{{ greet('Bob') }}|{{ greet(who='Al', punctuation='?') }}", context),
            "hello Bob!|hello Al?");
  EXPECT_EQ(render_text("{{ greet('Bob', punctuation='.') }}", context), "hello Bob.");
}

TEST(TemplateFilters, RequiredFilters) {
  const Context context = sample_context();
  EXPECT_EQ(render_text("{{ name | lower }}|{{ name|upper }}|{{ '  x  '|trim }}", context),
            "world|WORLD|x");
  EXPECT_EQ(
      render_text("{{ missing|default('d') }}|{{ none|default('d') }}|{{ ''|default('d', true) }}"),
      "d|None|d");
  EXPECT_EQ(render_text("{{ items|join(', ') }}|{{ items|join }}|{{ items|length }}", context),
            "a, b, c|abc|3");
  EXPECT_EQ(render_text("{{ 'a-b-c'|replace('-', '_') }}|{{ 'aaa'|replace('a', 'b', 2) }}"),
            "a_b_c|bba");
  EXPECT_EQ(render_text("{{ name|lower|replace('o', '0')|upper }}", context), "W0RLD");
  EXPECT_EQ(render_text("{{ 'héllo'|length }}|{{ user|count }}", context), "5|2");
}

TEST(TemplateFilters, OtherFilters) {
  EXPECT_EQ(render_text("{{ [3, 1, 2]|sort }}|{{ [3, 1, 2]|sort(reverse=true)|first }}"),
            "[1, 2, 3]|3");
  EXPECT_EQ(render_text("{{ [1, 1, 2]|unique|list }}|{{ 'ab'|reverse }}|{{ [1, 2]|last }}"),
            "[1, 2]|ba|2");
  EXPECT_EQ(render_text("{{ '42'|int + 1 }}|{{ 'x'|int }}|{{ '2.5'|float }}|{{ -3|abs }}"),
            "43|0|2.5|3");
  EXPECT_EQ(render_text("{{ 2.567|round(2) }}|{{ 'hello world'|title }}|{{ 'aBC'|capitalize }}"),
            "2.57|Hello World|Abc");
  EXPECT_EQ(render_text("{{ 42|string ~ '!' }}"), "42!");
}

TEST(TemplateTests, BuiltinTests) {
  EXPECT_EQ(render_text("{{ 4 is even }}|{{ 3 is odd }}|{{ 9 is divisibleby 3 }}|"
                        "{{ 9 is divisibleby(2) }}"),
            "True|True|True|False");
  EXPECT_EQ(render_text("{{ 'x' is string }}|{{ 1 is number }}|{{ {} is mapping }}|"
                        "{{ 1 is sameas 1 }}|{{ 'a' is in ['a'] }}"),
            "True|True|True|True|True");
}

TEST(TemplateStatements, IfElifElse) {
  const std::string source =
      "{% if n == 1 %}one{% elif n == 2 %}two{% elif n == 3 %}three{% else %}many{% endif %}";
  for (int n : {1, 2, 3, 4}) {
    Context context;
    context.set("n", n);
    EXPECT_EQ(render_text(source, context),
              std::vector<std::string>({"one", "two", "three", "many"})[n - 1]);
  }
  EXPECT_EQ(render_text("{% if true %}{% if false %}a{% else %}b{% endif %}{% endif %}"), "b");
}

TEST(TemplateStatements, ForLoopAndLoopVariable) {
  const Context context = sample_context();
  EXPECT_EQ(render_text("{% for x in items %}{{ loop.index }}{{ x }}{% if not loop.last %},"
                        "{% endif %}{% endfor %}",
                        context),
            "1a,2b,3c");
  EXPECT_EQ(render_text("{% for x in items %}{{ loop.index0 }}/{{ loop.length }}"
                        "{{ '^' if loop.first }}{{ '$' if loop.last }} {% endfor %}",
                        context),
            "0/3^ 1/3 2/3$ ");
  EXPECT_EQ(render_text("{% for x in items %}{{ loop.revindex }}{{ loop.cycle('+', '-') }}"
                        "{% endfor %}",
                        context),
            "3+2-1+");
  EXPECT_EQ(render_text("{% for x in empty %}{{ x }}{% else %}nothing{% endfor %}", context),
            "nothing");
  EXPECT_EQ(render_text("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.length }} "
                        "{% endfor %}"),
            "22 42 ");
  EXPECT_EQ(render_text("{% for c in 'ab' %}[{{ c }}]{% endfor %}"), "[a][b]");
  EXPECT_EQ(render_text("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }};{% endfor %}"), "3;7;");
  EXPECT_EQ(render_text("{% for i in [1, 2] %}{% for j in [3, 4] %}{{ i * j }},{% endfor %}"
                        "{% endfor %}"),
            "3,4,6,8,");
}

TEST(TemplateStatements, SetAndScoping) {
  EXPECT_EQ(render_text("{% set x = 1 + 1 %}{{ x }}"), "2");
  EXPECT_EQ(render_text("{% set a, b = 1, 2 %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(render_text("{% set cols = ['a', 'b'] %}select {{ cols|join(', ') }}"), "select a, b");
  // As in Jinja, a set inside a loop body does not leak out, nor into the next iteration.
  EXPECT_EQ(render_text("{% set c = 0 %}{% for i in [1, 2] %}{% set c = c + i %}{{ c }}"
                        "{% endfor %}{{ c }}"),
            "120");
  // An if block is not a scope.
  EXPECT_EQ(render_text("{% if true %}{% set y = 5 %}{% endif %}{{ y }}"), "5");
  EXPECT_EQ(render_text("{% set block %}a{{ 1 + 1 }}b{% endset %}[{{ block }}]"), "[a2b]");
}

TEST(TemplateWhitespace, DashesStripWhitespace) {
  EXPECT_EQ(render_text("a  {{- 'b' -}}  c"), "abc");
  EXPECT_EQ(render_text("a\n  {%- if true -%}\n  b\n  {%- endif -%}\n c"), "abc");
  EXPECT_EQ(render_text("a\n{% if true %}\nb\n{% endif %}\nc"), "a\n\nb\n\nc");
  EXPECT_EQ(render_text("x \n {#- comment -#} \n y"), "xy");
  EXPECT_EQ(render_text("select\n{%- for c in ['a', 'b'] %}\n  {{ c }}{{ ',' if not loop.last }}"
                        "\n{%- endfor %}\nfrom t"),
            "select\n  a,\n  b\nfrom t");
  EXPECT_EQ(render_text("{{ 5 - 3 }}|{{ 5 -3 }}|{{ 5-3 }}"), "2|2|2");
}

TEST(TemplateRaw, PassesThroughUnrendered) {
  EXPECT_EQ(render_text("{% raw %}{{ not rendered }} {% if %}{% endraw %}!"),
            "{{ not rendered }} {% if %}!");
  EXPECT_EQ(render_text("a {%- raw -%} {{ x }} {%- endraw -%} b"), "a{{ x }}b");
}

TEST(TemplateSourceLines, OutputLinesMapToTemplateLines) {
  const Template parsed = Template::parse(
      "{% set x = 1 %}\nline2 {{ x }}\n{% if true %}\nline4\n{% endif %}\nline6", "t.sql");
  std::vector<int64_t> lines;
  const std::string out = parsed.render(Context(), &lines);
  EXPECT_EQ(out, "\nline2 1\n\nline4\n\nline6");
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));

  std::vector<int64_t> stripped;
  Template::parse("a\n{%- if true %}\nb\n{%- endif %}\nc", "t.sql").render(Context(), &stripped);
  EXPECT_EQ(stripped, (std::vector<int64_t>{1, 3, 5}));
}

TEST(TemplateErrors, SyntaxErrorsPointAtTheOffendingToken) {
  expect_error_at("select {{ 1 + }}", 1, 15, "expected an expression, found `}}`");
  expect_error_at("a\nb {{ x y }}", 2, 8, "expected `}}` after the expression, found 'y'");
  expect_error_at("{{ 'abc }}", 1, 4, "unterminated string");
  expect_error_at("x\n  {{ a", 2, 3, "unterminated `{{`");
  expect_error_at("{# never closed", 1, 1, "unterminated comment");
  expect_error_at("{{ a ! b }}", 1, 6, "unexpected character '!'");
  expect_error_at("{{ f(a=1, 2) }}", 1, 11, "positional argument cannot follow keyword");
  expect_error_at("{{ x %}", 1, 6, "expected `}}` to close the `{{` at t.sql:1:1, found `%}`");
  expect_error_at("{% %}", 1, 4, "expected a statement name");
}

TEST(TemplateErrors, UnterminatedAndMisplacedBlocks) {
  expect_error_at("a\n  {% if x %}\nb", 2, 3, "`{% if %}` is never closed: expected `{% endif %}`");
  expect_error_at("{% for x in y %}{% else %}", 1, 1, "`{% for %}` is never closed");
  expect_error_at("{% set x %}abc", 1, 1, "`{% set %}` is never closed: expected `{% endset %}`");
  expect_error_at("{% if a %}\n{% for x in y %}{% endif %}", 2, 17,
                  "unexpected `{% endif %}`: the `{% for %}` at line 2 must be closed first");
  expect_error_at("text {% endfor %}", 1, 6, "there is no open `{% for %}`");
  expect_error_at("{% else %}", 1, 1, "unexpected `{% else %}` outside of an `{% if %}`");
  expect_error_at("{% if a %}{% endif x %}", 1, 20, "expected `%}` to end `{% endif %}`");
  expect_error_at("{% raw %}never closed", 1, 1, "`{% raw %}` is never closed");
}

TEST(TemplateErrors, UnsupportedAndUnknownStatements) {
  expect_error_at("select 1\n  {% filter upper %}x{% endfilter %}", 2, 3,
                  "`{% filter %}` is not supported yet");
  expect_error_at("{% include 'x.sql' %}", 1, 1, "`{% include %}` is not supported yet");
  expect_error_at("{% endfo %}", 1, 1, "unknown statement `{% endfo %}` (did you mean 'endfor'?)");
}

TEST(TemplateErrors, UnknownFiltersAndTests) {
  expect_error_at("{{ x | lowr }}", 1, 8, "unknown filter 'lowr' (did you mean 'lower'?)");
  // Filters are checked when the template is read, even in branches that never render.
  expect_error_at("{% if false %}\n{{ x|nope }}{% endif %}", 2, 6, "unknown filter 'nope'");
  expect_error_at("{{ x is defind }}", 1, 9, "unknown test 'defind' (did you mean 'defined'?)");
}

TEST(TemplateErrors, CallingWhatIsNotAFunction) {
  const Context context = sample_context();
  expect_error_at("select\n  {{ undefined_function() }}", 2, 6,
                  "unknown function 'undefined_function'", context);
  expect_error_at("{{ gret('x') }}", 1, 4, "unknown function 'gret' (did you mean 'greet'?)",
                  context);
  expect_error_at("{{ name() }}", 1, 4, "cannot call name: it is string 'World', not a function",
                  context);
  expect_error_at("{{ user.first.shout() }}", 1, 4, "cannot call user.first.shout", context);
  expect_error_at("{{ greet('a', 'b', 'c') }}", 1, 4, "greet() takes at most 2 argument(s)",
                  context);
  expect_error_at("{{ greet(whom='a') }}", 1, 4, "unexpected argument 'whom' (did you mean 'who'?)",
                  context);
}

TEST(TemplateErrors, RuntimeErrorsPointAtTheOperation) {
  const Context context = sample_context();
  expect_error_at("{{ 1 / 0 }}", 1, 6, "division by zero");
  expect_error_at("{{ 'a' + 1 }}", 1, 8, "cannot apply '+' to string and integer");
  expect_error_at("{{ missing + 1 }}", 1, 12, "'missing' is undefined");
  expect_error_at("{{ missing.attr }}", 1, 4, "'missing' is undefined");
  expect_error_at("{{ 1 < 'a' }}", 1, 6, "cannot compare integer with string");
  expect_error_at("\n{% for x in 5 %}{% endfor %}", 2, 13, "cannot iterate over integer");
  expect_error_at("{{ 'x'|round }}", 1, 8, "round needs a number");
  expect_error_at("{% set a, b = [1] %}", 1, 1, "cannot unpack list [1] into 2 variables");
}

TEST(TemplateErrors, AbsurdNestingIsAnErrorNotACrash) {
  expect_error_at("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}", 1, 0,
                  "expression nested too deeply");
  expect_error_at("{{ " + std::string(5000, '-') + "1 }}", 1, 0, "expression nested too deeply");
  std::string blocks;
  for (int i = 0; i < 500; ++i) blocks += "{% if true %}";
  expect_error_at(blocks, 1, 0, "blocks nested too deeply");
}

TEST(TemplateErrors, ErrorsFromFunctionsGetThePlaceOfTheCall) {
  Context context;
  context.set_function(
      "boom", [](const CallArguments&) -> Value { throw Error(ErrorKind::kInput, "it broke"); });
  expect_error_at("a\nb {{ boom() }}", 2, 6, "it broke", context);
}

TEST(TemplateReuse, ParsedOnceRenderedManyTimes) {
  const Template parsed = Template::parse("{{ n * 2 }}", "t.sql");
  for (int n = 0; n < 3; ++n) {
    Context context;
    context.set("n", n);
    EXPECT_EQ(parsed.render(context), std::to_string(n * 2));
  }
  EXPECT_EQ(parsed.file(), "t.sql");
}

}  // namespace
}  // namespace strata::transform::jinja
