"""`relay-graph create-tenant` and `relay-graph import` against a real, migrated database.

The commands run through click's CliRunner in a worker thread, because each starts its
own event loop with asyncio.run, and once as a separate process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from tests.conftest import StatementCounter
from tests.support.factories import Factory

from relay_graph.cli import main
from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.db.models import Assignment, Contact, Property, ProviderType, Tenant
from relay_graph.importing import parse_export
from relay_graph.repositories.imports import ImportRepository

SAMPLE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SAMPLE_NAMES = ("kontakte.csv", "liegenschaften.csv", "zustaendigkeiten.csv")

# "kontakte.csv (Kontakte, Zeilen: 406): angelegt 400, aktualisiert 0, ..." in either language.
SUMMARY = re.compile(
    r"^(?P<file>\S+) \([^)]*\): \w+ (?P<created>\d+), \w+ (?P<updated>\d+), "
    r"\w+ (?P<unchanged>\d+), \w+ (?P<rejected>\d+), \w+ (?P<warnings>\d+)$"
)
# "  abgelehnt [UNKNOWN_CONTACT] Zeile 278 (WEG-0001 / K99999 / Maler): ..."
ISSUE = re.compile(
    r"^  (?P<severity>\S+) \[(?P<code>[A-Z_]+)\] (?:Zeile|Line) (?P<line>\d+)"
    r"(?: \((?P<key>[^)]*)\))?:"
)


@dataclass(frozen=True)
class Issue:
    severity: str
    code: str
    line: int
    key: str | None


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def summaries(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for line in self.stdout.splitlines():
            match = SUMMARY.match(line)
            if match:
                counts = match.groupdict()
                name = counts.pop("file")
                found[name] = {key: int(value) for key, value in counts.items()}
        return found

    def issues(self) -> list[Issue]:
        found = []
        for line in self.stdout.splitlines():
            match = ISSUE.match(line)
            if match:
                found.append(
                    Issue(match["severity"], match["code"], int(match["line"]), match["key"])
                )
        return found


class Cli:
    """Run relay-graph commands against one database, isolated from the caller's locale."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    async def run(self, *args: str, **env: str | None) -> CliResult:
        environment: dict[str, str | None] = {
            "RELAY_DATABASE_URL": self.database_url,
            "RELAY_LOG_LEVEL": "WARNING",
            "RELAY_LANGUAGE": None,
            "LC_ALL": None,
            "LC_MESSAGES": None,
            "LANG": None,
            **env,
        }
        return await asyncio.to_thread(self._invoke, list(args), environment)

    @staticmethod
    def _invoke(args: list[str], environment: dict[str, str | None]) -> CliResult:
        # The CLI reconfigures the root logger. Restoring it keeps pytest's setup for later tests.
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:
            result = CliRunner().invoke(main, args, env=environment)
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
        return CliResult(result.exit_code, result.stdout, result.stderr, result.exception)


@pytest.fixture
def cli(database_url: str) -> Cli:
    return Cli(database_url)


@pytest.fixture
def samples() -> list[Path]:
    if not SAMPLE_DIR.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"sample exports missing in {SAMPLE_DIR}; CI must run these tests")
        pytest.skip(f"sample exports not found in {SAMPLE_DIR}")
    return [SAMPLE_DIR / name for name in SAMPLE_NAMES]


@pytest.fixture
async def tenant(factory: Factory) -> Tenant:
    return await factory.tenant("hv-nord", name="Hausverwaltung Nord GmbH")


async def fetch_all(database_url: str, statement: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.execute(statement)).all())
    finally:
        await engine.dispose()


async def count_rows(database_url: str, model: Any, tenant_id: int) -> int:
    statement = select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
    return int((await fetch_all(database_url, statement))[0][0])


async def table_counts(database_url: str, tenant_id: int) -> dict[str, int]:
    models = {
        "contacts": Contact,
        "properties": Property,
        "assignments": Assignment,
        "provider_types": ProviderType,
    }
    return {
        name: await count_rows(database_url, model, tenant_id) for name, model in models.items()
    }


