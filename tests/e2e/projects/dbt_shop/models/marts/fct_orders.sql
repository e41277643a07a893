select
    o.order_id,
    o.customer_id,
    o.order_date,
    o.status,
    {{ money('p.card_amount') }} as card_amount,
    {{ money('p.voucher_amount') }} as voucher_amount,
    {{ money('p.bank_amount') }} as bank_amount,
    {{ money('p.total_amount') }} as total_amount
from {{ ref('stg_orders') }} o
left join {{ ref('int_order_payments') }} p using (order_id)
