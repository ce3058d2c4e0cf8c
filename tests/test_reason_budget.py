"""Reasoning is bounded, and schema axioms stay out of the data.

1. A data file (``data/*.ttl``, or a file given to ``kg validate`` / ``kg add``) that states
   a schema axiom is refused with exit 2, naming the file and the triple (kg.project.schemacheck).
2. Reasoning stops at a time and an inferred-triple budget (kg.engine.reference.reason.Budget) with exit 2
   and writes nothing. The two pathological inputs: a self-referential property chain
   (in ontology/, where axioms are allowed) over a 150-node cycle, and a 200-long
   ``owl:sameAs`` chain in a data file. Unbounded, owlrl ran over 450 s on each.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from cli_helpers import ROOT, copy_data_dir, run_kg, run_subprocess, snapshot

KG = "https://w3id.org/mqm-kg/id/"
PREFIXES = """@prefix kg: <https://w3id.org/mqm-kg/id/> .
@prefix mqm: <https://w3id.org/mqm-kg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""


def chain_axiom(steps: int = 3) -> str:
    """A property chain whose every step is the property itself (linkedTo o linkedTo o ...)."""
    return PREFIXES + "mqm:linkedTo a owl:ObjectProperty ; owl:propertyChainAxiom ( %s ) .\n" % (
        " ".join(["mqm:linkedTo"] * steps))


def cycle_data(n: int = 150) -> str:
    """n nodes in a cycle of mqm:linkedTo (the chain makes the closure all n*n pairs)."""
    return PREFIXES + "".join(f"kg:node-{i:03d} mqm:linkedTo kg:node-{(i + 1) % n:03d} .\n" for i in range(n))


def same_as_chain(n: int = 200) -> str:
    """n people, each owl:sameAs the next: pure instance data, allowed in data/."""
    return PREFIXES + "".join(f'kg:alias-{i:03d} a foaf:Person ; rdfs:label "alias {i}" ; '
                              f"owl:sameAs kg:alias-{i + 1:03d} .\n" for i in range(n))


def entries(cache: Path) -> list[str]:
    """Cache entries (64-hex folders) and leftover temporary folders under ``cache``."""
    if not cache.exists():
        return []
    return sorted(p.name for p in cache.iterdir()
                  if p.is_dir() and (re.fullmatch(r"[0-9a-f]{64}", p.name) or p.name.startswith((".tmp-", ".old-"))))


def data_files(root: Path) -> dict:
    """The bytes of data/'s files (not the hidden lock file kg add may leave)."""
    return {name: data for name, data in snapshot(root / "data").items() if not name.startswith(".")}


# ---------------------------------------------------------------------------
# 1. Schema axioms in data files
# ---------------------------------------------------------------------------

def test_the_repository_data_files_pass_the_schema_check():
    from kg.project.paths import DataDir
    from kg.project.schemacheck import check_file, check_inputs

    data_dir = DataDir(ROOT)
    assert data_dir.data_files()
    check_inputs(data_dir)
    for path in data_dir.data_files():  # the full parse, not only the byte prefilter
        from kg.rdf.io import parse_quads
        from kg.project.schemacheck import first_schema_axiom

        assert first_schema_axiom(parse_quads(path, max_bytes=1 << 40)) is None, path
    with pytest.raises(Exception, match="schema axiom"):
        check_file(ROOT / "ontology" / "mqm.ttl")  # the check works: the ontology is all axioms


AXIOMS = {
    "chain": ("mqm:linkedTo owl:propertyChainAxiom ( mqm:linkedTo mqm:linkedTo ) .",
              "mqm:linkedTo owl:propertyChainAxiom"),
    "subclass": ("mqm:Rally rdfs:subClassOf mqm:Meeting .", "mqm:Rally rdfs:subClassOf mqm:Meeting"),
    "transitive": ("mqm:allyOf a owl:TransitiveProperty .", "mqm:allyOf rdf:type owl:TransitiveProperty"),
    "restriction": ("mqm:Rally owl:equivalentClass [ a owl:Restriction ; owl:onProperty mqm:x ; "
                    "owl:hasValue kg:y ] .", "owl:"),
    "domain": ("mqm:allyOf rdfs:domain foaf:Person .", "mqm:allyOf rdfs:domain foaf:Person"),
    "disjoint": ("mqm:Meeting owl:disjointWith mqm:Election .", "mqm:Meeting owl:disjointWith"),
}


