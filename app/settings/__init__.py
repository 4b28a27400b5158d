"""Checks over the one configuration of app/config.py (the classes themselves stay there)."""
