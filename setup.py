"""pre-commit's `bcpcheck` hooks (language: python) install this placeholder, which only requires the prebuilt
bcpcheck wheel of the same version from PyPI: no Rust toolchain, no compiling. The version below must equal
Cargo.toml's (scripts/check-versions.py checks it in CI). The wheel itself is built from python/pyproject.toml."""
from setuptools import setup

setup(
    name="pre_commit_placeholder_package",
    version="0.0.0",
    install_requires=["bcpcheck==0.1.0"],
    packages=[],
    py_modules=[],
)
