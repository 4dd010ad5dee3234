"""Secret redaction, content filtering and value-size limits (tracefile.record.redact).

Micro-benchmark (not a test; timings vary with the machine). Run from the repo root::

    .venv/bin/python - <<'EOF'
    import time
    from tracefile.record.redact import Policy, Redactor
    from tracefile.testing.synthetic import make_spans
    spans = make_spans(2000)
    items = [(s._attributes._dict, [(e.name, e.attributes._dict) for e in s._events]) for s in spans]
    for policy in (Policy(), Policy(record_content=True)):
        best = float("inf")
        for _ in range(15):
            r = Redactor(policy)  # cold caches: a fresh run of 2000 spans
            t = time.perf_counter()
            for attrs, events in items:
                r.attributes(attrs)
                for name, ea in events:
                    r.event_attributes(name, ea)
            best = min(best, time.perf_counter() - t)
        print(policy.record_content, f"{best / len(items) * 1e6:.2f} us/span")
    EOF
"""

from __future__ import annotations

import base64
import json
import logging

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracefile.format.truncation import truncate, truncation_marker
from tracefile.record.redact import (
    DEFAULT_KEY_PATTERNS,
    DEFAULT_VALUE_PATTERNS,
    Policy,
    Redactor,
    is_content_key,
)

R = "[REDACTED]"


@pytest.fixture(scope="module")
def red() -> Redactor:
    return Redactor(Policy())


# --- keys -----------------------------------------------------------------------

SECRET_KEYS = [
    "api_key",
    "apikey",
    "api-key",
    "http.request.header.x-api-key",
    "OPENAI_API_KEY",
    "client_secret",
    "aws_secret_access_key",
    "password",
    "db.passwd",
    "PWD",
    "passphrase",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "refreshToken",
    "http.request.header.x-auth-token",
    "http.request.header.authorization",
    "http.request.header.proxy-authorization",
    "auth",
    "auth_header",
    "http.request.header.cookie",
    "http.response.header.set-cookie",
    "credential",
    "azure.credentials",
    "db.connection_string",
    "ConnectionString",
    "private_key",
    "storage.sas",
    "sig",
    "account_key",
    "AccountKey",
    "aws_access_key",
    "SharedAccessKey",
    "Ocp-Apim-Subscription-Key",
]

PLAIN_KEYS = [
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.request.max_tokens",
    "max_tokens",
    "gen_ai.token.type",
    "llm.token_count.prompt",
    "tokenizer",
    "gen_ai.request.model",
    "gen_ai.response.id",
    "gen_ai.system",
    "server.address",
    "url.full",
    "http.request.method",
    "author",
    "authority",
    "secretary",
    "signal",
    "design",
    "aws_access_key_id",
    "SharedAccessKeyName",
    "gen_ai.tool.call.id",
    "session.id",
    "keyboard",
]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_keys_are_recognised(red, key):
    assert red.is_secret_key(key)
    assert red.value(key, "hunter2") == R


@pytest.mark.parametrize("key", PLAIN_KEYS)
def test_ordinary_keys_are_not_secret(red, key):
    assert not red.is_secret_key(key)


def test_secret_key_values_of_every_type(red):
    assert red.value("api_key", ["a", "b"]) == [R, R]
    assert red.value("api_key", ("a",)) == (R,)
    assert red.value("api_key", 123456) == R
    assert red.value("api_key", b"raw") == R
    # Booleans and empty strings reveal nothing worth hiding.
    assert red.value("password_set", True) is True
    assert red.value("api_key", "") == ""


def test_token_counts_stay(red):
    attrs = {"gen_ai.usage.output_tokens": 42, "gen_ai.usage.input_tokens": 7, "gen_ai.request.max_tokens": 2048, "max_tokens": 5}
    assert red.attributes(attrs) is attrs


# --- values ---------------------------------------------------------------------

JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
OPENAI = "sk-proj-Ab3dEfGh1JkLmNoPqRsTuVwXyZ0123456789abcdEFGH"
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
GOOGLE = "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx7\nAbCdEf==\n-----END RSA PRIVATE KEY-----"
BASIC = base64.b64encode(b"alice:opensesame").decode()

