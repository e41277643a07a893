{{ config(materialized='table') }}
-- Vendor reviews, one row per review x book x movie pair: a review links the book(s) it is about
-- to the movie(s) based on them. The vendor closes many movie lists with a sentinel entry titled
-- 'end' that is not a movie; it is dropped. Keys are lower-cased (titles vary in letter case).
WITH review_books AS (
    SELECT
        r.content,
        r.rating,
        r.movies,
        r.updated,
        r.created,
        r._strata_source_file,
        unnest(r.books) AS book
    FROM {{ source('vendor', 'reviews') }} AS r
),

pairs AS (
    SELECT
        rb.*,
        unnest(rb.movies) AS movie
    FROM review_books AS rb
)

SELECT
    p.book.id AS book_id,
    p.book.metadata.title AS book_title,
    lower(p.book.metadata.title) AS book_key,
    TRY_CAST(p.book.metadata.pages AS INTEGER) AS book_pages,
    p.movie.id AS movie_id,
    p.movie.title AS movie_title,
    lower(p.movie.title) AS movie_key,
    p.content.text AS review_text,
    p.rating.rate AS rating_rate,
    p.rating.label AS rating_label,
    TRY_CAST(p.updated AS TIMESTAMPTZ) AS updated_at,
    TRY_CAST(p.created AS TIMESTAMPTZ) AS created_at,
    p._strata_source_file AS source_file
FROM pairs AS p
WHERE lower(p.movie.title) <> 'end'
