"""Publishing: what is derived from catalog and store after a run (VoID, DCAT, dumps, the search index)."""
