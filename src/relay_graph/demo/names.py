"""Vocabulary for the demo dataset and the seeded draws that build names and addresses from it.

The lists hold person names, trades, company patterns, streets and cities. Company names and
email domains built from them are invented. The street names are common ones found in many
German cities. Postal codes are built from real prefixes of each city, so an address looks
plausible without naming a real building.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class City:
    """A German city with its postal code prefixes and telephone area code.

    A postal code is one of the prefixes followed by random digits, five digits in total.
    """

    name: str
    postal_prefixes: tuple[str, ...]
    area_code: str


@dataclass(frozen=True)
class Trade:
    """A provider type with the contact category that fits it and words for company names.

    ``related`` lists trades that one company often offers together with this one.
    """

    name: str
    category: str
    company_words: tuple[str, ...]
    related: tuple[str, ...] = ()


class Draw:
    """Random draws built only on ``Random.random()``.

    Python guarantees the ``random()`` sequence of a seed across versions, but not the output
    of ``randrange``, ``choice``, ``shuffle`` or ``sample``.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def below(self, n: int) -> int:
        """Return an integer in [0, n)."""
        return min(int(self._rng.random() * n), n - 1)

    def between(self, low: int, high: int) -> int:
        """Return an integer in [low, high], both included."""
        return low + self.below(high - low + 1)

    def chance(self, probability: float) -> bool:
        return self._rng.random() < probability

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def weighted(self, items: Sequence[T], weights: Sequence[int]) -> T:
        point = self.below(sum(weights))
        for item, weight in zip(items, weights, strict=True):
            if point < weight:
                return item
            point -= weight
        raise AssertionError("unreachable: point is below the sum of weights")

    def sample(self, items: Sequence[T], count: int) -> list[T]:
        """Return count distinct items in draw order, by a partial Fisher-Yates shuffle."""
        pool = list(items)
        if count > len(pool):
            raise ValueError(f"cannot draw {count} items from {len(pool)}")
        for i in range(count):
            j = i + self.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:count]

    def digits(self, count: int) -> str:
        return "".join(str(self.below(10)) for _ in range(count))


MALE_FIRST_NAMES: tuple[str, ...] = (
    "Andreas", "Thomas", "Michael", "Stefan", "Jürgen", "Jörg", "Björn", "Sören", "Günter",
    "Uwe", "Frank", "Matthias", "Sebastian", "Tobias", "Lukas", "Jonas", "Felix", "Florian",
    "Dirk", "Holger", "Ralf", "Torsten", "Sven", "Kai", "Jens", "Heiko", "Marco", "Daniel",
    "Christian", "René", "André", "Mehmet", "Piotr", "Karl-Heinz", "Hans-Jürgen", "Wolfgang",
    "Klaus", "Dieter", "Bernd", "Rüdiger", "Lutz", "Henning", "Malte", "Timo", "Nils", "Jan",
    "Ole", "Hauke", "Maximilian", "Niklas", "Emre", "Paul",
)

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Julia", "Katharina", "Sabine", "Petra", "Andrea", "Susanne", "Claudia", "Nicole",
    "Stefanie", "Anja", "Kerstin", "Heike", "Birgit", "Monika", "Ute", "Bärbel", "Dörte",
    "Käthe", "Lena", "Laura", "Hannah", "Marie", "Sophie", "Johanna", "Franziska", "Carolin",
    "Svenja", "Maren", "Frauke", "Silke", "Ines", "Ramona", "Mandy", "Doreen", "Yvonne", "Ayşe",
    "Elif", "Agnieszka", "Zoë", "Annegret", "Gudrun", "Jana", "Tanja", "Melanie", "Christiane",
)

