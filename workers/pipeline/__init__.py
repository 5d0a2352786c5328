"""Enrichment stages, one module each, with a declared input and output.

``runner.Pipeline`` chains them: decode -> validate -> language -> entities -> locations -> assemble.
"""
