// The most used macros of dbt's cross-database layer (the `dbt` namespace: concat, hash,
// dateadd, datediff, date_trunc, safe_cast, type_*) and of the dbt_utils package
// (generate_surrogate_key, star, safe_add, pivot, unpivot, get_column_values, deduplicate,
// date_spine, union_relations and the generic tests expression_is_true,
// unique_combination_of_columns, accepted_range, not_constant, at_least_one), written here in
// Jinja for DuckDB: packages cannot be downloaded, so they are built in under their package
// names. Macros of a package call each other through the package name.
#include "transform/macro_registry.hpp"

namespace strata::transform {

const char* builtin_package_source(const std::string& package) {
  if (package == "dbt") {
    return R"JINJA(
{% macro concat(fields) %}{{ fields | join(' || ') }}{% endmacro %}
{% macro hash(field) %}md5(cast({{ field }} as varchar)){% endmacro %}
{% macro type_string() %}varchar{% endmacro %}
{% macro type_int() %}integer{% endmacro %}
{% macro type_bigint() %}bigint{% endmacro %}
{% macro type_float() %}double{% endmacro %}
{% macro type_numeric() %}numeric(28,6){% endmacro %}
{% macro type_timestamp() %}timestamp{% endmacro %}
{% macro type_boolean() %}boolean{% endmacro %}
{% macro current_timestamp() %}now(){% endmacro %}
{% macro safe_cast(field, type) %}try_cast({{ field }} as {{ type }}){% endmacro %}
{% macro cast(field, type) %}cast({{ field }} as {{ type }}){% endmacro %}
{% macro dateadd(datepart, interval, from_date_or_timestamp) -%}
({{ from_date_or_timestamp }} + ((interval '1 {{ datepart }}') * ({{ interval }})))
{%- endmacro %}
{% macro datediff(first_date, second_date, datepart) -%}
date_diff('{{ datepart }}', {{ first_date }}::timestamp, {{ second_date }}::timestamp)
{%- endmacro %}
{% macro date_trunc(datepart, date) %}date_trunc('{{ datepart }}', {{ date }}){% endmacro %}
{% macro split_part(string_text, delimiter_text, part_number) -%}
split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}
{% macro escape_single_quotes(expression) %}{{ expression | replace("'", "''") }}{% endmacro %}
{% macro string_literal(value) %}'{{ value | replace("'", "''") }}'{% endmacro %}
{% macro any_value(expression) %}any_value({{ expression }}){% endmacro %}
{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) -%}
string_agg({{ measure }}, {{ delimiter_text }}{% if order_by_clause %} {{ order_by_clause }}{% endif %})
{%- endmacro %}
)JINJA";
  }
  if (package == "dbt_utils") {
    return R"JINJA(
{% macro generate_surrogate_key(field_list) -%}
{%- set fields = [] -%}
{%- for field in field_list -%}
  {%- do fields.append("coalesce(cast(" ~ field ~ " as varchar), '_dbt_utils_surrogate_key_null_')") -%}
  {%- if not loop.last -%}{%- do fields.append("'-'") -%}{%- endif -%}
{%- endfor -%}
md5(cast({{ fields | join(' || ') }} as varchar))
{%- endmacro %}

{% macro safe_add(field_list) -%}
{%- set fields = [] -%}
{%- for field in field_list -%}{%- do fields.append("coalesce(" ~ field ~ ", 0)") -%}{%- endfor -%}
{{ fields | join(' +\n  ') }}
{%- endmacro %}

{% macro star(from, relation_alias=False, except=[], prefix='', suffix='', quote_identifiers=True) -%}
{%- if not execute -%}{{ return('*') }}{%- endif -%}
{%- set excluded = [] -%}
{%- for name in except -%}{%- do excluded.append(name | lower) -%}{%- endfor -%}
{%- set columns = [] -%}
{%- for column in adapter.get_columns_in_relation(from) -%}
  {%- if column.name | lower not in excluded -%}{%- do columns.append(column.name) -%}{%- endif -%}
{%- endfor -%}
{%- if columns | length == 0 -%}{{ return('*') }}{%- endif -%}
{%- for name in columns -%}
  {%- if relation_alias %}{{ relation_alias }}.{% endif -%}
  {%- if quote_identifiers %}{{ adapter.quote(name) }}{% else %}{{ name }}{% endif -%}
  {%- if prefix or suffix %} as {% if quote_identifiers %}{{ adapter.quote(prefix ~ name ~ suffix) }}{% else %}{{ prefix ~ name ~ suffix }}{% endif %}{% endif -%}
  {%- if not loop.last %},
  {% endif -%}
{%- endfor -%}
{%- endmacro %}

{% macro get_column_values(table, column, order_by='count(*) desc', max_records=none, default=none, where=none) -%}
{%- if not execute -%}{{ return(default if default is not none else []) }}{%- endif -%}
{%- set query -%}
select {{ column }} as value
from {{ table }}
{% if where %}where {{ where }}{% endif %}
group by {{ column }}
order by {{ order_by }}
{% if max_records is not none %}limit {{ max_records }}{% endif %}
{%- endset -%}
{%- set result = run_query(query) -%}
{{ return(result.columns[0].values()) }}
{%- endmacro %}

{% macro pivot(column, values, alias=True, agg='sum', cmp='=', prefix='', suffix='', then_value=1, else_value=0, quote_identifiers=True, distinct=False) -%}
{%- for value in values %}
  {{ agg }}({% if distinct %}distinct {% endif %}case when {{ column }} {{ cmp }} '{{ value | replace("'", "''") }}' then {{ then_value }} else {{ else_value }} end)
  {%- if alias %} as {% if quote_identifiers %}{{ adapter.quote(prefix ~ value ~ suffix) }}{% else %}{{ prefix ~ value ~ suffix }}{% endif %}{% endif -%}
  {%- if not loop.last %},{% endif -%}
{% endfor -%}
{%- endmacro %}

{% macro unpivot(relation=none, cast_to='varchar', exclude=none, remove=none, field_name='field_name', value_name='value', quote_identifiers=False) -%}
{%- set exclude = exclude or [] -%}
{%- set remove = remove or [] -%}
{%- set kept = [] -%}
{%- set pivoted = [] -%}
{%- for column in adapter.get_columns_in_relation(relation) -%}
  {%- if column.name in exclude -%}{%- do kept.append(column.name) -%}
  {%- elif column.name not in remove -%}{%- do pivoted.append(column.name) -%}{%- endif -%}
{%- endfor -%}
{%- for name in pivoted %}
select
  {% for keep in kept %}{{ keep }}, {% endfor %}cast('{{ name }}' as varchar) as {{ field_name }},
  cast({{ adapter.quote(name) }} as {{ cast_to }}) as {{ value_name }}
from {{ relation }}
{% if not loop.last %}union all{% endif %}
{%- endfor -%}
{%- endmacro %}

{% macro deduplicate(relation, partition_by, order_by) -%}
select * from {{ relation }}
qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro %}

{% macro date_spine(datepart, start_date, end_date) -%}
select cast(range as {% if datepart in ['day', 'week', 'month', 'quarter', 'year'] %}date{% else %}timestamp{% endif %}) as date_{{ datepart }}
from range(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 {{ datepart }})
{%- endmacro %}

{% macro union_relations(relations, column_override=none, include=[], exclude=[], source_column_name='_dbt_source_relation', where=none) -%}
{%- set names = [] -%}
{%- set types = {} -%}
{%- for relation in relations -%}
  {%- for column in adapter.get_columns_in_relation(relation) -%}
    {%- if column.name not in names and (not include or column.name in include) and column.name not in exclude -%}
      {%- do names.append(column.name) -%}{%- do types.update({column.name: column.data_type}) -%}
    {%- endif -%}
  {%- endfor -%}
{%- endfor -%}
{%- for relation in relations %}
select
  {% if source_column_name %}cast('{{ relation }}' as varchar) as {{ source_column_name }},{% endif %}
  {%- set present = [] -%}
  {%- for column in adapter.get_columns_in_relation(relation) -%}{%- do present.append(column.name) -%}{%- endfor %}
  {% for name in names -%}
  {%- if name in present %}cast({{ adapter.quote(name) }} as {{ types[name] }}){% else %}cast(null as {{ types[name] }}){% endif %} as {{ adapter.quote(name) }}{% if not loop.last %},
  {% endif -%}
  {%- endfor %}
from {{ relation }}
{% if where %}where {{ where }}{% endif %}
{% if not loop.last %}union all{% endif %}
{%- endfor -%}
{%- endmacro %}

{% macro test_expression_is_true(model, expression, column_name=none) -%}
select * from {{ model }}
where not ({% if column_name %}{{ column_name }} {% endif %}{{ expression }})
{%- endmacro %}

{% macro test_unique_combination_of_columns(model, combination_of_columns, quote_columns=false) -%}
select {{ combination_of_columns | join(', ') }}, count(*) as n_records
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{%- endmacro %}

{% macro test_accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) -%}
select * from {{ model }}
where 1 = 2
{%- if min_value is not none %} or not ({{ column_name }} >{% if inclusive %}={% endif %} {{ min_value }}){% endif %}
{%- if max_value is not none %} or not ({{ column_name }} <{% if inclusive %}={% endif %} {{ max_value }}){% endif %}
{%- endmacro %}

{% macro test_not_constant(model, column_name) -%}
select count(distinct {{ column_name }}) as distinct_values from {{ model }}
having count(distinct {{ column_name }}) = 1
{%- endmacro %}

{% macro test_at_least_one(model, column_name) -%}
select count({{ column_name }}) as values_present from {{ model }}
having count({{ column_name }}) = 0
{%- endmacro %}

{% macro test_not_empty_string(model, column_name, trim_whitespace=true) -%}
select * from {{ model }}
where {% if trim_whitespace %}trim({{ column_name }}){% else %}{{ column_name }}{% endif %} = ''
{%- endmacro %}
)JINJA";
  }
  return "";
}

}  // namespace strata::transform
