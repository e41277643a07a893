select
    id as payment_id,
    order_id,
    method,
    {{ cents_to_dollars('amount_cents') }} as amount,
    batch
from {{ source('shop_raw', 'payments') }}
where batch <= {{ var('load') }}
