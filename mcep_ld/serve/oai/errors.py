"""The OAI-PMH error codes (§3.6) as exceptions, named as the protocol names them (as sickle does)."""

from __future__ import annotations

from mcep_ld.errors import MCEPError


class OAIError(MCEPError):
    """An error the protocol defines; reported in the XML body with HTTP 200."""

    code = ""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadVerb(OAIError):
    code = "badVerb"


class BadArgument(OAIError):
    code = "badArgument"


class BadResumptionToken(OAIError):
    code = "badResumptionToken"


class CannotDisseminateFormat(OAIError):
    code = "cannotDisseminateFormat"


class IdDoesNotExist(OAIError):
    code = "idDoesNotExist"


class NoRecordsMatch(OAIError):
    code = "noRecordsMatch"


class NoMetadataFormats(OAIError):
    code = "noMetadataFormats"


class NoSetHierarchy(OAIError):
    code = "noSetHierarchy"
