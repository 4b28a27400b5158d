"""Submit benchmark: applications submitted with an e-licence meeting their material (`make bench-submit`)."""
