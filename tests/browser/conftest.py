"""The browser test uses the session's Prefect server and flow sandbox (tests/conftest.py)."""
