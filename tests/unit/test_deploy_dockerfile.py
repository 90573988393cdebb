"""deploy/Dockerfile, linted with a small parser (hadolint is not available offline), and built
where a container builder answers.

The lint rules are the ones that matter for this image: a pinned base, a multi-stage build, a
numeric non-root USER, no ADD of URLs, pip without a cache, no secrets in ENV/ARG, the exposed
port equal to the served one and the Deployment's, a health check, and writable paths that exist
and belong to the run user.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from i3plat.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
IGNORE_FILE = REPO / "deploy" / "Dockerfile.dockerignore"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str
    line: int

    def exec_form(self) -> list[str]:
        parsed = json.loads(self.value)
        assert isinstance(parsed, list) and all(isinstance(x, str) for x in parsed), self
        return parsed


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped (parser directives too)."""
    out: list[Instruction] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer.append(line[:-1].strip())
            continue
        buffer.append(line)
        joined = " ".join(part for part in buffer if part)
        keyword, _, value = joined.partition(" ")
        out.append(Instruction(keyword.upper(), value.strip(), start))
        buffer = []
    assert not buffer, "the Dockerfile ends inside a continued line"
    return out


def env_pairs(value: str) -> dict[str, str]:
    """`ENV A=1 B="x y"` (the key=value form; the legacy `ENV A 1` form is refused)."""
    pairs = {}
    for item in shlex.split(value):
        key, sep, val = item.partition("=")
        assert sep, f"use ENV key=value, not {value!r}"
        pairs[key] = val
    return pairs


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    out: list[list[Instruction]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            out.append([])
        if out:
            out[-1].append(ins)
    return out


def global_args(instructions: list[Instruction]) -> dict[str, str]:
    args = {}
    for ins in instructions:
        if ins.keyword == "FROM":
            break
        if ins.keyword == "ARG":
            name, _, default = ins.value.partition("=")
            args[name] = default
    return args


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def final(instructions: list[Instruction]) -> list[Instruction]:
    return stages(instructions)[-1]


def test_the_parser_joins_continuations_and_skips_comments() -> None:
    parsed = parse_dockerfile("# c\nFROM a:1 AS b\nRUN x \\\n  # inner\n  && y\nUSER 1:1\n")
    assert [(i.keyword, i.value, i.line) for i in parsed] == [
        ("FROM", "a:1 AS b", 2),
        ("RUN", "x && y", 3),
        ("USER", "1:1", 6),
    ]


def test_base_images_are_pinned_and_the_build_is_multi_stage(instructions: list[Instruction]) -> None:
    args = global_args(instructions)
    froms = [i.value.split() for i in instructions if i.keyword == "FROM"]
    assert len(froms) >= 2, "multi-stage: build wheels in one stage, run in another"
    stage_names = {f[2] for f in froms if len(f) == 3 and f[1].upper() == "AS"}
    for words in froms:
        image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m[1] or m[2]], words[0])
        if image in stage_names:
            continue
        name, _, tag = image.rpartition("@")[0].partition(":") if "@" in image else image.partition(":")
        assert name, image
        assert "@sha256:" in image or re.fullmatch(r"\d+\.\d+\.\d+[-\w.]*", tag), f"unpinned base {image}"
        assert tag != "latest"
    copies_from_build = [i for i in stages(instructions)[-1] if i.keyword == "COPY" and "--from=" in i.value]
    assert copies_from_build, "the run stage takes the built venv from the build stage"


def test_runs_as_a_numeric_non_root_user(final: list[Instruction]) -> None:
    users = [i.value for i in final if i.keyword == "USER"]
    assert users, "the run stage must set USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0, "numeric uid, so runAsNonRoot can verify it"
    assert not gid or (gid.isdigit() and int(gid) > 0)
    last = max(i.line for i in final if i.keyword == "USER")
    assert not [i for i in final if i.keyword == "RUN" and i.line > last], "no RUN as the run user"


def test_no_add_of_urls_and_pip_keeps_no_cache(instructions: list[Instruction]) -> None:
    for ins in instructions:
        if ins.keyword == "ADD":
            assert "://" not in ins.value, f"ADD of a URL at line {ins.line}"
        if ins.keyword == "RUN":
            for command in re.split(r"&&|;", ins.value):
                if re.search(r"\bpip\b.*\b(install|wheel)\b", command):
                    assert "--no-cache-dir" in command, f"line {ins.line}: {command.strip()}"
                assert "curl " not in command and "wget " not in command, "nothing fetched at build"


