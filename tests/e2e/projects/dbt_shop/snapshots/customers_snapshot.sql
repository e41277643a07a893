{% snapshot customers_snapshot %}
{{
  config(
    target_schema='snapshots',
    unique_key='id',
    strategy='timestamp',
    updated_at='updated_at'
  )
}}
select id, name, tier, updated_at
from {{ ref('customer_changes') }}
where batch = {{ var('load') }}
{% endsnapshot %}
