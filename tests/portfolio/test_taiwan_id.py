import random

from fairdial.portfolio import taiwan_id


def test_generated_ids_have_the_right_shape_and_check_digit():
    rng = random.Random(7)
    for female in (False, True):
        for _ in range(200):
            value = taiwan_id.generate(rng, female=female)
            assert len(value) == 10
            assert value[1] == ("2" if female else "1")
            assert taiwan_id.is_valid(value)


def test_a_wrong_check_digit_or_shape_is_invalid():
    value = taiwan_id.generate(random.Random(1), female=False)
    wrong = value[:9] + str((int(value[9]) + 1) % 10)
    assert not taiwan_id.is_valid(wrong)
    assert not taiwan_id.is_valid(value.lower())
    assert not taiwan_id.is_valid(value[0] + "3" + value[2:])
    assert not taiwan_id.is_valid(value[:9])


def test_check_digit_follows_the_published_weights():
    # A1234567?: A=10 -> 1*1 + 0*9, then 1..8 weighted 8..1 = 1+0+8+14+18+20+20+18+14+8 = 121,
    # so the check digit that makes the sum a multiple of ten is 9.
    assert taiwan_id.is_valid("A123456789")
    assert not taiwan_id.is_valid("A123456788")