LAST_NAMES: tuple[str, ...] = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
    "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
    "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schulze", "Köhler", "Herrmann", "König",
    "Walter", "Kaiser", "Fuchs", "Peters", "Scholz", "Möller", "Weiß", "Jung", "Hahn",
    "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Berger", "Winkler", "Lorenz",
    "Baumann", "Franke", "Albrecht", "Schuster", "Ludwig", "Böhm", "Winter", "Krämer", "Vogt",
    "Jäger", "Sommer", "Groß", "Seidel", "Brandt", "Haas", "Schreiber", "Dietrich", "Ziegler",
    "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Voigt", "Sauer", "Arnold", "Pfeiffer",
    "Strauß", "Nußbaum", "Voß", "Heß", "Preuß", "Rößler", "Meißner", "Schüßler", "Großmann",
    "Thiele", "Jahn", "Hübner", "Wendt", "Petersen", "Jansen", "Claußen", "Nowak", "Kowalski",
    "Demir", "Şahin", "Popović",
    "Yılmaz",  # noqa: RUF001 - the Turkish dotless i is intended
)

# Format fields: {trade} a company word of the trade, {last} and {last2} last names,
# {city} the city of the company's address.
COMPANY_PATTERNS: tuple[str, ...] = (
    "{trade} {last} GmbH",
    "{last} {trade} GmbH",
    "{trade} {last} e.K.",
    "{last} & {last2} {trade} GbR",
    "{last} {trade} Meisterbetrieb",
    "{trade} {last} GmbH & Co. KG",
    "{last} {trade} UG (haftungsbeschränkt)",
    "{trade} {city} GmbH",
    "{last} & Sohn {trade}",
    "{trade} {last} & Partner",
)

# Companies of contacts that hold no provider type, such as the owners' lawyers.
OFFICE_PATTERNS: tuple[str, ...] = (
    "Rechtsanwaltskanzlei {last}",
    "Kanzlei {last} & {last2} Rechtsanwälte PartG mbB",
    "Steuerberatung {last}",
    "Notariat {last}",
    "{last} Versicherungsmakler GmbH",
    "Ingenieurbüro {last}",
    "Sachverständigenbüro {last} & {last2}",
)

# Suffixes that are dropped before a company name becomes an email domain.
LEGAL_FORMS: tuple[str, ...] = (
    " GmbH & Co. KG", " UG (haftungsbeschränkt)", " PartG mbB", " GmbH", " e.K.", " GbR",
)

FREEMAIL_DOMAINS: tuple[str, ...] = (
    "web.example", "gmx.example", "t-online.example", "posteo.example", "mailbox.example",
)

MOBILE_PREFIXES: tuple[str, ...] = (
    "0151", "0152", "0157", "0160", "0162", "0170", "0171", "0172", "0173", "0175", "0176",
    "0177", "0178", "0179",
)

STREETS: tuple[str, ...] = (
    "Goethestraße", "Schillerstraße", "Lessingstraße", "Bahnhofstraße", "Hauptstraße",
    "Lindenstraße", "Kastanienallee", "Birkenweg", "Ahornweg", "Rosenstraße", "Gartenstraße",
    "Parkstraße", "Am Markt", "Kirchstraße", "Schulstraße", "Wiesenweg", "Bergstraße",
    "Waldstraße", "Ringstraße", "Friedrichstraße", "Wilhelmstraße", "Mozartstraße",
    "Beethovenstraße", "Bachstraße", "Uhlandstraße", "Herderstraße", "Fichtestraße",
    "Humboldtstraße", "Kantstraße", "Leipziger Straße", "Dresdner Straße", "Berliner Straße",
    "Am Stadtpark", "Am Mühlbach", "Am Sonnenhang", "Brunnenstraße", "Feldstraße", "Mühlenweg",
    "Eichendorffstraße", "Heinrich-Heine-Straße", "August-Bebel-Straße", "Thomas-Mann-Straße",
    "Fontanestraße", "Körnerstraße", "Hölderlinweg", "Blumenstraße", "Lerchenweg", "Amselweg",
    "Meisenweg", "Fliederweg", "Tulpenweg", "Weinbergstraße", "Schloßstraße", "Große Gasse",
    "Straße des Friedens", "Hafenstraße", "Deichstraße", "Am Kanal", "Fährstraße", "Moorweg",
)

