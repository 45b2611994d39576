"""The rule packs shipped with compliance (data only: each folder holds a pack.yaml, rule files and tests/)."""
