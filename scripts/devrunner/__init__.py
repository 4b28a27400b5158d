"""The pieces of the dev runner (scripts/run_dev.py): the supervisor and the sandbox start-up."""
