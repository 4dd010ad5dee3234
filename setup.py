"""The compiled part of the package; everything else is declared in pyproject.toml.

`tracefile/record/_scan.pyx` is the exporter's per-span loop, compiled with Cython.
It is optional: where no C compiler is found the package installs without it
and `tracefile.record.convert` runs the same loop in Python.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("tracefile.record._scan", ["tracefile/record/_scan.pyx"], optional=True)])
