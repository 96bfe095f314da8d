"""POST /tags/set takes for bpm, rating and year exactly what api-spec/openapi.yaml says it takes: the daemon's
check and the spec's schema agree on every value here (schemathesis relies on it)."""

from __future__ import annotations

import jsonschema_rs
import pytest
import yaml

from musictool.api.routes.tags import _numeric_ok
from testkit.fixtures_path import REPO

FIELDS = yaml.safe_load((REPO / "api-spec" / "openapi.yaml").read_text())["paths"]["/tags/set"]["post"][
    "requestBody"
]["content"]["application/json"]["schema"]["properties"]["fields"]["properties"]

VALUES = [0, 0.0, 1, 5, 6, -1, 2.5, 124.5, 999.99, 1000, 1000.0, 1e308, 1000, 1001, 2001, 2001.0, 2999, 3000,
          "0", "5", "6", "05", "124", "124,5", "124.5", "0.5", ",5", "0999", "1000", "1e2", "nan", "inf", " 120",
          "120 ", "1_20", "", "2001", "2001-05", "2001-05-03", "1000", "3000", "20011", "2001-5", "２００１"]  # fmt: skip


@pytest.mark.parametrize("field", ["bpm", "rating", "year"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_daemon_takes_what_the_spec_allows(field: str, value: object) -> None:
    in_spec = jsonschema_rs.validator_for(FIELDS[field]).is_valid(value)
    assert _numeric_ok(field, value) == in_spec  # type: ignore[arg-type]