def write_contacts(path: Path, rows: list[tuple[str, ...]]) -> Path:
    lines = ["Kontakt-Nr;Vorname;Nachname;E-Mail;PLZ;Ort"]
    lines.extend(";".join(row) for row in rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def numbered_contacts(count: int, prefix: str = "K") -> list[tuple[str, ...]]:
    return [
        (
            f"{prefix}{number:05d}",
            "Erika",
            f"Muster {number}",
            f"kontakt{number}@beispiel.example",
            "01067",
            "Dresden",
        )
        for number in range(count)
    ]


@pytest.fixture
def statement_counter() -> Iterator[StatementCounter]:
    """Count SQL statements of every engine in this process, the CLI's included."""
    counter = StatementCounter()
    event.listen(Engine, "before_cursor_execute", counter)
    yield counter
    event.remove(Engine, "before_cursor_execute", counter)


# --- create-tenant -------------------------------------------------------------------


async def test_create_tenant_then_same_slug_fails(cli: Cli, database_url: str) -> None:
    created = await cli.run("create-tenant", "hv-sued", "--name", "Hausverwaltung Süd KG")
    repeated = await cli.run("create-tenant", "hv-sued", "--name", "Andere GmbH")

    assert created.exit_code == 0, created.stderr
    assert repeated.exit_code == 1
    assert "hv-sued" in repeated.stderr
    tenants = await fetch_all(database_url, select(Tenant.slug, Tenant.name))
    assert tenants == [("hv-sued", "Hausverwaltung Süd KG")]


@pytest.mark.parametrize(
    "slug", ["HV-Sued", "hv_sued", "-hv", "hv-", "hv--sued", "hv süd", "a" * 64]
)
async def test_create_tenant_rejects_invalid_slug(cli: Cli, database_url: str, slug: str) -> None:
    # "--" lets a slug that starts with a hyphen through as an argument.
    result = await cli.run("create-tenant", "--name", "Hausverwaltung Süd KG", "--", slug)

    assert result.exit_code == 1
    assert repr(slug) in result.stderr
    assert await fetch_all(database_url, select(Tenant.slug)) == []


@pytest.mark.parametrize(
    "name", ["Hausverwaltung\nBcc: x@example.org", "HV \u001b[31mrot", "HV \u202eKG", "H" * 201]
)
async def test_create_tenant_rejects_invalid_name(cli: Cli, database_url: str, name: str) -> None:
    """The name becomes the sender name of invitations, so it follows senderName's rules."""
    result = await cli.run("create-tenant", "hv-sued", "--name", name)

    assert result.exit_code == 1
    assert "invalid name" in result.stderr
    assert await fetch_all(database_url, select(Tenant.slug)) == []


# --- Sample exports ------------------------------------------------------------------


async def test_import_samples_load_in_dependency_order(
    cli: Cli, tenant: Tenant, samples: list[Path], database_url: str
) -> None:
    contacts, properties, responsibilities = (parse_export(path) for path in samples)

    # Responsibilities first on the command line: the import must reorder the files.
    result = await cli.run("import", "--tenant", tenant.slug, *map(str, reversed(samples)))

    assert result.exit_code == 0, result.stderr
    summaries = result.summaries()
    assert list(summaries) == ["liegenschaften.csv", "kontakte.csv", "zustaendigkeiten.csv"]
    assert summaries["kontakte.csv"] == {
        "created": len(contacts.contacts),
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "warnings": len(contacts.warnings),
    }
    assert summaries["liegenschaften.csv"]["created"] == len(properties.properties)
    assert (
        summaries["zustaendigkeiten.csv"]["created"] == len(responsibilities.responsibilities) - 2
    )
    assert summaries["zustaendigkeiten.csv"]["rejected"] == 2
    counts = await table_counts(database_url, tenant.id)
    assert counts["contacts"] == len(contacts.contacts)
    assert counts["properties"] == len(properties.properties)
    assert counts["assignments"] == len(responsibilities.responsibilities) - 2
    accepted_types = {
        record.provider_type_name
        for record in responsibilities.responsibilities
        if "9999" not in record.property_external_id + record.contact_external_id
    }
    assert counts["provider_types"] == len(accepted_types)


async def test_import_samples_print_unknown_references(
    cli: Cli, tenant: Tenant, samples: list[Path]
) -> None:
    result = await cli.run("import", "--tenant", tenant.slug, *map(str, samples))

    rejected = [issue for issue in result.issues() if issue.severity == "abgelehnt"]
    assert [(issue.code, issue.line) for issue in rejected] == [
        ("UNKNOWN_PROPERTY", 277),
        ("UNKNOWN_CONTACT", 278),
    ]
    assert rejected[0].key is not None and rejected[0].key.startswith("WEG-9999 /")
    assert rejected[1].key is not None and "/ K99999 /" in rejected[1].key
    assert "„Objekt-Nr“" in result.stdout
    assert "„Kontakt-Nr“" in result.stdout
    warning_lines = [issue.line for issue in result.issues() if issue.severity == "Warnung"]
    assert 3 in warning_lines
    assert 279 in warning_lines


async def test_import_samples_store_email_validity(
    cli: Cli, tenant: Tenant, samples: list[Path], database_url: str
) -> None:
    await cli.run("import", "--tenant", tenant.slug, *map(str, samples))

    rows = await fetch_all(
        database_url,
        select(Contact.external_id, Contact.email, Contact.email_valid).where(
            Contact.external_id.in_(["K00001", "K00002", "K00009"])
        ),
    )
    assert sorted(rows) == [
        ("K00001", "info@schluesseldienst-hoffmann-gmbh.de", True),
        ("K00002", "info(at)fischer.de", False),
        ("K00009", None, False),
    ]


async def test_second_import_changes_nothing(
    cli: Cli, tenant: Tenant, samples: list[Path], database_url: str
) -> None:
    await cli.run("import", "--tenant", tenant.slug, *map(str, samples))
    touched = select(func.max(Contact.updated_at)).where(Contact.tenant_id == tenant.id)
    before = await fetch_all(database_url, touched)

    second = await cli.run("import", "--tenant", tenant.slug, *map(str, samples))

    assert second.exit_code == 0, second.stderr
    for name, counts in second.summaries().items():
        assert counts["created"] == 0, name
        assert counts["updated"] == 0, name
        assert counts["unchanged"] > 0, name
    assert await fetch_all(database_url, touched) == before


async def test_dry_run_writes_nothing(
    cli: Cli, tenant: Tenant, samples: list[Path], database_url: str
) -> None:
    result = await cli.run("import", "--dry-run", "--tenant", tenant.slug, *map(str, samples))

    assert result.exit_code == 0, result.stderr
    # Within the dry run the responsibilities see the contacts and properties before them.
    assert result.summaries()["zustaendigkeiten.csv"]["rejected"] == 2
    assert result.summaries()["zustaendigkeiten.csv"]["created"] > 0
    assert await table_counts(database_url, tenant.id) == {
        "contacts": 0,
        "properties": 0,
        "assignments": 0,
        "provider_types": 0,
    }


async def test_import_gives_linked_category_to_new_holders(
    cli: Cli, tenant: Tenant, factory: Factory, samples: list[Path], database_url: str
) -> None:
    await factory.provider_type(tenant, name="Hausmeister", category="HAUSMEISTER")

    result = await cli.run("import", "--tenant", tenant.slug, *map(str, samples))

    holders = (
        select(Assignment.contact_id)
        .join(ProviderType, ProviderType.id == Assignment.provider_type_id)
        .where(ProviderType.name == "Hausmeister")
    )
    categories = await fetch_all(
        database_url,
        select(Contact.id.in_(holders), Contact.category).where(Contact.tenant_id == tenant.id),
    )
    holder_categories = {category for is_holder, category in categories if is_holder}
    other_categories = {category for is_holder, category in categories if not is_holder}
    assert holder_categories == {"HAUSMEISTER"}
    assert other_categories == {None}
    holder_count = sum(1 for is_holder, _category in categories if is_holder)
    lines = result.stdout.splitlines()
    extras = lines[
        lines.index(next(line for line in lines if line.startswith("zustaendigkeiten"))) + 1
    ]
    assert extras.endswith(f": {holder_count}.")


# --- Changes, languages, errors ------------------------------------------------------


async def test_changed_row_updates_its_record(
    cli: Cli, tenant: Tenant, tmp_path: Path, database_url: str
) -> None:
    rows = numbered_contacts(5)
    path = write_contacts(tmp_path / "kontakte.csv", rows)
    await cli.run("import", "--tenant", tenant.slug, str(path))
    rows[2] = ("K00002", "Erika", "Muster 2", "ERIKA.NEU@Beispiel.example", "01067", "Dresden")
    write_contacts(path, rows)

    result = await cli.run("import", "--tenant", tenant.slug, str(path))

    assert result.summaries()["kontakte.csv"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 4,
        "rejected": 0,
        "warnings": 0,
    }
    stored = await fetch_all(
        database_url, select(Contact.email).where(Contact.external_id == "K00002")
    )
    assert stored == [("erika.neu@beispiel.example",)]


async def test_file_without_column_keeps_stored_values(
    cli: Cli, tenant: Tenant, tmp_path: Path, database_url: str
) -> None:
    full = write_contacts(tmp_path / "kontakte.csv", numbered_contacts(2))
    partial = tmp_path / "namen.csv"
    partial.write_text("Kontakt-Nr;Vorname\nK00000;Erna\nK00001;Erika\n", encoding="utf-8")
    await cli.run("import", "--tenant", tenant.slug, str(full))

    result = await cli.run("import", "--tenant", tenant.slug, str(partial))

    assert result.summaries()["namen.csv"]["updated"] == 1
    assert result.summaries()["namen.csv"]["unchanged"] == 1
    stored = await fetch_all(
        database_url,
        select(Contact.external_id, Contact.first_name, Contact.email, Contact.city).order_by(
            Contact.external_id
        ),
    )
    assert stored == [
        ("K00000", "Erna", "kontakt0@beispiel.example", "Dresden"),
        ("K00001", "Erika", "kontakt1@beispiel.example", "Dresden"),
    ]


async def test_too_long_value_rejects_row(
    cli: Cli, tenant: Tenant, tmp_path: Path, database_url: str
) -> None:
    rows = numbered_contacts(2)
    rows[1] = ("K00001", "E" * 201, "Muster", "e@beispiel.example", "01067", "Dresden")
    path = write_contacts(tmp_path / "kontakte.csv", rows)

    result = await cli.run("import", "--tenant", tenant.slug, str(path))

    assert [(issue.code, issue.line) for issue in result.issues()] == [("VALUE_TOO_LONG", 3)]
    assert result.summaries()["kontakte.csv"]["rejected"] == 1
    assert await count_rows(database_url, Contact, tenant.id) == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "hat 350 Zeichen, erlaubt sind höchstens 320"),
        ("en", "has 350 characters, but at most 320"),
    ],
)
async def test_too_long_email_is_only_rejected(
    cli: Cli, tenant: Tenant, tmp_path: Path, database_url: str, language: str, expected: str
) -> None:
    email = "a" * 330 + "(at)beispiel.example"
    path = write_contacts(tmp_path / "kontakte.csv", [("K00001", "Erika", "Muster", email, "", "")])

    result = await cli.run("import", "--tenant", tenant.slug, str(path), RELAY_LANGUAGE=language)

    assert [(issue.code, issue.line) for issue in result.issues()] == [("VALUE_TOO_LONG", 2)]
    assert result.summaries()["kontakte.csv"]["rejected"] == 1
    assert result.summaries()["kontakte.csv"]["warnings"] == 0
    assert expected in result.stdout
    assert await count_rows(database_url, Contact, tenant.id) == 0


