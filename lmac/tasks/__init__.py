"""Wiring from Hydra configs to library objects: the only package that sees ``DictConfig``."""
