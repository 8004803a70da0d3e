"""PDMP reporting: daily ASAP 4.2 files per state, zero reports, and the submission log."""
