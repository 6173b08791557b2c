"""Build the demo tenants: two invented German property management companies.

Each tenant draws from its own ``random.Random(seed)``, and only through ``Random.random()``.
The ``random`` docs guarantee that sequence for a given seed across Python versions, but not
the output of ``randrange``, ``choice``, ``shuffle`` or ``sample``. No step iterates over a
set or depends on string hashes, so every build returns equal data.

Keys are ERP-style numbers ("WEG-0001", "T01", "K00001") meant to become external ids.

The data follows these rules:
- A contact holds at most one linked provider type. Holding it on at least one property
  sets the contact's category to the type's category.
- Some other contacts get a manual category: the category that fits their first provider
  type, or SONSTIGE for contacts without provider types.
- Only contacts with a category and a valid email have a relay_state other than "none".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from relay_graph.demo import names
from relay_graph.demo.names import Draw

RelayState = Literal["none", "invited", "expired", "registered"]
EmailStatus = Literal["missing", "invalid", "valid"]

CATEGORIES: tuple[str, ...] = (
    "HANDWERKER", "HAUSMEISTER", "FACILITY_MANAGEMENT", "MESSDIENST", "REINIGUNG",
    "GARTEN_WINTERDIENST", "SONSTIGE",
)

# Malformed addresses of the kind found in ERP exports. Each invalid email uses another form.
INVALID_EMAIL_FORMS: tuple[str, ...] = (
    "{local}(at){domain}", "{local}@", "{local}@{label}", "{local}@@{domain}",
    "{local}@{label},{tld}",
)


@dataclass(frozen=True)
class DemoProperty:
    """A managed property. ``street`` includes the house number."""

    key: str
    name: str
    street: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class DemoProviderType:
    """A provider type. ``category`` is set only if the type is linked to a category."""

    key: str
    name: str
    category: str | None


@dataclass(frozen=True)
class DemoContact:
    """An address book contact. Street, postal code and city are all set or all None."""

    key: str
    salutation: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    email: str | None
    phone: str | None
    street: str | None
    postal_code: str | None
    city: str | None
    category: str | None
    relay_state: RelayState


@dataclass(frozen=True)
class DemoAssignment:
    """A contact holding a provider type on a property."""

    contact_key: str
    property_key: str
    provider_type_key: str


@dataclass(frozen=True)
class DemoTenant:
    """A property management company with its address book and assignments."""

    slug: str
    name: str
    properties: tuple[DemoProperty, ...]
    provider_types: tuple[DemoProviderType, ...]
    contacts: tuple[DemoContact, ...]
    assignments: tuple[DemoAssignment, ...]


@dataclass(frozen=True)
class _TenantSpec:
    """Sizes, seed and vocabulary of one demo tenant.

    Numbering of the keys starts after key_block * 1000 for properties, key_block * 10 for
    provider types and key_block * 10000 for contacts, so the two tenants share no key.
    """

    slug: str
    name: str
    seed: int
    key_block: int
    property_cities: tuple[str, ...]
    contact_cities: tuple[str, ...]
    property_count: int
    trades: tuple[str, ...]
    linked_trades: tuple[str, ...]
    contact_count: int
    office_contact_count: int  # contacts without provider types, such as lawyers
    without_email_count: int
    invalid_email_count: int
    manual_category_count: int
    relay_state_counts: tuple[tuple[RelayState, int], ...]


_TENANT_SPECS: tuple[_TenantSpec, ...] = (
    _TenantSpec(
        slug="demo", name="Hausverwaltung Sonnenberg GmbH", seed=4711, key_block=0,
        property_cities=("Dresden", "Leipzig", "Chemnitz", "Radebeul", "Meißen", "Pirna",
                         "Freiberg", "Halle (Saale)", "Berlin", "Potsdam"),
        contact_cities=("Dresden", "Leipzig", "Chemnitz", "Radebeul", "Meißen", "Pirna",
                        "Freiberg", "Zwickau", "Halle (Saale)", "Magdeburg", "Berlin", "Potsdam"),
        property_count=25,
        trades=("Elektriker", "Sanitär/Heizung", "Hausmeisterservice", "Treppenhausreinigung",
                "Gartenpflege", "Winterdienst", "Aufzugswartung", "Messdienst Heizkosten",
                "Schornsteinfeger", "Dachdecker", "Maler", "Schlüsseldienst", "Rohrreinigung",
                "Brandschutz", "Glaserei"),
        linked_trades=("Elektriker", "Hausmeisterservice", "Treppenhausreinigung",
                       "Gartenpflege", "Messdienst Heizkosten"),
        contact_count=300, office_contact_count=24, without_email_count=30,
        invalid_email_count=5, manual_category_count=36,
        relay_state_counts=(("invited", 20), ("expired", 5), ("registered", 6)),
    ),
    _TenantSpec(
        slug="demo-2", name="Immobilienverwaltung Nordlicht KG", seed=4712, key_block=2,
        property_cities=("Hamburg", "Kiel", "Lübeck"),
        contact_cities=("Hamburg", "Norderstedt", "Pinneberg", "Kiel", "Lübeck"),
        property_count=5,
        trades=("Elektroinstallation", "Heizung und Sanitär", "Hausmeisterdienst",
                "Gebäudereinigung", "Garten- und Winterdienst", "Schornsteinfeger"),
        linked_trades=("Hausmeisterdienst", "Gebäudereinigung"),
        contact_count=40, office_contact_count=3, without_email_count=4,
        invalid_email_count=1, manual_category_count=5,
        relay_state_counts=(("invited", 3), ("expired", 1), ("registered", 1)),
    ),
)

_TRADES_BY_NAME = {trade.name: trade for trade in names.TRADES}
_CITIES_BY_NAME = {city.name: city for city in names.CITIES}


@dataclass
class _ContactDraft:
    key: str
    salutation: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    address: tuple[str, str, str] | None  # street, postal code, city
    phone: str | None
    email_local: str
    email_domain: str
    trades: list[names.Trade] = field(default_factory=list)
    email_status: EmailStatus = "valid"
    email: str | None = None
    category: str | None = None
    relay_state: RelayState = "none"


def build_demo_tenants() -> tuple[DemoTenant, ...]:
    """Build both demo tenants, ``demo`` and ``demo-2``, from their fixed seeds."""
    return tuple(_build_tenant(spec) for spec in _TENANT_SPECS)


def _build_tenant(spec: _TenantSpec) -> DemoTenant:
    draw = Draw(spec.seed)
    trades = [_TRADES_BY_NAME[name] for name in spec.trades]
    properties = _build_properties(draw, spec)
    provider_types = tuple(
        DemoProviderType(
            key=f"T{spec.key_block * 10 + number:02d}",
            name=trade.name,
            category=trade.category if trade.name in spec.linked_trades else None,
        )
        for number, trade in enumerate(trades, start=1)
    )
    type_keys = {provider_type.name: provider_type.key for provider_type in provider_types}

    drafts = _draft_contacts(draw, spec, trades)
    assignments: list[DemoAssignment] = []
    for draft in drafts:
        assignments.extend(_draw_assignments(draw, draft, properties, type_keys))

    _set_categories(draw, spec, drafts)
    _set_emails(draw, spec, drafts)
    _set_relay_states(draw, spec, drafts)
    return DemoTenant(
        slug=spec.slug,
        name=spec.name,
        properties=properties,
        provider_types=provider_types,
        contacts=tuple(_freeze(draft) for draft in drafts),
        assignments=tuple(assignments),
    )


def _build_properties(draw: Draw, spec: _TenantSpec) -> tuple[DemoProperty, ...]:
    properties: list[DemoProperty] = []
    used_names: set[str] = set()
    while len(properties) < spec.property_count:
        city = _CITIES_BY_NAME[draw.pick(spec.property_cities)]
        street, postal_code, city_name = names.draw_address(draw, city)
        name = f"WEG {street}"
        if name in used_names:
            continue
        used_names.add(name)
        key = f"WEG-{spec.key_block * 1000 + len(properties) + 1:04d}"
        properties.append(DemoProperty(key, name, street, postal_code, city_name))
    return tuple(properties)


def _draft_contacts(
    draw: Draw, spec: _TenantSpec, trades: list[names.Trade]
) -> list[_ContactDraft]:
    provider_count = spec.contact_count - spec.office_contact_count
    if provider_count < len(trades):
        raise ValueError(
            f"{spec.slug}: {provider_count} providers are too few for {len(trades)} trades."
            " Raise contact_count or lower office_contact_count."
        )

    # Every trade has at least one holder. The remaining first trades are uniform.
    first_trades = trades + [draw.pick(trades) for _ in range(provider_count - len(trades))]
    first_trades = draw.sample(first_trades, len(first_trades))
    office_numbers = draw.sample(range(spec.contact_count), spec.office_contact_count)

    drafts: list[_ContactDraft] = []
    used_companies: set[str] = set()
    for number in range(spec.contact_count):
        key = f"K{spec.key_block * 10000 + number + 1:05d}"
        city = _CITIES_BY_NAME[draw.pick(spec.contact_cities)]
        trade = None if number in office_numbers else first_trades.pop()
        if trade is None:
            shape = draw.weighted(("company_and_person", "person"), (60, 40))
            patterns, trade_word = names.OFFICE_PATTERNS, ""
        else:
            shape = draw.weighted(("company_and_person", "company", "person"), (55, 30, 15))
            patterns, trade_word = names.COMPANY_PATTERNS, draw.pick(trade.company_words)

        salutation = first_name = last_name = company = None
        if shape != "company":
            salutation, first_name, last_name = names.draw_person(draw)
        if shape != "person":
            company = names.draw_company(draw, patterns, trade_word, city.name, used_companies)
        local, domain = names.draw_email_parts(draw, first_name, last_name, company)
        address = None if draw.chance(0.03) else names.draw_address(draw, city)
        phone = None if draw.chance(0.08) else names.draw_phone(draw, city)
        draft = _ContactDraft(
            key, salutation, first_name, last_name, company, address, phone, local, domain
        )
        if trade is not None:
            draft.trades = _pick_trades(draw, trade, trades, spec.linked_trades)
        drafts.append(draft)
    return drafts


def _pick_trades(
    draw: Draw, first: names.Trade, trades: list[names.Trade], linked: tuple[str, ...]
) -> list[names.Trade]:
    """Pick the first trade plus up to two related ones, with at most one linked trade."""
    extra_count = draw.weighted((0, 1, 2), (55, 30, 15))
    related = [trade for trade in trades if trade.name in first.related]
    picked = [first]
    for candidate in draw.sample(related, len(related)):
        if len(picked) > extra_count:
            break
        if candidate.name in linked and any(trade.name in linked for trade in picked):
            continue
        picked.append(candidate)
    return picked


def _draw_assignments(
    draw: Draw,
    draft: _ContactDraft,
    properties: tuple[DemoProperty, ...],
    type_keys: dict[str, str],
) -> list[DemoAssignment]:
    """Assign the first trade on 1-4 properties and each other trade on some of them."""
    if not draft.trades:
        return []
    chosen = draw.sample(properties, draw.weighted((1, 2, 3, 4), (35, 30, 20, 15)))
    assignments: list[DemoAssignment] = []
    for index, trade in enumerate(draft.trades):
        subset = chosen if index == 0 else draw.sample(chosen, draw.between(1, len(chosen)))
        assignments.extend(
            DemoAssignment(draft.key, property_.key, type_keys[trade.name]) for property_ in subset
        )
    return assignments


def _set_categories(draw: Draw, spec: _TenantSpec, drafts: list[_ContactDraft]) -> None:
    for draft in drafts:
        for trade in draft.trades:
            if trade.name in spec.linked_trades:
                draft.category = trade.category

    uncategorized = [draft for draft in drafts if draft.category is None]
    for draft in draw.sample(uncategorized, spec.manual_category_count):
        draft.category = draft.trades[0].category if draft.trades else "SONSTIGE"


def _set_emails(draw: Draw, spec: _TenantSpec, drafts: list[_ContactDraft]) -> None:
    if spec.invalid_email_count > len(INVALID_EMAIL_FORMS):
        raise ValueError(
            f"{spec.slug}: invalid_email_count {spec.invalid_email_count} exceeds the"
            f" {len(INVALID_EMAIL_FORMS)} INVALID_EMAIL_FORMS. Add a form or lower the count."
        )
    order = draw.sample(drafts, spec.without_email_count + spec.invalid_email_count)
    for draft in order[: spec.without_email_count]:
        draft.email_status = "missing"
    invalid_forms = draw.sample(INVALID_EMAIL_FORMS, spec.invalid_email_count)
    for draft in order[spec.without_email_count :]:
        draft.email_status = "invalid"

    used: set[str] = set()
    for draft in drafts:
        local, domain = draft.email_local, draft.email_domain
        if draft.email_status == "invalid":
            label, tld = domain.rsplit(".", 1)
            form = invalid_forms.pop()
            draft.email = form.format(local=local, domain=domain, label=label, tld=tld)
        elif draft.email_status == "valid":
            email, suffix = f"{local}@{domain}", 2
            while email.casefold() in used:
                email, suffix = f"{local}{suffix}@{domain}", suffix + 1
            draft.email = _vary_case(email) if draw.chance(0.06) else email
        if draft.email is not None:
            used.add(draft.email.casefold())


def _set_relay_states(draw: Draw, spec: _TenantSpec, drafts: list[_ContactDraft]) -> None:
    pool = [d for d in drafts if d.category is not None and d.email_status == "valid"]
    total = sum(count for _, count in spec.relay_state_counts)
    if total > len(pool):
        raise ValueError(
            f"{spec.slug}: relay_state_counts need {total} contacts with a category and a"
            f" valid email, but only {len(pool)} exist. Raise manual_category_count."
        )
    chosen = draw.sample(pool, total)
    for state, count in spec.relay_state_counts:
        for draft in chosen[:count]:
            draft.relay_state = state
        chosen = chosen[count:]


def _vary_case(email: str) -> str:
    """Capitalize the words of an address, as in "K.Mueller@Elektro-Krueger.example".

    Freemail domains stay lower case, as people type them that way.
    """
    local, domain = email.split("@")
    local = ".".join(part.capitalize() for part in local.split("."))
    if domain not in names.FREEMAIL_DOMAINS:
        label, tld = domain.rsplit(".", 1)
        domain = "-".join(part.capitalize() for part in label.split("-")) + "." + tld
    return f"{local}@{domain}"


def _freeze(draft: _ContactDraft) -> DemoContact:
    street, postal_code, city = draft.address or (None, None, None)
    return DemoContact(
        key=draft.key,
        salutation=draft.salutation,
        first_name=draft.first_name,
        last_name=draft.last_name,
        company=draft.company,
        email=draft.email,
        phone=draft.phone,
        street=street,
        postal_code=postal_code,
        city=city,
        category=draft.category,
        relay_state=draft.relay_state,
    )
