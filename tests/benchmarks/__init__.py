"""Tillit's benchmarks: a seeded corpus generator, the ops and their runner (see BENCH.md)."""