REDACTED_TEXTS = [
    # (text, secret that must disappear, text that must stay)
    ("Authorization: Bearer abcdef1234567890XYZ", "abcdef1234567890XYZ", "Authorization: Bearer "),
    ("curl -H 'Authorization: Basic " + BASIC + "' https://x", BASIC, "Authorization: Basic "),
    ("header Bearer tok_1234567890abcdef", "tok_1234567890abcdef", "header Bearer "),
    ("auth: Basic " + BASIC, BASIC, "Basic "),
    ("export OPENAI_API_KEY=" + OPENAI, OPENAI, "OPENAI_API_KEY="),
    ("the key is " + OPENAI + ".", OPENAI, "the key is "),
    ("old key sk-Abc123def456ghi789jkl012mno345 works", "sk-Abc123def456ghi789jkl012mno345", "old key "),
    (
        "DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=Zm9vYmFyYmF6cXV4+/abc==;EndpointSuffix=core.windows.net",
        "Zm9vYmFyYmF6cXV4+/abc==",
        "AccountName=contoso;AccountKey=",
    ),
    (
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abcDEF123+/xyz=",
        "abcDEF123+/xyz=",
        "SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=",
    ),
    (
        "https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&se=2025-01-01&sp=r&sig=AbCd%2FeFgH%3D",
        "AbCd%2FeFgH%3D",
        "?sv=2022-11-02&se=2025-01-01&sp=r&sig=",
    ),
    ("token " + JWT, JWT, "token "),
    ("AWS key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", "AWS key "),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = "),
    ("GITHUB_TOKEN " + GITHUB, GITHUB, "GITHUB_TOKEN "),
    ("pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABCDEFG0123456789", "pat "),
    ("slack " + SLACK, SLACK, "slack "),
    ("maps " + GOOGLE, GOOGLE, "maps "),
    ("key:\n" + PEM + "\nend", "MIIEowIBAAKCAQEAx7", "-----BEGIN RSA PRIVATE KEY-----"),
    ("Server=tcp:db.example.com;Database=app;User Id=sa;Password=P@ssw0rd!;", "P@ssw0rd!", "User Id=sa;Password="),
    ("Driver={ODBC};Server=x;Uid=sa;Pwd=hunter2;", "hunter2", "Uid=sa;Pwd="),
    ("postgresql://admin:s3cr3t-pw@db.example.com:5432/app", "s3cr3t-pw", "postgresql://admin:"),
    ("https://user:pa55word@example.com/path", "pa55word", "https://user:"),
    ("https://example.com/login?user=bob&password=hunter2&next=/", "hunter2", "&next=/"),
    ("Password: hunter2", "hunter2", "Password: "),
    ('{"client_secret": "abc def", "x": 1}', "abc def", '"x": 1'),
    ("https://maps.example.com/api?key=abc123secret&q=paris", "abc123secret", "&q=paris"),
]


@pytest.mark.parametrize("text, secret, kept", REDACTED_TEXTS)
def test_secret_in_text_is_redacted(red, text, secret, kept):
    out = red.text(text)
    assert secret not in out
    assert R in out
    assert kept in out


