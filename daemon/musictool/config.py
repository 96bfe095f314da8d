"""config.toml: declared keys, defaults and validation.

Every key is declared in SCHEMA so that a typo is an error at start, not a silently ignored setting.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PATH = "path"  # a file path that must exist when set
OPTIONAL_PATH = "optional_path"  # a path that may not exist yet


@dataclass(frozen=True)
class Key:
    type: Any  # a Python type, a tuple of types, PATH or OPTIONAL_PATH
    default: Any = None
    doc: str = ""


def _cores() -> int:
    return os.cpu_count() or 2


SCHEMA: dict[str, dict[str, Key]] = {
    "api": {
        "port": Key(int, 7667, "TCP port on 127.0.0.1"),
        "max_body_bytes": Key(int, 8_388_608, "largest request body accepted (a Discogs export of 40,000 records is about 6 MB)"),
        "paired_origins": Key(list, [], "browser-extension origins allowed to call the API"),
        "max_event_streams": Key(int, 16, "open /events streams at once; more are answered 429"),
        "request_timeout": Key(
            (int, float), 10.0, "seconds a client has to send a whole request (headers and body) or be cut off"
        ),
    },
    "log": {
        "level": Key(str, "INFO", "DEBUG, INFO, WARNING or ERROR"),
    },
    "jobs": {
        "concurrency": Key(dict, {}, "resource -> max running jobs (discogs, musicbrainz, cpu, ...)"),
        "max_attempts": Key(int, 5, "attempts before a job fails"),
        "backoff_base": Key((int, float), 2.0, "seconds before the first retry; doubles per attempt"),
        "backoff_cap": Key((int, float), 3600.0, "longest wait between retries"),
        "max_queued_per_kind": Key(int, 20, "queued jobs of one kind a client may add before a 429"),
    },
    "traktor": {
        "collection": Key(PATH, None, "collection.nml; absent: auto-discover"),
        "root": Key(OPTIONAL_PATH, None, "Traktor's root folder (History/ lives here)"),
        "backups": Key(int, 10, "collection backups kept"),
        "debounce_seconds": Key((int, float), 1.0, "quiet time after a change before re-reading"),
        "process_names": Key(list, ["Traktor"], "process names (prefixes) that mean Traktor is running"),
        "write_check_seconds": Key((int, float), 3.0, "how often a queued write checks whether Traktor quit"),
        "max_queued_writes": Key(int, 100, "collection writes waiting for Traktor to quit before a 429"),
        "boot_volume": Key(str, None, "macOS boot volume name in NML paths (default: detected, else Macintosh HD)"),
    },
    "discogs": {
        "username": Key(str, None, "Discogs user name"),
        "token": Key(str, None, "personal access token"),
        "base_url": Key(str, "https://api.discogs.com", "API base URL"),
        "poll_interval": Key((int, float), 3600, "seconds between incremental syncs; 0 disables"),
        "timeout": Key((int, float), 20.0, "seconds per request"),
        "rate_limit": Key(int, 60, "requests per window until Discogs' X-Discogs-Ratelimit header says otherwise"),
        "rate_window": Key((int, float), 60.0, "Discogs' moving window in seconds (lower only against a fake)"),
        "retry_delay": Key((int, float), 300, "seconds before a sync that failed on the network is retried"),
        "reconcile_interval": Key((int, float), 86_400, "seconds between full syncs (removals, moves, ratings)"),
        "details_ttl_days": Key((int, float), 180, "refresh a release's tracklist after this many days"),
        "refresh_per_run": Key(int, 25, "stale release details refreshed per full sync"),
        "currency": Key(str, "USD", "marketplace currency: USD GBP EUR CAD AUD JPY CHF MXN BRL NZD SEK ZAR"),
        "prices_interval": Key((int, float), 3600, "seconds between marketplace price runs; 0 disables"),
        "prices_per_run": Key(int, 20, "releases priced per run (2 requests each)"),
        "price_drop_percent": Key((int, float), 10.0, "notify when the lowest price falls this much"),
        "new_releases_interval": Key((int, float), 86_400, "seconds between new-release checks; 0 disables"),
        "top_artists": Key(int, 10, "most-collected artists watched for new releases"),
        "top_labels": Key(int, 10, "most-collected labels watched for new releases"),
        "follow_artists": Key(list, [], "Discogs artist ids always watched"),
        "follow_labels": Key(list, [], "Discogs label ids always watched"),
    },
    "musicbrainz": {
        "base_url": Key(str, "https://musicbrainz.org", "WS/2 host"),
        "contact": Key(str, "https://github.com/musictool/musictool", "contact in the User-Agent"),
        "min_score": Key((int, float), 0.8, "lowest match confidence (0-1) at which a search hit is accepted"),
        "auto": Key(bool, False, "identify tracks new or changed in Traktor automatically (1 request/s)"),
    },
    "acoustid": {
        "base_url": Key(str, "https://api.acoustid.org/v2", "web service base URL"),
        "api_key": Key(str, None, "application API key"),
        "min_score": Key((int, float), 0.5, "lowest AcoustID score (0-1) whose recording is used"),
    },
    "provenance": {
        "order": Key(list, ["user", "tag|nml", "analysis", "musicbrainz|acoustid|discogs"],
                     "which source's value wins, most trusted first; 'a|b' ranks sources equally"),
        "fields": Key(dict, {}, "per-field orders, e.g. bpm = [\"user\", \"analysis\", \"nml\"]"),
        "min_confidence": Key((int, float), 0.5, "web values below this confidence never win"),
    },
    "analysis": {
        "bpm_min": Key((int, float), 85.0, "lower end of the tempo range octave errors fold into"),
        "bpm_max": Key((int, float), 175.0, "upper end of that range"),
        "workers": Key(int, max(1, _cores() - 1), "processes for audio analysis"),
        "max_minutes": Key(
            (int, float), 15.0, "tempo, key and energy look at most this many minutes of a file (long mixes)"
        ),
        "quality": Key(bool, True, "judge codec, bitrate and transcodes (file quality) while analysing"),
        "auto": Key(bool, False, "analyse new and changed tracks after every Traktor ingest"),
        "slice_seconds": Key((int, float), 60.0, "a library pass frees its CPU job slot this often"),
    },
    "tags": {
        "key_notation": Key(str, "musical", "how the initial key is written into files: musical (Am), open_key (1m) or camelot (8A)"),
        "keep_id3v23": Key(bool, False, "an ID3v2.3 tag stays v2.3 when written (else it is upgraded to v2.4)"),
        "fields": Key(list, [], "fields push/sync write (empty: all managed fields)"),
        "artwork_min_px": Key(int, 500, "artwork smaller than this (shorter side) counts as small"),
        "relocate_folders": Key(list, [], "extra folders searched when relocating missing files"),
        "low_quality_score": Key(int, 50, "file quality score below which a track is low quality"),
        "coverart_base_url": Key(str, "https://coverartarchive.org", "Cover Art Archive base URL (embed_artwork fix)"),
        "artwork_size": Key(int, 500, "front cover size the embed_artwork fix fetches: 250, 500 or 1200 px"),
        "fingerprint_files": Key(bool, False, "the health pass fingerprints new/changed files with fpcalc (duplicates)"),
        "health_interval": Key((int, float), 3600, "seconds between library health passes; 0 disables"),
    },
    "plugins": {
        "modules": Key(list, [], "extra Python modules with a component-style setup(ctx), imported at start"),
    },
    "matching": {
        "match_threshold": Key((int, float), 0.85, "confidence at which a vinyl track counts as digital"),
        "suggest_threshold": Key((int, float), 0.6, "confidence from which a file is offered as a suggestion"),
        "track_price": Key((int, float), 1.99, "estimated price of one download when none is known"),
        "currency": Key(str, "EUR", "currency of wishlist prices and budgets"),
    },
    "notify": {
        "desktop": Key(bool, True, "show desktop notifications"),
        "rules": Key(
            dict,
            {},
            "switch notifications off by rule or kind: price_drop, new_release, gap_buyable, "
            "traktor_write_waiting, sync_failure, or any kind (e.g. price_target = false); others are on",
        ),
        "quiet_hours": Key(str, "", "e.g. '22:00-07:00': desktop notifications wait and come as one digest"),
        "digest_after": Key(int, 3, "more desktop notifications than this within digest_window become one"),
        "digest_window": Key((int, float), 30.0, "seconds a burst of notifications is gathered into a digest"),
    },
}


class ConfigError(Exception):
    """A config.toml problem, worded for the user (names the file and the key)."""


@dataclass
class Config:
    path: Path
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        return self.values[name]

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]


def _type_name(t: Any) -> str:
    if t in (PATH, OPTIONAL_PATH):
        return "a path (string)"
    if isinstance(t, tuple):
        return " or ".join(x.__name__ for x in t)
    return {str: "a string", int: "an integer", bool: "true or false", list: "a list", dict: "a table"}.get(
        t, t.__name__
    )


def _check(path: Path, section: str, name: str, key: Key, value: Any) -> Any:
    where = f"{path}: [{section}] {name}"
    t = key.type
    if t in (PATH, OPTIONAL_PATH):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be {_type_name(t)}, not {type(value).__name__}")
        p = Path(value).expanduser()
        if t == PATH and not p.exists():
            raise ConfigError(f"{where}: file not found: {p}")
        return p
    ok_types = t if isinstance(t, tuple) else (t,)
    # bool is an int subclass: refuse true/false where a number is wanted
    if isinstance(value, bool) and bool not in ok_types:
        raise ConfigError(f"{where} must be {_type_name(t)}, not a boolean")
    if not isinstance(value, ok_types):
        raise ConfigError(f"{where} must be {_type_name(t)}, not {type(value).__name__}")
    return value


def permission_warning(path: Path) -> str | None:
    """config.toml holds service tokens: say so when other users can read it (the daemon logs it once a start)."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    if not mode & 0o044:
        return None
    return (
        f"{path}: config.toml can be read by other users (mode {mode:o}) and holds your service tokens; "
        f"run: chmod 600 '{path}'"
    )