async def test_short_rows_keep_stored_values(
    cli: Cli, tenant: Tenant, tmp_path: Path, database_url: str
) -> None:
    first = write_contacts(tmp_path / "erstimport.csv", numbered_contacts(4))
    await cli.run("import", "--tenant", tenant.slug, str(first))
    rows = numbered_contacts(5)
    rows[0] = ("K00000", "Erna", "Muster 0", "kontakt0@beispiel.example", "01067", "Dresden")
    # Two lines cut off after the first name and after the number.
    rows[1] = ("K00001", "Erika")
    rows[2] = ("K00002",)
    del rows[3]
    contacts = write_contacts(tmp_path / "kontakte.csv", rows)
    properties = tmp_path / "liegenschaften.csv"
    properties.write_text("Objekt-Nr;Bezeichnung\nWEG-1;Haus Nord\n", encoding="utf-8")

    result = await cli.run("import", "--tenant", tenant.slug, str(contacts), str(properties))

    assert result.exit_code == 0, result.stderr
    assert result.exception is None
    assert [(issue.severity, issue.code, issue.line, issue.key) for issue in result.issues()] == [
        ("abgelehnt", "TOO_FEW_FIELDS", 3, "K00001"),
        ("abgelehnt", "TOO_FEW_FIELDS", 4, "K00002"),
    ]
    assert (
        "  abgelehnt [TOO_FEW_FIELDS] Zeile 3 (K00001): Die Zeile hat nur 2 Felder, die "
        "Kopfzeile hat 6 Felder." in result.stdout
    )
    assert (
        "  abgelehnt [TOO_FEW_FIELDS] Zeile 4 (K00002): Die Zeile hat nur 1 Feld, die "
        "Kopfzeile hat 6 Felder." in result.stdout
    )
    summaries = result.summaries()
    assert summaries["kontakte.csv"] == {
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "rejected": 2,
        "warnings": 0,
    }
    assert summaries["liegenschaften.csv"]["created"] == 1
    stored = await fetch_all(
        database_url,
        select(
            Contact.external_id,
            Contact.first_name,
            Contact.last_name,
            Contact.email,
            Contact.postal_code,
            Contact.city,
        ).order_by(Contact.external_id),
    )
    assert stored == [
        ("K00000", "Erna", "Muster 0", "kontakt0@beispiel.example", "01067", "Dresden"),
        ("K00001", "Erika", "Muster 1", "kontakt1@beispiel.example", "01067", "Dresden"),
        ("K00002", "Erika", "Muster 2", "kontakt2@beispiel.example", "01067", "Dresden"),
        ("K00003", "Erika", "Muster 3", "kontakt3@beispiel.example", "01067", "Dresden"),
        ("K00004", "Erika", "Muster 4", "kontakt4@beispiel.example", "01067", "Dresden"),
    ]
    assert await count_rows(database_url, Property, tenant.id) == 1

    english = await cli.run(
        "import", "--tenant", tenant.slug, "--dry-run", str(contacts), RELAY_LANGUAGE="en"
    )

    assert (
        "  rejected [TOO_FEW_FIELDS] Line 3 (K00001): The row has only 2 fields, but the header "
        "has 6 fields. Usually the file was cut off or the row uses a different delimiter. The "
        "row was not imported, so stored data is unchanged. Check the export and its delimiter "
        "and export the file again." in english.stdout
    )