NEAR_MISSES = [
    "reset your password via the portal",
    "Passwords must be rotated every 90 days.",
    "The task-force met; risk-management and desk-based work follow.",
    "use scikit-learn and sk-learn-compatible estimators",
    "The request 3f2504e0-4f89-11d3-9a0c-0305e82c3301 finished",
    "Basic information about the bearer of this card",
    "He was the bearer of bad news.",
    "gen_ai.usage.output_tokens: 42",
    "max_tokens=4096 and tokens: 12",
    "https://contoso-ai.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview",
    "Email alice@example.com or visit https://example.com:8443/x?y=1",
    "Asia-Pacific revenue grew; AKIA is not a key on its own.",
    "Signature pending; the design was signed off.",
    "A secret garden, a token gesture, a key insight.",
    "call_1LyRisz5KsvpNNGxa73Bx7fl chatcmpl-RMasVMHjRDQVoVr9h2cpGKygprU4K",
    "ghost_town and thigh_high are not GitHub tokens",
    "Zürich — naïve café ☕ 東京",
    "",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_stay(red, text):
    assert red.text(text) == text


def test_unchanged_text_is_the_same_object(red):
    s = "nothing secret here, just a long enough sentence" * 3
    assert red.text(s) is s
    assert red.value("some.attribute", s) is s


def test_basic_needs_user_colon_password():
    r = Redactor()
    not_credentials = base64.b64encode(b"no colon here").decode()
    assert r.text("Basic " + not_credentials) == "Basic " + not_credentials


def test_bearer_keeps_scheme_and_redacts_token(red):
    assert red.text("Authorization: Bearer abc.def-123_456~ghi") == "Authorization: Bearer " + R


def test_url_userinfo_keeps_user(red):
    assert red.text("https://bob:pw@host.example/x") == "https://bob:" + R + "@host.example/x"


# --- JSON ---------------------------------------------------------------------------


def test_nested_json_keys_are_redacted(red):
    content = {"role": "tool", "content": "Zürich: 5 results", "meta": {"api_key": "abc", "n": 3}, "list": [{"password": "p"}, 1]}
    raw = json.dumps(content)
    out = red.value("gen_ai.event.content", raw)
    assert out != raw
    decoded = json.loads(out)  # still valid JSON
    assert decoded["meta"] == {"api_key": R, "n": 3}
    assert decoded["list"] == [{"password": R}, 1]
    assert decoded["content"] == "Zürich: 5 results"
    assert list(decoded) == ["role", "content", "meta", "list"]  # key order kept
    assert "Zürich" in out  # non-ASCII kept as is


def test_json_string_values_are_scanned(red):
    raw = json.dumps({"role": "user", "content": "my key is " + OPENAI})
    decoded = json.loads(red.value("gen_ai.event.content", raw))
    assert decoded == {"role": "user", "content": "my key is " + R}


def test_json_inside_json_strings(red):
    # Tool-call arguments are a JSON document inside a JSON string.
    args = json.dumps({"query": "orders", "token": "t0ps3cr3t"})
    raw = json.dumps({"tool_calls": [{"function": {"name": "search", "arguments": args}}]})
    decoded = json.loads(red.value("gen_ai.event.content", raw))
    inner = json.loads(decoded["tool_calls"][0]["function"]["arguments"])
    assert inner == {"query": "orders", "token": R}


def test_clean_json_is_returned_untouched(red):
    raw = json.dumps({"role": "user", "content": "How many tokens did we use? Key points: none."}, indent=2)
    assert red.value("gen_ai.event.content", raw) is raw


@pytest.mark.parametrize("depth", [0, 50, 5000])
def test_odd_json_never_raises(red, depth):
    # NaN and huge integers are not strict JSON; very deep nesting defeats recursion.
    raw = "[" * depth + '{"api_key": "x", "big": 123456789012345678901234567890, "f": NaN}' + "]" * depth
    out = Redactor(Policy(record_content=True)).value("gen_ai.event.content", raw)
    assert '"x"' not in out
    assert "123456789012345678901234567890" in out and "NaN" in out


def test_bracketed_text_that_is_not_json(red):
    assert red.value("note", "[REDACTED] and [x]") == "[REDACTED] and [x]"
    # An unquoted value runs to whitespace or ; & , < > quotes: a closing bracket
    # may go with it (a password may contain one; better too much than too little).
    assert red.value("note", "[pwd=hunter2]") == "[pwd=" + R


def test_broken_json_still_gets_key_redaction(red):
    raw = '{"role": "user", "api_key": "abc123", "content": "cut off here'
    out = red.value("gen_ai.event.content", raw)
    assert "abc123" not in out
    assert '"api_key": "[REDACTED]"' in out


# --- truncation -----------------------------------------------------------------------


def test_truncate_marker_and_length():
    s = "x" * 100
    out = truncate(s, 40)  # the marker counts toward the limit
    assert out == "x" * 18 + truncation_marker(82) and len(out) <= 40
    assert out.endswith("…[truncated 82 chars]")
    assert truncate(s, 10) == "x" * 10  # no room for the marker
    assert truncate(s, 100) is s
    assert truncate(s, None) is s


def test_truncate_uses_thousands_separators():
    assert truncate("y" * 12_355, 40).endswith("…[truncated 12,340 chars]")


def test_truncate_is_idempotent_and_counts_accumulate():
    once = truncate("z" * 1000, 100)
    assert truncate(once, 100) == once
    twice = truncate(once, 50)
    assert twice == "z" * 26 + truncation_marker(974) and len(twice) <= 50


def test_value_is_truncated():
    r = Redactor(Policy(max_length=40))
    out = r.value("some.attribute", "a" * 50)
    assert out == "a" * 19 + truncation_marker(31) and len(out) == 40


def test_huge_value_is_cut_before_scanning():
    r = Redactor(Policy(max_length=1000))
    big = ("password=hunter2 " + "lorem ipsum " * 10) + "q" * (50 * 1024 * 1024)
    out = r.value("exception.message", big)
    assert "hunter2" not in out
    marker = out[out.index("…[truncated") :]
    assert len(out) <= 1000
    assert marker.startswith("…[truncated ") and marker.endswith(" chars]")
    dropped = int(marker[len("…[truncated ") : -len(" chars]")].replace(",", ""))
    assert dropped >= len(big) - 1000 - 100


def test_huge_json_value_is_cut_and_still_redacted():
    r = Redactor(Policy(max_length=200))
    raw = '{"api_key": "abc123", "content": "' + "w" * 10_000_000 + '"}'
    out = r.value("gen_ai.event.content", raw)
    assert "abc123" not in out and "…[truncated" in out


def test_secret_across_the_cut_is_not_half_shown():
    r = Redactor(Policy(max_length=62))  # 40 characters, then the marker
    s = "a" * 30 + " " + OPENAI + " tail" * 20
    out = r.text(s)
    assert "sk-proj" not in out
    assert out.startswith("a" * 30)


def test_redaction_that_grows_past_the_limit_is_cut_cleanly():
    r = Redactor(Policy(max_length=12))
    out = r.text("a pwd=x b c")  # 11 chars, 18 once redacted
    assert out.startswith("a pwd=")
    assert "[REDAC" not in out.split("…")[0] or R in out
    assert r.text(out) == out


def test_bytes_are_truncated_not_scanned():
    r = Redactor(Policy(max_length=4))
    assert r.value("blob", b"abcdefgh") == b"abcd"  # no room for the marker
    assert r.value("blob", b"abc") == b"abc"
    out = Redactor(Policy(max_length=30)).value("blob", b"x" * 100)
    assert out == b"x" * 6 + truncation_marker(94).encode() and len(out) <= 30


# --- attributes, events, content ------------------------------------------------------------


def test_attributes_returns_same_object_when_nothing_changes(red):
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.response.finish_reasons": ("stop",),
        "url.full": "https://example.com/v1/chat",
        "custom.note": "a harmless note",
        "custom.flag": True,
        "custom.list": ["a", "b"],
    }
    for _ in range(3):  # cold and warm caches
        assert red.attributes(attrs) is attrs
    assert red.attributes({}) == {}


