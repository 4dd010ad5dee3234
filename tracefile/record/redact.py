"""Redaction of secrets, content filtering and size limits for recorded values.

A `Redactor` is built once from a `Policy` and then applied by the exporter to
every attribute of every span, event and link, so it is written for speed:

* keys are classified once (secret, content, safe, or scan) and cached, since
  the same few dozen attribute keys repeat on every span; a dict whose keys are
  all known to be safe is recognised by one set operation and returned as is;
* integers, floats and booleans are never looked at, nor are the enum, id and
  number attributes of the GenAI and HTTP semantic conventions;
* a value is run through the secret patterns only if a prefilter finds one of
  their literals or a secret's name before a separator; the prefilter is one
  RE2 pattern (google-re2), run once over all of a batch's new values
  (`Redactor.batch`), with the same checks in Python as a fallback;
* results are cached by value, because agents resend the same system prompt
  and history on every call, and a dict whose values are all known to be clean
  is recognised by set operations;
* values longer than ``max_length`` are cut *before* scanning, so a 50 MB
  string costs the same as a 32 KB one;
* span names, event names and attribute keys are cut to ``max_name_length``
  (a 10 MB span name made the viewer take 31 s to draw it), and names go
  through the same secret scan as values (a URL with its password makes a
  common span name). Both repeat on every span, so their verdicts are cached:
  a batch whose names are all known costs one set operation, and a key is
  measured once, when it is first classified.

Content filtering: when ``record_content`` is off (the default), attributes
that carry prompts, completions, tool arguments and results are dropped. The
Azure SDK records content only when its own flag is on, but other
instrumentations and manual spans may not respect that flag; Tracy enforces
the user's choice at the exporter, whatever the instrumentation did.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, chain
from operator import is_not, methodcaller
from typing import Any, Callable, Iterable, Mapping

import msgspec

from .. import settings
from ..format.content import common_prefix
from ..format.truncation import cut, split_marker, truncate, truncation_marker
from ..genai import names
from ..genai.dialects import MARKERS as _DIALECT_MARKERS

_logger = logging.getLogger("tracefile")

__all__ = [
    "Policy",
    "Redactor",
    "is_content_key",
    "DEFAULT_KEY_PATTERNS",
    "DEFAULT_VALUE_PATTERNS",
    "CONTENT_KEYS",
]

# Secrets near the cut are scanned whole, so the kept prefix never shows half a key.
_OVERLAP = 256
# Nested JSON strings (tool arguments inside a message) are parsed this deep.
_MAX_JSON_DEPTH = 4

# ---------------------------------------------------------------------------
# Keys

#: Searched (case-insensitively) in attribute keys and JSON object keys. "token"
#: must not match token counts (``gen_ai.usage.input_tokens``, ``max_tokens``,
#: ``gen_ai.token.type``, ``llm.token_count.prompt``). A key named ``key`` alone is
#: secret too: ``{"azure": {"key": ...}}`` is how apps hold a service's key.
DEFAULT_KEY_PATTERNS: tuple[str, ...] = (
    r"\Akeys?\Z",
    r"api[_.-]?key",
    r"secret(?!ar[iy])",
    r"passw(?:or)?d|passphrase|(?<![a-z0-9])pwd(?![a-z0-9])",
    r"token(?![a-z0-9_.-])",
    r"authorization|(?<![a-z0-9])auth(?:[_.-]?header)?(?![a-z0-9])",
    r"cookie",
    r"credential",
    r"conn(?:ection)?[_.-]?str(?:ing)?",
    r"private[_.-]?key",
    r"(?<![a-z0-9])(?:sas|sig)(?![a-z0-9])",
    r"account[_.-]?key",
    r"(?<![a-z0-9])access[_.-]?key(?![_.-]?id)",
    r"shared[_.-]?access[_.-]?key(?![_.-]?name)",
    r"subscription[_.-]?key",
)

#: Attributes that hold prompts, completions, tool arguments and results.
CONTENT_KEYS: frozenset[str] = frozenset(
    {
        names.GEN_AI_INPUT_MESSAGES,
        names.GEN_AI_OUTPUT_MESSAGES,
        names.GEN_AI_SYSTEM_INSTRUCTIONS,
        names.GEN_AI_TOOL_CALL_ARGUMENTS,
        names.GEN_AI_TOOL_CALL_RESULT,
        names.GEN_AI_PROMPT,  # legacy semantic conventions and OpenLLMetry
        names.GEN_AI_COMPLETION,
        names.GEN_AI_EVENT_CONTENT,  # Azure AI Inference message events
        "llm.prompts",  # OpenInference: a completions call's prompts
        "traceloop.entity.input",  # OpenLLMetry's workflow and task inputs and outputs
        "traceloop.entity.output",
    }
)
# Indexed forms: gen_ai.prompt.0.content (OpenLLMetry), llm.input_messages.0.message.content (OpenInference).
_CONTENT_PREFIXES = (
    names.GEN_AI_PROMPT + ".",
    names.GEN_AI_COMPLETION + ".",
    "llm.input_messages.",
    "llm.output_messages.",
    "llm.prompt_template.",  # OpenInference: the template and its variables
    "retrieval.documents.",  # OpenInference: retrieved and reranked documents, embedded texts
    "reranker.input_documents.",
    "reranker.output_documents.",
    "embedding.embeddings.",
)
#: On spans of another GenAI dialect (`tracefile.genai.dialects.MARKERS`) these keys are content
#: too: OpenInference puts the whole request and response in ``input.value``/``output.value``,
#: and Prompty's tracer its inputs and result under ``inputs.*`` and ``result*``. On other spans
#: they are left alone: ``@tracefile.trace`` records a function's arguments there on purpose.
_DIALECT_CONTENT_KEYS = frozenset({names.INPUT_VALUE, names.OUTPUT_VALUE, "inputs", "result"})
_DIALECT_CONTENT_PREFIXES = ("inputs.", "inputs[", "result.", "result[")
# What a model call's result says about the call, not what it said: kept for tokens and model.
_DIALECT_KEPT_PREFIXES = ("result.usage.", "result.model", "result.id")
# On message events (gen_ai.user.message, gen_ai.choice ...) these carry the message itself.
_MESSAGE_EVENT = re.compile(r"gen_ai\.(?:[a-z_]+\.message|choice)\Z")
_MESSAGE_EVENT_KEYS = frozenset({"content", "message", "tool_calls", "body", names.GEN_AI_MESSAGE_CONTENT})
_MESSAGE_EVENT_PREFIXES = ("content.", "message.", "tool_calls.")

# Enum, id and number attributes of the semantic conventions: never free text and
# never long, so never scanned or cut (this is what keeps a typical span cheap).
_SAFE_KEYS = frozenset(
    {
        names.GEN_AI_OPERATION_NAME,
        names.GEN_AI_SYSTEM,
        names.GEN_AI_PROVIDER_NAME,
        names.GEN_AI_REQUEST_MODEL,
        names.GEN_AI_RESPONSE_MODEL,
        names.GEN_AI_RESPONSE_ID,
        names.GEN_AI_RESPONSE_FINISH_REASONS,
        names.GEN_AI_REQUEST_MAX_TOKENS,
        names.GEN_AI_REQUEST_TEMPERATURE,
        names.GEN_AI_REQUEST_TOP_P,
        names.GEN_AI_REQUEST_TOP_K,
        names.GEN_AI_REQUEST_SEED,
        names.GEN_AI_REQUEST_FREQUENCY_PENALTY,
        names.GEN_AI_REQUEST_PRESENCE_PENALTY,
        names.GEN_AI_REQUEST_CHOICE_COUNT,
        names.GEN_AI_REQUEST_ENCODING_FORMATS,
        names.GEN_AI_USAGE_INPUT_TOKENS,
        names.GEN_AI_USAGE_OUTPUT_TOKENS,
        names.GEN_AI_TOOL_CALL_ID,
        names.GEN_AI_TOOL_NAME,
        names.GEN_AI_TOOL_TYPE,
        names.GEN_AI_AGENT_ID,
        names.GEN_AI_AGENT_NAME,
        names.GEN_AI_CONVERSATION_ID,
        names.GEN_AI_DATA_SOURCE_ID,
        names.GEN_AI_OUTPUT_TYPE,
        names.GEN_AI_TOKEN_TYPE,
        "server.address",
        "server.port",
        "http.request.method",
        "http.response.status_code",
        "http.request.resend_count",
        "url.scheme",
        "network.protocol.name",
        "network.protocol.version",
        "error.type",
        "exception.type",
        "exception.escaped",
        "az.namespace",
        "otel.status_code",
    }
)


def is_content_key(key: str) -> bool:
    """True for attributes that carry message content (dropped unless content recording is on)."""
    return key in CONTENT_KEYS or key.startswith(_CONTENT_PREFIXES)


# ---------------------------------------------------------------------------
# Values

# Python's re finds a pattern fast only when it starts with a literal: a leading
# \b, lookbehind or character class makes it try every position, ten to twenty
# times slower. So the patterns below start with a literal and check the word
# boundary with a lookbehind just after it, and the case-insensitive
# ``name=value`` rules, which cannot start with a literal, run only when a cheap
# trigger finds their separator after one of their names (searched backwards).

# Names whose ``name=value`` / ``name: value`` / ``"name": "value"`` value is secret.
_KV_NAMES = (
    r"pass(?:word|wd|phrase)|(?<![a-z0-9_])pwd"
    r"|(?:client[_-]?)?secret(?:[_-]?(?:access[_-]?)?key)?"
    r"|api[_-]?key|access[_-]?key|account[_-]?key|shared[_-]?access[_-]?(?:key|signature)"
    r"|subscription[_-]?key|private[_-]?key"
    r"|(?:access|refresh|id|auth|session|security|sas|bearer)[_-]?token|(?<![a-z0-9_])token"
    r"|credentials?"
)
_KV_VALUE = r"""["']?\s*[=:]\s*(?:"(?P<secret>[^"\r\n]+)"|'(?P<secret2>[^'\r\n]+)'|(?P<secret3>[^\s"';&,<>]+))"""

# Rules whose pattern is case-insensitive and starts with a name: run only when
# _SEPARATOR_TRIGGER finds "=" or ":" after a name they need, in the reversed
# lower-cased text (so the search starts with a literal).
_SEPARATOR_RULES: dict[str, str] = {
    "authorization": r"(?i:\bauthorization)[\"']?\s*[=:]\s*[\"']?"
    r"(?:(?:Bearer|Basic|Digest|Token|SharedAccessSignature|SharedKey|Negotiate)\s+)?"
    # A scheme with nothing after it (a value cut short) is not a secret.
    r"(?!(?:Bearer|Basic|Digest|Token|SharedAccessSignature|SharedKey|Negotiate)(?:\s|\Z))"
    r"(?P<secret>[^\s\"',;]+)",
    "key_value": r"(?i:" + _KV_NAMES + r")" + _KV_VALUE,
    "signature_param": r"(?<![A-Za-z0-9_-])(?i:sig|signature|x-amz-signature|x-goog-signature)=(?P<secret>[^&\s\"'<>;]+)",
    "key_param": r"[?&](?i:key|code)=(?P<secret>[^&\s\"'<>#]+)",
}
# "auth failed with api-key 7f3c...": a key named in free text, then its value after a space.
# Run only when _KEY_PHRASE_TRIGGER finds the name (the pattern starts with no literal).
_KEY_PHRASE_NAMES = r"(?:api|subscription|access|account|secret|private)[ _-]?key"
_KEY_PHRASE_RULE = (
    r"(?i:(?<![a-z0-9])" + _KEY_PHRASE_NAMES + r")\s+(?:(?i:is|was)\s+)?[\"']?"
    r"(?P<secret>(?=[A-Za-z0-9+/_.~-]*[0-9])[A-Za-z0-9+/_.~-]{16,}={0,2})"
)
_KEY_PHRASE_TRIGGER = re.compile(_KEY_PHRASE_NAMES + r"\s")
# Every separator rule matches one of these names (reversed) right before its "=" or ":".
_REVERSED_NAMES = (
    r"(?:drowssap|dwssap|esarhpssap|dwp|terces|yek|nekot|slaitnederc|laitnederc|noitazirohtua|erutangis|gis|edoc)"
)
# Quotes and JSON escapes may sit between the name and the separator.
_SEPARATOR_TRIGGER = (r"=\s*[\"'\\]{0,3}" + _REVERSED_NAMES, r":\s*[\"'\\]{0,3}" + _REVERSED_NAMES)

# Rules that start with a literal: searching for them is as cheap as a trigger.
_LITERAL_RULES: dict[str, str] = {
    "bearer": r"earer(?<=[Bb]earer)(?<![A-Za-z0-9_][Bb]earer)\s+"
    r"(?P<secret>(?=[A-Za-z0-9._~+/-]*[0-9])[A-Za-z0-9._~+/-]{12,}=*|[A-Za-z0-9._~+/-]{32,}=*)",
    # Checked by decoding: real Basic credentials are base64 of "user:password".
    "basic": r"asic(?<=[Bb]asic)(?<![A-Za-z0-9_][Bb]asic)\s+(?P<secret>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])",
    "openai": r"sk-(?<![A-Za-z0-9_-]sk-)(?:proj-|svcacct-|admin-|ant-[a-z]+[0-9]*-)?"
    r"(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}",
    "jwt": r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?",
    # A key of fixed length takes the rest of its word with it: "[REDACTED]pwd:1" would read as a
    # password on the next pass, and redaction must give the same text when run twice.
    "aws_access_key": r"A(?:KIA|SIA)(?<![A-Z0-9]A[KS]IA)[0-9A-Z]{16}(?![0-9A-Z])[0-9A-Za-z]*",
    "github": r"gh(?<![A-Za-z0-9_]gh)[pousr]_[A-Za-z0-9]{30,}",
    "github_pat": r"github_pat_(?<![A-Za-z0-9_]github_pat_)[A-Za-z0-9_]{30,}",
    "slack": r"xox(?<![A-Za-z0-9]xox)[abposr]-[A-Za-z0-9-]{10,}",
    "google": r"AIza(?<![A-Za-z0-9_-]AIza)[0-9A-Za-z_-]{35,}",
    "private_key": r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?P<secret>[\s\S]+?)"
    r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\Z)",
    "url_userinfo": r"://[^\s:/?#@]*:(?P<secret>[^\s/?#@]+)@",
}

#: The default secret-in-text patterns, in the order they are applied. In each,
#: the named groups starting with ``secret`` are replaced (the whole match if none).
DEFAULT_VALUE_PATTERNS: tuple[str, ...] = (*_SEPARATOR_RULES.values(), _KEY_PHRASE_RULE, *_LITERAL_RULES.values())
_SEPARATOR_PATTERNS = frozenset(_SEPARATOR_RULES.values())
# How a rule is gated in `Redactor._scan_text`: always run, or only after its trigger.
_ALWAYS, _AFTER_SEPARATOR, _AFTER_KEY_PHRASE = 0, 1, 2

#: Case-sensitive literals that every default literal rule starts with.
_LITERAL_TRIGGERS: tuple[str, ...] = (
    "sk-", "eyJ", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AIza", "://",
)  # fmt: skip
#: Lower-case literals for the case-insensitive rules.
_LOWER_TRIGGERS: tuple[str, ...] = ("bearer", "basic", "-----begin", "?key=", "&key=", "?code=", "&code=")
#: A name of a secret, reversed, right before a "=" or ":": the separator rules' names plus every
#: default key pattern's name, so that JSON whose keys are all harmless skips decoding.
_NAME_TRIGGER = re.compile(
    r"[=:]\s*[\"'\\]{0,3}(?:" + _REVERSED_NAMES[3:-1]
    + r"|eikooc|htua|redaeh|sas|gnirts|rts)"
)
#: Everything `Redactor._may_hold_secret` looks for, as one RE2 pattern (UTF-8): RE2 runs it
#: in a single pass, where Python's re or ``in`` take one pass per literal (15 us for a
#: 500-character message, against 1-2 us). It matches wherever the Python checks do, and may
#: match more: RE2's case folding covers what ``str.lower()`` maps to ASCII (the Kelvin sign),
#: and _SPACE is every character Python's ``\s`` matches.
_SPACE = r"[\t-\r\x1c-\x20\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_PREFILTER_PATTERN = "|".join(
    [re.escape(t) for t in ("\\u", *_LITERAL_TRIGGERS)]
    + ["(?i:" + "|".join(re.escape(t) for t in _LOWER_TRIGGERS) + ")"]
    + ["(?i:" + "|".join(n[::-1] for n in _NAME_TRIGGER.pattern.split("(?:", 1)[1][:-1].split("|"))
       + r")[\"'\\]{0,3}" + _SPACE + "*[=:]"]
    + ["(?i:" + _KEY_PHRASE_NAMES + ")" + _SPACE]
)


def _compile_prefilter() -> Any:
    """The RE2 prefilter, or None where google-re2 is not installed (the same checks then run in Python)."""
    try:
        import re2
    except ImportError:
        return None
    try:
        options = re2.Options()
        options.never_capture = True
        return re2.compile(_PREFILTER_PATTERN, options)
    except Exception:  # another package named re2, or an RE2 that rejects the pattern
        return None


_PREFILTER = _compile_prefilter()


def _basic_credentials(secret: str) -> bool:
    try:
        return b":" in base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        return False


_VALIDATORS: dict[str, Callable[[str], bool]] = {_LITERAL_RULES["basic"]: _basic_credentials}

# A JSON "key": value pair in text that is not (or not entirely) valid JSON.
_JSON_PAIR = re.compile(r'"((?:[^"\\\r\n]|\\.){1,128})"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)')


# ---------------------------------------------------------------------------
# Policy


#: Characters a recorded attribute value keeps, its truncation marker included (1 MiB): enough for
#: the whole history of a long agent session (about 250k tokens).
DEFAULT_MAX_LENGTH = 1 << 20


@dataclass(frozen=True)
class Policy:
    """What to record. ``key_patterns`` and ``value_patterns`` replace the defaults;
    ``extra_key_patterns`` and ``extra_value_patterns`` add to them.

    Key patterns are searched case-insensitively in attribute and JSON keys. In a
    value pattern, named groups starting with ``secret`` are replaced, or the
    whole match if there are none. A longer value is cut to ``max_length`` characters, its
    truncation marker included; ``max_length=None`` (or ``<= 0``) keeps values whole.
    Span names, event names and attribute keys are cut the same way to ``max_name_length``
    characters (None: kept whole), and names get the same secret scan as values.
    """

    record_content: bool = False
    redact: bool = True
    key_patterns: tuple[str, ...] = DEFAULT_KEY_PATTERNS
    value_patterns: tuple[str, ...] = DEFAULT_VALUE_PATTERNS
    extra_key_patterns: tuple[str, ...] = ()
    extra_value_patterns: tuple[str, ...] = ()
    #: A conversation's history is one value that grows with every call; format 2.0 stores what
    #: repeats once, so the limit keeps it whole far past what cutting it used to save.
    max_length: int | None = DEFAULT_MAX_LENGTH
    replacement: str = "[REDACTED]"
    #: Span names, event names and attribute keys are cut to this many characters (None: kept whole).
    max_name_length: int | None = 1_024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Policy:
        """A policy from environment variables (``os.environ`` by default); never raises.

        Content is recorded if ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
        or ``AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED`` asks for it (any value but
        ``false`` and ``NO_CONTENT``). ``TRACY_REDACT`` (default true) turns secret
        redaction off; ``TRACY_REDACT_KEYS`` and ``TRACY_REDACT_PATTERNS`` add comma- or
        newline-separated regexes (invalid ones are skipped with a warning);
        ``TRACY_MAX_VALUE_LENGTH`` (0: no limit). See `tracefile.settings`.
        Keyword ``overrides`` win over the environment.
        """
        kwargs: dict[str, Any] = {}
        if "record_content" not in overrides:
            content = settings.content_recording(environ)
            if content is not None:
                kwargs["record_content"] = content
        kwargs["redact"] = settings.flag(settings.TRACY_REDACT, cls.redact, environ)
        kwargs["extra_key_patterns"] = _env_patterns(environ, settings.TRACY_REDACT_KEYS, re.IGNORECASE)
        kwargs["extra_value_patterns"] = _env_patterns(environ, settings.TRACY_REDACT_PATTERNS, 0)
        default_max = cls.max_length or 0
        max_length = settings.integer(settings.TRACY_MAX_VALUE_LENGTH, default_max, environ)
        kwargs["max_length"] = max_length if max_length > 0 else None
        kwargs.update(overrides)
        return cls(**kwargs)


def _env_patterns(environ: Mapping[str, str] | None, name: str, flags: int) -> tuple[str, ...]:
    good = []
    for pattern in settings.items(name, (), environ):
        try:
            re.compile(pattern, flags)
        except re.error as exc:
            _logger.warning("Tracy: ignoring invalid regex %r in %s: %s", pattern, name, exc)
            continue
        good.append(pattern)
    return tuple(good)


# ---------------------------------------------------------------------------
# Redactor

# Key actions, cached per key. _LONG (a key over max_name_length) is never cached: the key is
# cut, and its value judged under the cut key.
_SCAN, _SECRET, _DROP, _SAFE, _LONG = 0, 1, 2, 3, 4
_MISS = object()
_CACHE_ENTRIES = 8192
_CACHE_CHARS = 4_000_000
#: Texts at least this long (`_LONG_TEXT`) that scanned clean are remembered (the last `_CONTINUED`), so that a
#: text continuing one of them (a chat call's history: the previous call's plus a message or two)
#: is checked only from `_CONTINUE_OVERLAP` characters before where it differs.
_LONG_TEXT = 4096
_CONTINUED = 8
_CONTINUE_OVERLAP = 2048
_BULK_CHARS = 4_000_000


class Redactor:
    """Applies a `Policy` to recorded values. Thread-safe; build one per exporter.

    `attributes` and `event_attributes` return the dict they were given,
    unchanged and uncopied, when nothing in it needs to change.
    """

    def __init__(self, policy: Policy | None = None) -> None:
        policy = policy or Policy()
        self.policy = policy
        self._redact = policy.redact
        self._drop_content = not policy.record_content
        self._rep = policy.replacement
        ml = policy.max_length
        self._max = ml if ml is not None and ml > 0 else None
        ml = policy.max_name_length
        self._max_name = ml if ml is not None and ml > 0 else None

        key_patterns = tuple(policy.key_patterns) + tuple(policy.extra_key_patterns)
        self._key_re = _combine(key_patterns, re.IGNORECASE, "key") if key_patterns else None

        value_patterns = tuple(policy.value_patterns) + tuple(policy.extra_value_patterns)
        self._rules: list[tuple[re.Pattern[str], Callable[[re.Match], str], int]] = []
        for pattern in value_patterns:
            rx = _compile(pattern, 0, "value")
            secrets = tuple(n for n in rx.groupindex if n.startswith("secret"))
            repl = self._replacer(secrets, _VALIDATORS.get(pattern))
            if pattern in _SEPARATOR_PATTERNS:
                gate = _AFTER_SEPARATOR
            elif pattern == _KEY_PHRASE_RULE:
                gate = _AFTER_KEY_PHRASE
            else:
                gate = _ALWAYS
            self._rules.append((rx, repl, gate))
        self._separator = tuple(re.compile(t) for t in _SEPARATOR_TRIGGER)
        # With the default patterns, text that contains none of these words cannot hold a
        # secret, so it skips the regexes (and JSON skips decoding). Custom patterns: scan all.
        defaults = (
            tuple(policy.key_patterns) == DEFAULT_KEY_PATTERNS
            and tuple(policy.value_patterns) == DEFAULT_VALUE_PATTERNS
            and not policy.extra_key_patterns
            and not policy.extra_value_patterns
        )
        self._triggers = defaults
        # Values that `check` may check in bulk: only when its check is all the scan would do
        # (default patterns; no cut needed, since values longer than max_length are cut first).
        self._defer_max = (self._max if self._max is not None else 1 << 62) if defaults and self._redact else -1

        self._attrs = _KeyCache(is_content_key)
        self._message_attrs = _KeyCache(_is_message_content_key)  # on message events, "content" and the like
        self._dialect_attrs = _KeyCache(_is_dialect_content_key)  # spans of other GenAI dialects
        self._event_caches: dict[str, _KeyCache] = {}
        self._secret_keys: dict[str, bool] = {}
        self._values: dict[str, Any] = {}
        # Strings known to be recorded unchanged under any key that is scanned (the None entries
        # of _values), as a set, so that a dict of such values is recognised by one set operation.
        self._clean: set[str] = set()
        self._long_clean: list[str] = []  # the last long texts that scanned clean (`_continues_clean`)
        self._texts: dict[str, Any] = {}
        self._json_texts: dict[str, Any] = {}  # strings inside JSON values: not cut on their own
        self._cached_chars = 0
        # Span and event names: each one's recorded form, and the set of those recorded as they are.
        self._names: dict[str, str] = {}
        self._clean_names: set[str] = set()

    # -- public API --------------------------------------------------------

    @property
    def is_noop(self) -> bool:
        """True when this policy changes nothing: no redaction, content kept, no size limit."""
        return not self._redact and not self._drop_content and self._max is None and self._max_name is None

    @property
    def drops_content(self) -> bool:
        """True when content-bearing attributes are dropped (content recording is off)."""
        return self._drop_content

    def is_content_key(self, key: str) -> bool:
        """True for attributes that carry message content."""
        return is_content_key(key)

    def is_secret_key(self, key: str) -> bool:
        """True if values under this attribute or JSON key are replaced whole."""
        hit = self._secret_keys.get(key)
        if hit is None:
            hit = self._redact and self._key_re is not None and self._key_re.search(key) is not None
            if len(self._secret_keys) > _CACHE_ENTRIES:
                self._secret_keys.clear()
            self._secret_keys[key] = hit
        return hit

    def text(self, s: str) -> str:
        """Free text with secrets replaced, cut to ``max_length``."""
        r = self._texts.get(s, _MISS)
        if r is _MISS:
            r = self._bounded(s, self._scan_text)
            self._remember(self._texts, s, r)
        return s if r is None else r

    def name(self, s: str) -> str:
        """A span or event name as recorded: secrets replaced, cut to ``max_name_length``."""
        r = self._names.get(s)
        if r is None:
            r = self._bounded(s, self._scan_text, self._max_name)
            if self._max_name is None or len(s) <= self._max_name:  # huge names rarely repeat: not kept
                if len(self._names) >= _CACHE_ENTRIES:
                    self._names.clear()
                    self._clean_names.clear()
                self._names[s] = r
                if r == s:
                    self._clean_names.add(s)
        return r

    def names(self, names: list[str]) -> list[str]:
        """`name` of each of ``names`` (a batch's span names, or its events' names): the very same
        list when none changes, which for names seen before is one set operation."""
        if self._clean_names.issuperset(names):
            return names
        out = [self.name(n) for n in names]
        return names if out == names else out

    def json_text(self, s: str) -> str:
        """A ``text_hook`` for `tracefile.record.values`: ``s`` with secrets replaced and nothing cut,
        since a cut would leave invalid JSON (`to_json` fits its text into ``max_length`` itself)."""
        return self._inner_text(s, 0) if self._redact else s

    def value(self, key: str, v: Any) -> Any:
        """One attribute value as it should be recorded (``v`` itself when unchanged).

        Content attributes are not dropped here; `attributes` does that.
        """
        action = self._attrs.actions.get(key)
        if action is None:
            action = self._classify(key, self._attrs, False)
            if action == _LONG:
                action = self._classify(self._key(key), self._attrs, False)
        if action == _SECRET:
            return self._secret(v)
        if action == _SAFE:
            return v
        return self._scan_value(v)

    def attributes(self, attrs: Mapping[str, Any]) -> Mapping[str, Any]:
        """Attributes as they should be recorded: the same object if nothing changes."""
        if self._drop_content and not _DIALECT_MARKERS.isdisjoint(attrs):
            return self._apply(attrs, self._dialect_attrs, False)
        return self._apply(attrs, self._attrs, False)

    def event_attributes(self, event_name: str, attrs: Mapping[str, Any]) -> Mapping[str, Any]:
        """An event's attributes; on message events (``gen_ai.user.message``,
        ``gen_ai.choice`` ...) ``content`` and the like are content too."""
        cache = self._event_caches.get(event_name)
        if cache is None:
            cache = self._event_cache(event_name)
        return self._apply(attrs, cache, cache is self._message_attrs)

    def batch(
        self, attributes: list[Mapping[str, Any]], event_names: list[str], event_attributes: list[Mapping[str, Any]]
    ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
        """`attributes` of each span and `event_attributes` of each event of a batch, in one call.

        The events' new values are first checked for secrets all together (`check`);
        then each dict whose values are all known to be clean is kept as it is, by two
        set operations, and only the others go through the per-value path.
        """
        clean = self._clean
        attrs_cache = self._attrs
        apply = self._apply
        dialect: list[int] = []
        if self._drop_content:
            # Spans of another GenAI dialect keep content under keys that are not content elsewhere.
            markers = _DIALECT_MARKERS.isdisjoint
            dialect = [i for i, d in enumerate(attributes) if not markers(d)]
            if dialect:
                attributes = list(attributes)
                for i in dialect:
                    attributes[i] = apply(attributes[i], self._dialect_attrs, False)
        out_attrs = self._batch_attributes(attributes)
        if out_attrs is None:
            safe, keep, scan = attrs_cache.safe, attrs_cache.keep, attrs_cache.scan
            out_attrs = []
            append = out_attrs.append
            for d in attributes:
                try:
                    if safe.issuperset(d) or keep.issuperset(d) and clean.issuperset(
                        map(d.__getitem__, scan.intersection(d))
                    ):
                        append(d)
                        continue
                except TypeError:  # an unhashable value (a list in a plain dict)
                    pass
                append(apply(d, attrs_cache, False))
        out_events = list(event_attributes)
        if self._batch_events(out_events):
            return out_attrs, out_events
        caches = self._event_caches
        message_cache = self._message_attrs
        todo = []
        for k, name in enumerate(event_names):
            cache = caches.get(name)
            if cache is None:
                cache = self._event_cache(name)
            d = out_events[k]
            if cache.keep.issuperset(d):
                try:
                    # Message events repeat the conversation so far: all their values are usually known.
                    if clean.issuperset(d.values()):
                        continue
                except TypeError:  # an unhashable value (a list in a plain dict)
                    pass
            elif cache.simple.issuperset(d):  # only safe keys and content that is dropped
                drop = cache.drop
                out_events[k] = {a: v for a, v in d.items() if a not in drop}
                continue
            todo.append(k)
        if todo:
            self.check([out_events[k] for k in todo])
            for k in todo:
                cache = caches.get(event_names[k])
                if cache is None:
                    cache = self._event_cache(event_names[k])
                d = out_events[k]
                try:
                    if cache.keep.issuperset(d) and clean.issuperset(d.values()):
                        continue
                except TypeError:
                    pass
                out_events[k] = apply(d, cache, cache is message_cache)
        return out_attrs, out_events

    def check(self, dicts: list[Mapping[str, Any]]) -> None:
        """Check for secrets, in one pass, every value of these dicts not seen before; the clean
        ones are remembered (and then cost a set lookup), the others are redacted when met."""
        if self._defer_max < 0:
            return  # custom patterns, or no redaction: nothing to check in bulk
        try:
            new = set(chain.from_iterable(map(dict.values, dicts))).difference(self._clean)
        except TypeError:  # not all dicts, or unhashable values: each is scanned when met
            return
        if new:
            self._verify(new)

    def _verify(self, new: set[Any]) -> set[Any]:
        """Of values not in _clean, remember those a scan leaves unchanged; return the others."""
        clean = self._clean
        values = self._values
        dmax = self._defer_max
        texts = []
        bad = set()
        for v in new:
            t = type(v)
            if t is str:
                r = values.get(v, _MISS) if len(v) <= dmax else v
                if r is _MISS:
                    texts.append(v)
                elif r is None:
                    clean.add(v)
                else:  # changes, or too long to check here
                    bad.add(v)
            elif t is int or t is float or t is bool:
                clean.add(v)  # never changed by a scan
            else:
                bad.add(v)
        if texts:
            bad.update(self._settle(texts))
        return bad

    def _batch_attributes(self, dicts: list[Mapping[str, Any]]) -> list[Mapping[str, Any]] | None:
        """Span attributes of a whole batch at once, when every key is known to be kept (safe or
        scanned): one set of all keys, then only the scanned keys' values are checked, together.
        The dicts whose values are all clean are kept as they are. None when this does not apply
        (a secret or dropped key somewhere, or custom patterns): then each dict is checked."""
        if self._defer_max < 0:
            return None
        cache = self._attrs
        try:
            keys = set(chain.from_iterable(dicts))
        except TypeError:  # not all dicts
            return None
        for k in keys.difference(cache.actions):
            self._classify(k, cache, False)
        if not cache.keep.issuperset(keys):
            return None
        out = list(dicts)
        scanned = cache.scan.intersection(keys)
        if not scanned:
            return out
        values: list[Any] = []
        for k in scanned:
            values.extend(filter(partial(is_not, _MISS), map(methodcaller("get", k, _MISS), dicts)))
        try:
            new = set(values).difference(self._clean)
        except TypeError:  # an unhashable value (a list in a plain dict)
            return None
        bad = self._verify(new) if new else None
        if bad:
            apply = self._apply
            for i, d in enumerate(out):
                try:
                    if bad.isdisjoint(d.values()):
                        continue
                except TypeError:
                    pass
                out[i] = apply(d, cache, False)
        return out

    def _batch_events(self, dicts: list[Mapping[str, Any]]) -> bool:
        """Redact event attributes in place when they all share the span attributes' key cache
        (content recorded): one set of their keys and one of their values settle most batches
        without a loop over the events. False when this does not apply."""
        if self._drop_content or self._defer_max < 0:
            return False
        cache = self._attrs
        try:
            keys = set(chain.from_iterable(dicts))
            vals = set(chain.from_iterable(map(dict.values, dicts)))
        except TypeError:  # not all dicts, or unhashable values
            return False
        for k in keys.difference(cache.actions):
            self._classify(k, cache, False)
        if not cache.keep.issuperset(keys):
            return False  # a secret key somewhere: the per-dict path handles it
        new = vals.difference(self._clean)
        bad = self._verify(new) if new else None
        if bad:
            apply = self._apply
            for k, d in enumerate(dicts):
                if not bad.isdisjoint(d.values()):
                    dicts[k] = apply(d, cache, False)
        return True

    def _continues_clean(self, s: str) -> bool:
        """True when ``s`` is known to scan clean: it shares at least half of itself with a long text
        that scanned clean, and what follows, from `_CONTINUE_OVERLAP` characters before where they
        differ (back to a space, quote or newline, so that no word is cut), holds nothing a secret
        pattern could start from (`_may_hold_secret`). A match wholly inside the shared part would
        have been in the clean text too; one that reaches past where they differ starts within the
        overlap, since no pattern spans that far."""
        if not self._triggers or not self._long_clean:
            return False
        best = max(common_prefix(s, clean) for clean in self._long_clean)
        if best < len(s) // 2:
            return False
        start = best - _CONTINUE_OVERLAP
        if start > 0:
            start = max(s.rfind(" ", 0, start), s.rfind('"', 0, start), s.rfind("\n", 0, start)) + 1
        return not self._may_hold_secret(s[max(start, 0) :])

    def _scanned_clean(self, s: str) -> None:
        """Note a long text that scanned clean, for `_continues_clean`."""
        self._long_clean.append(s)
        if len(self._long_clean) > _CONTINUED:
            del self._long_clean[0]

    def _settle(self, texts: list[str]) -> set[str]:
        """Check distinct new ``texts`` (none longer than max_length) in one pass; remember the
        clean ones and return the others. A long text that continues one that scanned clean is
        checked only where it differs (`_continues_clean`)."""
        long = [v for v in texts if len(v) >= _LONG_TEXT]
        continued = [v for v in long if self._continues_clean(v)]
        if continued:
            known = set(continued)
            texts = [v for v in texts if v not in known]
        flagged = self._prefilter(texts)
        for v in long:
            if v not in flagged:
                self._scanned_clean(v)
        texts += continued
        return self._keep_clean(texts, flagged)

    def _prefilter(self, texts: list[str]) -> set[str]:
        """Of ``texts``, those a secret pattern could match (`_may_hold_secret`), in bulk."""
        if _PREFILTER is None:
            flagged = {v for v in texts if self._may_hold_secret_py(v)}
        else:
            # A few MB per search, so that a batch of huge values never doubles in memory at once.
            flagged = set()
            chunk: list[str] = []
            size = 0
            for v in texts:
                chunk.append(v)
                size += len(v)
                if size >= _BULK_CHARS:
                    flagged |= _bulk_search(_PREFILTER, chunk)
                    chunk, size = [], 0
            if chunk:
                flagged |= _bulk_search(_PREFILTER, chunk)
        return flagged

    def _keep_clean(self, texts: list[str], flagged: set[str]) -> set[str]:
        """Remember ``texts`` but the ``flagged`` ones as clean; return the flagged."""
        if flagged:
            texts = [v for v in texts if v not in flagged]
        values = self._values
        chars = sum(map(len, texts))
        if len(values) + len(texts) >= _CACHE_ENTRIES or self._cached_chars + chars > _CACHE_CHARS:
            values.clear()
            self._clean.clear()
            self._cached_chars = 0
        self._cached_chars += chars
        values.update(dict.fromkeys(texts))  # None: recorded unchanged
        if len(self._clean) > 4 * _CACHE_ENTRIES:  # numbers are added as they come, not counted in _values
            self._clean.clear()
        self._clean.update(texts)
        return flagged

    def _apply(self, attrs: Mapping[str, Any], cache: _KeyCache, message: bool) -> Mapping[str, Any]:
        # The common cases are tested with set operations, which run in C: only safe
        # keys (return the dict itself), or only safe and dropped keys (copy, drop).
        if cache.safe.issuperset(attrs):
            return attrs
        if cache.keep.issuperset(attrs):
            # Only safe and scanned keys: unchanged if every value is known to be clean.
            try:
                if self._clean.issuperset(attrs.values()):
                    return attrs
            except TypeError:  # an unhashable value (a list in a plain dict)
                pass
            return self._filter(attrs, cache, message)
        if cache.simple.issuperset(attrs):
            out = dict(attrs)
            for k in cache.drop:
                out.pop(k, None)
            return out
        return self._filter(attrs, cache, message)

    def _event_cache(self, event_name: str) -> _KeyCache:
        message = self._drop_content and _MESSAGE_EVENT.match(event_name) is not None
        cache = self._message_attrs if message else self._attrs
        if self._max_name is not None and len(event_name) > self._max_name:
            return cache  # not kept: a cache of 10 MB names would hold them all
        if len(self._event_caches) >= _CACHE_ENTRIES:
            self._event_caches.clear()
        self._event_caches[event_name] = cache
        return cache

    def json_scrub(self, key: Any, v: Any) -> Any:
        """A ``scrub(key, value)`` hook for `tracefile.values` (``@trace`` inputs and outputs):
        values under secret keys are replaced whole, strings have their secrets replaced.
        Cutting to length is left to the caller."""
        if not self._redact:
            return v
        if type(key) is str and self.is_secret_key(key):
            return self._secret(v)
        if type(v) is str:
            ml = self._max
            if ml is not None and len(v) > ml + _OVERLAP:
                # Only the part that will be kept is scanned: a 50 MB argument costs microseconds.
                window = v[: ml + _OVERLAP]
                r = self._inner_text(window, 0)
                return v if r == window else r + v[len(window) :]
            return self._inner_text(v, 0)
        return v

    # -- the hot loop ----------------------------------------------------------

    def _filter(self, attrs: Mapping[str, Any], cache: _KeyCache, message: bool) -> Mapping[str, Any]:
        # Written for the common case: every key known, every value kept, nothing copied.
        actions = cache.actions
        values = self._values
        clean = self._clean
        out = None
        renamed: dict[str, str] | None = None
        for k, v in attrs.items():
            action = actions.get(k)
            if action is None:
                action = self._classify(k, cache, message)
            if action == 3:  # _SAFE
                continue
            if action == 0:  # _SCAN
                t = type(v)
                if t is str:
                    r = values.get(v, _MISS)
                    if r is None:
                        continue
                    if r is _MISS:
                        r = self._scan_str(v)
                        if r is v:
                            continue
                elif t is int or t is float or t is bool:
                    clean.add(v)
                    continue
                else:
                    r = self._scan_value(v)
                    if r is v:
                        continue
            elif action == 1:  # _SECRET
                r = self._secret(v)
                if r is v:
                    continue
            elif action == 4:  # _LONG: the key is cut, and its value judged under the cut key
                if out is None:
                    out = dict(attrs)
                short = self._key(k)
                a = actions.get(short)
                if a is None:
                    a = self._classify(short, cache, message)
                if a == 2:  # _DROP
                    del out[k]
                    continue
                out[k] = v if a == 3 else self._secret(v) if a == 1 else self._scan_value(v)
                if renamed is None:
                    renamed = {}
                renamed[k] = short
                continue
            else:  # _DROP
                if out is None:
                    out = dict(attrs)
                del out[k]
                continue
            if out is None:
                out = dict(attrs)
            out[k] = r
        if renamed is not None:  # in place, so the keys keep their order
            out = {renamed.get(k, k): v for k, v in out.items()}
        return attrs if out is None else out

    def _key(self, key: str) -> str:
        """An attribute key as recorded: cut to ``max_name_length``."""
        return truncate(key, self._max_name)

    def _classify(self, key: str, cache: _KeyCache, message: bool) -> int:
        if self._max_name is not None and len(key) > self._max_name:
            return _LONG  # measured before any pattern runs: a 100 MB key costs its cut
        if self._drop_content and cache.is_content(key):
            action = _DROP
        elif self.is_secret_key(key):
            action = _SECRET
        elif key in _SAFE_KEYS:
            action = _SAFE
        else:
            action = _SCAN
        cache.add(key, action)
        return action

    # -- values ------------------------------------------------------------------

    def _secret(self, v: Any) -> Any:
        t = type(v)
        if t is bool or v is None or v == "" or v == self._rep:
            return v
        if t is list or t is tuple:
            items = [self._secret(x) for x in v]
            if all(a is b for a, b in zip(items, v)):
                return v
            return items if t is list else tuple(items)
        return self._rep

    def _plain(self, v: Any) -> Any:
        t = type(v)
        if t is str:
            return truncate(v, self._max)
        if t is bytes:
            return _truncate_bytes(v, self._max)
        if t is list or t is tuple:
            ml = self._max
            if ml is None:
                return v
            for x in v:
                tx = type(x)
                if (tx is str or tx is bytes) and len(x) > ml:
                    break
            else:
                return v
            items = [self._plain(x) for x in v]
            if all(a is b for a, b in zip(items, v)):
                return v
            return items if t is list else tuple(items)
        return v

    def _scan_value(self, v: Any) -> Any:
        t = type(v)
        if t is str:
            r = self._values.get(v, _MISS)
            if r is _MISS:
                return self._scan_str(v)
            return v if r is None else r
        if t is list or t is tuple:
            items = [self._scan_value(x) for x in v]
            if all(a is b for a, b in zip(items, v)):
                return v
            return items if t is list else tuple(items)
        if t is bytes:
            return _truncate_bytes(v, self._max)
        return v

    def _scan_str(self, s: str) -> str:
        """A string attribute value, redacted (JSON structurally) and cut; cached."""
        r = self._bounded(s, self._scan_long)
        self._remember(self._values, s, r)
        if r is s and (self._max is None or len(s) <= self._max):
            self._clean.add(s)
        return r

    def _scan_long(self, s: str) -> str:
        """`_scan_json_or_text`, skipped for a long text that continues one that scanned clean."""
        if len(s) < _LONG_TEXT:
            return self._scan_json_or_text(s)
        if self._continues_clean(s):
            self._scanned_clean(s)
            return s
        r = self._scan_json_or_text(s)
        if r is s:
            self._scanned_clean(s)
        return r

    def _remember(self, cache: dict[str, Any], s: str, r: str) -> None:
        n = len(s)
        if self._max is not None and n > self._max:
            return  # too big to be worth keeping, and such values rarely repeat
        self._cached_chars += n
        if len(cache) >= _CACHE_ENTRIES or self._cached_chars > _CACHE_CHARS:
            cache.clear()
            if cache is self._values:
                self._clean.clear()
            self._cached_chars = n
        cache[s] = None if r == s else r

    def _bounded(self, s: str, scan: Callable[[str], str], limit: Any = _MISS) -> str:
        """``scan(s)`` within ``max_length`` (or ``limit``): long values are cut before they are scanned."""
        ml = self._max if limit is _MISS else limit
        # A marker from an earlier cut is not scanned: right after "password=" it would pass for the password.
        body, dropped = split_marker(s)
        if ml is not None and len(body) > ml:
            window = body[: ml + _OVERLAP]
            dropped += len(body) - len(window)
            body = window
        r = scan(body)
        if not dropped:
            return r if ml is None or len(r) <= ml else self._cut(r, 0, ml)
        if r is body and (ml is None or len(s) <= ml):
            return s
        return r + truncation_marker(dropped) if ml is None else self._cut(r, dropped, ml)

    def _cut(self, r: str, dropped: int, ml: int) -> str:
        """``r``, followed by ``dropped`` characters already cut, within ``ml`` characters."""
        total = len(r) + dropped
        keep = ml - len(truncation_marker(total))  # what `cut` will keep
        if keep < 0:
            keep = ml
        rep = self._rep
        if rep and keep < len(r):
            # Never leave half a replacement: a second pass would take it for a secret.
            j = r.find(rep, max(0, keep - len(rep) + 1), keep + len(rep) - 1)
            if 0 <= j < keep:
                r = r[:j]
        return cut(r, total, ml)

    def _may_hold_secret(self, s: str) -> bool:
        """False only when no default pattern can match ``s``: a cheap superset check that lets
        ordinary prose and JSON skip the regexes and JSON decoding."""
        if not self._triggers:  # custom patterns: scan everything
            return True
        if _PREFILTER is not None:
            try:
                return _PREFILTER.search(s) is not None
            except UnicodeEncodeError:  # lone surrogates have no UTF-8
                pass
        return self._may_hold_secret_py(s)

    def _may_hold_secret_py(self, s: str) -> bool:
        """`_may_hold_secret` in Python: without google-re2, or for text that has no UTF-8."""
        if not self._triggers or "\\u" in s:  # custom patterns; JSON escapes could spell a trigger
            return True
        for t in _LITERAL_TRIGGERS:
            if t in s:
                return True
        low = s.lower()
        for t in _LOWER_TRIGGERS:
            if t in low:
                return True
        if "key" in low and _KEY_PHRASE_TRIGGER.search(low) is not None:
            return True
        if "=" in s or ":" in s:
            return _NAME_TRIGGER.search(low[::-1]) is not None
        return False

    def _scan_text(self, s: str) -> str:
        if not self._redact or not self._may_hold_secret(s):
            return s
        r = s
        gate = phrase = None
        for rx, repl, gated in self._rules:
            if gated == _AFTER_SEPARATOR:
                if gate is None:
                    gate = ("=" in s or ":" in s) and self._separator_hit(s)
                if not gate:
                    continue
            elif gated == _AFTER_KEY_PHRASE:
                if phrase is None:
                    phrase = _KEY_PHRASE_TRIGGER.search(s.lower()) is not None
                if not phrase:
                    continue
            r = rx.sub(repl, r)
        return s if r == s else r

    def _separator_hit(self, s: str) -> bool:
        rev = s.lower()[::-1]
        for trigger in self._separator:
            if trigger.search(rev) is not None:
                return True
        return False

    def _scan_json_or_text(self, s: str, depth: int = 0) -> str:
        if not self._redact or not self._may_hold_secret(s):
            return s
        first = s[:1]
        if first.isspace():
            first = s.lstrip()[:1]
        if first != "{" and first != "[":
            return self._scan_text(s)
        # Decoding is cheaper than any pre-check of the raw text (msgspec: ~1 µs for a
        # message), and the keys and strings inside are then checked through the caches.
        strict = True
        try:
            obj = msgspec.json.decode(s)
        except Exception:  # not JSON, or NaN, huge integers, deep nesting: json.loads may read it
            strict = False
            try:
                obj = json.loads(s)
            except Exception:
                return self._scan_text(self._json_pairs(s))
        try:
            new = self._walk(obj, depth)
        except RecursionError:  # absurdly deep nesting: treat it as text
            return self._scan_text(self._json_pairs(s))
        if new is obj:
            return s
        if strict:
            return msgspec.json.encode(new).decode()
        # json.dumps writes back what json.loads accepted (NaN, big integers) as it was.
        return json.dumps(new, ensure_ascii=False, separators=(",", ":"))

    def _walk(self, obj: Any, depth: int) -> Any:
        """``obj`` with secrets replaced; the very same object when nothing changed."""
        t = type(obj)
        if t is str:
            return self._inner_text(obj, depth)
        if t is dict:
            out = None
            for k, v in obj.items():
                if type(k) is str and self.is_secret_key(k):
                    r = self._secret(v)
                else:
                    r = self._walk(v, depth)
                if r is not v:
                    if out is None:
                        out = dict(obj)
                    out[k] = r
            return obj if out is None else out
        if t is list:
            items = [self._walk(x, depth) for x in obj]
            if all(a is b for a, b in zip(items, obj)):
                return obj
            return items
        return obj

    def _inner_text(self, s: str, depth: int) -> str:
        """A string inside a JSON value or a recorded object: redacted, not cut on its own."""
        first = s[:1]
        if depth < _MAX_JSON_DEPTH and (first == "{" or first == "["):
            r = self._scan_json_or_text(s, depth + 1)
        else:
            r = self._json_texts.get(s, _MISS)
            if r is None:
                return s
            if r is _MISS:
                r = self._scan_text(s)
                self._remember(self._json_texts, s, r)
        return s if r == s else r

    def _json_pairs(self, s: str) -> str:
        """Secret "key": value pairs in JSON that does not parse (cut, or not JSON at all)."""
        rep = json.dumps(self._rep, ensure_ascii=False)

        def sub(m: re.Match) -> str:
            key = m.group(1)
            if not self.is_secret_key(key) or m.group(2) == rep:
                return m.group(0)
            return m.group(0)[: m.start(2) - m.start(0)] + rep

        return _JSON_PAIR.sub(sub, s)

    # -- replacement callbacks ---------------------------------------------------

    def _replacer(self, secrets: tuple[str, ...], validate: Callable[[str], bool] | None) -> Callable[[re.Match], str]:
        def replace(m: re.Match) -> str:
            return self._replace(m, secrets, validate)

        return replace

    def _replace(self, m: re.Match, groups: list, validate: Callable[[str], bool] | None) -> str:
        """The match with its secret groups (or, if it has none, all of it) replaced."""
        if not groups:
            return self._rep
        s = m.string
        out = []
        pos = m.start()
        for a, b in sorted(m.span(g) for g in groups):
            if a < 0:
                continue  # an alternative that did not take part in the match
            if validate is not None and not validate(s[a:b]):
                return m.group(0)
            out.append(s[pos:a])
            out.append(self._rep)
            pos = b
        out.append(s[pos : m.end()])
        return "".join(out)


def _bulk_search(prefilter: Any, texts: list[str]) -> set[str]:
    """The ``texts`` in which ``prefilter`` (an RE2 pattern without NUL) finds a match, and those
    that have no UTF-8: one search over their NUL-joined concatenation, so no match spans two."""
    flagged = set()
    try:
        blob = "\0".join(texts).encode()
    except UnicodeEncodeError:  # lone surrogates: checked one by one, in Python
        flagged = {t for t in texts if not _encodes(t)}
        texts = [t for t in texts if t not in flagged]
        blob = "\0".join(texts).encode()
    m = prefilter.search(blob)
    if m is None:
        return flagged
    if len(blob) == len(texts) - 1 + sum(map(len, texts)):  # all ASCII: characters are bytes
        starts = [0, *accumulate(len(t) + 1 for t in texts)]
    else:
        starts = [0, *accumulate(len(t.encode()) + 1 for t in texts)]
    while m is not None:
        k = bisect_right(starts, m.start()) - 1
        flagged.add(texts[k])
        if k + 1 >= len(texts):
            break
        m = prefilter.search(blob, starts[k + 1])
    return flagged


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


class _KeyCache:
    """Each key's action, and the sets of safe and dropped keys for the C-speed checks."""

    __slots__ = ("is_content", "actions", "safe", "drop", "simple", "scan", "keep")

    def __init__(self, is_content: Callable[[str], bool]) -> None:
        self.is_content = is_content  # which keys hold message content (dropped when it is off)
        self.actions: dict[str, int] = {}
        self.safe: set[str] = set()
        self.drop: set[str] = set()
        self.simple: set[str] = set()  # safe | drop
        self.scan: set[str] = set()
        self.keep: set[str] = set()  # safe | scan: values kept unless a scan changes them

    def add(self, key: str, action: int) -> None:
        if len(self.actions) >= _CACHE_ENTRIES:
            # Unbounded key sets (header names ...) must not grow the cache forever.
            self.actions.clear()
            self.safe.clear()
            self.drop.clear()
            self.simple.clear()
            self.scan.clear()
            self.keep.clear()
        self.actions[key] = action
        if action == _SAFE:
            self.safe.add(key)
            self.simple.add(key)
            self.keep.add(key)
        elif action == _SCAN:
            self.scan.add(key)
            self.keep.add(key)
        elif action == _DROP:
            self.drop.add(key)
            self.simple.add(key)


