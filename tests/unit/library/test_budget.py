"""Knapsack optimality and the plan's explanation."""

import itertools
import random

import pytest

from musictool.library.budget import PlanItem, knapsack, plan


def brute_force(values: list[float], costs: list[int], cap: int) -> float:
    best = 0.0
    for r in range(len(values) + 1):
        for combo in itertools.combinations(range(len(values)), r):
            if sum(costs[i] for i in combo) <= cap:
                best = max(best, sum(values[i] for i in combo))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_knapsack_is_optimal_on_small_cases(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 9)
    values = [rng.choice([0.0, rng.uniform(1, 100)]) for _ in range(n)]
    costs = [rng.randint(0, 400) for _ in range(n)]
    cap = rng.randint(0, 1000)
    chosen = knapsack(values, costs, cap)
    assert sum(costs[i] for i in chosen) <= cap
    assert sum(values[i] for i in chosen) == pytest.approx(brute_force(values, costs, cap))


def test_plan_beats_greedy_by_priority() -> None:
    # Greedy by priority takes the 60-point item for 40 and cannot afford more; two cheaper ones give 90.
    items = [PlanItem(1, "big", 60, 40.0), PlanItem(2, "a", 45, 25.0), PlanItem(3, "b", 45, 25.0)]
    p = plan(items, 50.0, "EUR")
    assert sorted(i.id for i in p.chosen) == [2, 3]
    assert p.total_cost == 50.0 and p.total_priority == 90
    assert p.total_cost <= 50.0
    assert any("big" in line and "more priority for the money" in line for line in p.explanation)


def test_plan_explains_estimates_and_items_over_budget() -> None:
    items = [PlanItem(1, "cheap", 10, 1.99, estimated=True), PlanItem(2, "dear", 90, 80.0)]
    p = plan(items, 10.0, "EUR")
    assert [i.id for i in p.chosen] == [1]
    text = "\n".join(p.explanation)
    assert "estimated price" in text
    assert "more than the whole budget" in text


def test_plan_never_exceeds_budget_with_coarse_units() -> None:
    rng = random.Random(3)
    items = [
        PlanItem(i, f"item {i}", rng.uniform(1, 100), round(rng.uniform(0.5, 30), 2)) for i in range(600)
    ]
    p = plan(items, 9999.99)
    assert p.total_cost <= 9999.99


def test_plan_refuses_negative_budget() -> None:
    with pytest.raises(ValueError, match="budget"):
        plan([], -1)


def test_a_price_too_large_for_cents_is_left_out_over_budget() -> None:
    # a store page may show any non-negative number; 1e308 * 100 is infinite and has no whole cents
    items = [PlanItem(1, "absurd", 90, 1.7e308), PlanItem(2, "fine", 10, 5.0)]
    p = plan(items, 1_000_000.0, "EUR")
    assert [i.id for i in p.chosen] == [2]
    assert any("absurd" in line and "more than the whole budget" in line for line in p.explanation)