CITIES: tuple[City, ...] = (
    City("Dresden", ("010", "011", "012", "013"), "0351"),
    City("Leipzig", ("041", "042", "043"), "0341"),
    City("Chemnitz", ("091", "092"), "0371"),
    City("Radebeul", ("0144",), "0351"),
    City("Meißen", ("0166",), "03521"),
    City("Pirna", ("0179",), "03501"),
    City("Freiberg", ("0959",), "03731"),
    City("Zwickau", ("080",), "0375"),
    City("Halle (Saale)", ("061",), "0345"),
    City("Magdeburg", ("391",), "0391"),
    City("Berlin", ("101", "104", "107", "109", "121", "124", "131", "135", "140"), "030"),
    City("Potsdam", ("144",), "0331"),
    City("Hamburg", ("200", "202", "204", "210", "220", "222", "224", "226"), "040"),
    City("Norderstedt", ("228",), "040"),
    City("Pinneberg", ("2542",), "04101"),
    City("Kiel", ("241",), "0431"),
    City("Lübeck", ("235",), "0451"),
    City("Flensburg", ("249",), "0461"),
    City("Rostock", ("180", "181"), "0381"),
    City("Schwerin", ("190",), "0385"),
)

TRADES: tuple[Trade, ...] = (
    Trade("Elektriker", "HANDWERKER", ("Elektro", "Elektrotechnik", "Elektroinstallation"),
          ("Sanitär/Heizung", "Brandschutz")),
    Trade("Sanitär/Heizung", "HANDWERKER", ("Haustechnik", "Heizung & Sanitär", "Installation"),
          ("Elektriker", "Rohrreinigung")),
    Trade("Hausmeisterservice", "HAUSMEISTER", ("Hausmeisterservice", "Hausmeisterdienste"),
          ("Winterdienst", "Gartenpflege", "Treppenhausreinigung")),
    Trade("Treppenhausreinigung", "REINIGUNG", ("Gebäudereinigung", "Reinigungsservice"),
          ("Hausmeisterservice", "Glaserei")),
    Trade("Gartenpflege", "GARTEN_WINTERDIENST", ("Garten- und Landschaftsbau", "Grünpflege"),
          ("Winterdienst", "Hausmeisterservice")),
    Trade("Winterdienst", "GARTEN_WINTERDIENST", ("Winterdienst", "Räum- und Streudienst"),
          ("Gartenpflege", "Hausmeisterservice")),
    Trade("Aufzugswartung", "FACILITY_MANAGEMENT", ("Aufzugstechnik", "Aufzüge"),
          ("Brandschutz",)),
    Trade("Messdienst Heizkosten", "MESSDIENST", ("Messdienst", "Wärmemessung", "Ablesedienst")),
    Trade("Schornsteinfeger", "HANDWERKER", ("Schornsteinfeger",), ("Brandschutz",)),
    Trade("Dachdecker", "HANDWERKER", ("Dachdeckerei", "Bedachungen"), ("Maler", "Glaserei")),
    Trade("Maler", "HANDWERKER", ("Malerbetrieb", "Maler und Lackierer"),
          ("Dachdecker", "Glaserei")),
    Trade("Schlüsseldienst", "HANDWERKER", ("Schlüsseldienst", "Sicherheitstechnik"),
          ("Glaserei", "Rohrreinigung")),
    Trade("Rohrreinigung", "HANDWERKER", ("Rohrreinigung", "Kanalservice"),
          ("Sanitär/Heizung", "Schlüsseldienst")),
    Trade("Brandschutz", "FACILITY_MANAGEMENT", ("Brandschutz", "Brandschutztechnik"),
          ("Elektriker", "Aufzugswartung")),
    Trade("Glaserei", "HANDWERKER", ("Glaserei", "Glas und Fenster"),
          ("Schlüsseldienst", "Maler")),
    Trade("Elektroinstallation", "HANDWERKER", ("Elektro", "Elektrotechnik"),
          ("Heizung und Sanitär",)),
    Trade("Heizung und Sanitär", "HANDWERKER", ("Haustechnik", "Sanitär und Heizung"),
          ("Elektroinstallation",)),
    Trade("Hausmeisterdienst", "HAUSMEISTER", ("Hausmeisterdienst", "Objektbetreuung"),
          ("Garten- und Winterdienst", "Gebäudereinigung")),
    Trade("Gebäudereinigung", "REINIGUNG", ("Gebäudereinigung", "Glas- und Gebäudereinigung"),
          ("Hausmeisterdienst",)),
    Trade("Garten- und Winterdienst", "GARTEN_WINTERDIENST", ("Gartenservice", "Grünpflege"),
          ("Hausmeisterdienst",)),
)

