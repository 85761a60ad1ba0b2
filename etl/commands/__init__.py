"""Thin CLI wrappers: argument parsing only, the work lives in the stage modules."""