async def test_control_characters_reject_rows(
    cli: Cli, tenant: Tenant, tmp_path: Path, database_url: str
) -> None:
    # NUL is the character that PostgreSQL cannot store in a text column, and U+202E (a
    # right-to-left override) would reorder how a name is shown.
    rows = numbered_contacts(4)
    rows[1] = ("K00001", "Er\u0000ika", "Muster 1", "kontakt1@beispiel.example", "01067", "Dresden")
    rows[2] = ("K00002", "Erika", "Muster\u202e 2", "kontakt2@beispiel.example", "01067", "\u0000")
    contacts = write_contacts(tmp_path / "kontakte.csv", rows)
    properties = tmp_path / "liegenschaften.csv"
    properties.write_text(
        "Objekt-Nr;Bezeichnung\nWEG-1;Haus Nord\nWEG-2;Haus\u0000Süd\n", encoding="utf-8"
    )
    responsibilities = tmp_path / "zustaendigkeiten.csv"
    responsibilities.write_text(
        "Objekt-Nr;Kontakt-Nr;Dienstleistertyp\n"
        "WEG-1;K00000;Elektriker\n"
        "WEG-1;K00003;Haus\u202emeister\n",
        encoding="utf-8",
    )
    paths = [str(path) for path in (contacts, properties, responsibilities)]

    result = await cli.run("import", "--tenant", tenant.slug, *paths)

    assert result.exit_code == 0, result.stderr
    assert result.exception is None
    assert [(issue.code, issue.line, issue.key) for issue in result.issues()] == [
        ("INVALID_CHARACTER", 3, "K00001"),
        ("INVALID_CHARACTER", 4, "K00002"),
        ("INVALID_CHARACTER", 4, "K00002"),
        ("INVALID_CHARACTER", 3, "WEG-2"),
        ("INVALID_CHARACTER", 3, "WEG-1 / K00003 / Haus<U+202E>meister"),
    ]
    assert (
        "Zeile 3 (K00001): Der Wert in der Spalte „Vorname“ enthält an Stelle 3 das "
        "Steuerzeichen U+0000. Die Zeile wurde nicht importiert." in result.stdout
    )
    assert (
        "Zeile 4 (K00002): Der Wert in der Spalte „Nachname“ enthält an Stelle 7 das "
        "Steuerzeichen U+202E. Die Zeile wurde nicht importiert." in result.stdout
    )
    assert "„Ort“ enthält an Stelle 1 das Steuerzeichen U+0000." in result.stdout
    assert "„Bezeichnung“ enthält an Stelle 5 das Steuerzeichen U+0000." in result.stdout
    assert "„Dienstleistertyp“ enthält an Stelle 5 das Steuerzeichen U+202E." in result.stdout
    assert "\u0000" not in result.stdout
    assert "\u202e" not in result.stdout

    summaries = result.summaries()
    assert summaries["kontakte.csv"]["created"] == 2
    # Line 4 has two rejected cells and counts as one row.
    assert summaries["kontakte.csv"]["rejected"] == 2
    assert summaries["liegenschaften.csv"]["created"] == 1
    assert summaries["liegenschaften.csv"]["rejected"] == 1
    assert summaries["zustaendigkeiten.csv"]["created"] == 1
    assert summaries["zustaendigkeiten.csv"]["rejected"] == 1
    stored_contacts = await fetch_all(
        database_url,
        select(Contact.external_id, Contact.first_name, Contact.last_name).order_by(
            Contact.external_id
        ),
    )
    assert stored_contacts == [("K00000", "Erika", "Muster 0"), ("K00003", "Erika", "Muster 3")]
    stored_properties = await fetch_all(database_url, select(Property.external_id, Property.name))
    assert stored_properties == [("WEG-1", "Haus Nord")]
    stored_types = await fetch_all(database_url, select(ProviderType.name))
    assert stored_types == [("Elektriker",)]
    assert await count_rows(database_url, Assignment, tenant.id) == 1


