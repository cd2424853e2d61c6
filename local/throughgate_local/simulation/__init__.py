"""A synthetic cohort run end to end on the local stack: the simulated people (`people`), what they
did counted (`tally`) and a large cohort run as regions in separate processes (`regions`)."""
