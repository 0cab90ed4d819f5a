"""The client image's nginx sends the HTML the same Content-Security-Policy as the local
front door (mythos_local.front_door), so development shows what production enforces."""

from __future__ import annotations

import re

import k8s_support as k8s
from mythos_local.front_door import CONTENT_SECURITY_POLICY


def test_nginx_sends_the_front_doors_csp_with_the_app_shell() -> None:
    conf = (k8s.REPO_ROOT / "client" / "nginx.conf").read_text()
    shell = conf[conf.index("location / {") :]
    found = re.findall(r'add_header Content-Security-Policy "([^"]+)" always;', shell)
    assert found == [CONTENT_SECURITY_POLICY]
