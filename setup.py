"""The compiled part of the package; everything else is declared in pyproject.toml.

`tracefile/record/_scan.pyx` is the exporter's per-span loop, and the receiver's reader of OTLP
protobuf into the same columns, compiled with Cython.
`tracefile/format/_budget.pyx` is the reader's check of what a frame costs to decode.
`tracefile/format/_text.pyx` finds how much of an earlier text a new one repeats (the content store).
Both are optional: where no C compiler is found the package installs without them
and the same loops run in Python.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("tracefile.record._scan", ["tracefile/record/_scan.pyx"], optional=True),
        Extension("tracefile.format._budget", ["tracefile/format/_budget.pyx"], optional=True),
        Extension("tracefile.format._text", ["tracefile/format/_text.pyx"], optional=True),
    ]
)
