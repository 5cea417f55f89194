"""The OAI-PMH 2.0 data provider at ``/oai``: how InforMEA and other clearing houses harvest the hub.

errors.py (the protocol's error codes as exceptions), arguments.py (verbs, arguments, dates),
tokens.py (stateless signed resumption tokens), formats.py (oai_dc and rdf), provider.py (the verbs).
"""
