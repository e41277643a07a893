{{ config(materialized='table') }}
-- Streaming sessions. The export repeats some records verbatim: exact duplicates (same five
-- fields; the lineage columns, which differ between loads, are left out on purpose) count once.
-- start_at/end_at are ISO-8601 with a UTC offset that varies with the device; casting them to
-- TIMESTAMPTZ gives the real instants, so comparisons and durations hold whatever the offset.
WITH deduplicated AS (
    SELECT DISTINCT
        movie_title,
        user_email,
        size_mb,
        start_at,
        end_at
    FROM {{ source('internal', 'streams') }}
),

instants AS (
    SELECT
        movie_title,
        user_email,
        size_mb,
        start_at,
        end_at,
        CAST(start_at AS TIMESTAMPTZ) AS started_at,
        CAST(end_at AS TIMESTAMPTZ) AS ended_at
    FROM deduplicated
)

SELECT
    movie_title,
    lower(movie_title) AS movie_key,
    user_email,
    size_mb,
    started_at,
    ended_at,
    epoch(ended_at) - epoch(started_at) AS duration_seconds,
    start_at AS start_at_raw,
    end_at AS end_at_raw
FROM instants
