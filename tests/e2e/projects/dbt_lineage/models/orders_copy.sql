select * exclude (status) replace (amount * 2 as amount) from {{ ref('stg_orders') }}