async def test_control_character_message_in_english(
    cli: Cli, tenant: Tenant, tmp_path: Path
) -> None:
    rows = numbered_contacts(2)
    rows[1] = ("K00001", "Erika", "Muster 1", "kontakt1@beispiel.example", "01067", "Dres\u0000den")
    path = write_contacts(tmp_path / "kontakte.csv", rows)

    result = await cli.run("import", "--tenant", tenant.slug, str(path), RELAY_LANGUAGE="en")

    assert result.exit_code == 0, result.stderr
    assert (
        '  rejected [INVALID_CHARACTER] Line 3 (K00001): The value in column "Ort" contains '
        "the control character U+0000 at position 5. The row was not imported. Remove the "
        "character in the ERP and export the file again." in result.stdout
    )
    assert result.summaries()["kontakte.csv"]["created"] == 1
    assert result.summaries()["kontakte.csv"]["rejected"] == 1


async def test_english_output_with_relay_language(
    cli: Cli, tenant: Tenant, samples: list[Path]
) -> None:
    result = await cli.run(
        "import", "--tenant", tenant.slug, *map(str, samples), RELAY_LANGUAGE="en"
    )

    assert result.exit_code == 0, result.stderr
    assert "kontakte.csv (contacts, rows: 406): created " in result.stdout
    assert {issue.severity for issue in result.issues()} == {"rejected", "warning"}
    assert "  rejected [UNKNOWN_PROPERTY] Line 277 (" in result.stdout


