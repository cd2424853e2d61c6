"""The platform floor's arithmetic (bench/platform_floor.py): counts per lifecycle, the floor, the goal."""

import pytest
from bench.platform_floor import floor_for_goal, floor_seconds, per_lifecycle, receive_polls, unconditional


def test_per_day_work_is_shared_by_the_region_not_the_cohort() -> None:
    # 10 cases over 100 days: 1,000 GetItems of their own, 3 Queries a day whatever the cohort.
    totals = {"dynamodb.GetItem": 1000, "dynamodb.Query": 300 + 50}
    per_day = {"dynamodb.Query": 3}
    counts = per_lifecycle(totals, per_day, days=100, cases=10, region_cases=500)
    assert counts["dynamodb.GetItem"] == pytest.approx(100)
    assert counts["dynamodb.Query"] == pytest.approx(50 / 10 + 300 / 500)


def test_a_small_cohort_does_not_carry_a_whole_day_each() -> None:
    # 5 cases polled the schedules once a day for 500 days: 100 each, naively; 1 each in a region of 500.
    counts = per_lifecycle({"scheduler.ListSchedules": 500}, {"scheduler.ListSchedules": 1}, 500, 5, 500)
    assert counts == {"scheduler.ListSchedules": pytest.approx(1)}


def test_floor_sums_counts_times_units_and_skips_what_has_no_unit() -> None:
    counts = {"dynamodb.GetItem": 200, "lambda.Invoke": 40, "sfn.SendTaskSuccess": 17}
    units = {"dynamodb.GetItem": 0.001, "lambda.Invoke": 0.002}
    assert floor_seconds(counts, units) == pytest.approx(0.2 + 0.08)


def test_floor_for_the_goal_spreads_lifecycles_over_cores() -> None:
    assert floor_for_goal(0.36, cores=2) == pytest.approx(180)
    assert floor_for_goal(1.0, cores=4, cases=100) == pytest.approx(25)


def test_receives_are_full_batches_plus_a_share_of_the_daily_polls() -> None:
    assert receive_polls(messages=37, polls_per_day=2, days=650, region_cases=500) == pytest.approx(3.7 + 2.6)


def test_an_unconditional_transaction_keeps_its_writes_and_drops_conditions_and_the_token() -> None:
    request = {
        "ClientRequestToken": "t-1",
        "TransactItems": [
            {
                "Put": {
                    "TableName": "t",
                    "Item": {"pk": {"S": "CASE#1"}},
                    "ConditionExpression": "attribute_not_exists (#0)",
                    "ExpressionAttributeNames": {"#0": "pk"},
                }
            },
            {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "M#1"}}, "ConditionExpression": "x"}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "CASE#2"}},
                    "UpdateExpression": "SET #1 = :1",
                    "ConditionExpression": "#0 = :0",
                    "ExpressionAttributeNames": {"#0": "version", "#1": "stage"},
                    "ExpressionAttributeValues": {":0": {"N": "3"}, ":1": {"S": "released"}},
                }
            },
        ],
    }
    replayed = unconditional("TransactWriteItems", request)
    assert replayed == {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "CASE#1"}}}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "CASE#2"}},
                    "UpdateExpression": "SET #1 = :1",
                    "ExpressionAttributeNames": {"#1": "stage"},
                    "ExpressionAttributeValues": {":1": {"S": "released"}},
                }
            },
        ]
    }
    assert "ConditionExpression" in request["TransactItems"][0]["Put"]  # the capture itself is untouched
