"""Find rules and reporters through entry points, the way flake8 finds its plugins.

The built-in rule packs are registered exactly like a third-party pack, so
the core never imports a rule by name. Every rule is validated when loaded;
a pack that fails to import or to validate is reported once, naming its
distribution and entry point, and the run goes on with the other packs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from kgclint.core_codes import CORE_CODES, CORE_PREFIX
from kgclint.findings import Severity
from kgclint.inputs import InputKind
from kgclint.rule import CODE_PATTERN, NAME_PATTERN, Rule, RuleDoc

RULES_GROUP = "kgclint.rules"
REPORTERS_GROUP = "kgclint.reporters"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A validated rule class and where it came from."""

    rule: type[Rule]
    doc: RuleDoc
    distribution: str
    entry_point: str

    @property
    def code(self) -> str:
        return self.rule.code


@dataclass(frozen=True, slots=True)
class PluginProblem:
    """A plugin that could not be used, said once."""

    distribution: str
    entry_point: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.entry_point} from {self.distribution} disabled: {self.message}"


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every usable rule, by code, plus the problems met while loading."""

    rules: tuple[RuleInfo, ...]
    problems: tuple[PluginProblem, ...]

    def by_code(self) -> dict[str, RuleInfo]:
        return {info.code: info for info in self.rules}


def _distribution(entry: EntryPoint) -> str:
    dist = entry.dist
    return f"{dist.name} {dist.version}" if dist is not None else "<unknown distribution>"


def _entry_label(entry: EntryPoint) -> str:
    return f"{entry.group}:{entry.name} = {entry.value}"


def validate_rule(rule: object, prefix: str) -> str | None:
    """Why ``rule`` cannot be used under an entry point named ``prefix``, or None when it can."""
    if not (isinstance(rule, type) and issubclass(rule, Rule)):
        return f"{rule!r} is not a kgclint.rule.Rule subclass"
    code = getattr(rule, "code", None)
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        return f"{rule.__qualname__}: code {code!r} does not match KGCnnn"
    if not code.startswith(prefix):
        return f"{code}: the entry point is named {prefix!r}; it may only yield codes starting with it"
    if code.startswith(CORE_PREFIX):
        return f"{code}: the prefix {CORE_PREFIX} is reserved for kgclint's own codes"
    name = getattr(rule, "name", None)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        return f"{code}: name {name!r} is not kebab-case"
    if not isinstance(rule.severity, Severity):
        return f"{code}: severity {rule.severity!r} is not a kgclint.findings.Severity"
    needs = rule.needs
    if not isinstance(needs, frozenset) or not all(isinstance(kind, InputKind) for kind in needs):
        return f"{code}: needs must be a frozenset of InputKind"
    try:
        rule.doc()
    except ValueError as exc:
        return f"{code}: {exc}"
    return None


def _rules_of(loaded: object) -> list[object]:
    if isinstance(loaded, type):
        return [loaded]
    if isinstance(loaded, Iterable) and not isinstance(loaded, (str, bytes)):
        return list(loaded)
    return [loaded]


def load_rules(entries: Iterable[EntryPoint] | None = None) -> RuleSet:
    """Load and validate every rule pack; never raises for a broken pack."""
    if entries is None:
        entries = entry_points(group=RULES_GROUP)
    rules: dict[str, RuleInfo] = {}
    for core in CORE_CODES:
        rules[core.code] = RuleInfo(core, core.doc(), "kgclint (core)", "-")
    problems: list[PluginProblem] = []
    for entry in sorted(entries, key=lambda e: (e.name, e.value)):
        distribution, label = _distribution(entry), _entry_label(entry)
        try:
            loaded = entry.load()
        except Exception as exc:  # a broken plugin must not stop the run
            problems.append(PluginProblem(distribution, label, f"import failed: {type(exc).__name__}: {exc}"))
            continue
        candidates = _rules_of(loaded)
        errors = [error for rule in candidates if (error := validate_rule(rule, entry.name))]
        codes = [rule.code for rule in candidates if not errors]
        clashes = sorted({code for code in codes if code in rules} | {c for c in codes if codes.count(c) > 1})
        if clashes:
            errors.append("code(s) already taken: " + ", ".join(clashes))
        if errors:
            problems.append(PluginProblem(distribution, label, "; ".join(errors)))
            continue
        for rule in candidates:
            rules[rule.code] = RuleInfo(rule, rule.doc(), distribution, label)
    return RuleSet(tuple(rules[code] for code in sorted(rules)), tuple(problems))


def load_reporters() -> tuple[dict[str, type], tuple[PluginProblem, ...]]:
    """Reporter classes by format name, and the reporters that failed to load."""
    found: dict[str, type] = {}
    problems: list[PluginProblem] = []
    for entry in sorted(entry_points(group=REPORTERS_GROUP), key=lambda e: e.name):
        try:
            found[entry.name] = entry.load()
        except Exception as exc:  # same contract as rules: report once, go on
            problems.append(PluginProblem(_distribution(entry), _entry_label(entry), f"import failed: {type(exc).__name__}: {exc}"))
    return found, tuple(problems)
