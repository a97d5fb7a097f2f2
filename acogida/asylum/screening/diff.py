"""Compare two screening results of the same claim (e.g. before and after a policy change)."""

from __future__ import annotations

from typing import Any


def diff_results(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two ``screen()`` results: assessments, deadlines, policies applied.

    Returns ``{"changed": bool, "policies_added": [...], "policies_removed": [...],
    "assessments": [{"jurisdiction", "pathway", "old", "new", "rules_added", "rules_removed"}],
    "procedural": [{"jurisdiction", "rule", "old", "new"}], "right_to_be_heard": [...]}``;
    an entry whose old or new side is absent (a jurisdiction screened only once) has None there.
    """
    old_p, new_p = set(old.get("policies_applied", [])), set(new.get("policies_applied", []))
    out: dict[str, Any] = {"policies_added": sorted(new_p - old_p),
                           "policies_removed": sorted(old_p - new_p),
                           "assessments": [], "procedural": [], "right_to_be_heard": []}
    old_r, new_r = old.get("results", {}), new.get("results", {})
    for jur in sorted(set(old_r) | set(new_r)):
        a, b = old_r.get(jur, {}), new_r.get(jur, {})
        pa = {p["pathway"]: p for p in a.get("pathways", [])}
        pb = {p["pathway"]: p for p in b.get("pathways", [])}
        for name in list(dict.fromkeys([*pa, *pb])):
            x, y = pa.get(name), pb.get(name)
            ax, ay = (x or {}).get("assessment"), (y or {}).get("assessment")
            rx = {r["rule"] for r in (x or {}).get("reasons", [])}
            ry = {r["rule"] for r in (y or {}).get("reasons", [])}
            if ax != ay or rx != ry:
                out["assessments"].append({
                    "jurisdiction": jur, "pathway": name, "old": ax, "new": ay,
                    "rules_added": sorted(ry - rx), "rules_removed": sorted(rx - ry)})
        qa = {p["rule"]: p for p in a.get("procedural", [])}
        qb = {p["rule"]: p for p in b.get("procedural", [])}
        for rule in list(dict.fromkeys([*qa, *qb])):
            x, y = qa.get(rule), qb.get(rule)
            kx = (x["status"], x["deadline"]) if x else None
            ky = (y["status"], y["deadline"]) if y else None
            if kx != ky:
                out["procedural"].append({
                    "jurisdiction": jur, "rule": rule,
                    "old": {"status": kx[0], "deadline": kx[1]} if kx else None,
                    "new": {"status": ky[0], "deadline": ky[1]} if ky else None})
        if a.get("right_to_be_heard") != b.get("right_to_be_heard"):
            out["right_to_be_heard"].append({"jurisdiction": jur,
                                             "old": a.get("right_to_be_heard"),
                                             "new": b.get("right_to_be_heard")})
    out["changed"] = bool(out["policies_added"] or out["policies_removed"] or out["assessments"]
                          or out["procedural"] or out["right_to_be_heard"])
    return out
