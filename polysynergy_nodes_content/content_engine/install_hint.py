"""How to install an optional extra, as a command that works: the pack is not on PyPI."""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def extra_install_hint(extra: str) -> str:
    """``pip install`` of ``extra`` from this checkout (by absolute path, so any folder works)."""
    if (CHECKOUT / "pyproject.toml").is_file():
        return f"pip install -e '{CHECKOUT}[{extra}]'"
    return f"pip install '<path to the polysynergy-nodes-content checkout>[{extra}]'"
