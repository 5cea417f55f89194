"""Fetching: the harvester contract, the HTTP client every source goes through, and the sample server."""
