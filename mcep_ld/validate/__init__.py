"""Validating: the SHACL gate, and preparing batches of records (map, check, validate) in worker processes."""
