"""`python -m bench.catalog`: the citizen catalog API (list, search, detail) under gunicorn on
PostgreSQL with generated catalogs of 5,000 and 50,000 items, against a bare Flask endpoint
served the same way in the same run. See docs/benchmarks.md."""