def load_config(path: Path) -> Config:
    """Read and validate config.toml; a missing file means all defaults."""
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    values: dict[str, dict[str, Any]] = {}
    for section, value in raw.items():
        if section not in SCHEMA:
            raise ConfigError(f"{path}: unknown section [{section}] (known: {', '.join(sorted(SCHEMA))})")
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for name in value:
            if name not in SCHEMA[section]:
                known = ", ".join(sorted(SCHEMA[section]))
                raise ConfigError(f"{path}: unknown key [{section}] {name} (known: {known})")
    for section, keys in SCHEMA.items():
        given = raw.get(section, {})
        values[section] = {}
        for name, key in keys.items():
            if name in given:
                values[section][name] = _check(path, section, name, key, given[name])
            else:
                values[section][name] = key.default
    port = values["api"]["port"]
    if not 0 <= port <= 65535:
        raise ConfigError(f"{path}: [api] port must be between 0 and 65535, not {port}")
    if values["log"]["level"].upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"{path}: [log] level must be DEBUG, INFO, WARNING or ERROR")
    an = values["analysis"]
    if not 20 <= an["bpm_min"] < an["bpm_max"] <= 400:
        raise ConfigError(
            f"{path}: [analysis] needs 20 <= bpm_min < bpm_max <= 400, not {an['bpm_min']}..{an['bpm_max']}"
        )
    if an["workers"] < 1 or an["max_minutes"] <= 0:
        raise ConfigError(f"{path}: [analysis] workers must be >= 1 and max_minutes > 0")
    for section, name in (("api", "max_event_streams"), ("jobs", "max_queued_per_kind"), ("traktor", "max_queued_writes")):
        if values[section][name] < 1:
            raise ConfigError(f"{path}: [{section}] {name} must be at least 1")
    if values["api"]["request_timeout"] <= 0:
        raise ConfigError(f"{path}: [api] request_timeout must be more than 0 seconds")
    for resource, limit in values["jobs"]["concurrency"].items():
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ConfigError(f"{path}: [jobs] concurrency.{resource} must be a whole number >= 1")
    _check_origins(path, values["api"]["paired_origins"])
    _check_discogs_url(path, values["discogs"]["base_url"])
    _check_enrichment(path, values)
    _check_tags(path, values["tags"])
    _check_notify(path, values)
    return Config(path=path, values=values)


