"""Seeded, byte-reproducible synthetic data in the MQM KG's own conventions.

    python bench/gen.py --triples 100000 --seed 1 --out bench/data/100k.ttl
    python bench/gen.py --triples 1000000 --seed 1 --out bench/data/1m.nt --link-kg data
    python bench/gen.py --triples 10000000 --seed 1 --out bench/data/10m.nt --link-kg data

What it makes (data/README.md, ontology/mqm.ttl, ontology/shapes.ttl): parties, factions
(``mqm:factionOf``) and splinter parties born of ``mqm:Split`` / ``mqm:Founding`` events,
party organs (``org:unitOf``), posts (``org:postIn``, ``org:role``), places in a
``mqm:locatedIn`` tree, outlets and state bodies; persons with a ``skos:prefLabel`` and
spelling variants as ``skos:altLabel`` (Qaimkhani/Kaimkhani, Anees/Anis...); and, per
article, fact nodes with one epistemic status, a summary and one or two reports
(``prov:wasDerivedFrom`` the article, ``prov:wasAttributedTo`` the outlet, a named person or
an ``mqm:AnonymousSource``, a quote): memberships with roles, posts and
``org:memberDuring`` intervals, defections (``mqm:defector`` when confirmed,
``mqm:defectingPerson`` otherwise, each denied one with its ``mqm:Denial``), meetings and
press conferences, allegations, contacts, sidelinings, statements with counts, talks with
conditions. Dates are the shared instants ``kg:date-YYYY[-MM[-DD]]``.

About 1 % of the fact nodes and entities carry one deliberate mistake from a fixed list
(``VIOLATIONS``), each caught by a shape; a few of them (a membership with two members, a
fact with two statuses, a person also typed as a party) also make the reasoner merge
nodes or find an inconsistency. The header comment counts them by kind.

Same arguments, same bytes: one ``random.Random(seed)``, no set or dict iteration whose
order depends on hashing, our own serialiser. Bounded memory: the command streams each
article's triples to a scratch file next to ``--out`` as it makes them (the header, which
counts them, goes in front at the end), so memory grows only with the entities (persons,
places...): about 40 MB at 1M triples, ~120 MB expected at 10M; about 5 s of CPU per
million triples. ``.nt`` writes N-Triples, anything else
Turtle (N-Triples is also valid Turtle, so ``--format nt`` with a ``.ttl`` name gives a
file ``kg`` loads fast). ``--link-kg DIR`` also points some synthetic facts at the real
entities of ``DIR/entities.ttl`` (kg:mqm, kg:psp, kg:sagheer-ahmed...) so the stored
queries' example parameters find synthetic rows when the file is added to that KG.
"""
from __future__ import annotations

import argparse
import io
import random
import re
import sys
from pathlib import Path

KG = "https://w3id.org/mqm-kg/id/"
MQM = "https://w3id.org/mqm-kg/ontology#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
A = RDF + "type"

PREFIXES = [("kg", KG), ("mqm", MQM), ("org", ORG), ("prov", PROV), ("time", TIME),
            ("skos", SKOS), ("foaf", FOAF), ("dcterms", DCT), ("rdf", RDF), ("rdfs", RDFS),
            ("xsd", XSD)]

STATUSES = ["confirmed", "claimed", "alleged", "denied", "speculated"]

