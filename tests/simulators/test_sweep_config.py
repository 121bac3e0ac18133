"""Sweep configuration: grid expansion, stable cell ids and one clear error per bad key."""

import pytest

from simulators.config import cell_id, load_config, parse_config


def minimal_config(**overrides):
    config = {
        "sweep": {"seeds": 2, "chunk_size": 5},
        "grid": {"sizes": [[2, 3, 3]], "beta": [0.5, 1.0], "lam": [0.5], "samples": [8]},
        "families": {"dirichlet": {"concentration": [0.5, 1.0]}, "identity": {}},
    }
    for dotted, value in overrides.items():
        section, key = dotted.split("__")
        config.setdefault(section, {})[key] = value
    return config


def test_grid_expands_to_product():
    config = parse_config(minimal_config())

    # dirichlet: 2 knob values × 2 β × 1 λ × 1 N × 2 seeds = 8; identity: 2 β × 2 seeds = 4.
    assert len(config.cells) == 12
    assert len({cell_id(cell) for cell in config.cells}) == 12
    assert config.plot_instance.family == "dirichlet"


def test_cell_id_ignores_key_order():
    cell = {"family": "dirichlet", "knobs": {"concentration": 1.0}, "n": 2, "m": 3, "k": 3, "beta": 1.0, "lam": 1.0, "samples": 8, "seed": 0}
    reordered = dict(reversed(list(cell.items())))

    assert cell_id(cell) == cell_id(reordered)
    assert cell_id(cell) != cell_id({**cell, "seed": 1})


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"grid__beta": [-1.0]}, r"grid\.beta: got -1\.0"),
        ({"grid__lam": []}, r"grid\.lam: the list is empty"),
        ({"grid__temperature": [1.0]}, r"grid\.temperature: unknown key"),
        ({"sweep__backend": "spark"}, r"sweep\.backend: unknown backend 'spark'"),
        ({"sweep__format": "xlsx"}, r"sweep\.format"),
        ({"sweep__chunk_size": 0}, r"sweep\.chunk_size"),
        ({"sweep__delta": 1.5}, r"sweep\.delta"),
        ({"grid__sizes": [[2, 3]]}, r"grid\.sizes"),
        ({"families__gaussian": {}}, r"families\.gaussian: unknown family"),
        ({"families__dirichlet": {"concentration": [-1.0]}}, r"knob 'concentration' = -1\.0"),
        ({"families__dirichlet": {"spread": [1.0]}}, r"families\.dirichlet\.spread: unknown key"),
        ({"plots__family": "nope"}, r"unknown family 'nope'"),
    ],
)
def test_bad_config_names_the_key(overrides, match):
    with pytest.raises(ValueError, match=match):
        parse_config(minimal_config(**overrides))


def test_identity_sizes_must_match():
    config = minimal_config()
    config["families"]["identity"] = {"sizes": [[2, 3, 4]]}

    with pytest.raises(ValueError, match="identity"):
        parse_config(config)


def test_load_config_reports_missing_and_invalid_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="config file not found"):
        load_config(tmp_path / "absent.toml")

    broken = tmp_path / "broken.toml"
    broken.write_text("[grid\nbeta = 1")
    with pytest.raises(ValueError, match="invalid TOML"):
        load_config(broken)

    empty = tmp_path / "empty.toml"
    empty.write_text("[sweep]\nseeds = 1\n")
    with pytest.raises(ValueError, match="grid: missing table"):
        load_config(empty)