# U+0131 is the Turkish dotless i, which NFKD does not decompose to an ASCII letter.
_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "\u0131": "i"}
)


def slugify(text: str) -> str:
    """Convert text to lower-case ASCII words joined by hyphens, with umlauts spelled out."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def draw_person(draw: Draw) -> tuple[str, str, str]:
    """Draw a salutation with a matching first name, and a last name."""
    if draw.chance(0.5):
        return "Herr", draw.pick(MALE_FIRST_NAMES), draw.pick(LAST_NAMES)
    return "Frau", draw.pick(FEMALE_FIRST_NAMES), draw.pick(LAST_NAMES)


def draw_company(
    draw: Draw, patterns: Sequence[str], trade_word: str, city: str, used: set[str]
) -> str:
    """Draw a company name that is not in ``used``, and add it to ``used``."""
    for _ in range(100):
        last, last2 = draw.sample(LAST_NAMES, 2)
        pattern = draw.pick(patterns)
        name = pattern.format(trade=trade_word, last=last, last2=last2, city=city)
        if name not in used:
            used.add(name)
            return name
    raise ValueError(f"no unused company name left after 100 draws for {trade_word!r}")


def draw_email_parts(
    draw: Draw, first_name: str | None, last_name: str | None, company: str | None
) -> tuple[str, str]:
    """Draw the local part and the domain of a valid email address for a contact.

    Companies get a domain made from the company name and people without a company get a
    freemail domain. Every domain ends in .example, so no demo email can reach a real mailbox.
    """
    person = None
    if first_name is not None and last_name is not None:
        person = (slugify(first_name), slugify(last_name))

    if company is not None:
        core = company
        for legal_form in LEGAL_FORMS:
            core = core.removesuffix(legal_form)
        local_parts = ["info", "kontakt", "buero", "service"]
        if person is not None:
            local_parts += [f"{person[0]}.{person[1]}", f"{person[0][0]}.{person[1]}"]
        return draw.pick(local_parts), f"{slugify(core)}.example"

    if person is None:
        raise ValueError("a contact without a company needs a first and a last name")
    first, last = person
    year = draw.between(50, 99)
    local_parts = [f"{first}.{last}", f"{first[0]}{last}", f"{last}.{first}", f"{first}{year}"]
    return draw.pick(local_parts), draw.pick(FREEMAIL_DOMAINS)


def draw_address(draw: Draw, city: City) -> tuple[str, str, str]:
    """Draw a street with house number, a postal code of the city, and the city name."""
    number = draw.between(1, 140)
    roll = draw.below(10)
    if roll == 0:
        house_number = f"{number}-{number + 2}"
    elif roll == 1:
        house_number = f"{number}{draw.pick('abc')}"
    else:
        house_number = str(number)

    prefix = draw.pick(city.postal_prefixes)
    postal_code = prefix + draw.digits(5 - len(prefix))
    return f"{draw.pick(STREETS)} {house_number}", postal_code, city.name


def draw_phone(draw: Draw, city: City) -> str:
    """Draw a landline number in the city's area code or a mobile number.

    Landline numbers have 11 digits including the leading zero. Both kinds use one of the
    common German notations, such as "0351 4823917", "(0351) 4823917" or "+49 351 4823917".
    """
    if draw.chance(0.3):
        prefix = draw.pick(MOBILE_PREFIXES)
        number = str(draw.between(2, 9)) + draw.digits(draw.between(6, 7))
        notations = [f"{prefix} {number}", f"{prefix}/{number}", f"+49 {prefix[1:]} {number}"]
        return draw.pick(notations)

    area = city.area_code
    number = str(draw.between(2, 9)) + draw.digits(10 - len(area))
    notations = [
        f"{area} {number}",
        f"{area}/{number}",
        f"({area}) {number}",
        f"+49 {area[1:]} {number}",
        f"{area} {number[:-2]}-{number[-2:]}",
    ]
    return draw.pick(notations)
