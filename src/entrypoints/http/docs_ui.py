"""The OpenAPI UI at /docs, with Swagger UI's files served by Herald itself (no CDN).

The files come from the `swagger-ui-py` package (Swagger UI's own build, Apache-2.0).
"""

from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

# The package version is in the URL, so a browser may keep the files for a year and still
# gets the new ones after an upgrade.
ASSETS_PATH = f"/docs/assets/{version('swagger-ui-py')}"
_A_YEAR = 365 * 24 * 3600
# Litestar's template has this line; the option goes right after it.
_CONFIG_ANCHOR = b"deepLinking: true,"


def _static_dir() -> Path:
    # Found without importing swagger_ui, whose __init__ loads jinja2 and urllib (~65 ms).
    spec = find_spec("swagger_ui")
    if spec is None or spec.origin is None:
        raise RuntimeError("the package swagger-ui-py is not installed: /docs needs its files")
    return Path(spec.origin).parent / "static"


def docs_assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[_static_dir()],
        name="docs-assets",
        cache_control=CacheControlHeader(public=True, max_age=_A_YEAR, immutable=True),
        include_in_schema=False,
    )


class OfflineSwaggerUI(SwaggerRenderPlugin):
    """Litestar's Swagger UI page, pointing at Herald's copy of the files."""

    def __init__(self) -> None:
        super().__init__(
            path="/",
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = super().render(request, openapi_schema)
        # Unless told not to, Swagger UI may send the schema to validator.swagger.io.
        return page.replace(_CONFIG_ANCHOR, _CONFIG_ANCHOR + b" validatorUrl: null,", 1)
