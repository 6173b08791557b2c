"""Tests for the deterministic demo dataset of the two invented property managers."""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest

from relay_graph.demo.dataset import CATEGORIES, DemoTenant, build_demo_tenants
from relay_graph.domain.email import is_valid_email

# SHA-256 of repr(build_demo_tenants()). It changes whenever any demo value changes. If the
# change is deliberate, replace it with the digest from the failure message. If it is not,
# the build is not reproducible, for example because it used an unstable random draw.
# NOTE: this digest has been checked only on CPython 3.11 (3.11.2 and 3.11.7).
PINNED_DIGEST = "5606e00a637fc2cbcf86091a27c4a993847f88bcca325497a0c903b83b2efa14"


@dataclass(frozen=True)
class Expected:
    properties: int
    provider_types: int
    linked_types: int
    contacts: int
    without_email: int
    invalid_emails: int
    manual_categories: int
    invited: int
    expired: int
    registered: int


EXPECTED = {
    "demo": Expected(25, 15, 5, 300, 30, 5, 36, 20, 5, 6),
    "demo-2": Expected(5, 6, 2, 40, 4, 1, 5, 3, 1, 1),
}


@pytest.fixture(scope="module")
def tenants() -> tuple[DemoTenant, ...]:
    return build_demo_tenants()


@pytest.fixture(params=sorted(EXPECTED))
def tenant(request: pytest.FixtureRequest, tenants: tuple[DemoTenant, ...]) -> DemoTenant:
    by_slug = {tenant.slug: tenant for tenant in tenants}
    return by_slug[request.param]


def holdings(tenant: DemoTenant) -> dict[str, set[tuple[str, str]]]:
    """Map each contact key to the (property key, provider type key) pairs it holds."""
    result: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for assignment in tenant.assignments:
        result[assignment.contact_key].add((assignment.property_key, assignment.provider_type_key))
    return result


def test_build_is_deterministic() -> None:
    first = build_demo_tenants()
    second = build_demo_tenants()

    assert first is not second
    assert first == second


def test_build_matches_pinned_digest(tenants: tuple[DemoTenant, ...]) -> None:
    digest = hashlib.sha256(repr(tenants).encode("utf-8")).hexdigest()

    assert digest == PINNED_DIGEST, f"demo data changed, new digest: {digest}"


def test_build_leaves_global_random_untouched() -> None:
    random.seed(12345)
    state_before = random.getstate()

    build_demo_tenants()

    assert random.getstate() == state_before


def test_tenant_slugs_and_names(tenants: tuple[DemoTenant, ...]) -> None:
    assert [tenant.slug for tenant in tenants] == ["demo", "demo-2"]
    assert tenants[0].name == "Hausverwaltung Sonnenberg GmbH"
    assert tenants[1].name == "Immobilienverwaltung Nordlicht KG"


def test_tenant_sizes(tenant: DemoTenant) -> None:
    expected = EXPECTED[tenant.slug]
    linked = [provider_type for provider_type in tenant.provider_types if provider_type.category]

    assert len(tenant.properties) == expected.properties
    assert len(tenant.provider_types) == expected.provider_types
    assert len(linked) == expected.linked_types
    assert len(tenant.contacts) == expected.contacts


def test_email_counts(tenant: DemoTenant) -> None:
    expected = EXPECTED[tenant.slug]
    emails = [contact.email for contact in tenant.contacts]
    invalid = [email for email in emails if email is not None and not is_valid_email(email)]

    assert emails.count(None) == expected.without_email
    assert len(invalid) == expected.invalid_emails


def test_relay_state_counts(tenant: DemoTenant) -> None:
    expected = EXPECTED[tenant.slug]
    states = Counter(contact.relay_state for contact in tenant.contacts)

    assert states["invited"] == expected.invited
    assert states["expired"] == expected.expired
    assert states["registered"] == expected.registered
    assert states["none"] == expected.contacts - expected.invited - expected.expired - (
        expected.registered
    )


def test_keys_unique_within_tenant(tenant: DemoTenant) -> None:
    property_keys = [prop.key for prop in tenant.properties]
    type_keys = [provider_type.key for provider_type in tenant.provider_types]
    contact_keys = [contact.key for contact in tenant.contacts]

    assert len(set(property_keys)) == len(property_keys)
    assert len(set(type_keys)) == len(type_keys)
    assert len(set(contact_keys)) == len(contact_keys)


def test_keys_have_erp_format(tenant: DemoTenant) -> None:
    for prop in tenant.properties:
        assert re.fullmatch(r"WEG-\d{4}", prop.key), prop.key
    for provider_type in tenant.provider_types:
        assert re.fullmatch(r"T\d{2}", provider_type.key), provider_type.key
    for contact in tenant.contacts:
        assert re.fullmatch(r"K\d{5}", contact.key), contact.key


def test_keys_unique_across_tenants(tenants: tuple[DemoTenant, ...]) -> None:
    first, second = tenants
    first_keys = {p.key for p in first.properties} | {t.key for t in first.provider_types}
    first_keys |= {contact.key for contact in first.contacts}
    second_keys = {p.key for p in second.properties} | {t.key for t in second.provider_types}
    second_keys |= {contact.key for contact in second.contacts}

    assert first_keys.isdisjoint(second_keys)


def test_names_unique_within_tenant(tenant: DemoTenant) -> None:
    property_names = [prop.name for prop in tenant.properties]
    type_names = [provider_type.name for provider_type in tenant.provider_types]
    companies = [contact.company for contact in tenant.contacts if contact.company]

    assert len(set(property_names)) == len(property_names)
    assert len(set(type_names)) == len(type_names)
    assert len(set(companies)) == len(companies)