@pytest.mark.parametrize(
    ("environment", "english"),
    [
        ({"LANG": "en_US.UTF-8"}, True),
        ({"LANG": "de_DE.UTF-8", "LC_ALL": "en_GB.UTF-8"}, True),
        ({"LANG": "C.UTF-8"}, False),
        ({"LANG": "fr_FR.UTF-8"}, False),
        ({"LANG": "en_US.UTF-8", "RELAY_LANGUAGE": "de"}, False),
    ],
)
async def test_output_language_follows_locale(
    cli: Cli, tenant: Tenant, tmp_path: Path, environment: dict[str, str], english: bool
) -> None:
    path = write_contacts(tmp_path / "kontakte.csv", numbered_contacts(1))

    result = await cli.run("import", "--tenant", tenant.slug, str(path), **environment)

    assert ("(contacts, rows: 1)" in result.stdout) is english
    assert ("(Kontakte, Zeilen: 1)" in result.stdout) is not english


async def test_unknown_file_kind_names_expected_headers(
    cli: Cli, tenant: Tenant, tmp_path: Path, database_url: str
) -> None:
    unknown = tmp_path / "export.csv"
    unknown.write_text("Name;Wert\nA;1\n", encoding="utf-8")
    contacts = write_contacts(tmp_path / "kontakte.csv", numbered_contacts(2))

    result = await cli.run("import", "--tenant", tenant.slug, str(unknown), str(contacts))

    assert result.exit_code == 1
    for header in ("Kontakt-Nr", "Objekt-Nr", "Dienstleistertyp", "„Name“"):
        assert header in result.stderr
    assert result.summaries()["kontakte.csv"]["created"] == 2
    assert await count_rows(database_url, Contact, tenant.id) == 2


