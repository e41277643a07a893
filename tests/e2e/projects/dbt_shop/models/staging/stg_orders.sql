{#- only the orders of the loads seen so far -#}
select
    id as order_id,
    customer_id,
    order_date,
    status,
    batch
from {{ ref('raw_orders') }}
where batch <= {{ var('load') }}