# Name parts, each with the transliteration variants the articles show for real names.
FIRST = {
    "Anees": ["Anis"], "Muhammad": ["Mohammad", "Mohammed"], "Syed": ["Sayed"], "Waseem": ["Wasim"],
    "Sagheer": ["Saghir"], "Haroon": ["Harun"], "Farooq": ["Farooque", "Faruq"], "Nadeem": ["Nadim"],
    "Faisal": ["Faysal"], "Kunwar": ["Kanwar"], "Naveed": ["Navid"], "Ameen": ["Amin"], "Saleem": ["Salim"],
    "Shakeel": ["Shakil"], "Nasreen": ["Nasrin"], "Rauf": ["Raoof"], "Iftikhar": [], "Raza": ["Rizaa"],
    "Khalid": ["Khaled"], "Tariq": ["Tarique"], "Anwar": [], "Mustafa": ["Mostafa"], "Kamran": [],
    "Wasay": ["Wasey"], "Haider": ["Hyder"], "Arshad": [], "Babar": ["Baber"], "Imran": [],
    "Javed": ["Javaid"], "Zubair": ["Zuber"], "Rehan": ["Rehaan"], "Sohail": ["Suhail"],
    "Yousuf": ["Yusuf", "Yousaf"], "Qamar": [], "Asif": ["Aasif"], "Hasan": ["Hassan"], "Owais": ["Uwais"],
    "Khawaja": ["Khwaja"], "Shoaib": [], "Ehsan": ["Ahsan"], "Nasir": ["Naseer"], "Aamir": ["Amir"],
    "Fauzia": ["Fowzia"], "Kishwar": [], "Nighat": ["Nighath"],
}
MIDDLE = {
    "Ahmed": ["Ahmad"], "Ali": [], "Hussain": ["Husain", "Hussein"], "Iqbal": [], "Akhtar": ["Akhter"],
    "Mehmood": ["Mahmood", "Mahmud"], "Alam": [], "Jamal": [], "Rasheed": ["Rashid"], "Aslam": [],
    "Hameed": ["Hamid"], "Majeed": ["Majid"], "Rehman": ["Rahman"], "Zaheer": ["Zahir"], "Saeed": ["Said"],
    "Nawaz": [], "Shafiq": ["Shafique"], "Latif": ["Lateef"], "Ghani": [], "Karim": ["Kareem"],
    "Aziz": [], "Bashir": ["Basheer"], "Qadir": ["Qadeer"], "Hanif": ["Haneef"], "Anjum": [],
    "Shaukat": [], "Zafar": [], "Masood": ["Masud"], "Ishaq": ["Ishaque"], "Munir": ["Muneer"],
}
LAST = {
    "Qaimkhani": ["Kaimkhani", "Qaim Khani"], "Siddiqui": ["Siddiqi", "Siddique"], "Qureshi": ["Kureishi"],
    "Rizvi": ["Rizwi"], "Zaidi": [], "Jafri": ["Jafery", "Jafferi"], "Abbasi": [], "Usmani": ["Osmani"],
    "Tessori": [], "Khan": [], "Farooqi": ["Farooqui"], "Haroon": ["Harun"], "Aftab": [], "Ansari": [],
    "Hashmi": ["Hashimi"], "Naqvi": ["Naqavi"], "Bukhari": ["Bokhari"], "Chishti": ["Chishty"],
    "Memon": ["Meman"], "Baig": ["Beg"], "Mirza": [], "Sheikh": ["Shaikh"], "Shah": [], "Sattar": [],
    "Akhtar": ["Akhter"], "Jalil": ["Jaleel"], "Mir": [], "Malik": [], "Haq": ["Huq"], "Kamal": [],
    "Dehlvi": ["Dehlavi"], "Lakhnavi": ["Lucknowi"], "Bhatti": [], "Durrani": [], "Hasni": [],
    "Advocate": [], "Rana": [], "Chaudhry": ["Chaudhary", "Choudhry"], "Warsi": [], "Gilani": ["Geelani"],
    "Kazmi": ["Kazimi"], "Taqvi": ["Taqavi"], "Ghauri": ["Ghori"], "Burney": ["Barni"], "Niazi": [],
}
WORDS = ("party leadership workers unit sector karachi city mandate lists elections rally "
         "convener committee london secretariat governor province leaders meeting talks alliance "
         "dissidents camp bandwagon nine zero azizabad flag name merger establishment operation "
         "sources press conference allegations denied statement assembly senate by-election "
         "seat candidates funds strike protest return exile returned joined left quit formed").split()
ORGAN_KINDS = [("CoordinationCommittee", "Coordination Committee"), ("ProvincialChapter", "Provincial Chapter"),
               ("Department", "Information Department"), ("WelfareFoundation", "Welfare Foundation"),
               ("Headquarters", "Headquarters"), ("Wing", "Students Wing")]
ROLES = ["member", "leader", "senior-leader", "convener", "deputy-convener", "secretary-general",
         "spokesman", "committee-member", "organiser", "mna", "mpa", "senator", "chairman", "president"]
PLACE_NAMES = ["Azizabad", "Landhi", "Korangi", "Orangi", "Malir", "Lyari", "Saddar", "Clifton",
               "Gulshan", "Gulberg", "Nazimabad", "Liaquatabad", "Shah Faisal", "Baldia", "Kemari",
               "Surjani", "Federal B Area", "North Karachi", "Defence", "Garden", "Jamshed", "Lines Area"]

#: The kinds of deliberate mistakes. "fact-two-statuses" only with --status-merging: the
#: functional mqm:epistemicStatus then makes OWL RL merge two of the five statuses, and
#: every fact of either status becomes a member of two disjoint classes (a realistic but
#: global inconsistency that drowns everything else; tests/fixtures/ontology covers it).
VIOLATIONS = [
    "fact-no-status", "fact-two-statuses", "fact-no-report", "fact-two-summaries",
    "report-quote-too-long", "report-no-article", "report-quote-language-tagged",
    "person-two-preflabels", "person-altlabel-is-preflabel", "person-also-party",
    "defector-not-confirmed", "defection-origin-is-destination", "interval-end-before-start",
    "link-target-misspelt", "membership-two-members", "instant-year-as-integer",
    "statement-no-about", "min-count-above-max", "post-no-post-in",
]


# ---------------------------------------------------------------------------
# Terms and output
# ---------------------------------------------------------------------------

