"""Fuzzing every importer: mutated and special inputs through the command line and the readers."""