def test_no_secrets_in_env_or_args(instructions: list[Instruction]) -> None:
    for ins in instructions:
        if ins.keyword == "ENV":
            names = env_pairs(ins.value)
        elif ins.keyword == "ARG":
            names = {ins.value.partition("=")[0]: ""}
        else:
            continue
        for name in names:
            assert not SECRET_NAME.search(name), f"{ins.keyword} {name} at line {ins.line}"


def test_port_health_check_and_command_agree_with_the_deployment(final: list[Instruction]) -> None:
    exposed = [i.value for i in final if i.keyword == "EXPOSE"]
    assert exposed == ["8050"]
    (entrypoint,) = [i.exec_form() for i in final if i.keyword == "ENTRYPOINT"]
    (cmd,) = [i.exec_form() for i in final if i.keyword == "CMD"]
    assert entrypoint == ["i3plat"]
    args = build_parser().parse_args(cmd)
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 8050)
    (health,) = [i.value for i in final if i.keyword == "HEALTHCHECK"]
    assert f"127.0.0.1:{args.port}/healthz" in health
    deployment = yaml.safe_load((REPO / "deploy" / "k8s" / "deployment.yaml").read_text())
    ports = {
        p["containerPort"]
        for c in deployment["spec"]["template"]["spec"]["containers"]
        for p in c.get("ports", [])
    }
    assert ports == {int(exposed[0])}


def test_writable_paths_exist_and_belong_to_the_run_user(final: list[Instruction]) -> None:
    env: dict[str, str] = {}
    for ins in final:
        if ins.keyword == "ENV":
            env.update(env_pairs(ins.value))
    data, metrics = env["I3PLAT_DATA_DIR"], env["PROMETHEUS_MULTIPROC_DIR"]
    uid = [i.value for i in final if i.keyword == "USER"][-1]
    runs = " ".join(i.value for i in final if i.keyword == "RUN")
    assert re.search(rf"mkdir -p [^&]*{re.escape(data)}\b", runs) and re.search(
        rf"mkdir -p [^&]*{re.escape(metrics)}", runs
    )
    owned = re.search(r"chown -R (\S+) ([^&]+)", runs)
    assert owned is not None and owned[1] == uid
    assert all(any(path.startswith(p) for p in owned[2].split()) for path in (data, metrics))
    volumes = [json.loads(i.value) for i in final if i.keyword == "VOLUME"]
    assert [data] in volumes
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1", "a read-only root cannot take .pyc files"


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes (directories recursively)."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, body) or fnmatch.fnmatch(p, body.replace("**/", "")) for p in prefixes):
            result = not negate
    return result


def test_the_build_context_is_an_allow_list(instructions: list[Instruction]) -> None:
    patterns = [
        line.strip()
        for line in IGNORE_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = [
        word
        for ins in instructions
        if ins.keyword == "COPY" and "--from=" not in ins.value
        for word in ins.value.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert (REPO / source).exists(), source
        assert not ignored(source, patterns), f"{source} is copied but ignored"
    for private in (
        ".venv/bin/python",
        ".git/config",
        "tests/conftest.py",
        "i3plat/__pycache__/x.pyc",
        "var/x",
    ):
        assert ignored(private, patterns), f"{private} would be sent to the builder"


# ---------------------------------------------------------------------------- the real build


def working_builder() -> tuple[list[str] | None, str]:
    """The build command of a builder that answers here, or None and why there is none."""
    for name in ("docker", "podman", "buildah"):
        path = shutil.which(name)
        if path is None:
            continue
        probe = [path, "info"]
        try:
            answered = subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            answered = False
        if not answered:
            continue
        if name == "docker":
            return [path, "build", "-f", str(DOCKERFILE)], ""
        if name == "podman":
            return [path, "build", "--ignorefile", str(IGNORE_FILE), "-f", str(DOCKERFILE)], ""
        return [path, "bud", "--ignorefile", str(IGNORE_FILE), "-f", str(DOCKERFILE)], ""
    found = [n for n in ("docker", "podman", "buildah") if shutil.which(n)]
    if found:
        return None, f"{', '.join(found)} installed but no container engine answers `info` (no daemon)"
    return None, "no container builder (docker, podman, buildah) on this machine"


@pytest.mark.timeout(1800)
def test_the_image_builds_and_runs_as_non_root() -> None:
    command, reason = working_builder()
    if command is None:
        pytest.skip(f"the Dockerfile is linted above; not built: {reason}")
    tag = "i3plat-console:test-build"
    subprocess.run([*command, "-t", tag, str(REPO)], check=True, timeout=1700)
    engine = command[0] if not command[0].endswith("buildah") else shutil.which("podman") or command[0]
    user = subprocess.run(
        [engine, "image", "inspect", "--format", "{{.Config.User}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert user == "10001:10001"