def test_emails_unique_ignoring_case(tenant: DemoTenant) -> None:
    emails = [contact.email.casefold() for contact in tenant.contacts if contact.email]
    duplicates = [email for email, count in Counter(emails).items() if count > 1]

    assert duplicates == []


def test_valid_emails_use_example_domains(tenant: DemoTenant) -> None:
    for contact in tenant.contacts:
        if contact.email is not None and is_valid_email(contact.email):
            assert contact.email.casefold().endswith(".example"), contact.email


def test_some_valid_emails_vary_case(tenant: DemoTenant) -> None:
    mixed = [c.email for c in tenant.contacts if c.email and c.email != c.email.lower()]

    assert mixed


def test_assignments_reference_existing_keys(tenant: DemoTenant) -> None:
    property_keys = {prop.key for prop in tenant.properties}
    type_keys = {provider_type.key for provider_type in tenant.provider_types}
    contact_keys = {contact.key for contact in tenant.contacts}

    for assignment in tenant.assignments:
        assert assignment.contact_key in contact_keys, assignment
        assert assignment.property_key in property_keys, assignment
        assert assignment.provider_type_key in type_keys, assignment


def test_assignments_are_unique(tenant: DemoTenant) -> None:
    assert len(set(tenant.assignments)) == len(tenant.assignments)


def test_assignment_shape_per_contact(tenant: DemoTenant) -> None:
    held = holdings(tenant)

    for contact_key, pairs in held.items():
        assert 1 <= len({type_key for _, type_key in pairs}) <= 3, contact_key
        assert 1 <= len({property_key for property_key, _ in pairs}) <= 4, contact_key
    assert len(held) < len(tenant.contacts), "some contacts should hold no provider type"
    assert len(held) > 0.8 * len(tenant.contacts), "most contacts should hold a provider type"


def test_every_property_and_type_is_used(tenant: DemoTenant) -> None:
    used_properties = {assignment.property_key for assignment in tenant.assignments}
    used_types = {assignment.provider_type_key for assignment in tenant.assignments}

    assert used_properties == {prop.key for prop in tenant.properties}
    assert used_types == {provider_type.key for provider_type in tenant.provider_types}


def test_categories_are_known(tenant: DemoTenant) -> None:
    for provider_type in tenant.provider_types:
        assert provider_type.category in (None, *CATEGORIES), provider_type
    for contact in tenant.contacts:
        assert contact.category in (None, *CATEGORIES), contact


def test_linked_type_sets_holder_category(tenant: DemoTenant) -> None:
    linked = {t.key: t.category for t in tenant.provider_types if t.category is not None}
    contacts = {contact.key: contact for contact in tenant.contacts}

    for assignment in tenant.assignments:
        category = linked.get(assignment.provider_type_key)
        if category is not None:
            assert contacts[assignment.contact_key].category == category, assignment


def test_manual_category_count(tenant: DemoTenant) -> None:
    linked = {t.key for t in tenant.provider_types if t.category is not None}
    holders = {a.contact_key for a in tenant.assignments if a.provider_type_key in linked}
    manual = [c for c in tenant.contacts if c.category is not None and c.key not in holders]

    assert len(manual) == EXPECTED[tenant.slug].manual_categories


def test_relay_state_requires_category_and_email(tenant: DemoTenant) -> None:
    for contact in tenant.contacts:
        if contact.relay_state != "none":
            assert contact.category is not None, contact
            assert is_valid_email(contact.email), contact


def test_contact_has_name_or_company(tenant: DemoTenant) -> None:
    for contact in tenant.contacts:
        assert contact.last_name or contact.company, contact
        assert (contact.first_name is None) == (contact.last_name is None), contact


def test_salutation_only_for_people(tenant: DemoTenant) -> None:
    for contact in tenant.contacts:
        if contact.last_name is None:
            assert contact.salutation is None, contact
        else:
            assert contact.salutation in ("Herr", "Frau"), contact


def test_contact_address_all_or_nothing(tenant: DemoTenant) -> None:
    for contact in tenant.contacts:
        fields = (contact.street, contact.postal_code, contact.city)
        assert all(fields) or not any(fields), contact


def test_postal_codes_have_five_digits(tenant: DemoTenant) -> None:
    codes = [prop.postal_code for prop in tenant.properties]
    codes += [contact.postal_code for contact in tenant.contacts if contact.postal_code]

    for code in codes:
        assert re.fullmatch(r"\d{5}", code), code


def test_demo_postal_codes_mix_leading_zero(tenants: tuple[DemoTenant, ...]) -> None:
    codes = [prop.postal_code for prop in tenants[0].properties]

    assert any(code.startswith("0") for code in codes)
    assert any(not code.startswith("0") for code in codes)


def test_phone_numbers_are_german(tenant: DemoTenant) -> None:
    for contact in tenant.contacts:
        if contact.phone is None:
            continue
        assert re.fullmatch(r"(\+49 |0|\(0)[0-9 /()-]+", contact.phone), contact.phone
        digits = re.sub(r"\D", "", contact.phone.replace("+49", "0"))
        assert 11 <= len(digits) <= 12, contact.phone


def test_person_names_use_umlauts_and_eszett(tenants: tuple[DemoTenant, ...]) -> None:
    person_names = " ".join(
        f"{contact.first_name} {contact.last_name}"
        for contact in tenants[0].contacts
        if contact.last_name
    )

    assert re.search("[äöü]", person_names)
    assert "ß" in person_names
