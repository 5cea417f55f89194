"""The root of every error the hub raises on purpose, so that a caller can catch the hub's own failures apart
from bugs (``except MCEPError``). Each class also keeps the builtin base it always had (``ValueError`` for a
bad value…), so existing ``except`` clauses hold.

The tree (``tests/test_layout.py`` checks it against the classes)::

    MCEPError
    ├── UsageError              mcep_ld.config: a command or setting used wrongly (exit 2)
    ├── ConfigError             mcep_ld.config: a settings file or variable that cannot be read
    ├── SourceError             mcep_ld.fetch.http: a source cannot be read to the end of its listing
    │   └── DeletionRefused     mcep_ld.ingest.run: a listing would delete too much (max_delete_fraction)
    ├── MappingError            mcep_ld.mapping.records: one record cannot be mapped (it is quarantined)
    ├── RunCancelled            mcep_ld.ingest.runs: an operator cancelled a run
    ├── StoreBusyError          mcep_ld.store: another process holds the store directory
    ├── RemoteStoreError        mcep_ld.store.remote: the remote SPARQL store answered with an error
    ├── VocabularyImportError   mcep_ld.vocab.curation.importer: a vocabulary file that cannot be imported
    ├── QueryError              mcep_ld.serve.queries: a SPARQL query or update that cannot be evaluated
    ├── QueryRefused            mcep_ld.serve.engine.guard: a query refused before parsing (length, nesting…)
    ├── EngineTimeout           mcep_ld.serve.engine.pool: a query past sparql_timeout_s (its worker killed)
    ├── EngineCrashed           mcep_ld.serve.engine.pool: a query worker died
    ├── ClientBusy              mcep_ld.serve.engine.pool: a client holds its share of the workers
    ├── ProtocolError           mcep_ld.serve.web.sparql: a request the SPARQL protocol refuses
    ├── PortInUse               mcep_ld.serve.listen: the service cannot listen on its address (exit 4)
    ├── BadSearch               mcep_ld.serve.web.search: a search request past a limit
    ├── ODataError              mcep_ld.serve.web.odata: a request the OData provider does not answer
    └── OAIError                mcep_ld.serve.oai.errors: an OAI-PMH error condition, one class per code
        ├── BadVerb
        ├── BadArgument
        ├── BadResumptionToken
        ├── CannotDisseminateFormat
        ├── IdDoesNotExist
        ├── NoRecordsMatch
        ├── NoMetadataFormats
        └── NoSetHierarchy
"""

from __future__ import annotations


class MCEPError(Exception):
    """An error the hub raises on purpose; see the module docstring for the tree."""
