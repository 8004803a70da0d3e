"""Reduction requests: an attorney asks billing to reduce a lien; billing answers."""
