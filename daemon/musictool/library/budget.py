"""Spend a budget on the wishlist: a 0/1 knapsack that maximises total priority, with its explanation.

Prices are in the wishlist's currency; an item without a known price uses the estimate (a typical
per-track download price) and the explanation says so. Costs are handled in whole cents; when budget x items
would make the table too large, costs are rounded *up* to a coarser unit so a plan never exceeds the budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MAX_CELLS = 4_000_000


@dataclass(slots=True)
class PlanItem:
    id: int
    label: str
    priority: float
    price: float | None
    estimated: bool = False


@dataclass(slots=True)
class Plan:
    budget: float
    chosen: list[PlanItem]
    left_out: list[tuple[PlanItem, str]]
    total_cost: float
    total_priority: float
    explanation: list[str]

    def as_dict(self) -> dict:
        def item(p: PlanItem) -> dict:
            return {
                "id": p.id,
                "label": p.label,
                "priority": p.priority,
                "price": p.price,
                "price_estimated": p.estimated,
            }

        return {
            "budget": self.budget,
            "total_cost": self.total_cost,
            "total_priority": self.total_priority,
            "chosen": [item(p) for p in self.chosen],
            "left_out": [{**item(p), "why": why} for p, why in self.left_out],
            "explanation": self.explanation,
        }


def knapsack(values: Sequence[float], costs: Sequence[int], capacity: int) -> list[int]:
    """Indices of the subset with the highest total value whose total cost <= capacity (exact DP)."""
    n = len(values)
    if capacity <= 0 or n == 0:
        return [i for i in range(n) if costs[i] <= 0 and values[i] > 0]
    best = [0.0] * (capacity + 1)
    keep = [bytearray(capacity + 1) for _ in range(n)]
    for i in range(n):
        c, v = costs[i], values[i]
        if v <= 0:
            continue
        row = keep[i]
        for cap in range(capacity, max(c, 0) - 1, -1):
            cand = best[cap - c] + v
            if cand > best[cap] + 1e-9:
                best[cap] = cand
                row[cap] = 1
    chosen, cap = [], capacity
    for i in range(n - 1, -1, -1):
        if keep[i][cap]:
            chosen.append(i)
            cap -= costs[i]
    return sorted(chosen)


def plan(items: Sequence[PlanItem], budget: float, currency: str = "") -> Plan:
    """Pick the items that maximise total priority within `budget`, and say why each was or was not picked."""
    if budget < 0 or not math.isfinite(budget):
        raise ValueError("budget must be a non-negative number")
    usable = [it for it in items if it.price is not None and it.price >= 0]
    cap_cents = int(math.floor(budget * 100 + 1e-6))
    # a price beyond the budget never fits, however large (a page may show 1e308: its cents overflow an int)
    cents = [cap_cents + 1 if it.price * 100 > cap_cents else round(it.price * 100) for it in usable]  # type: ignore[operator]
    unit = max(1, math.ceil(cap_cents * max(1, len(usable)) / MAX_CELLS))
    costs = [math.ceil(c / unit) for c in cents]
    picked = set(knapsack([it.priority for it in usable], costs, cap_cents // unit))
    chosen = [usable[i] for i in sorted(picked, key=lambda i: -usable[i].priority)]
    total_cost = round(sum(it.price or 0 for it in chosen), 2)
    total_priority = round(sum(it.priority for it in chosen), 2)
    remaining = round(budget - total_cost, 2)
    cur = f" {currency}" if currency else ""
    left: list[tuple[PlanItem, str]] = []
    for i, it in enumerate(usable):
        if i in picked:
            continue
        if it.priority <= 0:
            why = "priority 0"
        elif (it.price or 0) > budget:
            why = f"costs {it.price:.2f}{cur}, more than the whole budget"
        elif (it.price or 0) > remaining:
            why = f"costs {it.price:.2f}{cur}; the chosen items give more priority for the money"
        else:
            why = "left out by rounding"  # only possible with a coarse cost unit
        left.append((it, why))
    for it in items:
        if it.price is None or it.price < 0:
            left.append((it, "no price known and none estimated"))
    explanation = [
        f"{len(chosen)} of {len(items)} items fit the budget of {budget:.2f}{cur}: "
        f"they cost {total_cost:.2f}{cur} and add up to priority {total_priority:g}, the most any selection "
        f"within the budget reaches; {remaining:.2f}{cur} is left.",
    ]
    for it in chosen:
        per = f", {it.priority / it.price:.1f} priority per unit" if it.price else ""
        est = " (estimated price)" if it.estimated else ""
        explanation.append(f"+ {it.label}: priority {it.priority:g} for {it.price:.2f}{cur}{est}{per}")
    for it, why in left:
        explanation.append(f"- {it.label}: {why}")
    return Plan(budget, chosen, left, total_cost, total_priority, explanation)
