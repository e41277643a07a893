{{ config(materialized='view') }}
-- The movie catalogue, one row per movie. title_key is the case-insensitive join key.
SELECT DISTINCT
    title,
    lower(title) AS title_key,
    duration_mins,
    original_language,
    size_mb
FROM {{ source('internal', 'movies') }}
WHERE title IS NOT NULL
