"""One module per source: how to fetch its records and how to map one record to RDF.

Harvesters know protocols and formats, nothing about the store or the catalog: they follow the contract in
:mod:`mcep_ld.fetch.contract`, yield ``SourceRecord``s and turn one into a ``MappedRecord``. Each is
registered by name in ``pyproject.toml`` (the ``mcep_ld.harvesters`` entry points).
"""
