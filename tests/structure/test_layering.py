"""The code's layers (PRODUCT.md): core, engine, lake, ingest, transform, orchestrate, serve, cli.
A layer may include only itself and the layers above it; this test reads every #include."""
import pathlib
import re

LAYERS = ["core", "engine", "lake", "ingest", "transform", "orchestrate", "serve", "cli"]
SRC = pathlib.Path(__file__).resolve().parents[2] / "src"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/', re.MULTILINE)


def test_layers_only_include_layers_above_them():
    violations = []
    for layer in LAYERS:
        for path in sorted((SRC / layer).rglob("*.[ch]pp")):
            for included in INCLUDE.findall(path.read_text()):
                if included in LAYERS and LAYERS.index(included) > LAYERS.index(layer):
                    violations.append(f"{path.relative_to(SRC)} includes {included}/")
    assert not violations, "layering violations:\n" + "\n".join(violations)


def test_every_source_folder_is_a_layer():
    folders = {p.name for p in SRC.iterdir() if p.is_dir()}
    assert folders <= set(LAYERS), f"unknown top-level folders: {folders - set(LAYERS)}"
