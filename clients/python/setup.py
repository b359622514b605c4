"""Packages the hebbscope event schemas with the client: the .avsc files of the repository's
schemas/src/main/avro are copied into hebbscope/avro of the build (nothing is generated from them by hand).
Metadata lives in pyproject.toml."""

import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY_SCHEMAS = os.path.join(HERE, "..", "..", "schemas", "src", "main", "avro")
PACKAGED_SCHEMAS = os.path.join(HERE, "src", "hebbscope", "avro")


def schema_files():
    """The repository's schemas when building from a checkout, else those already beside the sources (the
    Maven build copies them there)."""
    for directory in (os.environ.get("HEBBSCOPE_SCHEMA_DIR"), REPOSITORY_SCHEMAS, PACKAGED_SCHEMAS):
        if directory and os.path.isdir(directory):
            files = sorted(glob.glob(os.path.join(directory, "*.avsc")))
            if files:
                return files
    raise SystemExit("hebbscope: no .avsc files found (looked in %s and %s)" % (REPOSITORY_SCHEMAS, PACKAGED_SCHEMAS))


class BuildWithSchemas(build_py):
    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "hebbscope", "avro")
        os.makedirs(target, exist_ok=True)
        for f in schema_files():
            shutil.copyfile(f, os.path.join(target, os.path.basename(f)))


setup(cmdclass={"build_py": BuildWithSchemas})