def _is_message_content_key(key: str) -> bool:
    return is_content_key(key) or _message_key(key)


def _is_dialect_content_key(key: str) -> bool:
    if is_content_key(key) or key in _DIALECT_CONTENT_KEYS:
        return True
    return key.startswith(_DIALECT_CONTENT_PREFIXES) and not key.startswith(_DIALECT_KEPT_PREFIXES)


def _message_key(key: str) -> bool:
    return key in _MESSAGE_EVENT_KEYS or key.startswith(_MESSAGE_EVENT_PREFIXES)


def _truncate_bytes(v: bytes, max_length: int | None) -> bytes:
    if max_length is None or len(v) <= max_length:
        return v
    return cut(v[:max_length], len(v), max_length)


def _compile(pattern: str, flags: int, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ValueError(f"invalid {what} pattern {pattern!r}: {exc}") from None


def _combine(patterns: Iterable[str], flags: int, what: str) -> re.Pattern[str]:
    patterns = list(patterns)
    for p in patterns:
        _compile(p, flags, what)
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), flags)
    except re.error:
        # Global inline flags such as (?i) cannot be combined: search each pattern instead.
        compiled = [re.compile(p, flags) for p in patterns]
        return _AnyOf(compiled)  # type: ignore[return-value]


class _AnyOf:
    """Duck-types ``Pattern.search`` over patterns that do not combine into one."""

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        self.patterns = patterns

    def search(self, s: str) -> Any:
        for p in self.patterns:
            m = p.search(s)
            if m is not None:
                return m
        return None
