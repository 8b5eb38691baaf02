"""The storefront and the staff console, served by the same server as the REST API.

`create_site(config)` is the REST API app (`shopsense.serving.app.create_app`) with the pages
added: the storefront at `/` (a shopper's view: lists, search, product pages, the assistant,
cart, privacy) and the console at `/console` (staff, signed in with an admin key). Pages are
rendered on the server from Jinja2 templates, with htmx (packaged in `static/`) for the parts
that update in place; they call the same route functions as the REST API, never the models.
"""

from shopsense.web.app import create_site

__all__ = ["create_site"]
