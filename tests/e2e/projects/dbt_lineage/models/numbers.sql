-- A table function: its columns are not traced.
select n, n * 2 as doubled from range(3) as t(n)
