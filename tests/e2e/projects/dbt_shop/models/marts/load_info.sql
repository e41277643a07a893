{{ config(materialized='table', pre_hook="set variable shop_load = {{ var('load') }}") }}
select cast(getvariable('shop_load') as integer) as load_number, '{{ this.name }}' as model_name
