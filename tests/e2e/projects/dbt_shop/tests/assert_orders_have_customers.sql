select o.order_id
from {{ ref('fct_orders') }} o
left join {{ ref('dim_customers') }} c using (customer_id)
where c.customer_id is null
