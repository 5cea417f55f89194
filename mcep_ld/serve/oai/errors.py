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
    """Value of the verb argument is not a legal OAI-PMH verb, the verb argument is missing, or the verb
    argument is repeated."""

    code = "badVerb"


class BadArgument(OAIError):
    """The request includes illegal arguments, is missing required arguments, includes a repeated argument, or
    values for arguments have an illegal syntax."""

    code = "badArgument"


class BadResumptionToken(OAIError):
    """The value of the resumptionToken argument is invalid or expired."""

    code = "badResumptionToken"


class CannotDisseminateFormat(OAIError):
    """The metadata format identified by the value given for the metadataPrefix argument is not supported by the
    item or by the repository."""

    code = "cannotDisseminateFormat"


class IdDoesNotExist(OAIError):
    """The value of the identifier argument is unknown or illegal in this repository."""

    code = "idDoesNotExist"


class NoRecordsMatch(OAIError):
    """The combination of the values of the from, until, set and metadataPrefix arguments results in an empty
    list."""

    code = "noRecordsMatch"


class NoMetadataFormats(OAIError):
    """There are no metadata formats available for the specified item."""

    code = "noMetadataFormats"


class NoSetHierarchy(OAIError):
    """The repository does not support sets."""

    code = "noSetHierarchy"
