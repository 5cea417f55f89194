"""The web service: one FastAPI application, one router per surface."""
