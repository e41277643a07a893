{{ config(materialized='table') }}
-- 1. What percentage of the streamed movies are based on books?
-- A movie is based on a book when a vendor review lists it next to a book. Movies are compared
-- case-insensitively; pct_based_on_books is a fraction in [0, 1].
WITH streamed AS (
    SELECT DISTINCT movie_key
    FROM {{ ref('stg_streams') }}
    WHERE movie_key IS NOT NULL
),

based_on_books AS (
    SELECT DISTINCT movie_key
    FROM {{ ref('stg_reviews') }}
)

SELECT
    count(*) AS total_streamed_movies,
    count(b.movie_key) AS streamed_movies_based_on_books,
    CAST(count(b.movie_key) AS DOUBLE) / nullif(count(*), 0) AS pct_based_on_books
FROM streamed AS s
LEFT JOIN based_on_books AS b ON s.movie_key = b.movie_key
