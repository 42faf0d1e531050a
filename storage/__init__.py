"""Tillit."""
