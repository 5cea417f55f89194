"""Placing records on the Convention's themes, products and processes, as a step after each harvest run.

- ``cues``: what the classifier looks for, read from the vocabularies (labels, alignments, kinds' themes);
- ``rules``: one record's evidence in, its assignments out, each with its rules, matched words and score;
- ``assign``: keeps the machine assignments level with the catalog, in their own named graph per record
  (``{base_uri}graph/classified/{kind}/{key}``), with the curators' accept/reject decisions applied.
"""
