{{ config(materialized='view') }}
-- Vendor books. The author is written in varying letter case: author_key is lower-cased, as is
-- book_key, to match authors and reviews.
SELECT DISTINCT
    name AS book_title,
    lower(name) AS book_key,
    TRY_CAST(pages AS INTEGER) AS pages,
    author AS author_name,
    lower(author) AS author_key,
    publisher
FROM {{ source('vendor', 'books') }}
WHERE name IS NOT NULL
