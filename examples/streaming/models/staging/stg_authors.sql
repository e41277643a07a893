{{ config(materialized='view') }}
-- Vendor authors, one row per author x nationality. An author without nationalities keeps one
-- row whose nationality columns are NULL. author_key is the case-insensitive join key.
SELECT
    a.metadata.name AS author_name,
    lower(a.metadata.name) AS author_key,
    TRY_CAST(a.metadata.birth_date AS DATE) AS birth_date,
    TRY_CAST(a.metadata.died_at AS DATE) AS died_at,
    n.nationality.id AS nationality_id,
    n.nationality.label AS nationality_label,
    n.nationality.slug AS nationality_slug
FROM {{ source('vendor', 'authors') }} AS a
LEFT JOIN LATERAL (SELECT unnest(a.nationalities) AS nationality) AS n ON TRUE
WHERE a.metadata.name IS NOT NULL
