"""User-facing messages in German and English, keyed by error code."""

from __future__ import annotations

from typing import Any

from relay_graph.i18n import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "NOT_FOUND": {
        "de": "{entity} mit der ID {id} wurde nicht gefunden. Prüfen Sie die ID.",
        "en": "{entity} with ID {id} was not found. Check the ID.",
    },
    "INVALID_ID": {
        "de": "„{value}“ ist keine gültige ID für {entity}. Verwenden Sie die `id` aus einer "
        "Abfrage.",
        "en": '"{value}" is not a valid ID of a {entity}. Use the `id` returned by a query.',
    },
    "MISSING_EMAIL": {
        "de": "Der Kontakt hat keine E-Mail-Adresse. Tragen Sie eine ein und versuchen Sie es "
        "erneut.",
        "en": "The contact has no email address. Add one and try again.",
    },
    "INVALID_EMAIL": {
        "de": "Die E-Mail-Adresse {email} ist ungültig. Korrigieren Sie sie und versuchen Sie "
        "es erneut.",
        "en": "The email address {email} is invalid. Correct it and try again.",
    },
    "MISSING_CATEGORY": {
        "de": "Der Kontakt hat keine Relay-Dienstleisterkategorie. Setzen Sie zuerst eine "
        "Kategorie.",
        "en": "The contact has no Relay category. Set a category first.",
    },
    "ALREADY_REGISTERED": {
        "de": "Der Dienstleister ist bereits bei Relay registriert und braucht keinen Code mehr.",
        "en": "The provider is already registered on Relay and needs no further code.",
    },
    "NO_LIVE_CODE": {
        "de": "Der Kontakt hat keinen gültigen Dienstleistercode, der erneut gesendet werden "
        "könnte. Erstellen Sie zuerst einen neuen Code.",
        "en": "The contact has no live provider code to send again. Create a new code first.",
    },
    "INVALID_SENDER_NAME": {
        "de": "Der Absendername darf höchstens {max_length} Zeichen lang sein und keine "
        "Zeilenumbrüche oder Steuerzeichen enthalten.",
        "en": "The sender name may have at most {max_length} characters and no line breaks "
        "or control characters.",
    },
    "INVALID_REPLY_TO": {
        "de": "Die Antwortadresse {value} ist keine gültige E-Mail-Adresse. Umlaute sind nur "
        "nach dem @ möglich. Korrigieren Sie sie oder lassen Sie das Feld leer.",
        "en": "The reply-to address {value} is not a valid email address. Only the part after "
        "the @ may contain umlauts. Correct it or leave the field empty.",
    },
    "INVALID_CODE_VALIDITY": {
        "de": "Die Gültigkeit eines Codes muss zwischen {min_days} und {max_days} Tagen liegen, "
        "nicht bei {value}.",
        "en": "A code's validity must be between {min_days} and {max_days} days, not {value}.",
    },
    "INVALID_LANGUAGE": {
        "de": "Die Sprache {value} wird nicht unterstützt. Wählen Sie de oder en.",
        "en": "The language {value} is not supported. Choose de or en.",
    },
    "FEATURE_DISABLED": {
        "de": "„Alle zu Relay einladen“ ist für Ihre Hausverwaltung noch nicht freigeschaltet. "
        "Laden Sie Dienstleister einzeln ein.",
        "en": "Inviting all providers is not yet enabled for your company. "
        "Invite providers one by one instead.",
    },
    "FORBIDDEN": {
        "de": "Ihr Zugang darf nur lesen. Bitten Sie eine Administratorin oder einen "
        "Administrator.",
        "en": "Your token may only read. Ask an administrator to make this change.",
    },
    "INVALID_CODE": {
        "de": "Der Dienstleistercode „{code}“ ist ungültig oder bereits verwendet. Prüfen "
        "Sie die Eingabe.",
        "en": 'The provider code "{code}" is invalid or has already been used. Check what '
        "was entered.",
    },
    "CODE_EXPIRED": {
        "de": "Der Dienstleistercode ist abgelaufen. Bitten Sie die Hausverwaltung um einen neuen.",
        "en": "The provider code has expired. Ask the property manager for a new one.",
    },
    "INVALID_EMAIL_STORED": {
        "de": "Die E-Mail-Adresse {email} ist ungültig. Der Kontakt wurde trotzdem mit ihr "
        "gespeichert und kann erst eingeladen werden, wenn sie korrigiert ist.",
        "en": "The email address {email} is invalid. The contact was stored with it anyway "
        "and cannot be invited until the address is corrected.",
    },
    "TOO_MANY_ITEMS": {
        "de": "Ein Aufruf darf höchstens {limit} Einträge enthalten, dieser enthält {count}. "
        "Es wurde nichts gespeichert. Teilen Sie die Liste auf mehrere Aufrufe auf.",
        "en": "A call may contain at most {limit} items, but this one contains {count}. "
        "Nothing was stored. Split the list into several calls.",
    },
    "MISSING_VALUE": {
        "de": "Der Wert für {name} fehlt oder ist leer. Der Eintrag wurde nicht gespeichert.",
        "en": "The value for {name} is missing or blank. The item was not stored.",
    },
    "SEARCH_TOO_LONG": {
        "de": "Die Suche ist zu lang: {length} Zeichen, Anzahl der Wörter {words}. Erlaubt "
        "sind höchstens {max_length} Zeichen und {max_words} Wörter. Kürzen Sie den Suchtext.",
        "en": "The search is too long: {length} characters, word count {words}. At most "
        "{max_length} characters and {max_words} words are allowed. Shorten the search text.",
    },
    "SEARCH_INVALID_CHARACTER": {
        "de": "Die Suche enthält an Stelle {position} das Steuerzeichen {character}, das in "
        "keinem gespeicherten Wert vorkommt. Entfernen Sie es aus dem Suchtext.",
        "en": "The search contains the control character {character} at position {position}, "
        "which no stored value contains. Remove it from the search text.",
    },
    "INVALID_CHARACTER": {
        "de": "Der Wert für {name} enthält an Stelle {position} das Steuerzeichen {character}. "
        "Der Eintrag wurde nicht gespeichert. Entfernen Sie das Zeichen und senden Sie ihn "
        "erneut.",
        "en": "The value for {name} contains the control character {character} at position "
        "{position}. The item was not stored. Remove the character and send it again.",
    },
    "VALUE_TOO_LONG": {
        "de": "Der Wert für {name} hat {length} Zeichen, erlaubt sind höchstens {limit}. "
        "Der Eintrag wurde nicht gespeichert.",
        "en": "The value for {name} has {length} characters, but at most {limit} are allowed. "
        "The item was not stored.",
    },
    "DUPLICATE_ITEM": {
        "de": "Die Nummer {external_id} steht schon in Eintrag {first_index} dieses Aufrufs. "
        "Dieser Eintrag wurde nicht gespeichert. Senden Sie jede Nummer nur einmal pro Aufruf.",
        "en": "The number {external_id} already appears in item {first_index} of this call. "
        "This item was not stored. Send each number only once per call.",
    },
    "UNKNOWN_CONTACT": {
        "de": "Es gibt keinen Kontakt mit der Nummer {external_id}. Die Zuständigkeiten dieser "
        "Liegenschaft wurden nicht geändert. Legen Sie den Kontakt zuerst mit upsertContacts an.",
        "en": "No contact has the number {external_id}. The responsibilities of this property "
        "were not changed. Create the contact with upsertContacts first.",
    },
    "UNKNOWN_PROPERTY": {
        "de": "Es gibt keine Liegenschaft mit der Nummer {external_id}. Ihre Zuständigkeiten "
        "wurden nicht gespeichert. Legen Sie sie zuerst mit upsertProperties an.",
        "en": "No property has the number {external_id}. Its responsibilities were not stored. "
        "Create the property with upsertProperties first.",
    },
    "UNAUTHENTICATED": {
        "de": "Anmeldung fehlt oder ist ungültig. Senden Sie den Header "
        "`Authorization: Bearer <Token>` mit einem gültigen Token.",
        "en": "Authentication is missing or invalid. Send the header "
        "`Authorization: Bearer <token>` with a valid token.",
    },
}

