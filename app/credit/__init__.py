"""Credit records (信用): the bad-credit list (失信被执行人) and false commitments (虚假承诺),
keyed by the keyed hash of a resident's ID number, never by the number itself."""
