{{ config(materialized='table', event_time='event_at') }}
-- The latest version of every event that has arrived by this load; deleted ones drop out.
select event_id, event_at, customer_id, amount
from {{ ref('raw_events') }}
where arrived_in_load <= {{ var('load') }}
qualify row_number() over (partition by event_id order by arrived_in_load desc) = 1
    and not deleted
