"""The web side of `kg serve`: query inspection (guard), content negotiation, query
workers and their jobs, HTML pages (views, forms, html helpers) and static files."""
