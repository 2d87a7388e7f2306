"""Shared helpers for the compute tests (no tests here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).with_name("fixtures") / "compute"


def isolated_assumptions(tmp: Path) -> Path:
    """A copy of assumptions/compute/ with a minimal manifest: the compute tests do not depend on other areas."""
    dest = tmp / "assumptions"
    shutil.copytree(ROOT / "assumptions" / "compute", dest / "compute")
    (dest / "manifest.toml").write_text('kind = "manifest"\nname = "compute-test"\nversion = "test"\ndescription = "compute files only"\n')
    return dest


@pytest.fixture(scope="session")
def compute_dir(tmp_path_factory) -> Path:
    return isolated_assumptions(tmp_path_factory.mktemp("compute_assumptions"))


@pytest.fixture(scope="session")
def caset(compute_dir):
    from costimpact.assumptions import load_assumptions

    return load_assumptions(compute_dir)
