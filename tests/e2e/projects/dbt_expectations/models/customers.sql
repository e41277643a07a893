select customer_id, count(*) as orders, sum(amount) as total
from {{ ref('orders_clean') }}
group by customer_id
