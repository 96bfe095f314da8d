"""The in-process harness of the unit tests (fake server + daemon context), shared here."""

from tests.unit.discogs.conftest import app_factory, fake  # noqa: F401 - fixtures
