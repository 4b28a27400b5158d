"""Pytest fixtures that run the sandbox/ provider simulators on loopback (filled in with sandbox/)."""
