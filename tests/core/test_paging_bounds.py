"""Paging is bounded: every `offset` and `limit` has a schema maximum, and out of range is a 400 problem, never a 500.

`GET /api/v1/facilities?offset=179791159103935160775254437405917184` (and the other lists) answered 500: the integer
overflowed the driver. The lists are read from the served OpenAPI document, so one added later is checked too.
"""

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.pagination import MAX_LIMIT, MAX_OFFSET
from ansinh.core.settings import Settings
from ansinh.households.models import ConsentState, Household, HouseholdMember, Relation
from tests.employers.conftest import software_bearer
from tests.factories import bearer_for, make_citizen, make_facility, make_facility_admin, make_staff
from tests.records.conftest import make_employer

PAGING = ("offset", "limit")
BOUNDS = {"offset": (0, MAX_OFFSET), "limit": (1, MAX_LIMIT)}
ISSUE_OFFSET = 179791159103935160775254437405917184  # the issue's example, 2^117
TOO_LARGE = (2**63, 10**30, ISSUE_OFFSET)
OUT_OF_RANGE = {
    "offset": (*TOO_LARGE, MAX_OFFSET + 1, -1),
    "limit": (*TOO_LARGE, MAX_LIMIT + 1, 0, -1),
}
# The paginated lists named in the issue: the enumeration below must find at least these.
NAMED_IN_ISSUE = {
    "/api/v1/facilities",
    "/api/v1/me/benefits",
    "/api/v1/me/card/checks",
    "/api/v1/me/medical-visits",
    "/api/v1/me/notifications",
    "/api/v1/me/chip-id/verifications",
    "/api/v1/households/mine/events",
}
INVALID_REQUEST = "https://ansinh.example/problems/invalid-request"


def paginated_lists(document: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Every GET operation with an `offset` or `limit` query parameter: path → parameter name → its schema."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for path, item in document["paths"].items():
        parameters = (item.get("get") or {}).get("parameters", [])
        paging = {p["name"]: p["schema"] for p in parameters if p.get("in") == "query" and p["name"] in PAGING}
        if paging:
            found[path] = paging
    return found


async def _household_head(db: AsyncSession, settings: Settings) -> tuple[dict[str, str], int]:
    """A citizen heading a household: allowed on every citizen's list, the household's events included; and the
    head's own member id (a member whose visits the head may list)."""
    account, person = await make_citizen(db, full_name="Lê Văn Phân Trang")
    household = Household(
        code="HGD79PAGE0001",
        address="1 Lê Lợi, Quận 1",
        province_code="79",
        head_person_id=person.id,  # type: ignore[arg-type]
    )
    db.add(household)
    await db.commit()
    head = HouseholdMember(
        household_id=household.id,  # type: ignore[arg-type]
        person_id=person.id,  # type: ignore[arg-type]
        relation=Relation.HEAD,
        enrolment_order=1,
        consent=ConsentState.NOT_REQUIRED,
    )
    db.add(head)
    await db.commit()
    return bearer_for(settings, account), head.id  # type: ignore[return-value]


class _Unfilled(dict[str, Any]):
    """Path values; a parameter without one stays ``{name}`` (and the test says so)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _is_invalid_request(response: Any) -> bool:
    return (
        response.status_code == 400
        and response.headers.get("content-type", "").startswith("application/problem+json")
        and response.json().get("type") == INVALID_REQUEST
    )


async def test_every_list_bounds_its_paging(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    """Each list: a documented minimum and maximum; 2^63, 10^30 and negatives are a 400 problem; the bounds are 200."""
    document = (await client.get("/schema/openapi.json")).json()
    lists = paginated_lists(document)
    missing = NAMED_IN_ISSUE - set(lists)
    assert not missing, f"paginated lists not found in the OpenAPI document: {sorted(missing)} (found {sorted(lists)})"

    staff = await make_staff(db_session, username="staff.paging")
    head, member_id = await _household_head(db_session, settings)
    path_values = {"member_id": member_id}  # lists under a path parameter are read with one the citizen may use
    callers = {
        "anonymous": {},
        "citizen": head,
        "staff": bearer_for(settings, staff),
        "facility admin": bearer_for(
            settings, await make_facility_admin(db_session, facility=await make_facility(db_session), username="adm.pg")
        ),
    }
    employer = await make_employer(db_session, code="TP0001A")
    callers["employer software"] = software_bearer(settings, employer.code)
    path_values["code"] = employer.code  # an employer's lists, for its own software
    problems: list[str] = []
    for template, paging in sorted(lists.items()):
        path = template.format_map(_Unfilled(path_values))
        assert "{" not in path, f"{template}: a paginated list with path parameters needs values here"
        for name, schema in paging.items():
            low, high = BOUNDS[name]
            if (schema.get("minimum"), schema.get("maximum")) != (low, high):
                problems.append(f"{path}: {name} is documented {schema}, not {low}…{high}")

        # Who may call it: the first caller whose plain request is not turned away. The out-of-range requests are
        # sent as every caller (none may get a 5xx); the allowed caller's must be refused for the parameter.
        allowed = None
        for who, headers in callers.items():
            if (await client.get(path, headers=headers)).status_code not in (401, 403):
                allowed = who
                break
        if allowed is None:
            problems.append(f"{path}: turned away every caller ({', '.join(callers)}): the parameters went unchecked")

        for name in paging:
            for value in OUT_OF_RANGE[name]:
                for who, headers in callers.items():
                    response = await client.get(path, params={name: value}, headers=headers)
                    where = f"GET {path}?{name}={value} as {who}: {response.status_code}"
                    if response.status_code >= 500:
                        problems.append(f"{where} (a server error): {response.text[:200]}")
                    elif who == allowed and not _is_invalid_request(response):
                        problems.append(f"{where}, not a 400 invalid-request problem: {response.text[:200]}")

        if allowed is not None:
            at_bounds = {name: BOUNDS[name][1] for name in paging}
            response = await client.get(path, params=at_bounds, headers=callers[allowed])
            if response.status_code != 200:
                problems.append(f"GET {path} at the bounds {at_bounds} as {allowed}: {response.status_code}")

    assert not problems, "\n".join(problems)
