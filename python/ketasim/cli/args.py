"""Argument types shared by the subcommands: each parses one option's text or raises argparse's
error naming the option, its unit and the text given."""

from __future__ import annotations

import argparse
import math
from typing import Callable

__all__ = ["positive", "whole", "devices"]


def positive(name: str, unit: str, allow_zero: bool = False) -> Callable[[str], float]:
    """A finite number > 0 (>= 0 with allow_zero) in ``unit``."""
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a number{f' ({unit})' if unit else ''}, got {text!r}") from None
        if not (math.isfinite(v) and (v >= 0.0 if allow_zero else v > 0.0)):
            raise argparse.ArgumentTypeError(
                f"{name} must be {'>= 0' if allow_zero else '> 0'}{f' {unit}' if unit else ''}, "
                f"got {text}")
        return v
    return parse


def whole(name: str, lo: int, hi: int) -> Callable[[str], int]:
    """A whole number in [lo, hi]."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be in [{lo}, {hi}], got {v}")
        return v
    return parse


#: Esketamine nasal device (Spravato), mg: two sprays of 14 mg.
DEVICE_MG = 28.0


def devices(name: str) -> Callable[[str], float]:
    """A dose in mg that is a whole number (1 to 12) of 28 mg devices."""
    def parse(text: str) -> float:
        v = positive(name, "mg")(text)
        n = round(v / DEVICE_MG)
        if n < 1 or abs(v - DEVICE_MG * n) > 1e-9 or n > 12:
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number of 28 mg devices (28 to 336 mg), got {text}")
        return v
    return parse
