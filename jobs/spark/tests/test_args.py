"""lib/contracts/spark-args.json and main.py's argparse define the same arguments."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from streamlake_spark import main

from .conftest import CONTRACTS

SPEC: dict[str, Any] = json.loads((CONTRACTS / "spark-args.json").read_text())["args"]
REQUIRED = [
    "--date",
    "2026-11-20",
    "--raw-uri",
    "r",
    "--curated-uri",
    "c",
    "--quarantine-uri",
    "q",
    "--analytics-uri",
    "a",
]


def _actions() -> dict[str, argparse.Action]:
    return {
        opt: action
        for action in main.build_parser()._actions
        for opt in action.option_strings
        if opt.startswith("--") and opt != "--help"
    }


def test_same_argument_names() -> None:
    assert sorted(_actions()) == sorted(SPEC)


@pytest.mark.parametrize("name", sorted(SPEC))
def test_same_required_default_and_kind(name: str) -> None:
    action = _actions()[name]
    spec = SPEC[name]
    assert action.required is spec["required"]
    assert action.default == spec["default"]
    assert isinstance(action, argparse._StoreTrueAction) is (spec["type"] == "flag")
    assert (action.type is main._positive) is (spec["type"] == "int")
    assert spec["description"]


def test_parses_the_documented_defaults() -> None:
    args = main.parse_args([*REQUIRED, "--skip-view"])
    assert (args.top_n, args.target_file_mb, args.view_writers, args.view_table) == (10, 128, 4, None)


def test_fails_when_view_table_is_missing_without_skip_view(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main.parse_args(REQUIRED)
    assert "--view-table is required" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["2026-02-30", "20261120", "2026-11-20T00:00", "yesterday"])
def test_fails_when_date_is_not_a_calendar_day(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = list(REQUIRED)
    argv[1] = bad
    with pytest.raises(SystemExit):
        main.parse_args([*argv, "--skip-view"])
    assert "--date must be a calendar day" in capsys.readouterr().err


def test_fails_when_top_n_is_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main.parse_args([*REQUIRED, "--skip-view", "--top-n", "0"])
    assert "must be >= 1" in capsys.readouterr().err
