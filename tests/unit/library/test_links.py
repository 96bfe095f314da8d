"""Store search links: the right pattern per store, and encoding that survives any name."""

from urllib.parse import parse_qs, urlsplit

from musictool.integrations.stores.links import STORES, search_links, search_text


def test_every_store_has_a_link() -> None:
    links = search_links("Rick Astley", "Never Gonna Give You Up", 249504)
    assert sorted(links) == sorted(STORES)
    assert (
        links["beatport"]
        == "https://www.beatport.com/search?q=Rick%20Astley%20Never%20Gonna%20Give%20You%20Up"
    )
    assert links["bandcamp"].startswith("https://bandcamp.com/search?q=Rick%20Astley") and links[
        "bandcamp"
    ].endswith("&item_type=t")
    assert links["juno"].startswith("https://www.junodownload.com/search/?q%5Ball%5D%5B%5D=Rick%20Astley")
    assert links["traxsource"].startswith("https://www.traxsource.com/search?term=Rick%20Astley")
    assert links["discogs"] == "https://www.discogs.com/sell/release/249504"
    assert search_links("A", "B")["discogs"].startswith("https://www.discogs.com/sell/list?q=A%20B")


def test_reserved_characters_and_unicode_are_encoded() -> None:
    links = search_links("Simon & Garfunkel", "#1 Hit? 50/50 + more", None)
    for store in STORES:
        query = urlsplit(links[store]).query
        parsed = parse_qs(query)
        values = [v for vs in parsed.values() for v in vs]
        assert "Simon & Garfunkel #1 Hit? 50/50 + more" in values, (store, links[store])
    sigur = search_links("Sigur Rós", "Hoppípolla")["beatport"]
    assert "R%C3%B3s" in sigur and "Hopp%C3%ADpolla" in sigur


def test_query_drops_discogs_noise_but_keeps_the_version() -> None:
    assert search_text("Jon Kennedy (2)", "A1. Strings (Original Mix)") == "Jon Kennedy Strings"
    assert search_text("Persuader, The", "Östermalm - 8A") == "The Persuader Östermalm"
    assert search_text("Various", "Title (Carl Craig Remix)") == "Title Carl Craig Remix"
    assert search_text("X*", "Title (feat. Y)") == "X Title"
