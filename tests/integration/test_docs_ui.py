"""/docs takes every file it needs from Herald itself, so it works without internet (the
browser test in tests/e2e/test_docs_browser.py runs it in Chromium)."""

import re
from typing import Any

from litestar.testing import AsyncTestClient

from entrypoints.http.docs_ui import ASSETS_PATH

Client = AsyncTestClient[Any]

_REFERENCES = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


async def test_docs_page_refers_only_to_herald_assets(client: Client) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    references = _REFERENCES.findall(page.text)
    assert references  # the stylesheet, both scripts and the icon
    assert all(ref.startswith(f"{ASSETS_PATH}/") for ref in references), references
    assert "validatorUrl: null," in page.text  # no schema sent to validator.swagger.io


async def test_assets_are_served_with_long_lived_cache_headers(client: Client) -> None:
    page = await client.get("/docs")
    for ref in _REFERENCES.findall(page.text):
        asset = await client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.content, ref
        assert asset.headers["cache-control"] == "max-age=31536000, public, immutable"
    css = await client.get(f"{ASSETS_PATH}/swagger-ui.css")
    assert css.headers["content-type"].startswith("text/css")
    js = await client.get(f"{ASSETS_PATH}/swagger-ui-bundle.js")
    assert "javascript" in js.headers["content-type"]


async def test_swagger_ui_licence_is_served_beside_its_files(client: Client) -> None:
    licence = await client.get(f"{ASSETS_PATH}/LICENSE")
    assert licence.status_code == 200
    assert "Apache License" in licence.text


async def test_unknown_asset_is_a_404_problem(client: Client) -> None:
    # swagger_ui/core.py sits just outside the served folder: ".." must not reach it.
    for path in (f"{ASSETS_PATH}/nope.js", f"{ASSETS_PATH}/%2e%2e/core.py"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json", path