def test_attributes_never_modify_the_input(red):
    attrs = {"api_key": "abc", "gen_ai.input.messages": "[]", "n": 1}
    before = dict(attrs)
    out = red.attributes(attrs)
    assert attrs == before
    assert out == {"api_key": R, "n": 1}


CONTENT = {
    "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
    "gen_ai.output.messages": "[]",
    "gen_ai.system_instructions": "[]",
    "gen_ai.tool.call.arguments": '{"q": 1}',
    "gen_ai.tool.call.result": "42",
    "gen_ai.prompt": "hello",
    "gen_ai.completion": "hi",
    "gen_ai.prompt.0.content": "hello",
    "gen_ai.completion.0.content": "hi",
    "gen_ai.event.content": '{"content": "hi"}',
}
NOT_CONTENT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.usage.input_tokens": 3,
    "gen_ai.tool.name": "search",
    "gen_ai.tool.call.id": "call_1",
    "gen_ai.system": "openai",
    "gen_ai.tool.definitions": '[{"name": "search"}]',
    "content": "not on a message event",
    "input.value": '{"query": "written by @trace"}',
    "output.value": "[]",
}


def test_content_is_dropped_exactly():
    r = Redactor(Policy(record_content=False))
    assert r.drops_content
    out = r.attributes({**CONTENT, **NOT_CONTENT})
    assert out == NOT_CONTENT
    for key in CONTENT:
        assert is_content_key(key) and r.is_content_key(key)
    for key in NOT_CONTENT:
        assert not is_content_key(key)


def test_content_is_kept_when_recording():
    r = Redactor(Policy(record_content=True))
    assert not r.drops_content
    attrs = {**CONTENT, **NOT_CONTENT}
    assert r.attributes(attrs) is attrs


@pytest.mark.parametrize("name", ["gen_ai.user.message", "gen_ai.system.message", "gen_ai.assistant.message", "gen_ai.tool.message", "gen_ai.choice"])
def test_message_events_lose_their_content(name):
    r = Redactor(Policy())
    attrs = {"gen_ai.system": "az.ai.inference", "gen_ai.event.content": '{"content": "hi"}', "content": "hi", "index": 0}
    for _ in range(2):  # cold and warm caches
        assert r.event_attributes(name, attrs) == {"gen_ai.system": "az.ai.inference", "index": 0}
    keep = Redactor(Policy(record_content=True))
    assert keep.event_attributes(name, attrs) is attrs


def test_other_events_keep_plain_content_key():
    r = Redactor(Policy())
    attrs = {"content": "a log line", "exception.message": "boom"}
    assert r.event_attributes("log", attrs) is attrs
    exc = {"exception.type": "ValueError", "exception.message": "bad password=hunter2"}
    assert r.event_attributes("exception", exc) == {"exception.type": "ValueError", "exception.message": "bad password=" + R}


def test_json_scrub_hook_for_traced_values():
    r = Redactor(Policy())
    assert r.json_scrub("api_key", "abc") == R
    assert r.json_scrub("credentials", {"user": "u", "password": "p"}) == R
    assert r.json_scrub("query", "my token: abc123") == "my token: " + R
    assert r.json_scrub(None, "Bearer abcdef1234567890") == "Bearer " + R
    assert r.json_scrub("n", 3) == 3
    s = "x" * 100_000
    assert r.json_scrub("text", s) is s  # cutting is the caller's job
    assert Redactor(Policy(redact=False)).json_scrub("api_key", "abc") == "abc"


def test_redaction_off_keeps_secrets_but_still_drops_content_and_truncates():
    r = Redactor(Policy(redact=False, max_length=10))
    attrs = {"api_key": "abc", "note": "password=hunter2", "gen_ai.prompt": "hi"}
    out = r.attributes(attrs)
    assert out == {"api_key": "abc", "note": "password=h"}  # 10 characters leave no room for the marker


