-- A union: each column comes from both sides.
select customer_id as id, first_name as label from {{ ref('stg_customers') }}
union all
select order_id, status from {{ ref('stg_orders') }}