@pytest.mark.parametrize("kind", sorted(AXIOMS))
def test_a_data_file_with_a_schema_axiom_is_refused(kind, tmp_path, monkeypatch):
    root = copy_data_dir(tmp_path / "kg")
    cache = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    monkeypatch.delenv("KG_ENGINE", raising=False)
    text, named = AXIOMS[kind]
    (root / "data" / "extra.ttl").write_text(PREFIXES + 'kg:someone rdfs:label "someone" .\n' + text + "\n")
    result = run_kg(["--data-dir", root, "reason"])
    assert result.exit_code == 2, result.output
    message = result.stderr if hasattr(result, "stderr") else result.output
    assert "data/extra.ttl" in message and "schema axiom" in message and "ontology/" in message, message
    assert named in message, message
    assert entries(cache) == []


def test_the_fast_engine_refuses_it_too(tmp_path, monkeypatch):
    root = copy_data_dir(tmp_path / "kg")
    cache = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    monkeypatch.setenv("KG_ENGINE", "fast")
    (root / "data" / "extra.ttl").write_text(PREFIXES + AXIOMS["chain"][0] + "\n")
    result = run_kg(["--data-dir", root, "reason"])
    assert result.exit_code == 2
    assert "data/extra.ttl" in result.output and "mqm:linkedTo owl:propertyChainAxiom" in result.output
    assert "fast reasoner not applicable" not in result.output  # refused, not a fallback to owlrl
    assert entries(cache) == []


def test_validate_and_add_refuse_a_file_with_a_schema_axiom(tmp_path, monkeypatch):
    root = copy_data_dir(tmp_path / "kg")
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    new = tmp_path / "new-article.ttl"
    new.write_text(PREFIXES + 'kg:someone rdfs:label "someone" .\n' + AXIOMS["chain"][0] + "\n")
    before = data_files(root)
    result = run_kg(["--data-dir", root, "validate", new])
    assert result.exit_code == 2
    assert str(new) in result.output and "mqm:linkedTo owl:propertyChainAxiom" in result.output
    assert "ontology/" in result.output
    result = run_kg(["--data-dir", root, "add", new])
    assert result.exit_code == 2 and "schema axiom" in result.output
    assert data_files(root) == before
    # A data/ file with an axiom fails `kg validate` of the KG itself.
    (root / "data" / "zz.ttl").write_text(PREFIXES + AXIOMS["transitive"][0] + "\n")
    result = run_kg(["--data-dir", root, "validate"])
    assert result.exit_code == 2 and "data/zz.ttl" in result.output


def test_what_data_may_say():
    """Declarations, annotations, sameAs/differentFrom and AllDifferent are data; owl:members
    elsewhere (AllDisjointClasses) is not."""
    from rdflib import Graph

    from kg.project.schemacheck import first_schema_axiom

    allowed = PREFIXES + """
mqm:NewThing a owl:Class ; rdfs:label "new" ; rdfs:comment "a declaration entails nothing" .
mqm:newProp a owl:ObjectProperty .
kg:a owl:sameAs kg:b ; owl:differentFrom kg:c .
[] a owl:AllDifferent ; owl:members ( kg:a kg:c ) .
"""
    assert first_schema_axiom(Graph().parse(data=allowed, format="turtle")) is None
    refused = PREFIXES + "[] a owl:AllDisjointClasses ; owl:members ( mqm:A mqm:B ) .\n"
    assert first_schema_axiom(Graph().parse(data=refused, format="turtle")) is not None


def test_the_prefilter_does_not_hide_an_escaped_axiom(tmp_path):
    from kg.errors import SchemaInDataError
    from kg.project.schemacheck import check_file

    escaped = tmp_path / "escaped.ttl"
    escaped.write_text("<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#\\u0073ubClassOf> <urn:x:b> .\n")
    with pytest.raises(SchemaInDataError, match="rdfs:subClassOf"):
        check_file(escaped)


# ---------------------------------------------------------------------------
# 2. The budget
# ---------------------------------------------------------------------------