def test_synthetic_spans_content_off():
    from tracefile.testing.synthetic import make_spans

    r = Redactor(Policy())
    for span in make_spans(200):
        attrs = dict(span.attributes)
        assert r.attributes(attrs) is attrs  # the corpus has no secrets and no content attributes
        for e in span.events:
            out = r.event_attributes(e.name, dict(e.attributes))
            assert "gen_ai.event.content" not in out
            if e.name == "exception":
                assert out == dict(e.attributes)


def test_synthetic_spans_content_on_keeps_every_message():
    from tracefile.testing.synthetic import make_spans

    r = Redactor(Policy(record_content=True))
    for span in make_spans(200):
        for e in span.events:
            attrs = dict(e.attributes)
            assert r.event_attributes(e.name, attrs) is attrs


# --- policies -----------------------------------------------------------------------------


def test_extra_patterns_add_to_defaults():
    r = Redactor(Policy(extra_key_patterns=(r"^ssn$",), extra_value_patterns=(r"EMP-(?P<secret>\d{6})",)))
    assert r.value("ssn", "123-45-6789") == R
    assert r.value("SSN", "123-45-6789") == R  # key patterns ignore case
    assert r.text("employee EMP-123456 and " + OPENAI) == "employee EMP-" + R + " and " + R
    assert r.value("gen_ai.event.content", '{"ssn": "1", "x": "EMP-654321"}') == '{"ssn":"[REDACTED]","x":"EMP-[REDACTED]"}'


def test_replacing_the_defaults():
    r = Redactor(Policy(key_patterns=(r"internal",), value_patterns=(r"ID\d+",), replacement="***"))
    assert r.value("api_key", "abc") == "abc"
    assert r.value("internal.code", "abc") == "***"
    assert r.text("see ID42 and " + OPENAI) == "see *** and " + OPENAI


def test_every_default_pattern_compiles_and_is_exported():
    assert len(DEFAULT_KEY_PATTERNS) >= 10 and len(DEFAULT_VALUE_PATTERNS) >= 10
    Redactor(Policy(key_patterns=DEFAULT_KEY_PATTERNS, value_patterns=DEFAULT_VALUE_PATTERNS))


def test_invalid_pattern_in_code_raises():
    with pytest.raises(ValueError, match="invalid value pattern"):
        Redactor(Policy(extra_value_patterns=("(",)))


# --- environment ----------------------------------------------------------------------------


def test_from_env_defaults():
    p = Policy.from_env({})
    assert p == Policy()
    assert not p.record_content and p.redact and p.max_length == 1 << 20


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"}, True),
        ({"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "False"}, False),
        ({"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_AND_EVENT"}, True),
        ({"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "NO_CONTENT"}, False),
        ({"AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED": "1"}, True),
        ({"AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED": "true", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "false"}, True),
        ({}, False),
    ],
)
def test_from_env_content(env, expected):
    assert Policy.from_env(env).record_content is expected


def test_from_env_all_tracy_variables():
    p = Policy.from_env(
        {
            "TRACY_REDACT": "off",
            "TRACY_REDACT_KEYS": "^ssn$, employee[_-]?id",
            "TRACY_REDACT_PATTERNS": "EMP-\\d{3,6}\nCUST-[A-Z]{2}",
            "TRACY_MAX_VALUE_LENGTH": "1_000",
        }
    )
    assert p.redact is False
    assert p.extra_key_patterns == ("^ssn$", "employee[_-]?id")
    assert p.extra_value_patterns == ("EMP-\\d{3,6}", "CUST-[A-Z]{2}")  # the comma in {3,6} does not split
    assert p.max_length == 1000
    assert Policy.from_env({"TRACY_MAX_VALUE_LENGTH": "0"}).max_length is None
    assert Policy.from_env({"TRACY_REDACT_PATTERNS": "a{1,3},b"}).extra_value_patterns == ("a{1,3}", "b")


def test_from_env_overrides_win():
    assert Policy.from_env({"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"}, record_content=False).record_content is False


def test_from_env_invalid_regex_is_skipped_with_one_warning(caplog):
    env = {"TRACY_REDACT_PATTERNS": "EMP-\\d+, (unclosed, CUST-\\d+", "TRACY_REDACT_KEYS": "ok_key"}
    with caplog.at_level(logging.WARNING, logger="tracefile"):
        p = Policy.from_env(env)
    warnings = [rec for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "TRACY_REDACT_PATTERNS" in message and "(unclosed" in message
    r = Redactor(p)
    assert r.text("EMP-12 CUST-34") == R + " " + R
    assert r.value("ok_key", "v") == R


def test_from_env_bad_values_warn_and_keep_defaults(caplog):
    with caplog.at_level(logging.WARNING, logger="tracefile"):
        p = Policy.from_env({"TRACY_MAX_VALUE_LENGTH": "lots", "TRACY_REDACT": "maybe"})
    assert p.max_length == 1 << 20 and p.redact is True
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2


# --- properties -------------------------------------------------------------------------------

SECRETISH = st.sampled_from(
    ["password=", "pwd:", "Bearer ", "Basic ", "sk-", "eyJ", "AKIA", "ghp_", "xoxb-", "AIza", "://u:", "@", "sig=", "?key=",
     "-----BEGIN PRIVATE KEY-----", "\"api_key\": \"", "Authorization: ", "[REDACTED]", "…[truncated 5 chars]", "=", ":", " "]
)  # fmt: skip
TEXTS = st.lists(st.one_of(st.text(max_size=30), SECRETISH, st.text(alphabet="abcXYZ0123456789+/=-_.", min_size=8, max_size=50)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from([None, 5, 16, 64, 32_768]))
def test_text_never_raises_and_never_grows_past_the_limit(s, max_length):
    out = Redactor(Policy(max_length=max_length)).text(s)
    assert isinstance(out, str)
    assert max_length is None or len(out) <= max_length  # the truncation marker included


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from([None, 8, 32, 32_768]))
# A key of fixed length followed by more of its word: "[REDACTED]pWD:0" read as a password next time.
@example("AKIA0000000000000000pWD:0", None)
@example("AIza" + "0" * 35 + "pwd:0", None)
def test_redaction_is_idempotent(s, max_length):
    r = Redactor(Policy(max_length=max_length))
    once = r.text(s)
    assert Redactor(Policy(max_length=max_length)).text(once) == once


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | TEXTS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(["api_key", "content", "token", "n", "x"]) | st.text(max_size=8), kids, max_size=4), max_leaves=12))
def test_json_values_stay_valid_json(obj):
    r = Redactor(Policy(record_content=True))
    raw = json.dumps(obj)
    out = r.value("gen_ai.event.content", raw)
    if raw[:1] in "{[":
        json.loads(out)
    assert r.value("gen_ai.event.content", out) == out


