from __future__ import annotations

from typing import Annotated, cast

import strawberry

from relay_graph.api.graphql.arguments import After, Before, First, Last, page_request
from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import client_errors, query_error
from relay_graph.api.graphql.ids import from_global_id
from relay_graph.api.graphql.selection import selects_any
from relay_graph.api.graphql.types.contact import Contact
from relay_graph.api.graphql.types.email_delivery import EmailDeliveryState
from relay_graph.api.graphql.types.enums import InviteSkipReason, Language, RelayStatus
from relay_graph.api.graphql.types.pagination import Connection, to_connection
from relay_graph.api.graphql.types.provider_type import (
    ProviderType,
    held_types,
    load_contact_counts,
)
from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.domain.pagination import Page
from relay_graph.domain.status import InviteSkipReason as DomainSkipReason
from relay_graph.i18n import Language as LanguageCode
from relay_graph.services import queries, relay_settings
from relay_graph.services.invitations import invite_all_enabled
from relay_graph.services.outbox_counts import outbox_counts


@strawberry.type(description="Number of contacts with one Relay status.")
class RelayStatusCount:
    status: RelayStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Number of contacts (archived ones excluded).")


@strawberry.type(description="Number of emails in one delivery state.")
class EmailDeliveryCount:
    state: EmailDeliveryState = strawberry.field(description="The delivery state.")
    count: int = strawberry.field(description="Number of your tenant's emails in it.")


@strawberry.type(description="Number of providers left out for one reason.")
class SkipReasonCount:
    reason: InviteSkipReason = strawberry.field(description="Why they are left out.")
    count: int = strawberry.field(description="Number of providers.")


@strawberry.type(description="A provider that inviting all would leave out, and why.")
class NotInvitableProvider:
    contact: Contact = strawberry.field(description="The provider's contact.")
    reason: InviteSkipReason = strawberry.field(description="Why it would not be invited.")
    uncategorised_provider_types: list[ProviderType] = strawberry.field(
        name="uncategorisedProviderTypes",
        description=(
            "For NO_CATEGORY: the provider types it holds that have no category; linking one "
            "of them gives the contact a category. Empty for other reasons."
        ),
    )


@strawberry.type(description="Text to send providers before the invitations (Ankündigung).")
class AnnouncementTemplate:
    language: Language = strawberry.field(description="Language of the text.")
    subject: str = strawberry.field(
        description="Subject line, filled with your sender name, else your company's name."
    )
    body: str = strawberry.field(
        description="Plain-text body, filled with your sender name, else your company's name."
    )


@strawberry.type(description="The invitation email a contact would receive.")
class EmailPreview:
    recipient: str | None = strawberry.field(description="Address it would go to.")
    language: Language = strawberry.field(description="Language of the email.")
    subject: str = strawberry.field(description="Subject line.")
    text: str = strawberry.field(description="Plain-text part.")
    html: str = strawberry.field(description="HTML part.")


