{{ config(materialized='table') }}
-- 2. A corrupted file of "Unforgiven" caused an outage on Christmas morning, 07:00 to 12:00 UTC.
-- How many users were potentially affected? Any session of the movie in progress during the
-- window counts: it started by 12:00 and ended at 07:00 or later (real instants, not the local
-- clock time the app wrote).
SELECT count(DISTINCT user_email) AS users_affected
FROM {{ ref('stg_streams') }}
WHERE movie_key = 'unforgiven'
    AND started_at <= TIMESTAMPTZ '2021-12-25 12:00:00+00:00'
    AND ended_at >= TIMESTAMPTZ '2021-12-25 07:00:00+00:00'
