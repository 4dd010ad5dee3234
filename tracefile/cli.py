"""The `tracy` command: inspect, convert and validate trace files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone

from . import __version__, settings
from .format.errors import TraceFileError
from .interop.otlp_json import replace_file, write_otlp_json
from .format.validate import validate
from .interop.opening import format_name, is_tracy_file, load, skipped
from .format.stats import summarize


def _iso(ns: int) -> str:
    if not ns:
        return "-"
    return datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _tokens_line(info: dict) -> str:
    line = f"{info['input_tokens']:,} in, {info['output_tokens']:,} out"
    extra = []
    if info["cache_read_tokens"]:
        extra.append(f"{info['cache_read_tokens']:,} of the input from cache")
    if info["reasoning_tokens"]:
        extra.append(f"{info['reasoning_tokens']:,} of the output reasoning")
    return f"{line} ({', '.join(extra)})" if extra else line


def cmd_info(args: argparse.Namespace) -> int:
    tf = load(args.file)
    info = summarize(tf.spans, len(tf.feedback))
    info["bytes"] = tf.size
    info["bytes_per_span"] = round(tf.size / info["spans"], 1) if info["spans"] else 0.0
    imported = tf.format != "tracy"
    info["format"] = tf.format
    info["format_version"] = None if imported else "%d.%d" % tf.version
    info["start"] = _iso(info["start_unix_nano"])
    info["end"] = _iso(info["end_unix_nano"])
    info["truncated"] = tf.truncated
    info["warnings"] = tf.warnings
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    rows = [
        ("file", f"{args.file} ({info['bytes']:,} bytes{'' if imported else ', format ' + info['format_version']})"),
        *([("format", f"{format_name(tf.format)} (imported)")] if imported else []),
        ("spans", f"{info['spans']:,} in {info['traces']:,} traces, {info['errors']:,} with errors"),
        ("time", f"{info['start']} .. {info['end']} ({info['duration_s']:.3f} s)"),
        ("models", ", ".join(f"{m} ×{c}" for m, c in info["models"].items()) or "-"),
        ("tokens", _tokens_line(info)),
        ("feedback", f"{info['feedback']:,} records"),
        *([] if imported else [("size", f"{info['bytes_per_span']} bytes per span")]),
    ]
    for k, v in rows:
        print(f"{k:>9}  {v}")
    for w in tf.warnings:
        print(f"  warning  {w}")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from .interop import iter_any

    out = args.output
    if not out.endswith((".json", ".jsonl", ".tracy", ".parquet")):
        raise TraceFileError(f"{out}: output must end in .json, .jsonl (OTLP/JSON), .tracy or .parquet (one row per span)")
    if os.path.exists(out) and not args.force:
        raise TraceFileError(f"{out}: already exists; pass --force to replace it")
    version = getattr(args, "format_version", None)
    if version is not None and not out.endswith(".tracy"):
        raise TraceFileError(f"{out}: --format-version applies to .tracy output only")
    if out.endswith(".parquet"):
        return _convert_to_parquet(args.input, out)
    if len(args.input) > 1:
        raise TraceFileError(f"{out}: several inputs convert only to .parquet; convert one file at a time to {os.path.splitext(out)[1]}")
    source = iter_any(args.input[0])
    if out.endswith(".tracy"):
        from .format.encode import write_spans

        # Batch by batch: a big OTLP file streams into the .tracy file in bounded memory.
        spans = (s for batch in source.batches for s in batch)
        count = 0

        def write(tmp: str) -> None:
            nonlocal count
            count = write_spans(tmp, spans, source.feedback,
                                format_version=tuple(map(int, version.split("."))) if version else None)  # fmt: skip

        replace_file(out, write, ".tracy-convert-")
        warnings = source.warnings()
    else:
        imported = source.collect()
        lines = out.endswith(".jsonl")
        replace_file(out, lambda tmp: write_otlp_json(tmp, imported.spans, lines=lines), ".tracy-convert-")
        count, warnings = len(imported.spans), imported.warnings
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {count:,} spans from {source.format} to {out}")
    return 0


def _convert_to_parquet(inputs: list[str], out: str) -> int:
    from .interop import iter_any
    from .interop.parquet import write_parquet

    warnings: list[str] = []

    def sources():
        for path in inputs:
            source = iter_any(path)
            yield path, (s for batch in source.batches for s in batch)
            warnings.extend(f"{path}: {w}" for w in source.warnings())

    count = 0

    def write(tmp: str) -> None:
        nonlocal count
        count = write_parquet(tmp, sources())

    replace_file(out, write, ".tracy-convert-")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {count:,} spans from {len(inputs)} file{'s' if len(inputs) != 1 else ''} to {out}")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    """Replay spans to an OTLP backend or Azure Monitor; exit 0 only when everything arrived."""
    from .push.select import parse_since

    since = parse_since(args.since) if args.since else None
    azure = args.azure_monitor or (None if args.endpoint else settings.text(settings.APPLICATIONINSIGHTS_CONNECTION_STRING))
    endpoint = args.endpoint or settings.text(settings.OTEL_EXPORTER_OTLP_ENDPOINT)
    if azure and args.endpoint:
        raise TraceFileError("give --endpoint or --azure-monitor, not both")
    try:
        from .push import AzureMonitorSender, make_sender, push
    except ImportError as exc:
        raise TraceFileError(f"tracy push needs the OpenTelemetry OTLP exporters ({exc.name} is missing): pip install 'tracy-genai[push]'") from None
    if azure:
        sender, where = AzureMonitorSender(azure), "Azure Monitor"
    elif endpoint:
        protocol = args.protocol or settings.choice(
            settings.OTEL_EXPORTER_OTLP_PROTOCOL, {p: p for p in ("http/protobuf", "http/json", "grpc")}, "http/protobuf"
        )
        # As the OTLP exporters do: the environment's headers, then --header for the same key.
        headers = {**settings.headers(settings.OTEL_EXPORTER_OTLP_HEADERS), **_headers(args.header or [])}
        sender = make_sender(protocol, endpoint, headers)
        where = f"{sender.traces_url} ({protocol})"
    else:
        raise TraceFileError(
            "where to? give --endpoint URL (or set OTEL_EXPORTER_OTLP_ENDPOINT), "
            "or --azure-monitor CONNECTION_STRING (or set APPLICATIONINSIGHTS_CONNECTION_STRING)"
        )
    result = push(args.files, sender, query=args.query, since_ns=since)
    print(f"pushed to {where}: {result.sent:,} of {result.selected:,} spans sent, {result.rejected:,} rejected, {result.retried:,} retries")
    if result.logs_selected:
        if result.logs_unsupported:
            print(f"feedback: {result.logs_selected:,} records went as span events; the backend takes no OTLP logs")
        else:
            print(f"feedback: {result.logs_sent:,} of {result.logs_selected:,} log records sent, {result.logs_rejected:,} rejected")
    for e in result.errors:
        print(f"error: {e}", file=sys.stderr)
    if not result.selected:
        print("nothing to push: no span matched" + (" --query" if args.query else "") + (" --since" if args.since else ""), file=sys.stderr)
    return 0 if result.complete else 1


def _headers(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise TraceFileError(f"--header {pair!r}: expected KEY=VALUE")
        out[key.strip().lower()] = value.strip()
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    path = args.file
    if not is_tracy_file(path):
        return _validate_imported(path)
    v = validate(path)
    if not v.problems:
        print(f"{path}: OK: {v.frames} frames, {v.spans:,} spans, {v.feedback} feedback records")
    else:
        print(f"{path}: DAMAGED: {len(v.problems)} problem(s); {v.frames} intact frames, {v.spans:,} readable spans")
    for p in v.problems:
        print(f"  - {p}")
    for note in v.notes:
        print(f"  note: {note}")
    return 1 if v.problems else 0


def _validate_imported(path: str) -> int:
    """A foreign file is valid when its importer skipped nothing; its other notes are printed, not counted."""
    tf = load(path)
    what = f"{format_name(tf.format)}, {len(tf.spans):,} spans imported"
    problems = skipped(tf.warnings)
    if problems:
        print(f"{path}: DAMAGED: {len(problems)} problem(s); {what}")
    else:
        print(f"{path}: OK: {what}")
    for w in tf.warnings:
        print(f"  - {w}" if w in problems else f"  note: {w}")
    return 1 if problems else 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run a Python script with recording on, configured from the command line and environment."""
    import runpy

    from .record.recording import configure

    if args.content:
        os.environ[settings.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT] = "true"
    # The service is named after the script (as a run of the script itself would be), not after tracy.
    service = None if settings.text(settings.OTEL_SERVICE_NAME) else os.path.splitext(os.path.basename(args.script))[0]
    recording = configure(args.output, service_name=service)
    print(f"tracy: recording to {recording.path}", file=sys.stderr)
    sys.argv = [args.script, *args.args]
    try:
        runpy.run_path(args.script, run_name="__main__")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        recording.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracy", description="Inspect, convert and validate .tracy trace files.")
    parser.add_argument("--version", action="version", version=f"tracy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="summarise a trace file (.tracy or any format convert reads): spans, traces, errors, time range, models, tokens, size")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("convert", help="convert between .tracy and OTLP/JSON (.json, or .jsonl with one request per line); "
                       "several files to one .parquet table, one row per span")
    p.add_argument("input", nargs="+")
    p.add_argument("output")
    p.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument("--format-version", choices=("1.1", "2.0"), default=None,
                   help="the .tracy format version to write (default 2.0, which keeps long texts once; "
                        "1.1 for readers of format 1, which refuse 2.0 files)")  # fmt: skip
    p.set_defaults(func=cmd_convert)
    p = sub.add_parser("validate", help="check every frame (or, for another format, every record); exit 1 and say where if anything is damaged or skipped")
    p.add_argument("file")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("push", help="replay spans to an OpenTelemetry backend (OTLP) or Azure Monitor; exit 1 unless everything arrived")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--endpoint", help="OTLP base URL (/v1/traces is appended unless present); default $OTEL_EXPORTER_OTLP_ENDPOINT")
    p.add_argument("--protocol", choices=("http/protobuf", "http/json", "grpc"), help="default $OTEL_EXPORTER_OTLP_PROTOCOL or http/protobuf")
    p.add_argument("--header", action="append", metavar="K=V", help="a request header (repeatable), added to $OTEL_EXPORTER_OTLP_HEADERS")
    p.add_argument("--query", help="push only the traces with a span matching this search (the viewer's syntax)")
    p.add_argument("--since", metavar="TIME", help="push only traces started since TIME: ISO time, or a duration back from now (30m, 2h, 7d)")
    p.add_argument("--azure-monitor", metavar="CONNECTION_STRING", help="send to Azure Monitor; default $APPLICATIONINSIGHTS_CONNECTION_STRING")
    p.set_defaults(func=cmd_push)
    p = sub.add_parser("run", help="run a Python script and record its spans (configure() without code changes)")
    p.add_argument("-o", "--output", default=None, help="file or folder to record to (default .runs/)")
    p.add_argument("--content", action="store_true", help="record prompts and completions too")
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_run)
    _add_receive(sub)
    return parser


def _add_receive(sub) -> None:
    from .receive import command  # argparse types only: the receiver's libraries load when it runs

    p = sub.add_parser("receive", help="receive OTLP traces (HTTP and gRPC) from any language's SDK into a .tracy file")
    p.add_argument("output", nargs="?", default=None, metavar="OUT.tracy | DIR", help="file or folder to write to (default .runs/)")
    p.add_argument("--http", type=command.port, default=4318, metavar="PORT", help="OTLP/HTTP port (default 4318; 0 picks a free one; off)")
    p.add_argument("--grpc", type=command.port, default=4317, metavar="PORT", help="OTLP/gRPC port (default 4317; 0 picks a free one; off)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--max-body", type=command.byte_size, default=20 << 20, metavar="SIZE", help="largest request body, after decompression (default 20M)")
    p.add_argument("--content", action="store_true", help="keep prompts and completions (dropped by default, as configure() does)")
    p.set_defaults(func=command.run)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TraceFileError as exc:
        print(f"tracy: {exc}", file=sys.stderr)
        return 1 if args.command == "validate" else 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
