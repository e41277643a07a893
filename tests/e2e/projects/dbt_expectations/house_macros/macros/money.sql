{% macro to_cents(column) %}{{ round_to(column ~ ' * 100', 0) }}{% endmacro %}
{% macro round_to(expression, digits) %}cast(round({{ expression }}, {{ digits }}) as bigint){% endmacro %}
