{{ config(materialized='table') }}
-- 6. How many users watched at least 50% of any movie in the last week of the month (the 7 days
-- from 2021-12-25 00:00 UTC)? A session counts when its duration in minutes is at least half the
-- movie's duration_mins, i.e. duration_seconds >= duration_mins * 30 (exact, no integer division).
SELECT count(DISTINCT s.user_email) AS users
FROM {{ ref('stg_streams') }} AS s
INNER JOIN {{ ref('stg_movies') }} AS m ON s.movie_key = m.title_key
WHERE s.started_at >= TIMESTAMPTZ '2021-12-25 00:00:00+00:00'
    AND s.duration_seconds >= m.duration_mins * 30
