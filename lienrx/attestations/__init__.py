"""POGOS attestations: pharmacist-signed, Ed25519-verifiable case reports and their renderings."""
