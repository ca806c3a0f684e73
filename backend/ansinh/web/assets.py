"""Where the PWA and static files are: inside the installed wheel, or at the top of a checkout."""

from pathlib import Path

from ansinh.core.settings import Settings

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_CHECKOUT_ROOT = _PACKAGE_DIR.parent.parent


def _locate(override: Path | None, packaged: str, checkout: str) -> Path:
    for candidate in (override, _PACKAGE_DIR / packaged, _CHECKOUT_ROOT / checkout):
        if candidate is not None and candidate.is_dir():
            return candidate
    raise RuntimeError(f"cannot find the {checkout}/ folder (looked in the package and the checkout)")


def pwa_dir(settings: Settings) -> Path:
    """The folder holding index.html, sw.js and the manifest."""
    return _locate(settings.pwa_dir, "_pwa", "pwa")


def static_dir(settings: Settings) -> Path:
    """The folder holding icons, CSS and vendored assets."""
    return _locate(settings.static_dir, "_static", "static")