ENTITY_NAMES: dict[str, dict[Language, str]] = {
    "Contact": {"de": "Kontakt", "en": "Contact"},
    "ProviderType": {"de": "Dienstleistertyp", "en": "Provider type"},
    "Property": {"de": "Liegenschaft", "en": "Property"},
}

# Delivery problems for a person, keyed by the codes of relay_graph.mail.failures.DeliveryProblem.
DELIVERY_PROBLEMS: dict[str, dict[Language, str]] = {
    "RECIPIENT_REJECTED": {"de": "Empfänger abgelehnt", "en": "Recipient rejected"},
    "INVALID_RECIPIENT": {"de": "Empfängeradresse ungültig", "en": "Recipient address invalid"},
    "SMTPUTF8_UNSUPPORTED": {
        "de": "Der Mailserver nimmt keine Adressen mit Umlauten an (SMTPUTF8)",
        "en": "The mail server accepts no addresses with non-ASCII characters (SMTPUTF8)",
    },
    "MESSAGE_REJECTED": {
        "de": "Nachricht vom Mailserver abgelehnt",
        "en": "Message rejected by the mail server",
    },
    "SENDER_REJECTED": {
        "de": "Absenderadresse vom Mailserver abgelehnt",
        "en": "Sender address rejected by the mail server",
    },
    "SERVER_UNREACHABLE": {"de": "Mailserver nicht erreichbar", "en": "Mail server unreachable"},
    "CONNECTION_LOST": {
        "de": "Verbindung zum Mailserver abgebrochen",
        "en": "Connection to the mail server lost",
    },
    "AUTHENTICATION_FAILED": {
        "de": "Anmeldung am Mailserver fehlgeschlagen",
        "en": "Login to the mail server failed",
    },
    "TLS_FAILED": {
        "de": "Verschlüsselte Verbindung zum Mailserver fehlgeschlagen",
        "en": "Encrypted connection to the mail server failed",
    },
    "SERVER_ERROR": {"de": "Fehler des Mailservers", "en": "Mail server error"},
    "WRITE_FAILED": {
        "de": "E-Mail-Datei konnte nicht geschrieben werden",
        "en": "Email file could not be written",
    },
    "INTERNAL_ERROR": {"de": "Interner Fehler beim Versand", "en": "Internal error while sending"},
}
UNKNOWN_DELIVERY_PROBLEM: dict[Language, str] = {
    "de": "Zustellung fehlgeschlagen",
    "en": "Delivery failed",
}
ATTEMPTS_NOTE: dict[Language, str] = {"de": "{count} Versuche", "en": "{count} attempts"}


def delivery_reason(problem: str, detail: str | None, attempts: int, language: Language) -> str:
    """Explain a failed delivery in one line: Empfänger abgelehnt: 550 mailbox unavailable."""
    text = DELIVERY_PROBLEMS.get(problem, UNKNOWN_DELIVERY_PROBLEM)[language]
    if detail:
        text = f"{text}: {detail}"
    if attempts > 1:
        text = f"{text} ({ATTEMPTS_NOTE[language].format(count=attempts)})"
    return text


def translate(code: str, language: Language, /, **params: Any) -> str:
    entity = params.get("entity")
    if isinstance(entity, str) and entity in ENTITY_NAMES:
        params["entity"] = ENTITY_NAMES[entity][language]
    return MESSAGES[code][language].format(**params)
