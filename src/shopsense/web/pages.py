"""Rendering pages: the site's templates, its words in the visitor's language and its sessions."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from shopsense.serving.runtime import Runtime
from shopsense.serving.settings import ServingConfig
from shopsense.web.i18n import LANGUAGES, words
from shopsense.web.sessions import LANGUAGE_COOKIE, Sessions

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


class Site:
    """What every page needs: templates, sessions and the server's runtime."""

    def __init__(self, config: ServingConfig) -> None:
        secret = config.token_secret
        # Without a configured secret the cookies are signed with one of this process only:
        # the CLI passes one to every worker (`shopsense serve` sets it when none is given).
        self.sessions = Sessions(
            secret.get_secret_value() if secret is not None else secrets.token_urlsafe(32)
        )
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(
        self, request: Request, template: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        """`template` rendered with `context`, the visitor's language and its words."""
        language = language_of(request)
        page = self.templates.get_template(template).render(
            request=request, lang=language, t=words(language), **context
        )
        response = HTMLResponse(page, status_code=status_code)
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86_400, samesite="lax")
        return response


def site_of(request: Request) -> Site:
    """The app's site."""
    return request.app.state.site


def runtime_of(request: Request) -> Runtime:
    """The app's runtime (the same one the REST routes use)."""
    return request.app.state.runtime


def language_of(request: Request) -> str:
    """The pages' language: `?lang=`, else the visitor's cookie, else the shop's language."""
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    shop = runtime_of(request).served.bundle.catalogue.language
    return shop if shop in LANGUAGES else "en"
