"""Every index on the case table costs each update of a case: no index duplicates the prefix of
another, and the list's ordered indexes exist, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: info["columns"] for name, info in constraints.items()
            if info["index"] and not info["primary_key"] and not info["unique"]}


@pytest.mark.parametrize(
    "table", ["escalations_case", "escalations_tierstay", "escalations_notification"]
)
def test_no_single_column_index_is_the_prefix_of_another(table):
    indexes = _indexes(table)
    singles = {name: columns[0] for name, columns in indexes.items() if len(columns) == 1}
    covered = {
        name: column for name, column in singles.items()
        if any(len(other) > 1 and other[0] == column for other in indexes.values())
    }
    assert covered == {}


def test_case_list_indexes_exist():
    names = set(_indexes("escalations_case"))
    assert {"case_default_order", "case_state_order", "case_unresolved_order", "case_sla_next",
            "case_team_state", "case_assignee_state", "case_policy_tier"} <= names


def test_the_audit_table_is_indexed_only_for_its_reads():
    """History is read by case and by date; each further index costs every history row."""
    columns = sorted(c for cols in _indexes("escalations_historicalcase").values() for c in cols)
    assert columns == ["history_date", "history_user_id", "id"]
