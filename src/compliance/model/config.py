"""A data set's own configuration, ``compliance.yaml``: which rule packs apply and their parameters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DatasetConfig(BaseModel):
    """``compliance.yaml`` beside the registers: the organisation's profile, extra packs and parameters.

    ``compliance check DATASET`` without ``--rules`` evaluates the profile's packs followed by
    ``packs``; ``rule_params`` override rule parameters as ``organisation.yaml``'s ``rule_params``
    does (here they win, parameter by parameter, when both set one).
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    profile: str | None = Field(default=None, description="a shipped profile: nhs-icb, nhs-trust, uk-company "
                                "(`compliance init --help` lists them); its packs are evaluated")
    packs: list[str] = Field(default_factory=list, description="further packs: a shipped pack's name, or a path "
                             "relative to the data set (your own pack, which may extend a shipped one)")
    rule_params: dict[str, dict[str, Any]] = Field(default_factory=dict, description="rule id -> parameter overrides")
    note: str | None = None
