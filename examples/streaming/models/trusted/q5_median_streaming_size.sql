{{ config(materialized='table') }}
-- 5. What's the median streaming size in gigabytes (1 GB = 1000 MB)? Exact median over the
-- deduplicated sessions that report a size; not rounded.
SELECT CAST(median(size_mb) AS DOUBLE) / 1000 AS median_gb
FROM {{ ref('stg_streams') }}
WHERE size_mb IS NOT NULL