def _check_tags(path: Path, tags: dict[str, Any]) -> None:
    from musictool.model.tags import KEY_NOTATIONS as NOTATIONS
    from musictool.model.tags import TAG_FIELDS as FIELDS

    if tags["key_notation"] not in NOTATIONS:
        raise ConfigError(f"{path}: [tags] key_notation must be one of {', '.join(NOTATIONS)}")
    if tags["artwork_size"] not in (250, 500, 1200):
        raise ConfigError(f"{path}: [tags] artwork_size must be 250, 500 or 1200")
    unknown = [f for f in tags["fields"] if f not in FIELDS]
    if unknown:
        raise ConfigError(f"{path}: [tags] fields: unknown {', '.join(map(str, unknown))} (known: {', '.join(FIELDS)})")


_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s*]+", re.I)


def _check_origins(path: Path, origins: list[Any]) -> None:
    """Each paired origin is one exact origin string. "null" is what sandboxed iframes and file: pages send, so
    pairing it would let any such page drive the daemon; a non-string used to make every request fail."""
    for origin in origins:
        where = f"{path}: [api] paired_origins"
        if not isinstance(origin, str):
            raise ConfigError(f"{where} must hold strings, not {type(origin).__name__} ({origin!r})")
        if origin.strip().lower() == "null":
            raise ConfigError(f'{where}: "null" is the origin of sandboxed and file: pages and cannot be paired')
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"{where}: {origin!r} is not an origin (scheme://host, no path, no wildcard, "
                "e.g. chrome-extension://abcdefghijklmnopabcdefghijklmnop)"
            )


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_discogs_url(path: Path, url: str) -> None:
    """The Discogs client sends the token in the URL: plain http only to this machine (a fake, a local proxy)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return
    raise ConfigError(
        f"{path}: [discogs] base_url must be an https URL ({url!r} would send your token in clear); "
        "plain http is allowed only to 127.0.0.1, ::1 or localhost"
    )


def _check_enrichment(path: Path, values: dict[str, dict[str, Any]]) -> None:
    """[provenance] must name known sources; scores are fractions (owned by enrichment)."""
    from musictool.model.policy import Policy, PolicyError

    try:
        Policy.from_config(values["provenance"])
    except PolicyError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    for section in ("musicbrainz", "acoustid"):
        if not 0.0 <= values[section]["min_score"] <= 1.0:
            raise ConfigError(f"{path}: [{section}] min_score must be between 0 and 1")
        url = urlsplit(values[section]["base_url"])
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError(f"{path}: [{section}] base_url must be an http(s) URL, not {url.geturl()!r}")


def _check_notify(path: Path, values: dict[str, dict[str, Any]]) -> None:
    """[notify] switches are booleans, quiet hours a readable span (owned by model/notifications.py)."""
    from musictool.model.notifications import Policy, RuleError

    try:
        Policy.from_config(values["notify"])
    except RuleError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
