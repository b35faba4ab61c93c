"""Catalogs: many exports from one file, in parallel, resumable, with a report."""
