// The dbt_expectations package's most used tests, built in under its package name
// (`dbt_expectations.expect_column_values_to_be_between` in a properties file), written here in
// Jinja for DuckDB from the package's documented behaviour: each test selects the rows (or
// groups, or the one summary row) that break the expectation, and passes when there are none.
// Row tests skip NULLs unless they are about NULLs (in-set tests count a NULL as outside the
// set); `row_condition` filters the rows first; `strictly` makes bounds exclusive; `group_by`
// checks an aggregate per group.
#include "transform/macro_registry.hpp"

namespace strata::transform {

const char* builtin_expectations_source() {
  return R"JINJA(
{% macro expectation_rows(model, row_condition=none) -%}
(select * from {{ model }}{% if row_condition %} where {{ row_condition }}{% endif %})
{%- endmacro %}

{% macro expectation_bounds(expression, min_value=none, max_value=none, strictly=false) -%}
{%- set low = '>' if strictly else '>=' -%}
{%- set high = '<' if strictly else '<=' -%}
{%- if min_value is none and max_value is none -%}
{{ exceptions.raise_compiler_error("dbt_expectations: give min_value, max_value or both") }}
{%- endif -%}
{%- if min_value is not none %}{{ expression }} {{ low }} {{ min_value }}{% endif -%}
{%- if min_value is not none and max_value is not none %} and {% endif -%}
{%- if max_value is not none %}{{ expression }} {{ high }} {{ max_value }}{% endif -%}
{%- endmacro %}

{% macro expectation_aggregate(model, expression, condition, group_by=none, row_condition=none) -%}
select {% for column in (group_by or []) %}{{ column }}, {% endfor %}{{ expression }} as expression
from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
{% if group_by %}group by {{ group_by | join(', ') }}{% endif %}
having not coalesce(({{ condition | replace('{x}', expression) }}), false)
{%- endmacro %}

{% macro expectation_values(value_set, quote_values=true) -%}
{%- for value in value_set -%}
{%- if quote_values -%}'{{ value | string | replace("'", "''") }}'{%- else -%}{{ value }}{%- endif -%}
{%- if not loop.last %}, {% endif -%}
{%- endfor -%}
{%- endmacro %}

{% macro test_expect_column_to_exist(model, column_name, column_index=none, transform="upper") -%}
select '{{ column_name }}' as missing_column
where not exists (
  select 1 from (select row_number() over () as column_index, column_name
                 from (describe {{ model }})) as columns_
  where upper(columns_.column_name) = upper('{{ column_name }}')
  {% if column_index is not none %}and columns_.column_index = {{ column_index }}{% endif %}
)
{%- endmacro %}

{% macro test_expect_column_values_to_not_be_null(model, column_name, row_condition=none) -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where {{ column_name }} is null
{%- endmacro %}

{% macro test_expect_column_values_to_be_null(model, column_name, row_condition=none) -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where {{ column_name }} is not null
{%- endmacro %}

{% macro test_expect_column_values_to_be_unique(model, column_name, row_condition=none) -%}
select {{ column_name }}, count(*) as n_records
from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{%- endmacro %}

{% macro test_expect_compound_columns_to_be_unique(model, column_list, ignore_row_if="all_values_are_missing", quote_columns=false, row_condition=none) -%}
{%- if ignore_row_if not in ['all_values_are_missing', 'any_value_is_missing'] -%}
{{ exceptions.raise_compiler_error("ignore_row_if must be 'all_values_are_missing' or 'any_value_is_missing', not '" ~ ignore_row_if ~ "'") }}
{%- endif -%}
{%- set columns = [] -%}
{%- for column in column_list -%}{%- do columns.append(adapter.quote(column) if quote_columns else column) -%}{%- endfor -%}
{%- set missing = [] -%}
{%- for column in columns -%}{%- do missing.append(column ~ ' is null') -%}{%- endfor -%}
select {{ columns | join(', ') }}, count(*) as n_records
from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where not ({{ missing | join(' and ' if ignore_row_if == 'all_values_are_missing' else ' or ') }})
group by {{ columns | join(', ') }}
having count(*) > 1
{%- endmacro %}

{% macro test_expect_column_values_to_be_between(model, column_name, min_value=none, max_value=none, row_condition=none, strictly=false) -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where not ({{ dbt_expectations.expectation_bounds(column_name, min_value, max_value, strictly) }})
{%- endmacro %}

{% macro test_expect_column_values_to_be_in_set(model, column_name, value_set, quote_values=true, row_condition=none) -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where {{ column_name }} is null
   or {{ column_name }} not in ({{ dbt_expectations.expectation_values(value_set, quote_values) }})
{%- endmacro %}

{% macro test_expect_column_values_to_not_be_in_set(model, column_name, value_set, quote_values=true, row_condition=none) -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where {{ column_name }} in ({{ dbt_expectations.expectation_values(value_set, quote_values) }})
{%- endmacro %}

{% macro test_expect_column_values_to_match_regex(model, column_name, regex, row_condition=none, is_raw=false, flags="") -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where not regexp_matches({{ column_name }}, '{{ regex | replace("'", "''") }}'{% if flags %}, '{{ flags }}'{% endif %})
{%- endmacro %}

{% macro test_expect_column_values_to_not_match_regex(model, column_name, regex, row_condition=none, is_raw=false, flags="") -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where regexp_matches({{ column_name }}, '{{ regex | replace("'", "''") }}'{% if flags %}, '{{ flags }}'{% endif %})
{%- endmacro %}

{% macro test_expect_column_values_to_match_like_pattern(model, column_name, like_pattern, row_condition=none) -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where not ({{ column_name }} like '{{ like_pattern }}')
{%- endmacro %}

{% macro test_expect_column_value_lengths_to_be_between(model, column_name, min_value=none, max_value=none, row_condition=none, strictly=false) -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where not ({{ dbt_expectations.expectation_bounds('length(' ~ column_name ~ ')', min_value, max_value, strictly) }})
{%- endmacro %}

{% macro test_expect_column_value_lengths_to_equal(model, column_name, value, row_condition=none) -%}
select * from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
where length({{ column_name }}) != {{ value }}
{%- endmacro %}

{% macro test_expect_column_values_to_be_of_type(model, column_name, column_type) -%}
{{ dbt_expectations.test_expect_column_values_to_be_in_type_list(model, column_name, [column_type]) }}
{%- endmacro %}

{% macro test_expect_column_values_to_be_in_type_list(model, column_name, column_type_list) -%}
select column_name, column_type from (describe {{ model }}) as columns_
where upper(column_name) = upper('{{ column_name }}')
  and upper(column_type) not in ({% for type in column_type_list %}upper('{{ type }}'){% if not loop.last %}, {% endif %}{% endfor %})
union all
select '{{ column_name }}', 'missing column'
where not exists (select 1 from (describe {{ model }}) as columns_
                  where upper(column_name) = upper('{{ column_name }}'))
{%- endmacro %}

{% macro test_expect_table_row_count_to_be_between(model, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'count(*)', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_table_row_count_to_equal(model, value, group_by=none, row_condition=none) -%}
{{ dbt_expectations.expectation_aggregate(model, 'count(*)', '{x} = ' ~ value, group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_table_row_count_to_equal_other_table(model, compare_model, group_by=none, compare_group_by=none, factor=1, row_condition=none, compare_row_condition=none) -%}
{%- set keys = group_by or [] -%}
{%- set compare_keys = compare_group_by or keys -%}
with model_counts as (
  select {% for column in keys %}{{ column }} as key_{{ loop.index }}, {% endfor %}count(*) as row_count
  from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
  {% if keys %}group by {{ keys | join(', ') }}{% endif %}
), compare_counts as (
  select {% for column in compare_keys %}{{ column }} as key_{{ loop.index }}, {% endfor %}count(*) * {{ factor }} as row_count
  from {{ dbt_expectations.expectation_rows(compare_model, compare_row_condition) }} as rows_
  {% if compare_keys %}group by {{ compare_keys | join(', ') }}{% endif %}
)
select m.row_count as model_rows, c.row_count as compare_rows
from model_counts as m
full outer join compare_counts as c
  on {% for column in keys %}m.key_{{ loop.index }} is not distinct from c.key_{{ loop.index }} and {% endfor %}true
where m.row_count is distinct from c.row_count
  and not (m.row_count is null and c.row_count = 0)
  and not (c.row_count is null and m.row_count = 0)
{%- endmacro %}

{% macro test_expect_table_column_count_to_equal(model, value) -%}
select count(*) as column_count from (describe {{ model }}) as columns_
having count(*) != {{ value }}
{%- endmacro %}

{% macro test_expect_row_values_to_have_recent_data(model, column_name, datepart, interval, row_condition=none) -%}
select max({{ column_name }}) as most_recent
from {{ dbt_expectations.expectation_rows(model, row_condition) }} as rows_
having max({{ column_name }}) is null
    or max({{ column_name }}) < now()::timestamp - (interval '1 {{ datepart }}') * {{ interval }}
{%- endmacro %}

{% macro test_expect_column_distinct_count_to_equal(model, column_name, value, quote_values=false, group_by=none, row_condition=none) -%}
{{ dbt_expectations.expectation_aggregate(model, 'count(distinct ' ~ column_name ~ ')', '{x} = ' ~ value, group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_distinct_count_to_be_greater_than(model, column_name, value, group_by=none, row_condition=none) -%}
{{ dbt_expectations.expectation_aggregate(model, 'count(distinct ' ~ column_name ~ ')', '{x} > ' ~ value, group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_distinct_count_to_be_less_than(model, column_name, value, group_by=none, row_condition=none) -%}
{{ dbt_expectations.expectation_aggregate(model, 'count(distinct ' ~ column_name ~ ')', '{x} < ' ~ value, group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_unique_value_count_to_be_between(model, column_name, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'count(distinct ' ~ column_name ~ ')', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_mean_to_be_between(model, column_name, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'avg(' ~ column_name ~ ')', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_median_to_be_between(model, column_name, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'median(' ~ column_name ~ ')', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_sum_to_be_between(model, column_name, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'sum(' ~ column_name ~ ')', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_min_to_be_between(model, column_name, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'min(' ~ column_name ~ ')', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_max_to_be_between(model, column_name, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'max(' ~ column_name ~ ')', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_stdev_to_be_between(model, column_name, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'stddev_samp(' ~ column_name ~ ')', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}

{% macro test_expect_column_proportion_of_unique_values_to_be_between(model, column_name, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) -%}
{{ dbt_expectations.expectation_aggregate(model, 'count(distinct ' ~ column_name ~ ') / count(*)', dbt_expectations.expectation_bounds('{x}', min_value, max_value, strictly), group_by, row_condition) }}
{%- endmacro %}
)JINJA";
}

}  // namespace strata::transform
