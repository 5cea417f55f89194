"""The curator's toolkit behind ``mcep vocab``: check, diff, import and publish SKOS vocabularies."""