def _pathological(tmp_path: Path, case: str, n: int = 200) -> Path:
    root = copy_data_dir(tmp_path / "kg")
    if case == "chain":
        (root / "ontology" / "chain.ttl").write_text(chain_axiom(3))
        (root / "data" / "nodes.ttl").write_text(cycle_data(150))
    else:
        (root / "data" / "aliases.ttl").write_text(same_as_chain(n))
    return root


@pytest.mark.parametrize("engine", ["reference", "fast"])
@pytest.mark.parametrize("case", ["chain", "same-as"])
def test_reasoning_stops_at_the_time_budget(case, engine, tmp_path):
    root = _pathological(tmp_path, case)
    cache, out = tmp_path / "cache", tmp_path / "closure.ttl"
    before = snapshot(root)
    start = time.monotonic()
    done = run_subprocess(["--data-dir", root, "reason", "--max-seconds", "5", "--out", out],
                          env={"KG_CACHE_DIR": str(cache), "KG_ENGINE": engine}, timeout=120)
    elapsed = time.monotonic() - start
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert "reasoning stopped: over the 5 s time budget" in stderr and "nothing was changed" in stderr, stderr
    assert elapsed < 30, elapsed
    assert entries(cache) == [] and not out.exists() and snapshot(root) == before


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_reasoning_stops_at_the_triple_budget(engine, tmp_path):
    """Nemo's output is counted when it has finished (its run is bounded by the time budget
    only): a 60-long chain, that Nemo closes in seconds, with a 2000-triple budget."""
    root = _pathological(tmp_path, "same-as", 60)
    cache = tmp_path / "cache"
    done = run_subprocess(["--data-dir", root, "reason", "--max-triples", "2000", "--max-seconds", "60"],
                          env={"KG_CACHE_DIR": str(cache), "KG_ENGINE": engine}, timeout=120)
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert "reasoning stopped: over the budget of 2000 inferred triples" in stderr, stderr
    assert "nothing was changed" in stderr
    assert entries(cache) == []


def test_the_library_budget_leaves_the_input_alone():
    """kg.engine.reference.reason.reason_graph: the budget as keyword arguments; the input graph is untouched
    and owlrl's global datatype switch is restored."""
    import owlrl
    from rdflib import Graph

    from kg.errors import ReasoningBudgetError
    from kg.project.load import parse_file
    from kg.engine.reference.reason import reason_graph

    graph = parse_file(ROOT / "ontology" / "mqm.ttl")
    graph.parse(data=same_as_chain(200), format="turtle")
    size = len(graph)
    conversions = dict(owlrl.DatatypeHandling.AltXSDToPYTHON)
    start = time.monotonic()
    with pytest.raises(ReasoningBudgetError) as caught:
        reason_graph(graph, max_seconds=3)
    assert time.monotonic() - start < 20
    assert caught.value.kind == "time" and caught.value.exit_code == 2
    assert len(graph) == size
    assert dict(owlrl.DatatypeHandling.AltXSDToPYTHON) == conversions
    with pytest.raises(ReasoningBudgetError) as caught:
        reason_graph(graph, max_triples=1000, max_seconds=60)
    assert caught.value.kind == "triples"
    small = Graph()
    small.parse(data=PREFIXES + "kg:a owl:sameAs kg:b .\n", format="turtle")
    assert len(reason_graph(small, max_seconds=60).inferred) > 0  # within budget: as before


def test_the_cache_takes_the_budget(tmp_path):
    """kg.store.cache.ensure_cache passes the budget down to the reasoner; nothing is written."""
    from kg.config import Settings
    from kg.store.cache import ensure_cache
    from kg.errors import ReasoningBudgetError
    from kg.project.paths import DataDir

    root = _pathological(tmp_path, "same-as")
    cache = tmp_path / "cache"
    with pytest.raises(ReasoningBudgetError):
        ensure_cache(DataDir(root), settings=Settings(cache_dir=cache), max_seconds=60, max_triples=2000)
    assert entries(cache) == []


def test_the_defaults_are_documented():
    from kg.engine.reference.reason import DEFAULT_MAX_SECONDS, DEFAULT_MAX_TRIPLES

    assert DEFAULT_MAX_SECONDS == 120 and DEFAULT_MAX_TRIPLES == 20_000_000
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--max-seconds" in readme and "--max-triples" in readme and "20,000,000" in readme
    result = run_kg(["reason", "--help"])
    assert "--max-seconds" in result.output and "120" in result.output
