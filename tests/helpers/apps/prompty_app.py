"""A Prompty app recorded by `tracefile.configure()`: Prompty's own OpenTelemetry tracer
(`Tracer.add("otel", otel_tracer())`) sends its spans to the provider configure() set up.

    python prompty_app.py --endpoint URL --path OUT [--content | --no-content]

Runs one `.prompty` file through Prompty's OpenAI executor against the loopback server's
OpenAI route and prints one JSON object on its last line: the answer Prompty returned.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import tracefile

PROMPTY_FILE = """---
name: travel_assistant
description: A one-turn travel question
model:
  id: gpt-4o-mini
  provider: openai
  connection:
    kind: key
    endpoint: {endpoint}
    apiKey: test-key
inputs:
  - name: question
    kind: string
    default: Which museum should I visit in Porto?
---
system:
You are a concise travel assistant.

user:
{{{{question}}}}
"""
QUESTION = "Which museum should I visit in Porto?"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--content", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()

    import prompty
    from prompty import Tracer
    from prompty.tracing.otel import otel_tracer

    recording = tracefile.configure(args.path, service_name="prompty-app", content_recording=args.content, instrument=())
    Tracer.add("otel", otel_tracer())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "travel.prompty"
        path.write_text(PROMPTY_FILE.format(endpoint=args.endpoint + "/v1"))
        answer = prompty.invoke(str(path), inputs={"question": QUESTION})
    recording.close()
    print(json.dumps({"answer": str(answer)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
