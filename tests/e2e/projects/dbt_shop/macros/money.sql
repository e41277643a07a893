{% macro cents_to_dollars(column_name, scale=2) -%}
    round({{ column_name }} / 100.0, {{ scale }})
{%- endmacro %}

{% macro money(expression) -%}
    {{ return(adapter.dispatch('money')(expression)) }}
{%- endmacro %}

{% macro default__money(expression) -%}
    coalesce({{ expression }}, 0)
{%- endmacro %}
