{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='event_at',
    batch_size='month',
    begin='2026-09-01',
    lookback=1
) }}
-- Built a month at a time: ref('stg_events') reads only the batch's month of events.
select event_id, event_at, customer_id, amount, amount * 2 as doubled
from {{ ref('stg_events') }}
