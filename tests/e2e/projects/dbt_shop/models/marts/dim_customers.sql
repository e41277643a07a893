select
    c.customer_id,
    c.customer_name,
    c.country,
    coalesce(o.order_count, 0) as order_count,
    o.first_order,
    o.last_order,
    '{{ var("currency") }}' as currency
from {{ ref('stg_customers') }} c
left join {{ ref('int_customer_orders') }} o using (customer_id)
