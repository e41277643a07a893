{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by='sale_date'
) }}
-- Each load rebuilds the days from the last one on; those days' rows are replaced whole.
select cast(event_at as date) as sale_date, customer_id, sum(amount) as amount, count(*) as events
from {{ ref('stg_events') }}
{% if is_incremental() %}
where cast(event_at as date) >= (select max(sale_date) from {{ this }}) - interval 31 day
{% endif %}
group by all
