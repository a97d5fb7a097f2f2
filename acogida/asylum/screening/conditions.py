"""Conditions in policy files, compiled once into functions with three-valued logic.

A condition is a mapping of predicates, all of which must hold. Each predicate answers True, False
or None (not known from the facts) together with the JSON paths of the facts that would settle it,
so that an unknown never turns silently into a yes or a no.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Result = tuple[bool | None, tuple[str, ...]]
Cond = Callable[[Any, Any], Result]
NO: Result = (False, ())
YES: Result = (True, ())


def _all(parts: list[Cond]) -> Cond:
    if len(parts) == 1:
        return parts[0]

    def f(ctx, pw) -> Result:
        missing: tuple[str, ...] = ()
        unknown = False
        for part in parts:
            v, m = part(ctx, pw)
            if v is False:
                return NO
            if v is None:
                unknown, missing = True, missing + m
        return (None, missing) if unknown else YES
    return f


def _any(parts: list[Cond]) -> Cond:
    def f(ctx, pw) -> Result:
        missing: tuple[str, ...] = ()
        unknown = False
        for part in parts:
            v, m = part(ctx, pw)
            if v is True:
                return YES
            if v is None:
                unknown, missing = True, missing + m
        return (None, missing) if unknown else NO
    return f


def _not(part: Cond) -> Cond:
    def f(ctx, pw) -> Result:
        v, m = part(ctx, pw)
        return (None, m) if v is None else (not v, ())
    return f


JOURNEY = "journey.entries"  # the missing fact when the leg into the country is not on record


def _entry_known(ctx) -> Result | None:
    """None when the jurisdiction's entry is on record; else the 'unknown' answer."""
    return None if ctx.entry_index is not None else (None, (ctx.entry_path,))


def _journey_known(ctx) -> Result | None:
    """None when the entry and the leg into the country are on record; else 'unknown'."""
    if ctx.entry_index is None:
        return (None, (ctx.entry_path,))
    return None if ctx.journey_known else (None, (JOURNEY,))


def _p_always(arg) -> Cond:
    r = YES if arg else NO
    return lambda ctx, pw: r


def _p_exclusion_any(flags: list[str]) -> Cond:
    def f(ctx, pw) -> Result:
        unknown = []
        for flag in flags:
            v = ctx.exclusion[flag]
            if v:
                return YES
            if v is None:
                unknown.append(f"exclusion.{flag}")
        return (None, tuple(unknown)) if unknown else NO
    return f


def _p_nationality_is_country(arg: bool) -> Cond:
    return lambda ctx, pw: ((ctx.nationality == ctx.country) == arg, ())


def _p_nationality_in(arg: list[str]) -> Cond:
    s = frozenset(arg)
    return lambda ctx, pw: (ctx.nationality in s, ())


def _p_entry_manner_in(arg: list[str]) -> Cond:
    s = frozenset(arg)

    def f(ctx, pw) -> Result:
        if ctx.entry_index is None:
            return (None, (ctx.entry_path,))
        if ctx.entry_manner is None:
            return (None, (f"journey.entries[{ctx.entry_index}].manner",))
        return (ctx.entry_manner in s, ())
    return f


def _p_arrived_from(arg: list[str]) -> Cond:
    s = frozenset(arg)
    return lambda ctx, pw: _journey_known(ctx) or (ctx.arrived_from in s, ())


def _p_transited_third_country(arg: bool) -> Cond:
    def f(ctx, pw) -> Result:
        if ctx.transit and ctx.entry_index is not None:
            return (arg is True, ())  # a transit on record is known, whatever else is missing
        return _journey_known(ctx) or (arg is False, ())
    return f


def _p_transit_only_in(arg: list[str]) -> Cond:
    s = frozenset(arg)

    def f(ctx, pw) -> Result:
        if not s or (ctx.entry_index is not None and any(c not in s for c in ctx.transit)):
            return NO
        return _journey_known(ctx) or (bool(ctx.transit), ())
    return f


def _p_denied_in_transit(arg: bool) -> Cond:
    def f(ctx, pw) -> Result:
        if ctx.denied_in_transit and ctx.entry_index is not None:
            return (arg is True, ())
        return _journey_known(ctx) or (arg is False, ())
    return f


def _p_outside_nationality(arg: bool) -> Cond:
    def f(ctx, pw) -> Result:
        v = ctx.outside
        return (None, (JOURNEY,)) if v is None else (v == arg, ())
    return f


def _p_unaccompanied_minor(arg: bool) -> Cond:
    def f(ctx, pw) -> Result:
        v = ctx.unaccompanied_minor
        return (None, ("claimant.unaccompanied_minor",)) if v is None else (v == arg, ())
    return f


def _p_harm_kind_any(arg: list[str]) -> Cond:
    s = frozenset(arg)
    return lambda ctx, pw: (any(h.kind in s for h in ctx.harms), ())


def _p_harms_only_kinds(arg: list[str]) -> Cond:
    s = frozenset(arg)
    # No harm recorded is not "only economic harms": it is a missing fact (see engine._element).
    return lambda ctx, pw: (bool(ctx.harms) and all(h.kind in s for h in ctx.harms), ())


PREDICATES: dict[str, Callable[[Any], Cond]] = {
    "always": _p_always,
    "exclusion_any": _p_exclusion_any,
    "nationality_is_country": _p_nationality_is_country,
    "nationality_in": _p_nationality_in,
    "entry_manner_in": _p_entry_manner_in,
    "arrived_from": _p_arrived_from,
    "transited_third_country": _p_transited_third_country,
    "transit_only_in": _p_transit_only_in,
    "denied_in_transit": _p_denied_in_transit,
    "outside_nationality": _p_outside_nationality,
    "unaccompanied_minor": _p_unaccompanied_minor,
    "harm_kind_any": _p_harm_kind_any,
    "harms_only_kinds": _p_harms_only_kinds,
}


def compile_condition(spec: dict[str, Any]) -> Cond:
    """``{"arrived_from": ["MEX"], "not": {...}, "any": [{...}, ...]}`` -> a function."""
    parts: list[Cond] = []
    for key, arg in spec.items():
        if key == "any":
            parts.append(_any([compile_condition(c) for c in arg]))
        elif key == "all":
            parts.append(_all([compile_condition(c) for c in arg]))
        elif key == "not":
            parts.append(_not(compile_condition(arg)))
        elif key in PREDICATES:
            parts.append(PREDICATES[key](arg))
        else:
            raise ValueError(f"unknown condition {key!r}")
    if not parts:
        raise ValueError("empty condition")
    return _all(parts)