# --- the one-pass prefilter and batch checks (what the exporter uses) ----------------------------

ASCII_TEXTS = st.lists(
    st.one_of(SECRETISH, st.sampled_from(["TOKEN", "Secret", "AuthoriZation", "\"", "'", "\\", "\t", "\x0b", "\x1c", "\\u00", "passwd",
                                          "CODE", "&Key=", "Cookie", "string", "str", "sas", "header", "ghs_", "github_pat_", "ASIA", "-----begin"]),
              st.text(alphabet="abcekrsty:=_-&?/ \"'\\", max_size=12)),
    max_size=10,
).map("".join)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(ASCII_TEXTS)
def test_one_pass_prefilter_agrees_with_the_python_checks(s):
    from tracefile.record.redact import _PREFILTER

    r = Redactor(Policy(record_content=True))
    assert _PREFILTER is not None, "google-re2 is a dependency"
    assert r._may_hold_secret(s) == r._may_hold_secret_py(s)


UNICODE_TEXTS = st.lists(
    st.one_of(ASCII_TEXTS, st.sampled_from(["\u212a", "\u212aey", "\u0130", "\u017f", "\xa0", "\u2003", "\u3000", "\x85", "é", "ß", "😀",
                                            "PASSWORD", "pass\u017fword", "\u212aEY"])),
    max_size=6,
).map("".join)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(UNICODE_TEXTS)
def test_one_pass_prefilter_finds_whatever_the_python_checks_find(s):
    from tracefile.record.redact import _PREFILTER, _bulk_search

    r = Redactor(Policy(record_content=True))
    if r._may_hold_secret_py(s):
        assert r._may_hold_secret(s)
        assert s in _bulk_search(_PREFILTER, ["before é", s, "after"])


def test_batch_check_finds_each_text_that_may_hold_a_secret():
    from tracefile.record.redact import _PREFILTER, _bulk_search

    texts = ["plain prose, nothing here"] * 3 + ["the key is " + OPENAI, "clean", "password=hunter2", "x" * 50, "Bearer " + JWT]
    assert _bulk_search(_PREFILTER, texts) == {texts[3], texts[5], texts[7]}
    assert _bulk_search(_PREFILTER, ["a", "b"]) == set()
    # A match never spans two texts: "sk" and "-" come from neighbours.
    assert _bulk_search(_PREFILTER, ["ends with sk", "-starts with a dash"]) == set()
    # Offsets are bytes: a match after multi-byte characters still names its own text.
    texts = ["😀 é ß " * 20, "naïve: password=hunter2", "ünïcödé"]
    assert _bulk_search(_PREFILTER, texts) == {texts[1]}
    # Text without UTF-8 (a lone surrogate) is left to the per-value path.
    assert _bulk_search(_PREFILTER, ["a\ud800b", "clean"]) == {"a\ud800b"}


