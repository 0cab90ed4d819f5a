"""The server core's perf samples, split by component and by code."""

from __future__ import annotations

import pytest
from mythos_bench.oncpu import kind, split

# ``perf script -F pid,ip,dso -G`` as it prints them (one sample per line).
LINES = """\
 8538      7fba2d5990ac (/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0)
 8538      7fba2d5990ac (/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0)
 8538      ffffffff8a2b1c (/usr/lib/python3/dist-packages/msgspec/_core.cpython-311-x86_64-linux-gnu.so)
 8538  ffffffffa1c0d3a0 ([kernel.kallsyms])
 8546  ffffffffa1c0d3a0 ([kernel.kallsyms])
 8546      7fe167cb6a9a (/usr/lib/x86_64-linux-gnu/libc.so.6)
 8162      7f8aee66a830 (/memfd:vmem (deleted))
    0  ffffffffa1c0d3a0 ([kernel.kallsyms])
 4242  ffffffffa1c0d3a0 ([kernel.kallsyms])
not a sample line
"""


def test_each_sample_counts_for_its_component_and_its_code() -> None:
    result = split(LINES.splitlines(), {8538: "game", 8546: "edge", 8162: "rabbitmq"})
    assert result["samples"] == 9
    rows = result["components"]
    assert set(rows) == {"game", "edge", "rabbitmq", "idle", "other"}
    game = rows["game"]
    assert game["share"] == pytest.approx(4 / 9)
    assert (game["own"], game["libraries"], game["kernel"]) == (0.5, 0.25, 0.25)
    assert rows["edge"]["kernel"] == 0.5 and rows["edge"]["libraries"] == 0.5
    assert rows["rabbitmq"]["own"] == 1.0  # the BEAM's JIT code is its own
    assert rows["idle"]["share"] == rows["other"]["share"] == pytest.approx(1 / 9)
    assert sum(r["share"] for r in rows.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("dso", "expected"),
    [
        ("[kernel.kallsyms]", "kernel"),
        ("/lib/modules/6.1/kernel/virtio_net.ko", "kernel"),
        ("/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0", "own"),
        ("/usr/lib/erlang/erts-13.1.5/bin/beam.smp", "own"),
        ("[unknown]", "own"),
        ("/usr/sbin/nginx", "own"),
        ("/usr/lib/x86_64-linux-gnu/libc.so.6", "libraries"),
        ("/x/uvloop/loop.cpython-311-x86_64-linux-gnu.so", "libraries"),
        ("[vdso]", "libraries"),
    ],
)
def test_code_kinds(dso: str, expected: str) -> None:
    assert kind(dso) == expected
