"""What every app shares, and nothing app-specific: the bottom layer.

The apps depend one way, `innovation_cases` -> `cities` -> `core` (and `accounts`
beside them); nothing here imports an app or `config` (import-linter checks it: pyproject.toml).
"""
