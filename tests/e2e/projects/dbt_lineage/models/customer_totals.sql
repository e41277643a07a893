-- Aggregates, a star with EXCLUDE/REPLACE, an alias used by a later item.
select
    customer_id,
    count(*) as orders,
    sum(amount) as total,
    total / orders as average
from {{ ref('stg_orders') }}
group by customer_id
