"""lingoflow's Prefect flows and command line (thin: the work is in lingoflow.processors)."""
