"""Readable `--help`: click's plain metavars instead of Typer 0.29's type labels.

Typer 0.29 prints Python types in help (`--quiet <bool>`, `paths... <list[Path]>`, usage
`{paths}...`), which reads like a stack trace to someone who just wants the command line. This
swaps three small display methods for click's conventions: flags show no value, options show
`INTEGER` / `TEXT` / `[a|b]` (or their `metavar=`), arguments show their name in capitals
(`PATHS...`, `[ID]`). Help text only: parsing is untouched. Typer is pinned in pyproject.toml;
a test renders every command's help, so a Typer change that breaks this is caught there.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption

WORDS = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "bool": "", "Path": "PATH"}
WORDS.update(path="PATH", file="FILE", directory="DIR", datetime="DATETIME")


def _plain(label: str) -> str:
    """Typer's `<int range>`, `<list[str]>`, `<a|b>` as click writes them: INTEGER, TEXT, [a|b]."""
    label = label.strip("<>").removesuffix(" range")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    if "|" in label:
        return f"[{label}]"
    return WORDS.get(label, label.upper())


def _option_type(self: TyperOption, ctx: Any) -> str | None:
    if self.is_flag or self.count:
        return None  # a flag takes no value
    if self.metavar is not None:
        return self.metavar
    return _plain(self.display_type(ctx)) or None


def _argument_type(self: TyperArgument, ctx: Any) -> str | None:
    return None  # the name column already says what goes there


def _argument_name(self: TyperArgument) -> str:
    name = self.metavar or self.name.upper()
    if self.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name


def _argument_usage(self: TyperArgument) -> str:
    name = _argument_name(self)
    return name if self.required else f"[{name}]"


def install() -> None:
    """Patch Typer's help display (idempotent)."""
    TyperOption.display_type_rich = _option_type  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign]
    TyperArgument._rich_display_name = _argument_name  # type: ignore[method-assign]
    TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]
