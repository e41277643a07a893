{{ config(materialized='table') }}
-- 3. How many movies based on books written by Singaporean authors were streamed that month?
-- Reviews link movies to books; books name their author in varying letter case.
WITH streamed AS (
    SELECT DISTINCT movie_key
    FROM {{ ref('stg_streams') }}
    WHERE movie_key IS NOT NULL
),

singaporean_authors AS (
    SELECT DISTINCT author_key
    FROM {{ ref('stg_authors') }}
    WHERE nationality_slug = 'singaporeans'
),

singaporean_books AS (
    SELECT DISTINCT b.book_key
    FROM {{ ref('stg_books') }} AS b
    INNER JOIN singaporean_authors AS a ON b.author_key = a.author_key
),

singaporean_book_movies AS (
    SELECT DISTINCT r.movie_key
    FROM {{ ref('stg_reviews') }} AS r
    INNER JOIN singaporean_books AS b ON r.book_key = b.book_key
)

SELECT count(*) AS movies
FROM singaporean_book_movies AS m
INNER JOIN streamed AS s ON m.movie_key = s.movie_key
