{{ config(materialized='incremental', unique_key=['customer_id', 'country'], incremental_strategy='merge') }}
select customer_id, country, customer_name, {{ var('load') }} as seen_in_load
from {{ ref('stg_customers') }}
