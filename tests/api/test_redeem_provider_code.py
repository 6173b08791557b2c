from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.db.models import CODE_ACTIVE, CODE_REDEEMED, Contact, ProviderCode, Tenant

# Contains 0 and 1, so the O-for-0 and I/L-for-1 variants below change it.
STORED_CODE = "0K1QM-X0H4P"

REDEEM = """
mutation Redeem($code: String!) {
  redeemProviderCode(code: $code) {
    contact { id relayStatus relay { status registeredAt } }
    userErrors { field code message }
  }
}
"""

CREATE_CODE = """
mutation Create($contactId: ID!) {
  createProviderCode(contactId: $contactId) {
    providerCode { code }
    userErrors { code }
  }
}
"""


async def redeem(
    gql: GraphQLClient, token: str, code: str, language: str | None = None
) -> dict[str, Any]:
    data = await gql.execute(REDEEM, {"code": code}, token=token, language=language)
    payload: dict[str, Any] = data["redeemProviderCode"]
    return payload


def error_codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def invited_contact(
    factory: Factory,
    tenant: Tenant,
    *,
    code: str = STORED_CODE,
    expires_in: timedelta = timedelta(days=14),
) -> Contact:
    """Create a contact with one ACTIVE code whose value is `code`."""
    contact = await factory.contact(tenant, category="HANDWERKER")
    provider_code = await factory.code(contact, expires_in=expires_in)
    async with factory.uow.write() as uow:
        await uow.session.execute(
            update(ProviderCode).where(ProviderCode.id == provider_code.id).values(code=code)
        )
        await uow.commit()
    return contact


async def stored_state(factory: Factory, contact: Contact) -> tuple[datetime | None, list[str]]:
    """Return the contact's registered_at and the states of its codes."""
    async with factory.uow.read() as uow:
        loaded = await uow.session.get(Contact, contact.id)
        codes = (
            await uow.session.execute(
                ProviderCode.__table__.select()
                .where(ProviderCode.contact_id == contact.id)
                .order_by(ProviderCode.id)
            )
        ).all()
    assert loaded is not None
    return loaded.registered_at, [row.state for row in codes]


@pytest.mark.parametrize(
    "entered",
    [
        "0K1QM-X0H4P",
        "0k1qm-x0h4p",
        "0K1QMX0H4P",
        " 0K1QM X0H4P ",
        "0 k 1 q m  x 0 h 4 p",
        "OK1QM-XOH4P",
        "oKlQM-XoH4P",
        "0KIQM-X0H4P",
    ],
)
async def test_redeem_accepts_variants(
    gql: GraphQLClient, demo: Any, factory: Factory, entered: str
) -> None:
    contact = await invited_contact(factory, demo.tenant)

    payload = await redeem(gql, demo.admin, entered)

    assert payload["userErrors"] == []
    assert payload["contact"]["id"] == to_global_id("Contact", contact.id)
    assert payload["contact"]["relayStatus"] == "REGISTERED"
    assert payload["contact"]["relay"]["status"] == "REGISTERED"
    assert payload["contact"]["relay"]["registeredAt"] is not None
    registered_at, states = await stored_state(factory, contact)
    assert registered_at is not None
    assert states == [CODE_REDEEMED]


