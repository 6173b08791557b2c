"""Use cases that bring ERP data in: tenant setup, CSV file import and the partner sync.

The CLI and the GraphQL sync mutations share the storing code below, so a contact comes
out the same whichever way it arrived. Records are matched by their ERP number
(external_id, unique per tenant) and written in batches of multi-row statements.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from relay_graph.db.models import Tenant
from relay_graph.domain.text import is_control_character
from relay_graph.importing import FileKind, ParsedFile
from relay_graph.importing.changes import Outcome, RecordRow, decide_change
from relay_graph.importing.errors import ImportFileError
from relay_graph.importing.file_rows import (
    drop_invalid_email_warnings,
    record_rows,
    responsibility_rejections,
)
from relay_graph.importing.file_set import UnreadableFile, parse_files
from relay_graph.importing.report import FileReport
from relay_graph.importing.sync_items import (
    AcceptedResponsibilities,
    ItemResult,
    PropertyResponsibilities,
    ReferenceIds,
    SyncRecord,
    SyncResult,
    check_item_count,
    plan_replacement,
    prepare_records,
    prepare_responsibilities,
    unknown_references,
)
from relay_graph.repositories.imports import (
    CONTACTS,
    PROPERTIES,
    ErpTable,
    ImportRepository,
    chunked,
    external_id_limit,
    provider_type_name_limit,
)
from relay_graph.services.actor import Actor
from relay_graph.services.tokens import UnknownTenantError
from relay_graph.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# Rows per batch of the file import. A sync call, at most MAX_SYNC_ITEMS, is one batch.
BATCH_SIZE = 500
MAX_SYNC_ITEMS = 500

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX_LENGTH = 63
TENANT_NAME_MAX_LENGTH = 200


class InvalidTenantError(ValueError):
    """A slug or tenant name that cannot be stored. The message names the value."""


class TenantExistsError(ValueError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"tenant {slug!r} exists already; choose another slug")
        self.slug = slug


async def create_tenant(uow_factory: UnitOfWorkFactory, slug: str, name: str) -> int:
    """Create a tenant and return its id.

    Raises InvalidTenantError for a slug that is not lowercase letters, digits and single
    inner hyphens, or a blank or long name, and TenantExistsError for a slug in use.
    """
    if len(slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.fullmatch(slug):
        raise InvalidTenantError(
            f"invalid slug {slug!r}: use lowercase letters, digits and hyphens, starting and "
            f"ending with a letter or digit, at most {SLUG_MAX_LENGTH} characters"
        )
    name = name.strip()
    # The name is the sender name of invitations unless the tenant sets its own, so it
    # follows the rules of updateRelaySettings' senderName.
    if (
        not name
        or len(name) > TENANT_NAME_MAX_LENGTH
        or any(is_control_character(character) for character in name)
    ):
        raise InvalidTenantError(
            f"invalid name {name!r}: give 1 to {TENANT_NAME_MAX_LENGTH} characters without "
            "line breaks, control characters or bidirectional overrides"
        )

    async with uow_factory.write() as uow:
        if await uow.tenants.get_by_slug(slug) is not None:
            raise TenantExistsError(slug)
        tenant = Tenant(slug=slug, name=name)
        uow.tenants.add(tenant)
        try:
            await uow.tenants.flush()
        except IntegrityError as error:
            raise TenantExistsError(slug) from error
        await uow.commit()

    logger.info("tenant created", extra={"tenant_id": tenant.id, "tenant": slug})
    return tenant.id


# --- File import (CLI) ---------------------------------------------------------------


@dataclass
class ImportRun:
    """Outcome of one `relay-graph import`: a report per imported file, in import order."""

    reports: list[FileReport] = field(default_factory=list)
    unreadable: list[UnreadableFile] = field(default_factory=list)
    dry_run: bool = False


async def import_files(
    uow_factory: UnitOfWorkFactory,
    tenant_slug: str,
    paths: Sequence[Path],
    now: datetime,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ImportRun:
    """Parse the files and store their records for the tenant, one transaction per file.

    Contacts and properties are imported before responsibilities. A file that cannot be
    read is reported in `unreadable` and the others are still imported. A dry run keeps
    all files in one transaction, so that later files see the rows of earlier ones, and
    rolls it back. Raises UnknownTenantError.
    """
    async with uow_factory.read() as uow:
        tenant = await uow.tenants.get_by_slug(tenant_slug)
    if tenant is None:
        raise UnknownTenantError(tenant_slug)

    parsed_files, unreadable = parse_files(paths)
    run = ImportRun(unreadable=unreadable, dry_run=dry_run)
    # The report explains each failure to the user, so the log names only the code.
    for failure in unreadable:
        error = failure.error
        code = error.code if isinstance(error, ImportFileError) else type(error).__name__
        logger.warning(
            "import file unreadable",
            extra={"tenant_id": tenant.id, "file": failure.path.name, "error": str(code)},
        )

    if dry_run:
        async with uow_factory.write() as uow:
            repository = ImportRepository(uow.session)
            for parsed in parsed_files:
                report = await _import_file(repository, tenant.id, parsed, now, batch_size)
                run.reports.append(report)
            # Leaving the unit of work without commit() rolls everything back.
        logger.info(
            "import dry run rolled back",
            extra={"tenant_id": tenant.id, "files": len(parsed_files)},
        )
        return run

    for parsed in parsed_files:
        async with uow_factory.write() as uow:
            repository = ImportRepository(uow.session)
            report = await _import_file(repository, tenant.id, parsed, now, batch_size)
            await uow.commit()
        run.reports.append(report)
    return run


async def _import_file(
    repository: ImportRepository, tenant_id: int, parsed: ParsedFile, now: datetime, batch_size: int
) -> FileReport:
    # A row with several rejections, e.g. a control character in two columns, counts
    # once, and each row starts on its own line.
    report = FileReport(
        name=parsed.name,
        kind=parsed.kind,
        row_count=parsed.row_count,
        rejected=len({issue.line for issue in parsed.rejected}),
        warnings=len(parsed.warnings),
        issues=list(parsed.issues),
    )
    if parsed.kind is FileKind.RESPONSIBILITIES:
        await _import_responsibilities(repository, tenant_id, parsed, report, now, batch_size)
    else:
        table = CONTACTS if parsed.kind is FileKind.CONTACTS else PROPERTIES
        rows, rejections = record_rows(parsed, table.fields, table.limits())
        remaining_issues = drop_invalid_email_warnings(parsed.issues, rejections)
        report.warnings -= len(parsed.issues) - len(remaining_issues)
        report.issues = [*remaining_issues, *rejections]
        report.rejected += len({rejection.line for rejection in rejections})
        outcomes = await _store_records(repository, table, tenant_id, rows, now, batch_size)
        for outcome, _record_id in outcomes:
            report.count(outcome)

    # "created" would overwrite a LogRecord attribute, so the counts get a prefix.
    counts = {f"rows_{name}": getattr(report, name) for name in ("created", "updated", "rejected")}
    logger.info(
        "import file processed",
        extra={"tenant_id": tenant_id, "file": parsed.name, "kind": parsed.kind.value, **counts},
    )
    return report


async def _import_responsibilities(
    repository: ImportRepository,
    tenant_id: int,
    parsed: ParsedFile,
    report: FileReport,
    now: datetime,
    batch_size: int,
) -> None:
    """Add the file's responsibilities that do not exist yet; never remove one."""
    type_limit = provider_type_name_limit()
    for batch in chunked(parsed.responsibilities, batch_size):
        contact_ids = await repository.record_ids(
            CONTACTS, tenant_id, [record.contact_external_id for record in batch]
        )
        property_ids = await repository.record_ids(
            PROPERTIES, tenant_id, [record.property_external_id for record in batch]
        )

        accepted = []
        for record in batch:
            rejections = responsibility_rejections(
                parsed, record, contact_ids, property_ids, type_limit
            )
            if rejections:
                report.issues.extend(rejections)
                report.rejected += 1
            else:
                accepted.append(record)
        if not accepted:
            continue

        type_ids, created_types = await repository.provider_type_ids(
            tenant_id, [record.provider_type_name for record in accepted], now
        )
        keys = [
            (
                contact_ids[record.contact_external_id],
                property_ids[record.property_external_id],
                type_ids[record.provider_type_name],
            )
            for record in accepted
        ]
        created = await repository.add_assignments(tenant_id, keys)

        report.created_provider_types += created_types
        report.created += len(created)
        report.unchanged += len(keys) - len(created)
        if created:
            report.categorized_contacts += await repository.adopt_type_categories(
                tenant_id, list(created.values()), now
            )


