"""The `.tracy` format core: schema, frame codec, writer, readers and the in-memory model.

This layer knows nothing of OpenTelemetry: reading, converting and validating a
file never loads the SDK. `docs/FORMAT.md` specifies what it reads and writes.
"""
