"""lingoflow's Prefect flows and command-line interface (thin: the work is in processors/)."""
