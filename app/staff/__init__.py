"""Staff accounts of the core platform: hall window clerks, reviewers, department heads."""
