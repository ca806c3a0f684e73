"""The data-scale plan checker: which plans read a table whole, and when that fails the check."""

from bench.scale import full_scans, indexes_used, judge_plan, unserved

# Real PostgreSQL 15 plans (abridged) of the clinic look-up by card number, before and after migration 0007.
SCANNED = """\
Limit  (cost=485.80..485.80 rows=1 width=393) (actual time=1.884..1.886 rows=1 loops=1)
  ->  Sort  (cost=485.80..485.80 rows=1 width=393) (actual time=1.883..1.884 rows=1 loops=1)
        Sort Key: (((health_insurance_card.status)::text = 'revoked'::text)), health_insurance_card.issued_at DESC
        ->  Nested Loop  (cost=0.71..485.79 rows=1 width=393) (actual time=0.539..1.877 rows=1 loops=1)
              ->  Index Scan using ix_health_insurance_card_person_id on health_insurance_card  (cost=0.29..469.15)
                    Filter: ((number)::text = '2480002902'::text)
                    Rows Removed by Filter: 9990
              ->  Index Scan using pk_person on person  (cost=0.29..8.30 rows=1 width=168)
                    Index Cond: (id = health_insurance_card.person_id)
              ->  Seq Scan on medical_facility  (cost=0.00..2.91 rows=91 width=119)
Planning Time: 0.245 ms
Execution Time: 1.924 ms"""

INDEXED = """\
Limit  (cost=16.64..16.65 rows=1 width=393) (actual time=0.060..0.061 rows=1 loops=1)
  ->  Nested Loop  (cost=0.85..16.63 rows=1 width=393) (actual time=0.040..0.042 rows=1 loops=1)
        ->  Index Scan using ix_health_insurance_card_number on health_insurance_card  (cost=0.43..8.45 rows=1)
              Index Cond: ((number)::text = '2480002902'::text)
        ->  Index Scan using pk_person on person  (cost=0.43..8.15 rows=1 width=168)
              Index Cond: (id = health_insurance_card.person_id)
Execution Time: 0.081 ms"""

ROWS = {"health_insurance_card": 1_000_000.0, "person": 1_000_000.0, "medical_facility": 91.0, "clinic_client": 1.0}


def test_an_index_walked_without_an_index_cond_is_a_full_scan() -> None:
    scans = full_scans(SCANNED)

    assert [table for table, _ in scans] == ["health_insurance_card", "medical_facility"]
    assert "Filter: ((number)::text" in scans[0][1]
    assert full_scans(INDEXED) == []
    assert indexes_used(INDEXED) == ["ix_health_insurance_card_number", "pk_person"]


def test_a_full_scan_of_a_big_table_fails_and_a_small_reference_table_passes() -> None:
    problems = judge_plan(SCANNED, table_rows=ROWS, unindexed=set())

    assert problems == ["full scan of health_insurance_card (1,000,000 rows)"]
    assert judge_plan(INDEXED, table_rows=ROWS, unindexed=set()) == []


def test_a_small_table_fails_only_when_no_index_could_serve_the_query() -> None:
    small = {**ROWS, "health_insurance_card": 9_991.0}

    assert judge_plan(SCANNED, table_rows=small, unindexed=set()) == []
    problems = judge_plan(SCANNED, table_rows=small, unindexed={"health_insurance_card"})
    assert problems == [
        "full scan of health_insurance_card: no index serves this query, so it is read whole at any size"
    ]


def test_a_scan_is_unserved_unless_a_full_index_starts_with_a_filtered_column() -> None:
    # A one-row table: the planner walked the facility index although the unique client_id index would do.
    tie = """\
Nested Loop  (cost=0.27..16.48 rows=1 width=6)
  ->  Index Scan using ix_clinic_client_facility_id on clinic_client  (cost=0.12..8.14 rows=1 width=8)
        Filter: ((active IS TRUE) AND ((client_id)::text = 'clinic-01001'::text))
  ->  Index Scan using pk_medical_facility on medical_facility  (cost=0.14..8.16 rows=1 width=14)
        Index Cond: (id = clinic_client.facility_id)"""
    leading = {"clinic_client": {"id", "facility_id", "client_id"}, "health_insurance_card": {"id", "person_id"}}

    assert unserved(tie, leading) == set()
    assert unserved(SCANNED, leading) == {"health_insurance_card", "medical_facility"}
    assert unserved(SCANNED, {**leading, "health_insurance_card": {"number"}}) == {"medical_facility"}


def test_a_scan_selected_by_a_join_condition_on_an_indexed_column_is_served() -> None:
    # An empty table joined by its primary key: the planner reads it whole and filters at the join, at no cost.
    plan = """\
Nested Loop Left Join  (cost=0.71..16.79 rows=1 width=394)
  Join Filter: (notification_preference.person_id = person.id)
  ->  Index Scan using uq_person_citizen_id on person  (cost=0.29..8.30 rows=1 width=168)
        Index Cond: ((citizen_id)::text = '040068133566'::text)
  ->  Seq Scan on notification_preference  (cost=0.00..0.00 rows=1 width=9)"""

    assert unserved(plan, {"notification_preference": {"person_id"}, "person": {"id", "citizen_id"}}) == set()
    assert unserved(plan, {"notification_preference": {"updated_at"}}) == {"notification_preference"}
