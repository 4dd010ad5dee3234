"""Aids for demos, tests and benchmarks that users may want too: a loopback model server
speaking the Azure AI model inference chat API (`loopback`), and a reproducible
synthetic GenAI corpus (`synthetic`). The library itself never imports them."""
