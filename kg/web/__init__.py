"""The web side of `kg serve`: start-up (server), request handling (handler), the HTTP
answer (http), query inspection (guard), content negotiation (negotiate), the service
description (description), query workers (worker) and their jobs (jobs, execute), HTML
pages (views, forms, html helpers) and static files.

Layer: top. Modules here may import every layer; nothing below imports kg.web. Inside it,
lowest first: http, html, negotiate, guard, sandbox; forms, description, execute; views;
jobs; worker; handler; server.
"""
