"""Consultations and complaints (12345-style): about an item, a case or a hall, routed to the
responsible department, answered within a deadline in working days, the answer rated."""
