"""Wishlist validation: clear refusals that name the field."""

import pytest

from musictool.library.wishlist import WishlistError, validate_new, validate_patch


def test_defaults_and_normalisation() -> None:
    item = validate_new({"artist": " A ", "title": "T", "currency": "eur", "target_price": 2})
    assert item == {
        "artist": "A",
        "title": "T",
        "currency": "EUR",
        "target_price": 2.0,
        "status": "wanted",
        "source": "api",
        "priority": 50.0,
    }
    assert validate_new({"release_id": 5, "position": "A1"})["release_id"] == 5
    assert validate_new({"release_id": 5, "position": ""})["position"] is None  # the whole release


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({}, "title"),
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": "x", "priority": 101}, "priority"),
        ({"title": "x", "priority": "high"}, "priority"),
        ({"title": "x", "target_price": -1}, "target_price"),
        ({"title": "x", "currency": "euro"}, "currency"),
        ({"title": "x", "status": "maybe"}, "status"),
        ({"title": "x", "url": "javascript:alert(1)"}, "url"),
        ({"position": "A1", "title": "x"}, "position"),
        ({"release_id": True, "title": "x"}, "release_id"),
    ],
)
def test_refusals_name_the_field(body: object, field: str) -> None:
    with pytest.raises(WishlistError) as exc:
        validate_new(body)
    assert exc.value.field == field


def test_patch() -> None:
    assert validate_patch({"status": "bought"}) == {"status": "bought"}
    with pytest.raises(WishlistError) as exc:
        validate_patch({"priority": None})
    assert exc.value.field == "priority"
    with pytest.raises(WishlistError, match="nothing to change"):
        validate_patch({})
    with pytest.raises(WishlistError) as exc:
        validate_patch({"release_id": 3})
    assert exc.value.field == "release_id"
