"""The staff work queue: what waits for whom, stage by stage."""
