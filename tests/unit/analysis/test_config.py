"""[analysis] settings: defaults, and a tempo range that cannot work is refused with the key named."""

from pathlib import Path

import pytest

from musictool.analysis.component import options_from
from musictool.config import ConfigError, load_config


def test_defaults_give_the_dance_range(tmp_path: Path) -> None:
    opts = options_from(load_config(tmp_path / "missing.toml"))
    assert (opts.bpm_min, opts.bpm_max, opts.with_quality, opts.max_analysis_seconds) == (
        85.0,
        175.0,
        True,
        900.0,
    )


def test_settings_reach_the_analysis(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[analysis]\nbpm_min = 70\nbpm_max = 140\nquality = false\nmax_minutes = 5\n")
    opts = options_from(load_config(cfg))
    assert (opts.bpm_min, opts.bpm_max, opts.with_quality, opts.max_analysis_seconds) == (
        70.0,
        140.0,
        False,
        300.0,
    )


@pytest.mark.parametrize(
    "body", ["bpm_min = 180\nbpm_max = 100", "bpm_min = 5", "max_minutes = 0", "workers = 0"]
)
def test_impossible_settings_are_refused(tmp_path: Path, body: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[analysis]\n{body}\n")
    with pytest.raises(ConfigError, match=r"\[analysis\]"):
        load_config(cfg)