async def test_redeem_code_from_create(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(demo.tenant, category="HAUSMEISTER")
    variables = {"contactId": to_global_id("Contact", contact.id)}
    created = await gql.execute(CREATE_CODE, variables, token=demo.admin)
    code = created["createProviderCode"]["providerCode"]["code"]

    payload = await redeem(gql, demo.admin, code.lower().replace("-", " "))
    again = await gql.execute(CREATE_CODE, variables, token=demo.admin)

    assert payload["userErrors"] == []
    assert payload["contact"]["relayStatus"] == "REGISTERED"
    assert error_codes(again["createProviderCode"]) == ["ALREADY_REGISTERED"]


async def test_redeem_twice_rejected(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await invited_contact(factory, demo.tenant)
    first = await redeem(gql, demo.admin, STORED_CODE)
    registered_at, _ = await stored_state(factory, contact)

    second = await redeem(gql, demo.admin, STORED_CODE)

    assert first["userErrors"] == []
    assert second["contact"] is None
    assert error_codes(second) == ["INVALID_CODE"]
    assert second["userErrors"][0]["field"] == ["code"]
    assert await stored_state(factory, contact) == (registered_at, [CODE_REDEEMED])


async def test_redeem_expired_code(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await invited_contact(factory, demo.tenant, expires_in=timedelta(seconds=-1))

    payload = await redeem(gql, demo.admin, STORED_CODE)
    english = await redeem(gql, demo.admin, STORED_CODE, language="en")

    assert payload["contact"] is None
    assert error_codes(payload) == ["CODE_EXPIRED"]
    assert error_codes(english) == ["CODE_EXPIRED"]
    assert payload["userErrors"][0]["message"] != english["userErrors"][0]["message"]
    assert await stored_state(factory, contact) == (None, [CODE_ACTIVE])


async def test_redeem_other_tenant_code(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    foreign = await invited_contact(factory, other.tenant)

    payload = await redeem(gql, demo.admin, STORED_CODE)

    assert payload["contact"] is None
    assert error_codes(payload) == ["INVALID_CODE"]
    assert await stored_state(factory, foreign) == (None, [CODE_ACTIVE])


async def test_redeem_replaced_code(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await invited_contact(factory, demo.tenant, expires_in=timedelta(days=-1))
    # An expired code is replaced when the contact gets a new one.
    created = await gql.execute(
        CREATE_CODE, {"contactId": to_global_id("Contact", contact.id)}, token=demo.admin
    )
    assert created["createProviderCode"]["userErrors"] == []

    payload = await redeem(gql, demo.admin, STORED_CODE)

    assert error_codes(payload) == ["INVALID_CODE"]
    registered_at, _ = await stored_state(factory, contact)
    assert registered_at is None


@pytest.mark.parametrize(
    "entered", ["", "0K1QM-X0H4", "0K1QM-X0H4PP", "0K1QM-X0H4U", "ZZZZZ-ZZZZZ"]
)
async def test_redeem_unknown_or_malformed(
    gql: GraphQLClient, demo: Any, factory: Factory, entered: str
) -> None:
    contact = await invited_contact(factory, demo.tenant)

    payload = await redeem(gql, demo.admin, entered)

    assert payload["contact"] is None
    assert error_codes(payload) == ["INVALID_CODE"]
    assert await stored_state(factory, contact) == (None, [CODE_ACTIVE])


async def test_redeem_archived_contact(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await invited_contact(factory, demo.tenant)
    async with factory.uow.write() as uow:
        await uow.session.execute(
            update(Contact).where(Contact.id == contact.id).values(archived_at=datetime.now(UTC))
        )
        await uow.commit()

    payload = await redeem(gql, demo.admin, STORED_CODE)

    assert error_codes(payload) == ["INVALID_CODE"]
    assert await stored_state(factory, contact) == (None, [CODE_ACTIVE])


async def test_redeem_viewer_forbidden(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await invited_contact(factory, demo.tenant)

    payload = await redeem(gql, demo.viewer, STORED_CODE)

    assert payload["contact"] is None
    assert error_codes(payload) == ["FORBIDDEN"]
    assert await stored_state(factory, contact) == (None, [CODE_ACTIVE])


@pytest.mark.parametrize(
    ("entered", "shown"),
    [("", "„“"), ("  ab ", "„ab“"), ("X" * 100_000, "„" + "X" * 20 + "…“")],
)
async def test_redeem_message_shows_short_code(
    gql: GraphQLClient, demo: Any, entered: str, shown: str
) -> None:
    payload = await redeem(gql, demo.admin, entered)

    [error] = payload["userErrors"]
    assert f"Der Dienstleistercode {shown} ist ungültig" in error["message"]
    assert len(error["message"]) < 200
