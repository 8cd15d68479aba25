"""Browser tests (pytest + Playwright driving Debian's chromium). Package so that mypy and pytest
tell ``tests/browser/conftest.py`` and ``tests/conftest.py`` apart."""