def _message_events(n: int, secret_at: int) -> list[tuple[str, dict]]:
    out = []
    for i in range(n):
        text = f"message {i}: nothing secret in here, just words"
        if i == secret_at:
            text = f"message {i}: my key is {OPENAI}, keep it safe"
        out.append(("gen_ai.user.message", {"gen_ai.system": "openai", "gen_ai.event.content": json.dumps({"role": "user", "content": text})}))
    return out


@pytest.mark.parametrize("prefilter", ["re2", "python"])
@pytest.mark.parametrize("record_content", [True, False])
def test_batch_checks_new_values_together_and_redacts_what_needs_it(monkeypatch, prefilter, record_content):
    import tracefile.record.redact as redact

    if prefilter == "python":
        monkeypatch.setattr(redact, "_PREFILTER", None)
    r = Redactor(Policy(record_content=record_content))
    events = _message_events(6, secret_at=4) + [("exception", {"exception.message": "login failed: password=hunter2"})]
    spans = [{"gen_ai.operation.name": "chat"}, {"url.full": "https://example.com/?key=abc123secret"}, {"note": "fine"}]
    names, dicts = [n for n, _ in events], [a for _, a in events]
    attrs, out = r.batch(spans, names, dicts)
    assert attrs[0] is spans[0] and attrs[2] is spans[2]
    assert "abc123secret" not in attrs[1]["url.full"]
    assert "hunter2" not in out[6]["exception.message"] and R in out[6]["exception.message"]
    if record_content:
        assert OPENAI not in out[4]["gen_ai.event.content"] and R in out[4]["gen_ai.event.content"]
        assert all(out[i] is dicts[i] for i in (0, 1, 2, 3, 5))
        # The clean values are now known: a second batch keeps their dicts by set operations alone.
        assert all(d in r._clean for d in (dicts[0]["gen_ai.event.content"], "openai"))
    else:
        assert all(out[i] == {"gen_ai.system": "openai"} for i in range(6))
    assert OPENAI in dicts[4]["gen_ai.event.content"]  # the input is never modified
    again_attrs, again = r.batch(spans, names, dicts)
    assert again == out and again_attrs == attrs


def test_batch_settles_span_attributes_together_and_changes_only_what_needs_it():
    r = Redactor(Policy(record_content=True, max_length=64))
    clean = {"gen_ai.operation.name": "chat", "url.full": "https://example.com/v1/chat", "n": 3}
    secret = {"url.full": "https://example.com/?key=abc123secret"}
    long = {"exception.message": "y" * 80}
    listed = {"note": ["a list", "sk-" + "a1" * 20]}  # unhashable in a plain dict: checked per dict
    attrs, _ = r.batch([clean, secret, long, dict(clean)], [], [])
    assert attrs[0] is clean and attrs[3] == clean
    assert "abc123secret" not in attrs[1]["url.full"] and R in attrs[1]["url.full"]
    assert attrs[2]["exception.message"] == "y" * 43 + "…[truncated 37 chars]"
    assert "https://example.com/v1/chat" in r._clean  # known now: the next batch costs set operations
    assert r.batch([clean, listed], [], [])[0][1]["note"][1] == R
    # A secret key anywhere in the batch: each dict is handled on its own, the others kept as they are.
    keyed = {"api_key": "abc", "n": 1}
    attrs, _ = r.batch([clean, keyed], [], [])
    assert attrs[0] is clean and attrs[1] == {"api_key": R, "n": 1}


def test_check_skips_what_it_cannot_hash_or_has_seen():
    r = Redactor(Policy(record_content=True))
    r.check([{"a": ["a list"], "b": "text"}])  # unhashable: left to the per-value path
    assert "text" not in r._clean
    r.check([{"a": "text", "n": 3, "f": 0.5, "u": "é" * 10, "s": "a\ud800b", "k": "password=x"}])
    assert {"text", 3, 0.5, "é" * 10} <= r._clean
    assert "a\ud800b" not in r._clean and "password=x" not in r._clean
    assert r.batch([], ["e"], [{"a": ["a list", "sk-" + "a1" * 20]}])[1][0]["a"][1] == R
    # A secret key among the events, or a value too long to keep whole: those dicts change, no other.
    r = Redactor(Policy(record_content=True, max_length=16))
    dicts = [{"a": "fine"}, {"api_key": "abc"}, {"a": "x" * 40}, {"a": "fine", "n": 2}]
    _, out = r.batch([], ["e"] * 4, dicts)
    assert out[0] is dicts[0] and out[3] is dicts[3]
    assert out[1] == {"api_key": R} and out[2]["a"] == "x" * 16  # 16 characters leave no room for the marker


