"""GraphQL enums; their values equal the domain enums' values, so they convert by value."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(
    description="Relay's fixed catalogue of provider categories (Dienstleisterkategorie)."
)
class RelayCategory(enum.Enum):
    HANDWERKER = strawberry.enum_value("HANDWERKER", description="Tradesperson (Handwerker).")
    HAUSMEISTER = strawberry.enum_value("HAUSMEISTER", description="Caretaker (Hausmeister).")
    FACILITY_MANAGEMENT = strawberry.enum_value(
        "FACILITY_MANAGEMENT", description="Facility management."
    )
    MESSDIENST = strawberry.enum_value("MESSDIENST", description="Metering service (Messdienst).")
    REINIGUNG = strawberry.enum_value("REINIGUNG", description="Cleaning (Reinigung).")
    GARTEN_WINTERDIENST = strawberry.enum_value(
        "GARTEN_WINTERDIENST",
        description="Gardening and winter service (Garten- und Winterdienst).",
    )
    SONSTIGE = strawberry.enum_value("SONSTIGE", description="Other (Sonstige).")


@strawberry.enum(
    description=(
        "Where a contact stands on its way onto Relay, derived from its data. Checked in this "
        "order: NO_CATEGORY, REGISTERED, INVITED, NO_EMAIL, EXPIRED, INVITABLE."
    )
)
class RelayStatus(enum.Enum):
    NO_CATEGORY = strawberry.enum_value(
        "NO_CATEGORY", description="No Relay category yet; the contact's `relay` field is null."
    )
    NO_EMAIL = strawberry.enum_value(
        "NO_EMAIL", description="Category set, but the email is missing or not a valid address."
    )
    INVITABLE = strawberry.enum_value(
        "INVITABLE", description="Category and valid email; never invited or last code revoked."
    )
    INVITED = strawberry.enum_value(
        "INVITED", description="A provider code is live: not expired and not redeemed."
    )
    EXPIRED = strawberry.enum_value(
        "EXPIRED", description="The newest provider code expired unredeemed; a new one can be made."
    )
    REGISTERED = strawberry.enum_value(
        "REGISTERED", description="The provider redeemed a code and is on Relay."
    )


@strawberry.enum(description="Why inviting all providers leaves a provider out.")
class InviteSkipReason(enum.Enum):
    NO_CATEGORY = strawberry.enum_value(
        "NO_CATEGORY",
        description="Holds provider types but has no Relay category; link one of its types.",
    )
    NO_EMAIL = strawberry.enum_value("NO_EMAIL", description="Has no email address.")
    INVALID_EMAIL = strawberry.enum_value(
        "INVALID_EMAIL", description="Has an email address that is not valid."
    )
    ALREADY_INVITED = strawberry.enum_value(
        "ALREADY_INVITED", description="Holds a live provider code already."
    )
    REGISTERED = strawberry.enum_value("REGISTERED", description="Is registered on Relay already.")


@strawberry.enum(description="Sort key of the contact list.")
class ContactSortField(enum.Enum):
    NAME = strawberry.enum_value(
        "NAME", description="Last name (company if none), then first name."
    )
    COMPANY = strawberry.enum_value("COMPANY", description="Company, then last name.")
    EXTERNAL_ID = strawberry.enum_value("EXTERNAL_ID", description="The ERP's contact number.")


@strawberry.enum(description="Sort direction.")
class SortDirection(enum.Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending, A to Z.")
    DESC = strawberry.enum_value("DESC", description="Descending, Z to A.")


@strawberry.enum(description="Language of user-facing text.")
class Language(enum.Enum):
    DE = strawberry.enum_value("de", description="German (default).")
    EN = strawberry.enum_value("en", description="English.")


@strawberry.enum(description="Role of an API token.")
class Role(enum.Enum):
    ADMIN = strawberry.enum_value("admin", description="Reads, changes and invites.")
    VIEWER = strawberry.enum_value(
        "viewer", description="Reads only and never sees provider codes."
    )
