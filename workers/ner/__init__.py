"""Named-entity recognition with Stanza: the tagger, where its models live, and the starter models' training.

``StanzaEntityTagger`` is imported lazily (it pulls in torch and stanza) from
:mod:`workers.ner.tagger`.
"""
