from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol
from urllib.parse import quote_plus, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import orjson
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from relay_graph.i18n import Language, is_language

# The outbox kind of invitation emails, the one kind rendered from template values.
INVITATION_KIND = "INVITATION"
# Tenants are German property managers, so expiry times are shown in German time.
EMAIL_TIME_ZONE = ZoneInfo("Europe/Berlin")
ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# Salutations that can stand before a name in a German greeting ("Guten Tag Frau …").
GERMAN_SALUTATIONS = {"frau": "Frau", "herr": "Herr"}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class InvitationDetails:
    tenant_name: str
    contact_name: str
    salutation: str | None
    code: str
    registration_link: str
    expires_at: datetime
    valid_days: int
    reply_to: str | None


@dataclass(frozen=True)
class Announcement:
    subject: str
    body: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("relay_graph.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # The templates ship inside the package, so Jinja compiles each once per process
        # instead of checking its file's modification time on every render.
        auto_reload=False,
    )


def registration_link(base_url: str, code: str) -> str:
    """Append the code as `code` query parameter, keeping any parameters the base URL has."""
    head, tail = registration_link_parts(base_url)
    return f"{head}{quote_plus(code)}{tail}"


@lru_cache(maxsize=16)
def registration_link_parts(base_url: str) -> tuple[str, str]:
    # The link up to the code's value and the fragment after it, split once per URL,
    # because invite-all builds thousands of links from the same registration URL.
    parts = urlsplit(base_url)
    query = f"{parts.query}&code=" if parts.query else "code="
    head = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    return head, f"#{parts.fragment}" if parts.fragment else ""


def format_expiry(value: datetime, language: Language) -> str:
    """Format a code's expiry in German time: 18.12.2026, 14:32 or 18 December 2026, 14:32."""
    local = value.astimezone(EMAIL_TIME_ZONE)
    if language == "de":
        return f"{local:%d.%m.%Y, %H:%M}"
    return f"{local.day} {ENGLISH_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def greeting_name(details: InvitationDetails, language: Language) -> str | None:
    """Name for the greeting line; None when only the email address is known."""
    if "@" in details.contact_name:
        return None
    salutation = GERMAN_SALUTATIONS.get((details.salutation or "").strip().lower())
    if language == "de" and salutation:
        return f"{salutation} {details.contact_name}"
    return details.contact_name


def render_invitation(details: InvitationDetails, language: Language) -> RenderedEmail:
    env = environment()
    values = {
        "invitation": details,
        "expires_at": format_expiry(details.expires_at, language),
        "greeting_name": greeting_name(details, language),
    }
    subject = env.get_template(f"{language}/invitation_subject.txt").render(values).strip()
    return RenderedEmail(
        subject=subject,
        text=env.get_template(f"{language}/invitation.txt").render(values),
        html=env.get_template(f"{language}/invitation.html").render(values),
    )


def render_announcement(tenant_name: str, valid_days: int, language: Language) -> Announcement:
    env = environment()
    values = {"tenant_name": tenant_name, "valid_days": valid_days}
    subject = env.get_template(f"{language}/announcement_subject.txt").render(values).strip()
    body = env.get_template(f"{language}/announcement.txt").render(values)
    return Announcement(subject=subject, body=body)


def invitation_values(details: InvitationDetails) -> str:
    """Serialize the details to the JSON that an outbox row keeps until the email is sent."""
    values = {
        "tenant_name": details.tenant_name,
        "contact_name": details.contact_name,
        "salutation": details.salutation,
        "code": details.code,
        "registration_link": details.registration_link,
        "expires_at": details.expires_at,
        "valid_days": details.valid_days,
        "reply_to": details.reply_to,
    }
    return orjson.dumps(values).decode()


def invitation_from_values(values: str) -> InvitationDetails:
    """Parse the JSON that `invitation_values` wrote. A missing key raises KeyError."""
    loaded = orjson.loads(values)
    return InvitationDetails(
        tenant_name=loaded["tenant_name"],
        contact_name=loaded["contact_name"],
        salutation=loaded["salutation"],
        code=loaded["code"],
        registration_link=loaded["registration_link"],
        expires_at=datetime.fromisoformat(loaded["expires_at"]),
        valid_days=loaded["valid_days"],
        reply_to=loaded["reply_to"],
    )


class StoredEmail(Protocol):
    """The fields of an outbox row that its subject and bodies come from."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def body_text(self) -> str | None: ...
    @property
    def body_html(self) -> str | None: ...
    @property
    def template_values(self) -> str | None: ...


def email_content(email: StoredEmail) -> RenderedEmail:
    """Return a queued email's subject and bodies, rendered now if it has template values.

    Raises ValueError for a row that has neither, which the outbox's check constraint
    rules out, and for template values of a kind without templates.
    """
    if email.template_values is None:
        if email.subject is None or email.body_text is None or email.body_html is None:
            raise ValueError(f"outbox row {email.id} has neither text nor template values")
        return RenderedEmail(email.subject, email.body_text, email.body_html)
    if email.kind != INVITATION_KIND:
        raise ValueError(
            f"outbox row {email.id} of kind {email.kind!r} has template values, "
            f"but only {INVITATION_KIND} emails are rendered from them"
        )
    if not is_language(email.language):
        raise ValueError(f"outbox row {email.id} has the unknown language {email.language!r}")

    return render_invitation(invitation_from_values(email.template_values), email.language)