# --- Shared storing ------------------------------------------------------------------


async def _store_records(
    repository: ImportRepository,
    table: ErpTable,
    tenant_id: int,
    rows: Sequence[RecordRow],
    now: datetime,
    batch_size: int = BATCH_SIZE,
) -> list[tuple[Outcome, int]]:
    """Insert new records, update changed ones, and return each row's outcome and id.

    Per batch this is one SELECT of the stored records and, unless all are unchanged, one
    INSERT ... ON CONFLICT DO UPDATE. The ERP numbers must be distinct.
    """
    results: list[tuple[Outcome, int]] = []
    for batch in chunked(rows, batch_size):
        stored = await repository.find_records(table, tenant_id, [row.external_id for row in batch])
        changes = [
            decide_change(
                table.fill_required(row.external_id, row.values),
                stored[row.external_id].values if row.external_id in stored else None,
                table.defaults(row.external_id),
            )
            for row in batch
        ]

        writes = [
            (row.external_id, change.values)
            for row, change in zip(batch, changes, strict=True)
            if change.outcome is not Outcome.UNCHANGED
        ]
        ids = await repository.upsert_records(table, tenant_id, writes, now) if writes else {}
        for row, change in zip(batch, changes, strict=True):
            record_id = ids.get(row.external_id) or stored[row.external_id].id
            results.append((change.outcome, record_id))
    return results


