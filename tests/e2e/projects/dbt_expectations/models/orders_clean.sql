select order_id, customer_id, status, amount, {{ house.to_cents('amount') }} as amount_cents,
       email, ordered_at
from {{ ref('orders') }}
