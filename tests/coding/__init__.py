"""Tests of the coding package."""
