{{ config(materialized='ephemeral') }}
select order_id, sum(amount_cents) / 100.0 as paid
from {{ ref('payments') }}
group by order_id
