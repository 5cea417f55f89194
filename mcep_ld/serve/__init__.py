"""Serving, the read side: the web application, the OAI-PMH provider and the SPARQL engine."""
