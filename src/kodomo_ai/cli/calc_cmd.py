"""`kodomo-ai calc …`: run the judgment rules on JSON (or CSV) input and print JSON; build the municipal docs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from pydantic import BaseModel

from kodomo_ai.errors import InputError

MUNICIPALITY_OPTION = click.option(
    "--municipality",
    envvar="KODOMO_MUNICIPALITY",
    default=None,
    help="市町村ID（既定は設定値 KODOMO_MUNICIPALITY、なければ midori）。",
)
INPUT_OPTION = click.option(
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    default="-",
    show_default=True,
    help="入力JSONのファイル（- で標準入力）。",
)


def _fail(lines: list[str]) -> NoReturn:
    for line in lines:
        click.echo(f"入力エラー: {line}", err=True)
    sys.exit(2)


def _read_json(handle: Any) -> dict[str, Any]:
    try:
        data = json.load(handle)
    except json.JSONDecodeError as exc:
        _fail([f"input: JSONとして読めません（{exc.msg}、{exc.lineno}行{exc.colno}列）"])
    if not isinstance(data, dict):
        _fail(["input: JSONのオブジェクト（{...}）を指定してください"])
    return data


def _default_municipality(option: str | None) -> str:
    if option:
        return option
    from kodomo_ai.config import get_settings

    return get_settings().municipality


def _emit(result: BaseModel) -> None:
    click.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))


def _run(func: Callable[[dict[str, Any]], BaseModel], data: dict[str, Any]) -> None:
    from kodomo_ai.rules.allocation_csv import CsvRowsError

    try:
        result = func(data)
    except CsvRowsError as exc:
        _fail([str(problem) for problem in exc.problems])
    except InputError as exc:
        _fail([f"{exc.field}: {exc.reason}"])
    _emit(result)


@click.group("calc")
def calc() -> None:
    """判断ロジック（認定・無償化・児童手当・利用調整）を計算し、根拠つきのJSONを出力する."""


@calc.command("certification")
@INPUT_OPTION
@MUNICIPALITY_OPTION
def certification_cmd(input_file: Any, municipality: str | None) -> None:
    """教育・保育給付認定（1号/2号/3号、保育標準時間/短時間）を判定する."""
    from kodomo_ai.rules.certification import certify

    data = _read_json(input_file)
    data.setdefault("municipality", _default_municipality(municipality))
    _run(certify, data)


@calc.command("free-childcare")
@INPUT_OPTION
@MUNICIPALITY_OPTION
def free_childcare_cmd(input_file: Any, municipality: str | None) -> None:
    """無償化・施設等利用給付の上限、残る負担、副食費の免除を判定する."""
    from kodomo_ai.rules.free_childcare import assess_free_childcare

    data = _read_json(input_file)
    data.setdefault("municipality", _default_municipality(municipality))
    _run(assess_free_childcare, data)


@calc.command("allowance")
@INPUT_OPTION
def allowance_cmd(input_file: Any) -> None:
    """児童手当の月額・支払額・支給開始月を計算する（国の制度なので市町村は不要）."""
    from kodomo_ai.rules.child_allowance import calculate_child_allowance

    _run(calculate_child_allowance, _read_json(input_file))


@calc.command("allocation")
@click.option(
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="入力JSON（年度・施設・申込者）。",
)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="申込者のCSV（1行に1人）。",
)
@click.option(
    "--facilities",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="施設と定員のJSONまたはYAML（--csv と一緒に使う）。",
)
@click.option("--fiscal-year", type=int, default=None, help="入所する年度（--csv のとき必須。例: 2027）。")
@click.option("--explain-indexes", is_flag=True, help="申込者ごとの指数の内訳と計算の手順も出力する。")
@MUNICIPALITY_OPTION
def allocation_cmd(
    input_file: Any,
    csv_file: Path | None,
    facilities: Path | None,
    fiscal_year: int | None,
    explain_indexes: bool,
    municipality: str | None,
) -> None:
    """利用調整: 指数で順位をつけ、希望順に空きのある施設へ割り当てる."""
    from kodomo_ai.rules.allocation import allocate
    from kodomo_ai.rules.allocation_csv import allocation_input_from_files

    if csv_file is not None:
        if facilities is None or fiscal_year is None:
            _fail(["csv: --csv には --facilities と --fiscal-year も指定してください"])
        place = _default_municipality(municipality)
        _run(
            lambda _: allocate(
                allocation_input_from_files(csv_file, facilities, fiscal_year, place),
                explain_indexes=explain_indexes,
            ),
            {},
        )
        return
    data = _read_json(input_file if input_file is not None else sys.stdin)
    data.setdefault("municipality", _default_municipality(municipality))
    _run(lambda request: allocate(request, explain_indexes=explain_indexes), data)


@calc.command("build-docs")
@click.option(
    "--corpus-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="corpus フォルダ（既定は設定値）。",
)
@click.option("--check", is_flag=True, help="書き込まずに、YAMLと食い違う文書があれば終了コード1で知らせる。")
@MUNICIPALITY_OPTION
def build_docs_cmd(corpus_dir: Path | None, check: bool, municipality: str | None) -> None:
    """市町村のYAMLから corpus/municipal/<市町村>/ の文書（認定基準・利用調整基準表・保育料表）を作る."""
    from kodomo_ai.rules.documents import stale_municipal_documents, write_municipal_documents

    if corpus_dir is None:
        from kodomo_ai.config import get_settings

        corpus_dir = get_settings().corpus_dir
    place = _default_municipality(municipality)
    try:
        if check:
            stale = stale_municipal_documents(corpus_dir, place)
            for path in stale:
                click.echo(f"古い文書: {path}")
            if stale:
                sys.exit(1)
            click.echo("文書はYAMLと一致しています。")
            return
        changed = write_municipal_documents(corpus_dir, place)
    except InputError as exc:
        _fail([f"{exc.field}: {exc.reason}"])
    for path in changed:
        click.echo(f"書き込み: {path}")
    if not changed:
        click.echo("変更はありません。")
