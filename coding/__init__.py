"""Tillit's domain: projects, codebooks, codings, memos, cases, and the commands that edit them.

Nothing here imports Qt; the GUI and the command line both work through this package.
"""
