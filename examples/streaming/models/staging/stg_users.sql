{{ config(materialized='view') }}
-- The app's users, one row per e-mail address.
SELECT DISTINCT
    first_name,
    last_name,
    lower(email) AS email
FROM {{ source('internal', 'users') }}
WHERE email IS NOT NULL
