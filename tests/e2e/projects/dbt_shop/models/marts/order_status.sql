{{ config(materialized='incremental', unique_key='order_id', incremental_strategy='delete+insert') }}
with updates as (
    select * from {{ ref('order_updates') }}
    where batch <= {{ var('load') }}
    {% if is_incremental() %}
      and batch > (select coalesce(max(batch), 0) from {{ this }})
    {% endif %}
)
select order_id, status, batch from updates