def test_exporter_batch_redacts_a_secret_among_many_new_messages():
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    from tracefile.record.convert import spans_to_frames

    spans = []

    class Keep(SpanProcessor):
        def on_end(self, span):
            spans.append(span)

    provider = TracerProvider()
    provider.add_span_processor(Keep())
    tracer = provider.get_tracer("t")
    for i in range(20):
        with tracer.start_as_current_span(f"chat {i}", attributes={"gen_ai.operation.name": "chat"}) as span:
            for name, attrs in _message_events(3, secret_at=1 if i == 13 else -1):
                span.add_event(name, attrs)
            if i == 7:
                span.set_attribute("note", "Authorization: Bearer abcdef1234567890XYZ")
    _, details = spans_to_frames(spans, 1, Redactor(Policy(record_content=True)))
    dumped = json.dumps([details.attributes, [[e[2] for e in ev] for ev in details.events]])
    assert OPENAI not in dumped and "abcdef1234567890XYZ" not in dumped
    assert dumped.count(R) == 2
    assert dumped.count("nothing secret in here") == 59
    # The SDK's own attribute dicts are untouched.
    assert any(OPENAI in e.attributes["gen_ai.event.content"] for s in spans for e in s.events)


def test_batch_check_of_many_large_values_finds_the_one_secret(monkeypatch):
    import tracefile.record.redact as redact

    monkeypatch.setattr(redact, "_BULK_CHARS", 1000)  # many searches of a few values each
    r = Redactor(Policy(record_content=True))
    dicts = [{"a": f"{i} " + "words " * 60} for i in range(50)]
    dicts[37] = {"a": "words " * 60 + "token=" + "x9" * 10}
    _, out = r.batch([], ["e"] * 50, dicts)
    assert [k for k, (a, b) in enumerate(zip(dicts, out)) if a is not b] == [37]
    assert R in out[37]["a"]


# -- long texts that continue one that scanned clean (a chat call's history) ----------------------

_FILLER = "The traveller asks about the weather and the museums of the city, and the model answers. "


def _history(turns: int, extra: dict[int, str] | None = None) -> str:
    messages = [{"role": "system", "content": _FILLER * 50}]
    for t in range(turns):
        messages.append({"role": "user", "content": (extra or {}).get(t, f"Turn {t}: " + _FILLER * 3)})
        messages.append({"role": "assistant", "content": f"Answer {t}. " + _FILLER * 2})
    return json.dumps(messages)


@pytest.mark.parametrize(
    "secret_turn, text, secret",
    [
        (6, "here is my key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB thanks", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB"),
        (6, "password: hunter2hunter2", "hunter2hunter2"),
        (6, 'config {"api_key": "s3cr3t-v4lue-123456"} done', "s3cr3t-v4lue-123456"),
        (0, "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghij", "eyJhbGciOiJIUzI1NiJ9"),
    ],
)
def test_a_secret_in_a_growing_history_is_redacted_in_every_later_call(secret_turn, text, secret):
    """Each call's history continues the previous one's; the part the redactor checks again is the
    new part and what comes just before it. A secret anywhere in it is redacted, in the call where
    it first appears and every call after."""
    red = Redactor(Policy(record_content=True))
    for turns in range(1, 12):
        value = _history(turns, {secret_turn: text})
        (attrs,), _ = red.batch([{"gen_ai.input.messages": value}], [], [])
        recorded = attrs["gen_ai.input.messages"]
        assert len(value) > 4096
        if turns > secret_turn:
            assert secret not in recorded and "[REDACTED]" in recorded, turns
        else:
            assert recorded == value


def test_a_clean_continuation_is_checked_only_where_it_is_new(monkeypatch):
    red = Redactor(Policy(record_content=True))
    (first,), _ = red.batch([{"gen_ai.input.messages": _history(5)}], [], [])
    checked: list[int] = []
    original = red._may_hold_secret
    monkeypatch.setattr(red, "_may_hold_secret", lambda s: checked.append(len(s)) or original(s))
    value = _history(6)
    (attrs,), _ = red.batch([{"gen_ai.input.messages": value}], [], [])
    assert attrs["gen_ai.input.messages"] == value
    assert checked and max(checked) < len(value) // 2  # the new turn and the overlap, not the whole history


def test_a_secret_split_across_where_a_continuation_differs_is_redacted():
    red = Redactor(Policy(record_content=True))
    base = _FILLER * 80
    (a,), _ = red.batch([{"v": base + "the token is ghp_"}], [], [])
    value = base + "the token is ghp_" + "a1b2c3d4e5" * 4 + " ok"
    (b,), _ = red.batch([{"v": value}], [], [])
    assert "a1b2c3d4e5" not in b["v"] and "[REDACTED]" in b["v"]
