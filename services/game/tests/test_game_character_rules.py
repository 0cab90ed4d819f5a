"""Characters as pure rules: characteristics, what they derive, rolling, professions."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from pathlib import Path

import pytest
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.character import (
    CHARACTERISTICS,
    STANDARD_CHARACTERISTICS,
    STANDARD_PROFESSION,
    Characteristics,
    Profession,
    UnknownRollMethod,
    derive,
    open_professions,
    roll,
)

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
SIZE_LIKE = ("siz", "int", "edu")


class LoadedDice(random.Random):
    """Throws the given dice, in order; anything else about randomness is refused."""

    def __init__(self, throws: Iterable[int]) -> None:
        super().__init__(0)
        self.throws = deque(throws)

    def randint(self, a: int, b: int) -> int:
        assert (a, b) == (1, 6), "characteristics are rolled with d6"
        return self.throws.popleft()


def test_the_standard_investigator() -> None:
    assert dict(STANDARD_CHARACTERISTICS) == dict.fromkeys(CHARACTERISTICS, 50)
    assert STANDARD_PROFESSION == "drifter"
    derived = derive(STANDARD_CHARACTERISTICS)
    assert (derived.max_dp, derived.max_mp, derived.max_lucidity) == (20, 10, 100)
    assert (derived.max_weight, derived.damage_bonus) == (35, 0)
    assert STANDARD_PROFESSION in open_professions(
        STANDARD_CHARACTERISTICS, WORLD.professions.values()
    )


def test_derive_the_designs_example_roll() -> None:
    chars = {"str": 55, "con": 60, "siz": 65, "dex": 40, "cha": 70, "int": 75, "pow": 45,
             "edu": 80, "luck": 50}  # fmt: skip
    derived = derive(chars)
    assert (derived.max_dp, derived.max_mp, derived.max_lucidity, derived.max_weight) == (
        25,
        9,
        100,
        37,
    )


@pytest.mark.parametrize(
    ("con", "siz", "max_dp"), [(50, 50, 20), (1, 1, 0), (99, 99, 39), (52, 50, 20), (53, 52, 21)]
)
def test_max_dp_is_con_plus_siz_over_5_rounded_down(con: int, siz: int, max_dp: int) -> None:
    assert derive(STANDARD_CHARACTERISTICS.as_dict() | {"con": con, "siz": siz}).max_dp == max_dp


@pytest.mark.parametrize(("pow_", "max_mp"), [(50, 10), (51, 11), (45, 9), (1, 1), (99, 20)])
def test_max_mp_is_pow_over_5_rounded_up(pow_: int, max_mp: int) -> None:
    assert derive(STANDARD_CHARACTERISTICS.as_dict() | {"pow": pow_}).max_mp == max_mp


@pytest.mark.parametrize(
    ("strength", "max_weight", "bonus"),
    [(50, 35, 0), (15, 17, 0), (1, 10, 0), (59, 39, 0), (60, 40, 1), (75, 47, 2), (99, 59, 4)],
)
def test_carrying_and_damage_bonus_come_from_str(
    strength: int, max_weight: int, bonus: int
) -> None:
    derived = derive(STANDARD_CHARACTERISTICS.as_dict() | {"str": strength})
    assert (derived.max_weight, derived.damage_bonus) == (max_weight, bonus)


def test_3d6_sums_three_dice_and_2d6_plus_6_for_siz_int_edu() -> None:
    throws = [
        6, 5, 4,  # str 15
        1, 1, 1,  # con 3
        6, 6,  # siz 12 + 6
        2, 3, 4,  # dex 9
        6, 6, 6,  # cha 18
        1, 1,  # int 2 + 6
        3, 3, 3,  # pow 9
        4, 5,  # edu 9 + 6
        1, 2, 3,  # luck 6
    ]  # fmt: skip
    dice = LoadedDice(throws)
    rolled = roll("3d6", dice)
    assert rolled == {"str": 75, "con": 15, "siz": 90, "dex": 45, "cha": 90, "int": 40,
                      "pow": 45, "edu": 75, "luck": 30}  # fmt: skip
    assert not dice.throws


def test_4d6_keeps_the_best_three_of_four() -> None:
    throws = [
        1, 6, 6, 6,  # str 18
        1, 1, 1, 2,  # con 4
        6, 6,  # siz 12 + 6
        3, 4, 2, 5,  # dex 12
        6, 1, 6, 1,  # cha 13
        1, 1,  # int 2 + 6
        2, 2, 2, 2,  # pow 6
        4, 5,  # edu 9 + 6
        5, 4, 6, 3,  # luck 15
    ]  # fmt: skip
    dice = LoadedDice(throws)
    rolled = roll("4d6", dice)
    assert rolled == {"str": 90, "con": 20, "siz": 90, "dex": 60, "cha": 65, "int": 40,
                      "pow": 30, "edu": 75, "luck": 75}  # fmt: skip
    assert not dice.throws


@pytest.mark.parametrize("method", ["3d6", "4d6"])
def test_every_roll_is_in_range_and_a_multiple_of_5(method: str) -> None:
    rng = random.Random(1926)
    seen: dict[str, set[int]] = {key: set() for key in CHARACTERISTICS}
    for _ in range(2000):
        for key, value in roll(method, rng).items():
            assert value % 5 == 0, (key, value)
            assert (40 <= value <= 90) if key in SIZE_LIKE else (15 <= value <= 90), (key, value)
            seen[key].add(value)
    for key in CHARACTERISTICS:
        # 2000 rolls reach the top of every range, and (but for four ones in 4d6,
        # 1 in 1296) the bottom.
        assert max(seen[key]) == 90, key
        if method == "3d6" or key in SIZE_LIKE:
            assert min(seen[key]) == (40 if key in SIZE_LIKE else 15), key


def test_4d6_rolls_higher_than_3d6_on_average() -> None:
    def mean_strength(method: str) -> float:
        rng = random.Random(7)
        return sum(roll(method, rng)["str"] for _ in range(2000)) / 2000

    # Expected: 52.5 for 3d6 x 5, about 61 for the best three of 4d6, x 5.
    assert mean_strength("3d6") < 55 < 58 < mean_strength("4d6")


def test_a_seeded_roll_repeats() -> None:
    assert roll("3d6", random.Random(42)) == roll("3d6", random.Random(42))


def test_an_unknown_method_is_refused_with_the_designs_text() -> None:
    with pytest.raises(UnknownRollMethod) as caught:
        roll("d20", random.Random(0))
    assert str(caught.value) == "Unknown method 'd20'. Methods: 3d6, 4d6."
    assert caught.value.method == "d20"


def test_professions_open_to_the_designs_example_roll_in_file_order() -> None:
    chars = {"str": 55, "con": 60, "siz": 65, "dex": 40, "cha": 70, "int": 75, "pow": 45,
             "edu": 80, "luck": 50}  # fmt: skip
    assert open_professions(chars, WORLD.professions.values()) == [
        "drifter",
        "professor",
        "journalist",
        "doctor",
    ]


def test_requirements_are_at_least_not_more_than() -> None:
    professor = WORLD.professions["professor"]
    at_least = STANDARD_CHARACTERISTICS.as_dict() | {"int": 60, "edu": 65}
    assert professor.open_to(at_least)
    assert not professor.open_to(at_least | {"edu": 64})


def test_changes_apply_and_clamp_to_1_and_99() -> None:
    professor = WORLD.professions["professor"]  # EDU +5, INT +5, DEX -5
    rolled = STANDARD_CHARACTERISTICS.as_dict() | {"int": 97, "edu": 65, "dex": 3}
    after = professor.apply(rolled)
    assert after == rolled | {"int": 99, "edu": 70, "dex": 1}
    assert isinstance(after, Characteristics)
    assert WORLD.professions["drifter"].apply(rolled) == rolled


def test_a_profession_without_requirements_is_open_to_anyone() -> None:
    anyone = Profession("x", "X", "Anyone.")
    assert open_professions(dict.fromkeys(CHARACTERISTICS, 1), [anyone]) == ["x"]


def test_characteristics_are_the_nine_within_1_to_99() -> None:
    with pytest.raises(ValueError, match="exactly str, con"):
        Characteristics({"str": 50})
    with pytest.raises(ValueError, match="luck must be between 1 and 99, not 100"):
        Characteristics(STANDARD_CHARACTERISTICS.as_dict() | {"luck": 100})
    shuffled = dict(reversed(list(STANDARD_CHARACTERISTICS.items())))
    assert list(Characteristics(shuffled)) == list(CHARACTERISTICS)
