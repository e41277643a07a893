{{
  config(
    materialized='incremental',
    on_schema_change='append_new_columns'
  )
}}
select payment_id, order_id, amount, batch
  {%- if var('load') > 1 %}, method{% endif %}
from {{ ref('stg_payments') }}
{% if is_incremental() %}
where batch > (select max(batch) from {{ this }})
{% endif %}
