-- CTEs, a join with USING, an ephemeral model, a subquery in FROM, CASE, a window function
-- and a scalar subquery.
with orders as (
    select * from {{ ref('stg_orders') }}
),
customers as (
    select customer_id, first_name || ' ' || last_name as full_name, country as nation
    from {{ ref('stg_customers') }}
)
select
    o.order_id,
    customer_id,
    c.full_name,
    nation,
    o.amount,
    p.paid,
    case when o.status = 'done' then o.amount else 0 end as done_amount,
    sum(o.amount) over (partition by o.customer_id order by o.order_id) as running_amount,
    (select max(amount) from {{ ref('stg_orders') }}) as max_amount,
    per_customer.order_count
from orders as o
join customers as c using (customer_id)
left join {{ ref('payments_by_order') }} as p on p.order_id = o.order_id
left join (
    select customer_id as cid, count(*) as order_count from orders group by 1
) as per_customer on per_customer.cid = o.customer_id
