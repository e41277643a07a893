{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by={'field': 'event_at', 'data_type': 'timestamp', 'granularity': 'day'}
) }}
-- Partitioned by day(event_at), a hidden partition: a load replaces the days it has events of.
select event_id, event_at, customer_id, amount
from {{ ref('stg_events') }}
{% if is_incremental() %}
where event_at >= timestamp '2026-10-12'
{% endif %}
