"""The RDF namespaces the hub writes."""

from rdflib import Namespace
from rdflib.namespace import DC, DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

MCEP = Namespace("https://w3id.org/mcep/ontology#")
SCHEMA = Namespace("http://schema.org/")
LEO = Namespace("http://www.informea.org/terms/")
DCT = DCTERMS

__all__ = ["DC", "DCAT", "DCT", "FOAF", "LEO", "MCEP", "OWL", "PROV", "RDF", "RDFS", "SCHEMA", "SKOS", "XSD"]