class Lit:
    __slots__ = ("lex", "lang", "dt")

    def __init__(self, lex: str, lang: str | None = None, dt: str | None = None):
        self.lex, self.lang, self.dt = lex, lang, dt


def en(text: str) -> Lit:
    return Lit(text, lang="en")


def typed(text, dt: str) -> Lit:
    return Lit(str(text), dt=XSD + dt)


_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESC_RE = re.compile(r'[\\"\n\r\t]')
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def nt_term(term) -> str:
    if isinstance(term, Lit):
        text = '"' + _ESC_RE.sub(lambda m: _ESC[m.group(0)], term.lex) + '"'
        if term.lang:
            return f"{text}@{term.lang}"
        if term.dt and term.dt != XSD + "string":
            return f"{text}^^<{term.dt}>"
        return text
    return f"<{term}>"


def ttl_term(term) -> str:
    if isinstance(term, Lit):
        text = '"' + _ESC_RE.sub(lambda m: _ESC[m.group(0)], term.lex) + '"'
        if term.lang:
            return f"{text}@{term.lang}"
        if term.dt and term.dt != XSD + "string":
            return f"{text}^^{ttl_term(term.dt)}"
        return text
    for prefix, ns in PREFIXES:
        if term.startswith(ns) and _LOCAL.match(term[len(ns):]):
            return f"{prefix}:{term[len(ns):]}"
    return f"<{term}>"


class Graph:
    """Subject blocks in insertion order (deterministic); counts triples as they come.

    In memory (``Graph()``, then ``write``), or streamed: ``Graph(sink, fmt)`` writes the
    blocks added so far to ``sink`` on each ``flush`` (the generator flushes after each
    article, whose blocks are complete by then) and forgets them, so memory stays bounded
    whatever the size. The header (which counts what was written) is not part of the
    stream: ``preamble`` gives it, to put in front (``write_streamed``)."""

    def __init__(self, sink=None, fmt: str = "ttl"):
        self.blocks: list[tuple[str, list[tuple[str, list]]]] = []
        self.count = 0
        self.sink, self.fmt = sink, fmt

    def add(self, subject: str, *pairs) -> list:
        """``add(s, (p, o), (p, [o1, o2]) ...)``; returns the pair list (to add to later)."""
        props: list[tuple[str, list]] = []
        for p, o in pairs:
            objs = o if isinstance(o, list) else [o]
            if objs:
                props.append((p, objs))
                self.count += len(objs)
        self.blocks.append((subject, props))
        return props

    def more(self, props: list, p: str, o) -> None:
        objs = o if isinstance(o, list) else [o]
        props.append((p, objs))
        self.count += len(objs)

    def flush(self) -> None:
        """Streamed: write the blocks added since the last flush and drop them."""
        if self.sink is not None and self.blocks:
            write_blocks(self.sink, self.blocks, self.fmt)
            self.blocks = []

    def write(self, out, fmt: str, header: str) -> None:
        out.write(preamble(fmt, header))
        write_blocks(out, self.blocks, fmt)


def preamble(fmt: str, header: str) -> str:
    """The header comment (and, for Turtle, the prefixes) that start the file."""
    text = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    if fmt != "nt":
        text += "\n" + "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in PREFIXES)
    return text


def write_blocks(out, blocks, fmt: str) -> None:
    if fmt == "nt":
        for subject, props in blocks:
            s = f"<{subject}>"
            out.write("".join(f"{s} <{p}> {nt_term(o)} .\n" for p, objs in props for o in objs))
        return
    for subject, props in blocks:
        parts = []
        for p, objs in props:
            pred = "a" if p == A else ttl_term(p)
            parts.append(f"{pred} " + ", ".join(ttl_term(o) for o in objs))
        out.write(f"\n{ttl_term(subject)} " + " ;\n    ".join(parts) + " .\n")


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------

