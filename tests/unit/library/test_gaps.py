"""Gap priority: each signal adds, and the reasons say why, strongest first."""

from datetime import UTC, datetime, timedelta

from musictool.library.gaps import ReleaseSignals, priority

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def test_priority_grows_with_each_signal_and_says_why() -> None:
    bare = priority(ReleaseSignals(1, tracks_total=4), NOW)
    assert bare.score == 0 and bare.reasons == ["no play, rating, want or price signal yet"]
    played = priority(ReleaseSignals(1, tracks_total=4, tracks_have=3, sibling_plays=40), NOW)
    rich = priority(
        ReleaseSignals(
            1,
            tracks_total=4,
            tracks_have=3,
            sibling_plays=40,
            collection_rating=5,
            wanted=True,
            lowest_price=60.0,
            currency="EUR",
            date_added=(NOW - timedelta(days=10)).isoformat(),
        ),
        NOW,
    )
    assert 0 < played.score < rich.score <= 100
    text = " | ".join(rich.reasons)
    for fragment in (
        "played this record's other tracks 40 times",
        "rated 5/5",
        "wantlist",
        "60.00 EUR",
        "10 days ago",
        "3 of 4",
    ):
        assert fragment in text
    assert rich.reasons[0].startswith("you played")  # strongest first
