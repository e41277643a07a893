{{ config(materialized='table') }}
-- 4. What's the average streaming duration? In minutes, over deduplicated sessions, measured
-- between real instants.
SELECT avg(duration_seconds / 60) AS avg_minutes
FROM {{ ref('stg_streams') }}
