"""An app recorded through `tracefile.configure(instrument=("openai",))`: the real `openai` client
and opentelemetry-instrumentation-openai-v2, against a loopback server's OpenAI route.

    python openai_app.py --endpoint URL --path OUT [--content | --no-content] [--openinference]

One chat call and one streamed call. ``--openinference`` instruments the client with
openinference-instrumentation-openai instead (it records content whatever Tracy's setting). Warnings of any logger go to stderr as
``LOG WARNING <logger>: ...``. Prints one JSON object on its last line: the content
variable as the instrumentation saw it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

import tracefile


class _Lines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        print(f"LOG {record.levelname} {record.name}: {record.getMessage()}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--content", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--openinference", action="store_true")
    args = parser.parse_args()
    logging.getLogger().addHandler(_Lines())
    logging.getLogger().setLevel(logging.WARNING)

    import openai

    instrument = () if args.openinference else ("openai",)
    recording = tracefile.configure(args.path, service_name="openai-app", content_recording=args.content, instrument=instrument)
    if args.openinference:
        from openinference.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument()
    client = openai.OpenAI(base_url=args.endpoint + "/v1", api_key="loopback-key")
    question = {"role": "user", "content": "What is the weather in Lisbon today?"}
    client.chat.completions.create(model="gpt-4o-mini", messages=[question])
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[question], stream=True, stream_options={"include_usage": True}
    )
    for _ in stream:
        pass
    recording.close()
    print(json.dumps({"content_variable": os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
