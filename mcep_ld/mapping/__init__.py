"""Helpers every harvester's mapping uses: namespaces, IRIs, languages, dates, provenance."""