async def test_unreadable_file_log_names_only_code(
    cli: Cli, tenant: Tenant, tmp_path: Path
) -> None:
    unknown = tmp_path / "export.csv"
    unknown.write_text("Name;Wert\nA;1\n", encoding="utf-8")
    missing = tmp_path / "fehlt.csv"

    result = await cli.run("import", "--tenant", tenant.slug, str(unknown), str(missing))

    log_lines = [line for line in result.stderr.splitlines() if "import file unreadable" in line]
    assert len(log_lines) == 2
    assert "file=export.csv" in log_lines[0]
    assert "error=UNKNOWN_KIND" in log_lines[0]
    assert "file=fehlt.csv" in log_lines[1]
    assert "error=FileNotFoundError" in log_lines[1]
    assert "ImportFileError" not in result.stderr
    assert "expected_headers" not in result.stderr


@pytest.mark.parametrize(("language", "expected"), [("de", "Zeile 3"), ("en", "line 3")])
async def test_mixed_encoding_file_stores_nothing(
    cli: Cli, database_url: str, tenant: Tenant, tmp_path: Path, language: str, expected: str
) -> None:
    path = tmp_path / "kontakte.csv"
    path.write_bytes(
        "Kontakt-Nr;Vorname;Nachname\nK1;Jörg;Müller\n".encode()
        + "K2;Jürgen;Weiß\n".encode("cp1252")
    )

    result = await cli.run("import", "--tenant", tenant.slug, str(path), RELAY_LANGUAGE=language)

    assert result.exit_code == 1
    assert "kontakte.csv" in result.stdout + result.stderr
    assert expected in result.stdout + result.stderr
    assert await count_rows(database_url, Contact, tenant.id) == 0


