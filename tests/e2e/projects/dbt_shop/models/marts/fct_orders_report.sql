{{ config(materialized='view') }}
select status, count(*) as orders from {{ ref('fct_orders') }} group by status