@strawberry.type(description="Who inviting all providers would invite now, and who not.")
class InvitePreview:
    eligible_count: int = strawberry.field(
        description="Providers it would invite (status INVITABLE or EXPIRED)."
    )
    skipped: list[SkipReasonCount] = strawberry.field(
        description="Providers it would leave out, counted per reason."
    )

    # strawberry-graphql 0.341 types strawberry.field(...) with arguments as returning Any,
    # so strict mypy reports these resolvers' decorators as untyped.
    @strawberry.field(description="Providers it would invite, by name.")  # type: ignore[untyped-decorator]
    async def eligible(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Contact]:
        context = info.context
        with client_errors(context.language):
            listing = await queries.list_eligible(
                context.uow,
                context.actor,
                page_request(first, after, last, before),
                context.now,
                with_assignments=selects_any(
                    info, ("nodes", "assignments"), ("edges", "node", "assignments")
                ),
            )
        if selects_any(
            info,
            ("nodes", "assignments", "providerType", "contactCount"),
            ("edges", "node", "assignments", "providerType", "contactCount"),
        ):
            await load_contact_counts(context, held_types(listing.page.items))
        return to_connection(listing.page, self.eligible_count)  # type: ignore[arg-type]

    @strawberry.field(description="Providers it would leave out, with the reason, by name.")  # type: ignore[untyped-decorator]
    async def not_invitable(
        self,
        info: Info,
        reason: Annotated[
            InviteSkipReason | None, strawberry.argument(description="Only this reason.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[NotInvitableProvider]:
        context = info.context
        # Strawberry types an enum value as its definition, but it is a str at run time.
        domain_reason = DomainSkipReason(cast(str, reason.value)) if reason else None
        with client_errors(context.language):
            listing = await queries.list_not_invitable(
                context.uow,
                context.actor,
                domain_reason,
                page_request(first, after, last, before),
                context.now,
                with_assignments=selects_any(
                    info,
                    ("nodes", "contact", "assignments"),
                    ("edges", "node", "contact", "assignments"),
                ),
            )
        if selects_any(
            info,
            ("nodes", "contact", "assignments", "providerType", "contactCount"),
            ("edges", "node", "contact", "assignments", "providerType", "contactCount"),
            ("nodes", "uncategorisedProviderTypes", "contactCount"),
            ("edges", "node", "uncategorisedProviderTypes", "contactCount"),
        ):
            entries = listing.page.items
            uncategorised = [item for entry in entries for item in entry.uncategorised_types]
            held = held_types(entry.contact for entry in entries)
            await load_contact_counts(context, [*held, *uncategorised])
        counts = {item.reason: item.count for item in self.skipped}
        total = counts.get(reason, 0) if reason else sum(counts.values())
        page = listing.page
        providers = [
            NotInvitableProvider(
                contact=entry.contact,  # type: ignore[arg-type]
                reason=InviteSkipReason(entry.reason.value),
                uncategorised_provider_types=entry.uncategorised_types,  # type: ignore[arg-type]
            )
            for entry in page.items
        ]
        return to_connection(
            Page(providers, page.cursors, page.has_next_page, page.has_previous_page), total
        )


@strawberry.type(description="Tenant-wide Relay settings (Relay Einstellungen).")
class RelaySettings:
    company_name: str = strawberry.field(description="Your company's name as providers see it.")
    sender_name: str | None = strawberry.field(
        description=(
            "Name that invitation emails show as their sender and use in their text; "
            "null means your company's name."
        )
    )
    reply_to: str | None = strawberry.field(
        description=(
            "Reply-To address of invitation emails; null means replies go to the server's "
            "sender address (RELAY_MAIL_FROM)."
        )
    )
    default_language: Language = strawberry.field(
        description="Language of emails to contacts without a language of their own."
    )
    code_validity_days: int = strawberry.field(description="Days a new provider code stays valid.")

    @strawberry.field(description="Whether the beta 'invite all providers' is on for your tenant.")  # type: ignore[untyped-decorator]
    def invite_all_enabled(self, info: Info) -> bool:
        return invite_all_enabled(info.context.flags, info.context.actor)

    @strawberry.field(description="Number of contacts per Relay status, every status listed.")  # type: ignore[untyped-decorator]
    async def status_counts(self, info: Info) -> list[RelayStatusCount]:
        context = info.context
        counts = await queries.relay_status_counts(context.uow, context.actor, context.now)
        return [
            RelayStatusCount(status=RelayStatus(key.value), count=value)
            for key, value in counts.items()
        ]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Number of your tenant's emails per delivery state, every state listed."
    )
    async def outbox_counts(self, info: Info) -> list[EmailDeliveryCount]:
        counts = await outbox_counts(info.context.uow, info.context.actor)
        return [
            EmailDeliveryCount(state=EmailDeliveryState(state.value), count=count)
            for state, count in counts.items()
        ]

    @strawberry.field(description="Who inviting all providers would invite now, and who not.")  # type: ignore[untyped-decorator]
    async def invite_preview(self, info: Info) -> InvitePreview:
        context = info.context
        eligible, skipped = await queries.invite_reason_counts(
            context.uow, context.actor, context.now
        )
        return InvitePreview(
            eligible_count=eligible,
            skipped=[
                SkipReasonCount(reason=InviteSkipReason(key.value), count=value)
                for key, value in skipped.items()
            ],
        )

    @strawberry.field(description="Announcement text to send providers before inviting them.")  # type: ignore[untyped-decorator]
    async def announcement_template(
        self,
        info: Info,
        language: Annotated[
            Language | None,
            strawberry.argument(description="Language of the text; default: the request's."),
        ] = None,
    ) -> AnnouncementTemplate:
        context = info.context
        # Strawberry types an enum value as its definition, but it is a str at run time.
        chosen = cast(LanguageCode, language.value) if language else context.language
        text = await relay_settings.announcement_template(
            context.uow, context.actor, chosen, context.invitation_settings
        )
        return AnnouncementTemplate(language=Language(chosen), subject=text.subject, body=text.body)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "The invitation email a contact would receive, with XXXXX-XXXXX in place of the code. "
            "Null if your tenant has no such contact."
        )
    )
    async def invitation_email_preview(
        self,
        info: Info,
        contact_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the contact.")
        ],
        language: Annotated[
            Language | None,
            strawberry.argument(description="Language; default: the contact's, else the tenant's."),
        ] = None,
    ) -> EmailPreview | None:
        context = info.context
        with client_errors(context.language):
            database_id = from_global_id(contact_id, "Contact", "contactId")
        try:
            recipient, chosen, email = await relay_settings.invitation_email_preview(
                context.uow,
                context.actor,
                database_id,
                cast(LanguageCode, language.value) if language else None,
                context.invitation_settings,
                context.now,
            )
        except DomainError as error:
            if error.code is ErrorCode.NOT_FOUND:
                return None
            raise query_error(error, context.language) from error
        return EmailPreview(
            recipient=recipient,
            language=Language(chosen),
            subject=email.subject,
            text=email.text,
            html=email.html,
        )
