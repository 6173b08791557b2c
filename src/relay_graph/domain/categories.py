from __future__ import annotations

import enum


class RelayCategory(enum.StrEnum):
    """Relay's fixed catalogue of provider categories (Dienstleisterkategorien)."""

    HANDWERKER = "HANDWERKER"
    HAUSMEISTER = "HAUSMEISTER"
    FACILITY_MANAGEMENT = "FACILITY_MANAGEMENT"
    MESSDIENST = "MESSDIENST"
    REINIGUNG = "REINIGUNG"
    GARTEN_WINTERDIENST = "GARTEN_WINTERDIENST"
    SONSTIGE = "SONSTIGE"


CATEGORY_LABELS: dict[RelayCategory, dict[str, str]] = {
    RelayCategory.HANDWERKER: {"de": "Handwerker", "en": "Tradesperson"},
    RelayCategory.HAUSMEISTER: {"de": "Hausmeister", "en": "Caretaker"},
    RelayCategory.FACILITY_MANAGEMENT: {"de": "Facility-Management", "en": "Facility management"},
    RelayCategory.MESSDIENST: {"de": "Messdienstleister", "en": "Metering service"},
    RelayCategory.REINIGUNG: {"de": "Reinigung", "en": "Cleaning"},
    RelayCategory.GARTEN_WINTERDIENST: {
        "de": "Garten- und Winterdienst",
        "en": "Gardening and winter service",
    },
    RelayCategory.SONSTIGE: {"de": "Sonstige", "en": "Other"},
}
