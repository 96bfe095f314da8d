"""The Discogs routes and the OpenAPI spec agree: same routes, and real answers validate against the schemas."""

from __future__ import annotations

from typing import Any

import jsonschema
import yaml

from musictool.api.app import create_app, registered_routes
from testkit.fakes.discogs.server import FakeDiscogs
from testkit.fixtures_path import REPO
from tests.unit.discogs.conftest import Factory, run_job

SPEC = yaml.safe_load((REPO / "api-spec" / "openapi.yaml").read_text(encoding="utf-8"))
MINE = ("/discogs", "/prices")


def check(instance: Any, schema_name: str) -> None:
    jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    ).validate(instance)


async def test_routes_and_bodies_match_the_spec(
    fake: FakeDiscogs,
    app_factory: Factory,
    aiohttp_client: Any,
) -> None:
    ctx = await app_factory()
    app = create_app(ctx)
    served = {r for r in registered_routes(app) if r[1].startswith(MINE)}
    described = {
        (m.upper(), p)
        for p, ops in SPEC["paths"].items()
        if p.startswith(MINE)
        for m in ops
        if m in ("get", "post", "put", "patch", "delete")
    }
    assert served == described

    await run_job(ctx, "discogs.sync")
    await run_job(ctx, "discogs.prices")
    client = await aiohttp_client(app)
    headers = {"Authorization": f"Bearer {ctx.token}"}

    async def get(path: str, status: int = 200) -> Any:
        resp = await client.get(f"/api/v1{path}", headers=headers)
        assert resp.status == status, await resp.text()
        return await resp.json()

    page = await get("/discogs/releases?limit=5")
    for item in page["items"]:
        check(item, "DiscogsRelease")
    check(await get(f"/discogs/releases/{page['items'][0]['id']}"), "DiscogsReleaseDetail")
    wants = await get("/discogs/wants")
    for w in wants["items"]:
        check(w, "DiscogsWant")
    check(await get(f"/prices/{wants['items'][0]['release_id']}"), "Prices")
    problem = await get("/discogs/releases/999999999", 404)
    check(problem, "Problem")

    resp = await client.post("/api/v1/discogs/sync", json={"full": False}, headers=headers)
    assert resp.status == 202
    check(await resp.json(), "Job")
    resp = await client.post("/api/v1/discogs/wants", json={"release_id": "x"}, headers=headers)
    assert resp.status == 400
    check(await resp.json(), "Problem")
    resp = await client.post("/api/v1/discogs/wants", json={"release_id": 123_456_789}, headers=headers)
    assert resp.status == 404  # unknown on Discogs: refused before the wantlist is touched
    assert not fake.requests("/users/demo/wants/")