@pytest.mark.parametrize(("language", "expected"), [("de", "UTF-8 oder"), ("en", "UTF-8 or")])
async def test_utf16_without_bom_fails(
    cli: Cli, database_url: str, tenant: Tenant, tmp_path: Path, language: str, expected: str
) -> None:
    path = tmp_path / "kontakte.csv"
    path.write_bytes("Kontakt-Nr;Vorname;Nachname\nK1;Jörg;Müller\n".encode("utf-16-le"))

    result = await cli.run("import", "--tenant", tenant.slug, str(path), RELAY_LANGUAGE=language)

    assert result.exit_code == 1
    assert "kontakte.csv" in result.stderr
    assert expected in result.stderr
    assert "INVALID_CHARACTER" not in result.stdout
    assert await count_rows(database_url, Contact, tenant.id) == 0


async def test_huge_cell_names_the_limit(cli: Cli, tenant: Tenant, tmp_path: Path) -> None:
    path = write_contacts(tmp_path / "kontakte.csv", [("K1", "x" * 5_000_000, "Meier", "", "", "")])

    result = await cli.run("import", "--tenant", tenant.slug, str(path), RELAY_LANGUAGE="en")

    assert result.exit_code == 1
    assert "kontakte.csv" in result.stderr
    assert "more than 131072 characters" in result.stderr
    assert "line 2" in result.stderr
    assert "never closed" not in result.stderr


async def test_unknown_tenant_fails(cli: Cli, tmp_path: Path) -> None:
    path = write_contacts(tmp_path / "kontakte.csv", numbered_contacts(1))

    result = await cli.run("import", "--tenant", "gibt-es-nicht", str(path))

    assert result.exit_code == 1
    assert "'gibt-es-nicht'" in result.stderr


async def test_missing_file_exits_nonzero_in_a_process(
    tenant: Tenant, tmp_path: Path, database_url: str
) -> None:
    contacts = write_contacts(tmp_path / "kontakte.csv", numbered_contacts(3))
    missing = tmp_path / "fehlt.csv"
    script = Path(sys.executable).parent / "relay-graph"
    command = [str(script), "import", "--tenant", tenant.slug, str(missing), str(contacts)]
    environment = {
        **os.environ,
        "RELAY_DATABASE_URL": database_url,
        "RELAY_LANGUAGE": "en",
        "RELAY_LOG_LEVEL": "WARNING",
    }

    process = await asyncio.to_thread(
        subprocess.run, command, env=environment, capture_output=True, text=True, timeout=120
    )

    assert process.returncode == 1, process.stderr
    assert str(missing) in process.stderr
    assert "kontakte.csv (contacts, rows: 3): created 3," in process.stdout
    assert await count_rows(database_url, Contact, tenant.id) == 3


# --- Transactions and batches --------------------------------------------------------


async def test_interrupted_import_leaves_nothing(
    cli: Cli,
    tenant: Tenant,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_contacts(tmp_path / "kontakte.csv", numbered_contacts(1200))
    written_before_interrupt: list[int] = []
    original = ImportRepository.upsert_records
    calls = 0

    async def interrupt_third_batch(self: ImportRepository, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            rows = await self._session.execute(select(func.count()).select_from(Contact))
            written_before_interrupt.append(int(rows.scalar_one()))
            raise KeyboardInterrupt
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(ImportRepository, "upsert_records", interrupt_third_batch)

    result = await cli.run("import", "--tenant", tenant.slug, str(path))

    assert result.exit_code != 0
    assert written_before_interrupt == [1000]
    assert await count_rows(database_url, Contact, tenant.id) == 0


async def test_import_statements_grow_with_batches_not_rows(
    cli: Cli, tenant: Tenant, tmp_path: Path, statement_counter: StatementCounter
) -> None:
    small = write_contacts(tmp_path / "klein.csv", numbered_contacts(100, "A"))
    large = write_contacts(tmp_path / "gross.csv", numbered_contacts(1500, "B"))

    statement_counter.reset()
    await cli.run("import", "--tenant", tenant.slug, str(small))
    one_batch = statement_counter.count
    statement_counter.reset()
    await cli.run("import", "--tenant", tenant.slug, str(large))
    three_batches = statement_counter.count

    assert one_batch <= 6
    # Each further batch of 500 rows adds one SELECT and one INSERT.
    assert three_batches == one_batch + 2 * 2