def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Generator:
    def __init__(self, target: int, seed: int, link_kg: Path | None = None,
                 violation_rate: float = 0.01, merging: bool = False):
        self.target = target
        self.rng = random.Random(seed)
        self.g = Graph()
        self.rate = violation_rate
        self.merging = merging
        self.injected: dict[str, int] = {}
        self.instants: set[str] = set()
        self.anchors = read_anchors(link_kg) if link_kg else {}

    # -- helpers ---------------------------------------------------------------
    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def pick_of(self, first, second):
        """``pick(first + second)`` without building the list (the same draw, the same answer):
        at 10M ``first`` is the 222k persons, concatenated for every allegation."""
        i = self.rng.randrange(len(first) + len(second))
        return first[i] if i < len(first) else second[i - len(first)]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def violate(self, kinds) -> str | None:
        """With the violation rate, one of ``kinds`` (counted); else None."""
        if self.rng.random() >= self.rate:
            return None
        kind = self.pick(kinds)
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind

    def sentence(self, n: int) -> str:
        return " ".join(self.pick(WORDS) for _ in range(n))

    def date(self, lo=1984, hi=2024) -> tuple[str, str]:
        """A shared instant at a random precision: (IRI, value)."""
        year = self.rng.randint(lo, hi)
        r = self.rng.random()
        if r < 0.3:
            value, prop, dt = f"{year}", "inXSDgYear", "gYear"
        elif r < 0.55:
            value, prop, dt = f"{year}-{self.rng.randint(1, 12):02d}", "inXSDgYearMonth", "gYearMonth"
        else:
            value, prop, dt = (f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}",
                               "inXSDDate", "date")
        return self.instant(value, prop, dt), value

    def instant(self, value: str, prop: str, dt: str) -> str:
        iri = f"{KG}date-{value}"
        if iri not in self.instants:
            self.instants.add(iri)
            self.g.add(iri, (A, TIME + "Instant"), (TIME + prop, typed(value, dt)))
        return iri

    def day(self, year: int) -> str:
        value = f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        return self.instant(value, "inXSDDate", "date")

    # -- entities --------------------------------------------------------------
    def entities(self) -> None:
        t = self.target
        n_parties = max(6, t // 25000)
        n_persons = max(40, t // 45)
        n_places = max(12, t // 8000)
        n_outlets = max(3, t // 60000)
        g = self.g

        self.places = []
        country = f"{KG}syn-place-country"
        g.add(country, (A, MQM + "Place"), (SKOS + "prefLabel", en("Synthetic Country")))
        provinces = []
        for i in range(max(2, n_places // 10)):
            iri = f"{KG}syn-place-province-{i:03d}"
            g.add(iri, (A, MQM + "Place"), (SKOS + "prefLabel", en(f"Province {i}")),
                  (MQM + "locatedIn", country))
            provinces.append(iri)
        cities = []
        for i in range(max(3, n_places // 4)):
            iri = f"{KG}syn-place-city-{i:04d}"
            g.add(iri, (A, MQM + "Place"), (SKOS + "prefLabel", en(f"City {i}")),
                  (MQM + "locatedIn", self.pick(provinces)))
            cities.append(iri)
        self.places = provinces + cities
        for i in range(n_places):
            name = f"{PLACE_NAMES[i % len(PLACE_NAMES)]} {i // len(PLACE_NAMES) + 1}"
            iri = f"{KG}syn-place-{slug(name)}"
            g.add(iri, (A, MQM + "Place"), (SKOS + "prefLabel", en(name)),
                  (MQM + "locatedIn", self.pick(cities)))
            self.places.append(iri)

        self.outlets = []
        for i in range(n_outlets):
            iri = f"{KG}syn-outlet-{i:03d}"
            g.add(iri, (A, MQM + "NewsOutlet"), (SKOS + "prefLabel", en(f"The Daily Synthetic {i}")))
            self.outlets.append(iri)
        self.state_bodies = []
        for i, name in enumerate(["Synthetic Government", "Synthetic Assembly", "Synthetic Rangers"]):
            iri = f"{KG}syn-state-{slug(name)}"
            g.add(iri, (A, MQM + "StateBody"), (SKOS + "prefLabel", en(name)))
            self.state_bodies.append(iri)

        # Parties: a tree of splinters; each later party split from or was founded out of an
        # earlier one (the change events are facts, written with the first articles).
        self.parties, self.lineage = [], []
        for i in range(n_parties):
            iri = f"{KG}syn-party-{i:03d}"
            label = f"Muttahida Synthetic Movement {i}"
            g.add(iri, (A, MQM + "PoliticalParty"), (SKOS + "prefLabel", en(label)),
                  (SKOS + "altLabel", en(f"MSM-{i}")))
            if self.parties:
                self.lineage.append((self.pick(self.parties), iri))
            self.parties.append(iri)
        self.factions = []
        for i in range(n_parties * 2):
            iri = f"{KG}syn-faction-{i:03d}"
            g.add(iri, (A, MQM + "Faction"), (SKOS + "prefLabel", en(f"Synthetic Faction {i}")),
                  (MQM + "factionOf", self.pick(self.parties)))
            self.factions.append(iri)
        self.organs = []
        for party in self.parties:
            for cls, name in ORGAN_KINDS[: 3 + self.rng.randrange(4)]:
                iri = f"{party}-{slug(name)}"
                plabel = party.rsplit("-", 1)[1]
                g.add(iri, (A, MQM + cls), (SKOS + "prefLabel", en(f"{name} of MSM-{plabel}")),
                      (ORG + "unitOf", party))
                self.organs.append(iri)
        self.posts = []
        for org_iri in self.parties + self.state_bodies:
            for role in ("chief", "convener", "spokesman"):
                iri = f"{KG}syn-post-{org_iri.rsplit('/', 1)[1]}-{role}"
                props = g.add(iri, (A, ORG + "Post"),
                              (SKOS + "prefLabel", en(f"{role.title()} of {org_iri.rsplit('/', 1)[1]}")),
                              (ORG + "role", MQM + "role-" + role))
                if self.violate(["post-no-post-in"]) is None:
                    g.more(props, ORG + "postIn", org_iri)
                self.posts.append((iri, org_iri, role))

        # Persons: unique "First Middle Last" names; variants as altLabels.
        firsts, middles, lasts = sorted(FIRST), sorted(MIDDLE), sorted(LAST)
        space = len(firsts) * len(middles) * len(lasts)
        picks = self.rng.sample(range(space), min(n_persons, space))
        self.persons = []
        for n, code in enumerate(picks + list(range(space, space + max(0, n_persons - space)))):
            k = code % space
            f, m, last = firsts[k % len(firsts)], middles[(k // len(firsts)) % len(middles)], \
                lasts[k // (len(firsts) * len(middles))]
            suffix = "" if code < space else f" {code // space + 1}"
            label = f"{f} {m} {last}{suffix}"
            iri = f"{KG}syn-{slug(label)}"
            variants = []
            for part, table in ((f, FIRST), (m, MIDDLE), (last, LAST)):
                for alt in table[part]:
                    variants.append(label.replace(part, alt, 1))
            alts = [f"{f} {last}{suffix}"] + variants[: self.rng.randrange(0, 3)]
            kind = self.violate(["person-two-preflabels", "person-altlabel-is-preflabel",
                                 "person-also-party"])
            types = [FOAF + "Person"] + ([MQM + "PoliticalParty"] if kind == "person-also-party" else [])
            prefs = [en(label)] + ([en(label + " Sahib")] if kind == "person-two-preflabels" else [])
            if kind == "person-altlabel-is-preflabel":
                alts.append(label)
            g.add(iri, (A, types), (SKOS + "prefLabel", prefs), (SKOS + "altLabel", [en(a) for a in alts]))
            self.persons.append(iri)
            if n % 1000 == 999:
                g.flush()   # streamed: 222k persons at 10M would otherwise be held at once

        # Real entities of the article KG (with --link-kg): used beside the synthetic ones.
        self.all_parties = self.parties + self.anchors.get(MQM + "PoliticalParty", [])
        self.all_orgs = self.all_parties + self.factions + self.anchors.get(MQM + "Faction", [])
        self.all_persons = self.persons + self.anchors.get(FOAF + "Person", [])
        self.person_set = set(self.all_persons)   # membership tests only, never iterated

    # -- facts -----------------------------------------------------------------
    def article(self, n: int, facts: int | None = None) -> None:
        g = self.g
        art = f"{KG}syn-article-{n:06d}"
        year = self.rng.randint(1990, 2024)
        outlet = self.pick(self.outlets)
        g.add(art, (A, MQM + "Article"), (MQM + "sourceFile", Lit(f"syn-{n:06d}.txt")),
              (DCT + "title", en(f"Synthetic article {n}: {self.sentence(5)}")),
              (DCT + "issued", typed(f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}",
                                     "date")),
              (DCT + "publisher", outlet), (MQM + "dateline", self.pick(self.places)),
              (SKOS + "prefLabel", en(f"Synthetic article {n}")))
        self.art, self.outlet, self.n, self.k = art, outlet, n, 0
        self.sources = []
        for j in range(self.rng.randrange(0, 3)):
            src = f"{KG}syn-src-a{n:06d}-{j}"
            party = self.pick(self.all_parties)
            g.add(src, (A, MQM + "AnonymousSource"),
                  (RDFS + "label", en(f"sources in party {party.rsplit('/', 1)[1]}")),
                  (SKOS + "prefLabel", en(f"sources in party {party.rsplit('/', 1)[1]} (synthetic article {n}, {j})")),
                  (MQM + "affiliation", party))
            self.sources.append(src)
        if self.lineage and n % 3 == 0:
            parent, child = self.lineage.pop(0)
            self.change(parent, child)
        for _ in range(facts if facts is not None else self.rng.randint(6, 14)):
            r = self.rng.random()
            if r < 0.36:
                self.membership()
            elif r < 0.54:
                self.defection()
            elif r < 0.63:
                self.statement()
            elif r < 0.71:
                self.allegation()
            elif r < 0.80:
                self.meeting()
            elif r < 0.86:
                self.contact()
            elif r < 0.92:
                self.sidelining()
            else:
                self.talks()

    def node(self, kind: str) -> str:
        self.k += 1
        return f"{KG}syn-a{self.n:06d}-{kind}-{self.k}"

    def report(self, speaker: str | None = None) -> str:
        self.k += 1
        rep = f"{KG}syn-a{self.n:06d}-r-{self.k}"
        kind = self.violate(["report-quote-too-long", "report-no-article", "report-quote-language-tagged"])
        quote = self.sentence(self.rng.randint(8, 30)).capitalize() + "."
        if kind == "report-quote-too-long":
            quote = (quote + " ") * (401 // len(quote) + 1)
        if speaker is None:
            r = self.rng.random()
            speaker = (self.outlet if r < 0.5 else self.pick(self.sources) if self.sources and r < 0.75
                       else self.pick(self.all_persons))
        props = self.g.add(rep, (A, MQM + "Report"), (PROV + "wasAttributedTo", speaker),
                           (MQM + "quote", en(quote) if kind == "report-quote-language-tagged" else Lit(quote)))
        if kind != "report-no-article":
            self.g.more(props, PROV + "wasDerivedFrom", self.art)
        return rep

    def fact(self, iri: str, cls: str, summary: str, status: str, *pairs, speaker=None,
             kinds=()) -> tuple[list, str | None]:
        """A fact node with its status, summary and reports (plus ``pairs``)."""
        kind = self.violate(["fact-no-status", "fact-no-report", "fact-two-summaries",
                             "link-target-misspelt"] + list(kinds)
                            + (["fact-two-statuses"] if self.merging else []))
        reports = [self.report(speaker) for _ in range(1 if self.chance(0.8) else 2)]
        statuses = [] if kind == "fact-no-status" else [MQM + "status-" + status]
        if kind == "fact-two-statuses":
            statuses.append(MQM + "status-" + self.pick([s for s in STATUSES if s not in ("denied", status)]))
        summaries = [en(summary)] + ([en(summary + " (again)")] if kind == "fact-two-summaries" else [])
        pairs = list(pairs)
        if kind == "link-target-misspelt":
            pairs.append((MQM + "about", f"{KG}syn-nobody-{self.n}-{self.k}"))
        props = self.g.add(iri, (A, cls), (MQM + "summary", summaries), *pairs,
                           (MQM + "epistemicStatus", statuses),
                           (MQM + "reportedIn", [] if kind == "fact-no-report" else reports))
        return props, kind

    def status(self, weights=(0.6, 0.15, 0.05, 0.08, 0.12)) -> str:
        return self.rng.choices(STATUSES, weights)[0]

    def deny(self, fact: str, person: str) -> None:
        den = self.node("denial")
        self.fact(den, MQM + "Denial", f"{self.label(person)} denied it.", "confirmed",
                  (MQM + "denies", fact), (MQM + "deniedBy", person), speaker=person)

    @staticmethod
    def label(iri: str) -> str:
        return iri.rsplit("/", 1)[1].replace("syn-", "").replace("-", " ").title()

    def interval(self) -> str | None:
        """A membership term: begin only, end only, both, or only a year it included."""
        r = self.rng.random()
        if r < 0.35:
            return None
        iri = self.node("period")
        start = self.rng.randint(1984, 2020)
        end = start + self.rng.randint(1, 8)
        kind = self.violate(["interval-end-before-start", "instant-year-as-integer"])
        if kind == "interval-end-before-start":
            start, end, r = end + 2, start, 0.7
        elif kind == "instant-year-as-integer":
            r = 0.95
        label = en(f"term {self.k} of article {self.n}")
        pairs = [(A, TIME + "Interval"), (RDFS + "label", label), (SKOS + "prefLabel", label)]
        if r < 0.5 or 0.65 <= r < 0.9:
            pairs.append((TIME + "hasBeginning", self.day(start)))
        if 0.5 <= r < 0.9:
            pairs.append((TIME + "hasEnd", self.day(end)))
        if r >= 0.9:
            if kind == "instant-year-as-integer":
                bad = f"{KG}syn-a{self.n:06d}-instant-{self.k}"
                self.g.add(bad, (A, TIME + "Instant"), (TIME + "inXSDgYear", typed(start, "integer")))
                pairs.append((TIME + "inside", bad))
            else:
                pairs.append((TIME + "inside", self.instant(str(start), "inXSDgYear", "gYear")))
        self.g.add(iri, *pairs)
        return iri

    def membership(self) -> None:
        person = self.pick(self.all_persons)
        r = self.rng.random()
        post = None
        if r < 0.6:
            org_iri = self.pick(self.all_orgs)
        elif r < 0.85:
            org_iri = self.pick(self.organs)
        else:
            post, org_iri, role = self.pick(self.posts)
        role = role if post else self.pick(ROLES)
        iri = self.node("membership")
        pairs = [(ORG + "member", person), (ORG + "organization", org_iri), (ORG + "role", MQM + "role-" + role)]
        if post:
            pairs.append((MQM + "post", post))
        during = self.interval()
        if during:
            pairs.append((ORG + "memberDuring", during))
        status = self.status((0.75, 0.15, 0.0, 0.0, 0.1))
        props, kind = self.fact(iri, MQM + "Membership",
                                f"{self.label(person)} was a {role.replace('-', ' ')} of {self.label(org_iri)}.",
                                status, *pairs, kinds=["membership-two-members"])
        if kind == "membership-two-members":
            self.g.more(props, ORG + "member", self.pick(self.persons))

    def defection(self) -> None:
        person = self.pick(self.all_persons)
        origin = self.pick(self.all_orgs)
        destination = self.pick(self.all_orgs)
        while destination == origin:
            destination = self.pick(self.all_orgs)
        status = self.status()
        iri = self.node("defection")
        kind = self.violate(["defector-not-confirmed", "defection-origin-is-destination"])
        if kind == "defection-origin-is-destination":
            destination = origin
        who = MQM + ("defector" if status == "confirmed" or kind == "defector-not-confirmed"
                     else "defectingPerson")
        if kind == "defector-not-confirmed" and status == "confirmed":
            status = "claimed"
        pairs = [(who, person), (MQM + "origin", origin), (MQM + "destination", destination)]
        if self.chance(0.7):
            pairs.append((TIME + "hasTime", self.date()[0]))
        if self.chance(0.3):
            pairs.append((MQM + "place", self.pick(self.places)))
        self.fact(iri, MQM + "Defection",
                  f"{self.label(person)} left {self.label(origin)} for {self.label(destination)}.", status, *pairs)
        if status == "denied":
            self.deny(iri, person)

    def change(self, parent: str, child: str) -> None:
        iri = self.node("split" if self.chance(0.6) else "founding")
        cls = MQM + ("Split" if "split" in iri else "Founding")
        self.fact(iri, cls, f"{self.label(child)} broke away from {self.label(parent)}.", "confirmed",
                  (ORG + "originalOrganization", parent), (ORG + "resultingOrganization", child),
                  (TIME + "hasTime", self.date(1984, 2016)[0]),
                  (MQM + "participant", self.pick(self.all_persons)))

    def statement(self) -> None:
        iri = self.node("statement")
        kind = self.violate(["statement-no-about", "min-count-above-max"])
        about = [] if kind == "statement-no-about" else [self.pick(self.all_persons), self.pick(self.all_orgs)]
        pairs = [(MQM + "about", about)]
        if self.chance(0.3) or kind == "min-count-above-max":
            low = self.rng.randint(2, 40)
            high = low + self.rng.randint(0, 30)
            if kind == "min-count-above-max":
                low, high = high + 1, low
            pairs += [(MQM + "countText", Lit(f"{low} to {high}")), (MQM + "minCount", typed(low, "integer")),
                      (MQM + "maxCount", typed(high, "integer"))]
        status = self.status((0.5, 0.3, 0.0, 0.05, 0.15))
        self.fact(iri, MQM + "Statement", f"A statement about {self.sentence(4)}.", status, *pairs)
        if status == "denied":
            self.deny(iri, self.pick(self.all_persons))

    def allegation(self) -> None:
        iri = self.node("allegation")
        by = self.pick_of(self.all_persons, self.sources)
        accused = self.pick_of(self.all_persons, self.all_orgs)
        status = "alleged" if self.chance(0.8) else "denied"
        self.fact(iri, MQM + "Allegation", f"{self.label(by)} accused {self.label(accused)} of {self.sentence(3)}.",
                  status, (MQM + "allegedBy", by), (MQM + "accused", accused), speaker=by)
        if status == "denied":
            self.deny(iri, accused if accused in self.person_set else self.pick(self.all_persons))

    def meeting(self) -> None:
        iri = self.node("meeting")
        cls = MQM + ("PressConference" if self.chance(0.4) else "Meeting")
        people = self.rng.sample(self.all_persons, self.rng.randint(1, 4))
        self.fact(iri, cls, f"A meeting of {', '.join(self.label(p) for p in people)}.",
                  self.status((0.8, 0.1, 0.0, 0.0, 0.1)),
                  (TIME + "hasTime", self.date()[0]), (MQM + "place", self.pick(self.places)),
                  (MQM + "participant", people + [self.pick(self.all_orgs)]))

    def contact(self) -> None:
        iri = self.node("contact")
        people = self.rng.sample(self.all_persons, 2)
        self.fact(iri, MQM + "Contact", f"{self.label(people[0])} is in touch with {self.label(people[1])}.",
                  self.status((0.3, 0.4, 0.0, 0.0, 0.3)), (MQM + "participant", people))

    def sidelining(self) -> None:
        iri = self.node("sidelining")
        person = self.pick(self.all_persons)
        party = self.pick(self.all_parties)
        self.fact(iri, MQM + "Sidelining", f"{self.label(party)} sidelined {self.label(person)}.",
                  self.status((0.6, 0.3, 0.0, 0.0, 0.1)), (MQM + "sidelinedPerson", person),
                  (MQM + "sidelinedBy", party))

    def talks(self) -> None:
        iri = self.node("talks")
        cls = MQM + self.pick(["UnificationTalks", "AllianceTalks", "MergerTalks"])
        sides = self.rng.sample(self.all_orgs, 2)
        mediator = self.pick(self.all_persons)
        self.fact(iri, cls, f"Talks between {self.label(sides[0])} and {self.label(sides[1])}.",
                  self.status((0.5, 0.3, 0.0, 0.0, 0.2)), (MQM + "participant", sides),
                  (MQM + "mediator", mediator), (TIME + "hasTime", self.date()[0]))
        cond = self.node("condition")
        self.fact(cond, MQM + "Condition", f"{self.label(sides[0])} demands {self.sentence(3)}.", "claimed",
                  (MQM + "conditionOf", iri), (MQM + "setBy", sides[0]))

    # -- driver ----------------------------------------------------------------
    def run(self) -> Graph:
        self.entities()
        self.g.flush()
        n = 0
        while self.g.count < self.target:
            n += 1
            self.article(n)
            self.g.flush()
        self.articles = n
        return self.g

    def write_streamed(self, out, fmt: str, args_text: str, scratch: Path) -> None:
        """``run()`` written to the binary stream ``out`` in bounded memory: the body is
        streamed to the file ``scratch`` as it is made, then the header (known only at the
        end) and the body are copied to ``out``. The same bytes as ``run().write(...)``."""
        import shutil

        try:
            with open(scratch, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as body:
                self.g = Graph(body, fmt)
                self.run()
            out.write(preamble(fmt, self.header(args_text)).encode("utf-8"))
            with open(scratch, "rb") as body:
                shutil.copyfileobj(body, out, 1 << 20)
        finally:
            scratch.unlink(missing_ok=True)

    def run_addition(self, number: int) -> Graph:
        """One clean article (no deliberate mistakes) about the entities ``run()`` makes with
        the same arguments, numbered after them: what ``kg add`` gets in the benchmark."""
        self.entities()
        self.g = Graph()
        self.rng = random.Random(number)
        self.rate = 0.0
        self.injected = {}
        self.lineage = []
        self.article(number, facts=40)
        self.articles = 1
        return self.g

    def header(self, args_text: str) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.injected.items()))
        return (f"Synthetic MQM KG data: bench/gen.py {args_text}\n"
                f"{self.g.count} triples, {self.articles} articles, {len(self.persons)} persons, "
                f"{len(self.parties)} parties\n"
                f"deliberate shape violations: {sum(self.injected.values())} ({kinds})")


def read_anchors(data: Path) -> dict[str, list[str]]:
    """Real entity IRIs by class from ``DATA/entities.ttl`` (persons, parties, factions)."""
    import pyoxigraph as ox

    path = Path(data) / "entities.ttl" if Path(data).is_dir() else Path(data)
    wanted = {MQM + "PoliticalParty", MQM + "Faction", FOAF + "Person"}
    found: dict[str, list[str]] = {}
    for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if triple.predicate.value == A and triple.object.value in wanted:
            found.setdefault(triple.object.value, []).append(triple.subject.value)
    return {k: sorted(set(v)) for k, v in sorted(found.items())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10000, help="about how many triples (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="output file (default stdout)")
    parser.add_argument("--format", choices=["nt", "ttl"], help="default: nt for .nt files, else ttl")
    parser.add_argument("--link-kg", type=Path, help="data dir (or entities.ttl) whose entities to link to")
    parser.add_argument("--violation-rate", type=float, default=0.01)
    parser.add_argument("--addition", type=int, metavar="N",
                        help="write only article N (a clean, article-sized file about the same entities), "
                             "e.g. for `kg add`")
    parser.add_argument("--status-merging", action="store_true",
                        help="also inject facts with two statuses (OWL RL then merges two statuses "
                             "and every fact of either becomes inconsistent)")
    args = parser.parse_args(argv)
    fmt = args.format or ("nt" if args.out and args.out.suffix == ".nt" else "ttl")
    gen = Generator(args.triples, args.seed, args.link_kg, args.violation_rate, args.status_merging)
    shown = f"--triples {args.triples} --seed {args.seed}" + (" --link-kg" if args.link_kg else "") + \
        (f" --violation-rate {args.violation_rate}" if args.violation_rate != 0.01 else "") + \
        (" --status-merging" if args.status_merging else "") + \
        (f" --addition {args.addition}" if args.addition is not None else "")

    def emit(out, scratch: Path) -> None:
        """To the binary stream ``out``: the whole run streamed (bounded memory), or the addition."""
        if args.addition is None:
            gen.write_streamed(out, fmt, shown, scratch)
        else:
            text = io.StringIO()
            gen.run_addition(args.addition).write(text, fmt, gen.header(shown))
            out.write(text.getvalue().encode("utf-8"))

    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(args.out.name + ".tmp")
        with open(tmp, "wb") as out:
            emit(out, args.out.with_name(args.out.name + ".body.tmp"))
        tmp.replace(args.out)
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as scratch:
            emit(sys.stdout.buffer, Path(scratch) / "body")
            sys.stdout.buffer.flush()
    print(gen.header(shown).splitlines()[1], file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