# --- Partner sync (GraphQL) ----------------------------------------------------------


async def upsert_contacts(
    uow_factory: UnitOfWorkFactory, actor: Actor, items: Sequence[SyncRecord], now: datetime
) -> SyncResult:
    """Create or update contacts by ERP number, in one transaction.

    An invalid email is stored as given with email_valid false and reported as
    INVALID_EMAIL without rejecting the item. Raises FORBIDDEN and TOO_MANY_ITEMS.
    """
    return await _upsert_records(uow_factory, actor, CONTACTS, items, now)


async def upsert_properties(
    uow_factory: UnitOfWorkFactory, actor: Actor, items: Sequence[SyncRecord], now: datetime
) -> SyncResult:
    """Create or update properties by ERP number, in one transaction.

    Raises FORBIDDEN and TOO_MANY_ITEMS.
    """
    return await _upsert_records(uow_factory, actor, PROPERTIES, items, now)


async def _upsert_records(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    table: ErpTable,
    items: Sequence[SyncRecord],
    now: datetime,
) -> SyncResult:
    actor.require_admin()
    check_item_count(len(items), MAX_SYNC_ITEMS)

    result = SyncResult()
    rows = prepare_records(items, table.limits(), result.errors)
    results: dict[int, ItemResult] = {}
    if rows:
        async with uow_factory.write() as uow:
            repository = ImportRepository(uow.session)
            outcomes = await _store_records(repository, table, actor.tenant_id, rows, now)
            await uow.commit()
        for row, (outcome, record_id) in zip(rows, outcomes, strict=True):
            results[row.position] = ItemResult(row.position, row.external_id, outcome, record_id)

    result.set_items([item.external_id for item in items], results)
    _log_sync(f"{table.model.__tablename__} synced", actor, result)
    return result


async def set_responsibilities(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    items: Sequence[PropertyResponsibilities],
    now: datetime,
) -> SyncResult:
    """Replace each property's responsibilities with the list sent for it.

    An item with any problem, such as an unknown contact, leaves its property as it was.
    Unknown provider type names create the type. A contact without a category that gets
    a type linked to a category takes that category. Raises FORBIDDEN and TOO_MANY_ITEMS.
    """
    actor.require_admin()
    check_item_count(len(items), MAX_SYNC_ITEMS)

    result = SyncResult()
    accepted = prepare_responsibilities(
        items, provider_type_name_limit(), external_id_limit(), result.errors
    )
    results: dict[int, ItemResult] = {}
    if accepted:
        async with uow_factory.write() as uow:
            repository = ImportRepository(uow.session)
            results = await _replace_responsibilities(
                repository, actor.tenant_id, accepted, result, now
            )
            await uow.commit()

    result.set_items([item.property_external_id for item in items], results)
    _log_sync("responsibilities synced", actor, result)
    return result


async def _replace_responsibilities(
    repository: ImportRepository,
    tenant_id: int,
    accepted: Sequence[AcceptedResponsibilities],
    result: SyncResult,
    now: datetime,
) -> dict[int, ItemResult]:
    property_ids = await repository.record_ids(
        PROPERTIES, tenant_id, [item.property_external_id for item in accepted]
    )
    contact_ids = await repository.record_ids(
        CONTACTS, tenant_id, [pair[0] for item in accepted for pair in item.entries]
    )
    valid = [
        item
        for item in accepted
        if not unknown_references(item, property_ids, contact_ids, result.errors)
    ]
    if not valid:
        return {}

    valid_property_ids = [property_ids[item.property_external_id] for item in valid]
    # Before reading the stored lists: a concurrent call for the same property waits here
    # and then replaces the list this call stored, instead of merging with it.
    await repository.lock_properties(tenant_id, valid_property_ids)
    type_names = [pair[1] for item in valid for pair in item.entries]
    type_ids, _created = await repository.provider_type_ids(tenant_id, type_names, now)
    stored = await repository.assignments_of_properties(tenant_id, valid_property_ids)
    plan = plan_replacement(
        valid,
        ReferenceIds(contact_ids, property_ids, type_ids),
        [(assignment.id, assignment.key) for assignment in stored],
    )

    if plan.to_remove:
        await repository.remove_assignments(tenant_id, plan.to_remove)
    created = await repository.add_assignments(tenant_id, plan.to_add) if plan.to_add else {}
    if created:
        result.categorized_contacts = await repository.adopt_type_categories(
            tenant_id, list(created.values()), now
        )
    return plan.results


def _log_sync(message: str, actor: Actor, result: SyncResult) -> None:
    counts = {f"items_{name}": count for name, count in result.counts().items()}
    extra = {"tenant_id": actor.tenant_id, "user_id": actor.user_id, **counts}
    logger.info(message, extra=extra)
