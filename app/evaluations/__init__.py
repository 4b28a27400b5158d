"""好差评: one rating per concluded matter by its applicant, and the department's follow-up of
bad ratings (不满意 / 非常不满意) within 15 working days."""
